"""The proofreader's checks (builder/proofreading*.py): each rule fires on a small edit of the real
content, and the real content yields exactly those of proofreader_warnings.py (the seed's own, kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import check
from builder.course_text import course_texts
from builder.load import display_path
from builder.proofreading import proofread
from tests.builder.proofreader_warnings import PROOFREADER_WARNINGS
from tests.project import CONTENT


def found(folder: Path, findings) -> set[tuple[str, str, str]]:
    """(file in the content folder, field, message) of each finding, paths as the test writes them."""
    folder = Path(folder).resolve()
    prefix = display_path(folder) + "/"
    return {
        (Path(f.source.path).resolve().relative_to(folder).as_posix(), f.source.field, f.message.replace(prefix, ""))
        for f in findings
    }


def warnings_of(folder: Path) -> set[tuple[str, str, str]]:
    return found(folder, check(folder).warnings)


def messages_at(folder: Path, path: str, field: str) -> list[str]:
    return sorted(m for p, f, m in warnings_of(folder) if (p, f) == (path, field))


def one_starting(messages: list[str], start: str) -> str:
    (message,) = [m for m in messages if m.startswith(start)]
    return message


def test_the_real_content_yields_exactly_the_proofreaders_warnings():
    findings = proofread(check(CONTENT).course)
    assert len(PROOFREADER_WARNINGS) == 65
    assert found(CONTENT, findings) == PROOFREADER_WARNINGS
    assert len(findings) == 65  # no warning twice at one place
    assert all(f.warning and f.source.line > 0 for f in findings)


def test_every_text_of_the_course_has_its_line_field_and_place():
    course = check(CONTENT).course
    texts = course_texts(course)
    assert all(t.source.line > 0 and t.source.field and t.place for t in texts)
    by_field = {(Path(t.source.path).name, t.source.field): t for t in texts}
    outcome = by_field[("u1.yaml", "activities[0].learning_outcomes.items[2]")]
    assert (outcome.source.line, outcome.text) == (15, "opisal/-a pomen mikrodokazil.")
    detail = by_field[("u4.yaml", "activities[0].description[0].points[3].details[0]")]
    assert detail.source.line == 42
    # the second activity of unit 7 is "aktivnost 7.2" although its file numbers it 7.1
    assert by_field[("u7.yaml", "activities[1].title")].place == "aktivnost 7.2"
    assert by_field[("levels.yaml", "title")].place == "aktivnost 4.2, kanvas"


# -- words and terms -------------------------------------------------------------------------------


def test_a_word_written_with_a_hyphen_where_the_course_writes_it_as_one(make_content):
    folder = make_content({"units/u1.yaml": ("kaj je mikrodokazilo, mentor", "kaj je mikro-dokazilo, mentor")})
    assert one_starting(
        messages_at(folder, "units/u1.yaml", "activities[0].description[0].paragraphs[0]"),
        "aktivnost 1.1: 'mikro-dokazilo' is written 'mikrodokazilo' elsewhere in the course (",
    )


def test_a_name_written_one_way_throughout_has_no_warning(make_content):
    folder = make_content({"course.yaml": ('project: "MICRO QUEST:', 'project: "MICROQUEST:')})
    assert not [w for w in warnings_of(folder) if "MICRO" in w[2]]


def test_a_known_term_used_two_ways(make_content):
    folder = make_content({"units/u1.yaml": ("mentor skupini predstavi", "moderator skupini predstavi")})
    assert one_starting(
        messages_at(folder, "units/u1.yaml", "activities[0].description[0].paragraphs[0]"),
        "aktivnost 1.1: 'moderator' for the person who leads the workshop; elsewhere the course says 'mentor' (20 times",
    )


def test_the_measure_learning_unit_is_also_the_units_name(make_content):
    folder = make_content({"course.yaml": ("opredeljena kot 60 minut", "opredeljena kot 45 minut")})
    assert one_starting(
        messages_at(folder, "course.yaml", "overview.paragraphs[0]"),
        "pregled učnih enot: 'učna enota' is defined here as 45 minutes, but it is also the name",
    )


def test_without_the_definition_the_name_is_not_a_measure(make_content):
    folder = make_content({"course.yaml": ("Učna enota je opredeljena kot 60 minut", "Učna enota traja 60 minut")})
    assert not [w for w in warnings_of(folder) if "'enota'" in w[2] or "is defined here" in w[2]]


def test_an_activity_that_calls_itself_this_unit(make_content):
    folder = make_content({"units/u1.yaml": ("Določi se vodjo skupine", "Ob koncu te enote se določi vodjo skupine")})
    assert messages_at(folder, "units/u1.yaml", "activities[0].description[2].paragraphs[0]") == [
        "aktivnost 1.1: 'te enote' calls this activity a unit ('enota'), but it is one of the 2 activities of unit 1"
    ]


def test_an_english_unit_of_time(make_content):
    folder = make_content({"units/u1.yaml": ("Svet ES. (3 minute)", "Svet ES. (3 minutes)")})
    assert "aktivnost 1.1: '3 minutes' is English: in Slovenian '3 minute'" in messages_at(
        folder, "units/u1.yaml", "activities[0].description[0].paragraphs[0]"
    )


def test_a_word_with_letters_slovenian_does_not_write(make_content):
    folder = make_content({"units/u1.yaml": ("na tabli (in drugih", "na whiteboardu (in drugih")})
    assert messages_at(folder, "units/u1.yaml", "activities[0].description[1].paragraphs[0]") == [
        "aktivnost 1.1: '10 minutes' is English: in Slovenian '10 minut'",
        "aktivnost 1.1: 'whiteboardu' is not a Slovenian word (Slovenian spelling has no 'w')",
    ]


def test_a_link_to_a_page_in_a_third_language(make_content):
    folder = make_content({"units/u5.yaml": ("europass/en/what-are", "europass/fr/what-are")})
    assert messages_at(folder, "units/u5.yaml", "activities[1].resources[0]") == [
        "aktivnost 5.2: the link opens the French edition of the page ('/fr/')"
    ]


def test_an_abbreviation_with_its_letters_swapped(make_content):
    folder = make_content({"units/u1.yaml": ("(na tabli ali v gradivu)", "(na tabli ali v gradivu EKO)")})
    assert one_starting(
        messages_at(folder, "units/u1.yaml", "activities[0].description[0].paragraphs[0]"),
        "aktivnost 1.1: 'EKO' and 'EOK' (units/u4.yaml:35) have the same letters in another order",
    )


def test_an_abbreviation_never_introduced(make_content):
    folder = make_content({"units/u1.yaml": ("(na tabli ali v gradivu)", "(na tabli ali v gradivu ZRSŠ)")})
    assert (
        "aktivnost 1.1: the abbreviation 'ZRSŠ' is never introduced (nowhere '… (ZRSŠ)'); the course uses it in 1 text"
    ) in messages_at(folder, "units/u1.yaml", "activities[0].description[0].paragraphs[0]")


def test_an_introduced_abbreviation_is_not_reported(make_content):
    folder = make_content({"units/u1.yaml": ("in Svet ES.", "in Svet Evropske skupnosti (ES).")})
    assert not [w for w in warnings_of(folder) if "'ES'" in w[2]]


# -- titles, references, canvases, links -------------------------------------------------------------


def test_an_overview_title_written_as_the_activity_writes_it_has_no_warning(make_content):
    folder = make_content({"course.yaml": ("[Kaj je mikrodokazilo,", "[Kaj je mikrodokazilo?,")})
    assert messages_at(folder, "course.yaml", "overview.units[0].contents[0]") == []
    assert messages_at(folder, "course.yaml", "overview.units[0].contents[1]")


def test_a_canvas_title_written_differently_from_its_activity(make_content):
    title = "Naštejte elemente za prepoznavanje MD"
    folder = make_content({"canvases/md-elements.yaml": (f"title: {title}", f"title: {title}.")})
    assert messages_at(folder, "canvases/md-elements.yaml", "title") == [
        f"aktivnost 2.1, kanvas: the title '{title}.' is the activity's '{title}' written differently"
    ]


def test_two_rows_of_the_overview_with_one_title(make_content):
    folder = make_content(
        {"course.yaml": ("      title: Korak za korakom\n", "      title: Opredelitev mikrodokazil\n")}
    )
    assert messages_at(folder, "course.yaml", "overview.units[4].title") == [
        "pregled učnih enot, učna enota 5: the same title as unit 1 ('Opredelitev mikrodokazil')"
    ]


@pytest.mark.parametrize(
    ("path", "edit", "field", "message"),
    [
        (
            "units/u4.yaml",
            ("aktivnosti 2 v Učni enoti 2", "aktivnosti 5 v Učni enoti 2"),
            "activities[0].description[0].points[3].details[0]",
            "aktivnost 4.1: 'aktivnosti 5 v Učni enoti 2' names no activity of the course",
        ),
        (
            "units/u4.yaml",
            ("V Učni enoti 3 so", "V Učni enoti 9 so"),
            "activities[0].description[0].paragraphs[0]",
            "aktivnost 4.1: 'Učni enoti 9' names no unit of the course",
        ),
        (
            "units/u3.yaml",
            ("vprašanju v kanvasu 1", "vprašanju v kanvasu 7"),
            "activities[1].description[0].points[3].text",
            "aktivnost 3.2: 'kanvasu 7' names no canvas: the canvases are numbered C1, C2, C3",
        ),
        (
            "units/u1.yaml",
            ("predhodnih opredelitev (aktivnost 1)", "predhodnih opredelitev (aktivnost 3)"),
            "activities[1].description[0].paragraphs[0]",
            "aktivnost 1.2: 'aktivnost 3' names no activity of the course",
        ),
    ],
)
def test_a_reference_that_names_nothing(make_content, path, edit, field, message):
    folder = make_content({path: edit})
    assert message in messages_at(folder, path, field)


def test_a_label_aktivnost_n_naming_a_part_of_an_activity(make_content):
    folder = make_content({"units/u1.yaml": ("Določi se vodjo skupine", "Aktivnost 3: Določi se vodjo skupine")})
    assert messages_at(folder, "units/u1.yaml", "activities[0].description[2].paragraphs[0]") == [
        "aktivnost 1.1: 'Aktivnost 3' names a part of this activity, but elsewhere 'aktivnost N' is activity N "
        "of a unit ('aktivnosti 2 v Učni enoti 2' in aktivnost 4.1)"
    ]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("U3/C4", "aktivnost 3.2: canvas U3/C4 is canvas C2 in the course order"),
        ("U4/C2", "aktivnost 3.2: canvas U4/C2 is named for unit 4, the activity is in unit 3"),
    ],
)
def test_a_canvas_number_out_of_order_or_of_another_unit(make_content, code, message):
    folder = make_content({"canvases/persona.yaml": ("code: U3/C2", f"code: {code}")})
    assert messages_at(folder, "units/u3.yaml", "activities[1].canvas") == [message]


def test_a_canvas_without_a_number_after_numbered_ones(make_content):
    folder = make_content({"canvases/levels.yaml": ("id: levels\n", "id: levels\ncode: U4/C4\n")})
    assert messages_at(folder, "units/u4.yaml", "activities[1].canvas") == []
    assert messages_at(folder, "units/u4.yaml", "activities[2].canvas") == [
        "aktivnost 4.3: its canvas has no number, the canvases before it are numbered (U3/C1, U3/C2, U4/C3, U4/C4)"
    ]


def test_a_link_the_text_speaks_of_that_the_activity_does_not_list(make_content):
    folder = make_content(
        {"units/u3.yaml": ("Ko bo vsaka skupina", "S klikom na povezavo si ogledajo primer. Ko bo vsaka skupina")}
    )
    assert messages_at(folder, "units/u3.yaml", "activities[0].description[2].paragraphs[0]") == [
        "aktivnost 3.1: the text sends the reader to a link ('klikom na povezavo'), but the activity lists none"
    ]


def test_a_video_among_the_resources_answers_the_materials_video(make_content):
    last = "      - https://europa.eu/europass/fi/how-issue-european-digital-credentials\n"
    folder = make_content({"units/u5.yaml": (last, last + "      - https://www.youtube.com/watch?v=bnjulFSpOsw\n")})
    assert messages_at(folder, "units/u5.yaml", "activities[1].materials[0].text") == []


# -- sentences and punctuation -------------------------------------------------------------------------


def test_a_sentence_that_stops_without_its_full_stop(make_content):
    folder = make_content({"units/u2.yaml": ("pokaže rešitev.\n", "pokaže rešitev\n")})
    assert messages_at(folder, "units/u2.yaml", "activities[0].description[3].paragraphs[0]") == [
        "aktivnost 2.1: the sentence stops without a full stop: ends with 'udeležencem pokaže rešitev'"
    ]


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (
            ("značilnosti mikrodokazila,\n", "značilnosti mikrodokazila.\n"),
            "activities[0].learning_outcomes.items[0]",
            "aktivnost 1.1: item 1 ends with '.', but the list goes on (its other items end with ',')",
        ),
        (
            ("pomen mikrodokazil.\n", "pomen mikrodokazil,\n"),
            "activities[0].learning_outcomes.items[2]",
            "aktivnost 1.1: the list's last item ends with ',', not '.'",
        ),
    ],
)
def test_the_punctuation_of_a_list_that_continues_its_lead(make_content, edit, field, message):
    folder = make_content({"units/u1.yaml": edit})
    assert messages_at(folder, "units/u1.yaml", field) == [message]


@pytest.mark.parametrize(
    ("path", "edit", "field", "message"),
    [
        (
            "units/u1.yaml",
            ("title: Kaj je mikrodokazilo?\n", "title: Kaj je mikrodokazilo??\n"),
            "activities[0].title",
            "aktivnost 1.1: doubled punctuation '??': one '?'",
        ),
        (
            "units/u1.yaml",
            ("Evropska komisija in Svet ES", "Evropska komisija - Svet ES"),
            "activities[0].description[0].paragraphs[0]",
            "aktivnost 1.1: a hyphen between spaces in 'komisija - Svet': a dash is 'komisija – Svet', "
            "a range 'komisija–Svet'",
        ),
        (
            "units/u1.yaml",
            ("kaj NI mikrodokazilo. (10 min.)", "kaj NI mikrodokazilo. (10-15 min.)"),
            "activities[1].description[0].paragraphs[0]",
            "aktivnost 1.2: a range written with a hyphen, '10-15': with a dash, '10–15'",
        ),
        (
            "units/u3.yaml",
            ("(teorije, tehnologije itd.)", "(teorije, tehnologije, itd.)"),
            "activities[0].description[1].points[0].text",
            "aktivnost 3.1: a comma before 'itd.' in 'tehnologije, itd.': Slovenian writes none",
        ),
        (
            "units/u2.yaml",
            ("Mentor udeležencem pokaže rešitev.", "Mentor pokaže in, kako rešiti nalogo."),
            "activities[0].description[3].paragraphs[0]",
            "aktivnost 2.1: a comma after 'in' in 'in, kako rešiti …': 'in' joins the clause, which takes no comma "
            "(only an inserted clause, closed by a second comma, does)",
        ),
        (
            "units/u3.yaml",
            ("dejavnikov, kot so časovne", "dejavnikov kot so časovne"),
            "activities[1].description[0].points[1].text",
            "aktivnost 3.2: no comma before 'kot so' in 'dejavnikov kot so': 'kot' opens a clause "
            "('dejavnikov, kot so …')",
        ),
    ],
)
def test_punctuation(make_content, path, edit, field, message):
    folder = make_content({path: edit})
    assert message in messages_at(folder, path, field)


def test_a_comma_after_in_that_opens_an_inserted_clause_is_right(make_content):
    folder = make_content({"units/u2.yaml": ("Mentor udeležencem pokaže rešitev.", "Mentor in, ko je čas, skupina.")})
    assert messages_at(folder, "units/u2.yaml", "activities[0].description[3].paragraphs[0]") == []


def test_a_point_that_breaks_its_lists_construction(make_content):
    folder = make_content({"units/u3.yaml": ("text: Razmislili, s katerimi", "text: Razmislite, s katerimi")})
    assert one_starting(
        messages_at(folder, "units/u3.yaml", "activities[0].description[1].points[2].text"),
        "aktivnost 3.1: point 3 begins 'Razmislite', an imperative, where the other points",
    )


def test_a_learning_outcome_that_speaks_to_you(make_content):
    folder = make_content({"units/u1.yaml": ("pomen mikrodokazil.\n", "pomen vaših mikrodokazil.\n")})
    assert messages_at(folder, "units/u1.yaml", "activities[0].learning_outcomes.items[2]") == [
        "aktivnost 1.1: 'vaših' speaks to 'you' in a learning outcome about the learner ('bo udeleženec/-ka lahko …')"
    ]
