"""Statements files and Moodle report downloads: read whole, or refused with file:line."""

from __future__ import annotations

import json

import pytest

from builder.awarding import moodle_course
from tests.xapi.award.helpers import (
    CANVASES,
    COURSE,
    CREDENTIAL,
    SITE,
    completed,
    everything,
    mbox,
    write_array,
    write_jsonl,
)
from tests.xapi.award.moodle import ACTIVITY_IDS, FINISHED, STARTED, Attempt, Learner, fputcsv, report, write
from xapi.agents import Identities
from xapi.award.criteria import compile_criteria
from xapi.award.moodle_report import read_moodle_report
from xapi.award.run import evaluate_batches
from xapi.award.sources import SourceReadError, read_statements_file

CRITERIA = compile_criteria(CREDENTIAL.criteria, COURSE.base_iri, COURSE.id)
MOODLE = moodle_course(COURSE)
ALL_DONE = dict.fromkeys(ACTIVITY_IDS, "Completed")
CANVAS_ACTIVITY = {a.canvas_id: a.id for a in COURSE.activities if a.canvas_id}


def answers(*canvases: str) -> dict[str, list[tuple[str, str]]]:
    """The interactions lms.js records on submission: ids '<activity id>-<field id>'."""
    return {
        CANVAS_ACTIVITY[c]: [(f"{CANVAS_ACTIVITY[c]}-f1", "Odgovor"), (f"{CANVAS_ACTIVITY[c]}-f2", "Še en")]
        for c in canvases
    }


def standing(*batches) -> dict[str, tuple[str, ...]]:
    evaluator, _ = evaluate_batches(CRITERIA, batches, Identities())
    return {e.person: e.missing for e in evaluator.results()}


# -- statements files ----------------------------------------------------------------------


def test_json_lines_and_json_array_files_give_the_same_statements(tmp_path):
    statements = everything(mbox("ana"))
    lines = read_statements_file(write_jsonl(tmp_path / "s.jsonl", statements))
    array = read_statements_file(write_array(tmp_path / "s.json", statements))
    assert list(lines.statements) == list(array.statements) == statements


def test_a_line_that_is_not_json_is_reported_with_its_line(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana"))[:3])
    path.write_text(path.read_text() + "\n{not json}\n")
    with pytest.raises(SourceReadError) as raised:
        list(read_statements_file(path).statements)  # read as the evaluation consumes them
    assert str(raised.value) == (
        f"{path}:5: expected one JSON statement per line: Expecting property name enclosed in double quotes at column 2"
    )


def test_a_malformed_statement_in_an_array_points_at_its_line(tmp_path):
    statements = everything(mbox("ana"))[:3]
    statements[2]["verb"] = "completed"
    batch = read_statements_file(write_array(tmp_path / "s.json", statements))
    with pytest.raises(SourceReadError) as raised:
        evaluate_batches(CRITERIA, [batch], Identities())
    # The error names the line where the third statement's object starts.
    start = [i for i, text in enumerate((tmp_path / "s.json").read_text().splitlines(), 1) if text == "  {"][2]
    assert str(raised.value) == f"{tmp_path / 's.json'}:{start}: verb: expected an object, found the string 'completed'"


def test_a_truncated_array_is_refused(tmp_path):
    path = write_array(tmp_path / "s.json", everything(mbox("ana"))[:2])
    text = path.read_text()
    path.write_text(text[: text.rindex("}")])
    with pytest.raises(SourceReadError, match=r"s\.json:\d+: \[1\]: expected a statement \(a JSON object\)"):
        list(read_statements_file(path).statements)


def test_an_empty_file_and_a_missing_file_are_refused(tmp_path):
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(SourceReadError, match=r"empty\.json:1: expected statements \(a JSON array or JSON lines\)"):
        read_statements_file(tmp_path / "empty.json")
    with pytest.raises(SourceReadError, match=r"missing\.json: cannot read the statements file"):
        read_statements_file(tmp_path / "missing.json")


def test_a_statement_without_an_id_counts_and_a_blank_line_is_skipped(tmp_path):
    statement = completed(mbox("ana"), "u1-a1")
    del statement["id"]
    path = tmp_path / "s.jsonl"
    path.write_text("\n" + json.dumps(statement) + "\n\n")
    batch = read_statements_file(path)
    assert standing(batch)["mbox:mailto:ana@example.si"][0] == "activity:u1-a2"


# -- Moodle reports ------------------------------------------------------------------------


def test_basic_report_completed_and_passed_scos_count_across_attempts(tmp_path):
    first = Attempt({a: "Completed" for a in ACTIVITY_IDS[:8]})
    second = Attempt({**{a: "Passed" for a in ACTIVITY_IDS[8:]}, ACTIVITY_IDS[0]: "Incomplete"}, number="2")
    text = report(
        [
            Learner("Ana Novak", "ana@example.si", "anovak", [first, second]),
            Learner("Bojan Kralj", "bojan@example.si", "bkralj", [Attempt({ACTIVITY_IDS[0]: "Incomplete"})]),
            Learner("Cvetka Zupan", "cvetka@example.si", "czupan", [Attempt()]),
        ]
    )
    batch = read_moodle_report(write(tmp_path / "basic.txt", text), SITE, MOODLE)
    result = standing(batch)
    # The basic report shows no interactions: canvases stay missing.
    assert result["mbox:mailto:ana@example.si"] == tuple(f"canvas:{c}" for c in CANVASES)
    assert len(result["mbox:mailto:bojan@example.si"]) == 16 + len(CANVASES)
    assert "mbox:mailto:cvetka@example.si" in result


def test_interactions_report_shows_submitted_canvases(tmp_path):
    text = report(
        [
            Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE, answers(*CANVASES))]),
            Learner("Bojan Kralj", "bojan@example.si", "bkralj", [Attempt(ALL_DONE, answers(*CANVASES[1:]))]),
        ],
        identity=("Email address", "Username"),
        interactions=2,
    )
    batch = read_moodle_report(write(tmp_path / "interactions.txt", text), SITE, MOODLE)
    result = standing(batch)
    assert result == {"mbox:mailto:ana@example.si": (), "mbox:mailto:bojan@example.si": (f"canvas:{CANVASES[0]}",)}
    # Username and email of one row are one person: the account and the mbox are joined.
    assert (f"account:{SITE} anovak", "mbox:mailto:ana@example.si") in batch.aliases


def test_the_single_sco_scorm_2004_course_counts_every_activity_once_completed_and_canvases_by_interaction_id(
    tmp_path,
):
    # The default 2004 package is one SCO titled as the course; lms.js names each interaction
    # '<activity id>-<field>', so the canvases are told apart inside the one SCO.
    recorded = [pair for pairs in answers(*CANVASES).values() for pair in pairs]
    width = len(recorded)
    headers = ["Name", "Email address", "Attempt", "Started on", "Last accessed on", "Score", COURSE.title]
    headers += [f"{kind} {n}" for n in range(width) for kind in ("Question", "Response")]
    ana = ["Ana Novak", "ana@example.si", "1", STARTED, FINISHED, "0", "Completed"]
    ana += [cell for pair in recorded for cell in pair]
    bojan = ["Bojan Kralj", "bojan@example.si", "1", STARTED, FINISHED, "0", "Incomplete"]
    bojan += [cell for pair in recorded[:2] for cell in pair] + [""] * (2 * (width - 2))
    text = fputcsv(headers) + fputcsv(ana) + fputcsv(bojan)
    result = standing(read_moodle_report(write(tmp_path / "single.txt", text), SITE, MOODLE))
    assert result["mbox:mailto:ana@example.si"] == ()
    # Not completed: every activity still missing, and only the canvas its interactions name is submitted.
    missing = result["mbox:mailto:bojan@example.si"]
    assert len(missing) == 16 + len(CANVASES) - 1 and f"canvas:{CANVASES[0]}" not in missing


def test_interactions_report_with_responses_only_counts_any_response(tmp_path):
    text = report(
        [Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE, answers(*CANVASES))])],
        interactions=2,
        kinds=("Response",),
    )
    assert standing(read_moodle_report(write(tmp_path / "r.txt", text), SITE, MOODLE)) == {
        "mbox:mailto:ana@example.si": ()
    }


def test_report_with_username_only_identifies_learners_by_moodle_account(tmp_path):
    text = report([Learner("Ana Novak", "", "anovak", [Attempt(ALL_DONE)])], identity=("Username",))
    result = standing(read_moodle_report(write(tmp_path / "u.txt", text), SITE + "/", MOODLE))
    assert list(result) == [f"account:{SITE} anovak"]


def test_report_with_an_email_column_in_another_language_is_recognised_by_its_addresses(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "", [Attempt(ALL_DONE)])]).replace(
        "Email address", "E-poštni naslov", 1
    )
    assert list(standing(read_moodle_report(write(tmp_path / "sl.txt", text), SITE, MOODLE))) == [
        "mbox:mailto:ana@example.si"
    ]


def test_a_truncated_report_is_refused_with_its_file_and_line(tmp_path):
    text = report(
        [
            Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE)]),
            Learner("Bojan Kralj", "bojan@example.si", "bkralj", [Attempt(ALL_DONE)]),
        ]
    )
    path = write(tmp_path / "cut.txt", text[: text.rindex("Completed") - 1])
    with pytest.raises(SourceReadError) as raised:
        read_moodle_report(path, SITE, MOODLE)
    assert str(raised.value).startswith(f"{path}:3: ")


def test_a_report_cut_at_a_row_boundary_within_a_cell_is_refused(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE)])])
    path = write(tmp_path / "cut.txt", text[:-40] + "\n")
    with pytest.raises(SourceReadError, match=r"cut\.txt:2: expected 22 columns as the header describes, found \d+"):
        read_moodle_report(path, SITE, MOODLE)


def test_an_unknown_status_is_refused_naming_line_and_column(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt({"u1-a1": "Zaključeno"})])])
    with pytest.raises(SourceReadError) as raised:
        read_moodle_report(write(tmp_path / "s.txt", text), SITE, MOODLE)
    assert str(raised.value) == (
        f"{tmp_path / 's.txt'}:2: column 7 (1.1 Kaj je mikrodokazilo?): expected a SCORM status "
        "(Completed, Passed, Incomplete, Failed, Browsed, Not attempted) or a score, found 'Zaključeno'"
    )


def test_a_basic_report_without_track_details_is_refused_with_what_to_do(tmp_path):
    text = 'Name\tEmail address\tAttempt\t"Started on"\t"Last accessed on"\tScore\n"Ana Novak"\tana@example.si\t1\tx\ty\t0\n'
    with pytest.raises(
        SourceReadError, match=r"b\.txt:1: no column is a SCO of this course: .*'Track details' set to Yes"
    ):
        read_moodle_report(write(tmp_path / "b.txt", text), SITE, MOODLE)


def test_a_column_that_is_no_sco_of_the_course_is_a_warning_naming_it_and_is_not_counted(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE)])])
    text = text.replace("1.2 Kaj ne spada med mikrodokazila?", "Quiz 2", 1)
    path = write(tmp_path / "o.txt", text)
    batch = read_moodle_report(path, SITE, MOODLE)
    assert [str(w) for w in batch.warnings] == [
        f"{path}:1: column 8: 'Quiz 2' is not a SCO of this course, so its completions are not counted"
    ]
    assert standing(batch)["mbox:mailto:ana@example.si"][0] == f"activity:{ACTIVITY_IDS[1]}"


@pytest.mark.parametrize("interactions", [0, 2])
def test_an_unknown_first_sco_is_not_taken_for_an_identity_field(tmp_path, interactions):
    # Before the first SCO this course knows, an unknown one used to pass for an identity column.
    learners = [Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE, answers(*CANVASES))])]
    text = report(learners, interactions=interactions).replace("1.1 Kaj je mikrodokazilo?", "Quiz 1", 1)
    path = write(tmp_path / "first.txt", text)
    batch = read_moodle_report(path, SITE, MOODLE)
    assert [str(w) for w in batch.warnings] == [
        f"{path}:1: column 7: 'Quiz 1' is not a SCO of this course, so its completions are not counted"
    ]
    missing = standing(batch)["mbox:mailto:ana@example.si"]
    assert missing[0] == f"activity:{ACTIVITY_IDS[0]}"
    assert len(missing) == (1 if interactions else 1 + len(CANVASES))


def test_an_unknown_first_sco_of_a_site_in_another_language_is_found_by_its_statuses(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE)])])
    header, rest = text.split("\n", 1)
    header = header.replace("1.1 Kaj je mikrodokazilo?", "Kviz 1")
    for english, slovenian in zip(
        ("Email address", "Attempt", '"Started on"', '"Last accessed on"', "Score"),
        ("E-pošta", "Poskus", "Začeto", '"Zadnji dostop"', "Rezultat"),
        strict=True,
    ):
        header = header.replace(english, slovenian, 1)
    path = write(tmp_path / "sl.txt", f"{header}\n{rest}")
    batch = read_moodle_report(path, SITE, MOODLE)
    assert [str(w) for w in batch.warnings] == [
        f"{path}:1: column 7: 'Kviz 1' is not a SCO of this course, so its completions are not counted"
    ]
    assert list(standing(batch)) == ["mbox:mailto:ana@example.si"]


def test_a_report_without_email_or_username_is_refused(tmp_path):
    text = report([Learner("Ana Novak", "", "", [Attempt(ALL_DONE)])], identity=("ID number",))
    with pytest.raises(SourceReadError, match=r"n\.txt:1: expected an 'Email address' or 'Username' column"):
        read_moodle_report(write(tmp_path / "n.txt", text), SITE, MOODLE)


def test_a_spreadsheet_download_is_refused_with_what_to_download(tmp_path):
    (tmp_path / "r.ods").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(SourceReadError, match=r"r\.ods: this is a spreadsheet .* text format instead"):
        read_moodle_report(tmp_path / "r.ods", SITE, MOODLE)


def test_the_moodle_site_must_be_an_address(tmp_path):
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(ALL_DONE)])])
    with pytest.raises(SourceReadError, match=r"the Moodle site must be its address"):
        read_moodle_report(write(tmp_path / "r.txt", text), "moodle.example.si", MOODLE)


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_an_array_read_in_chunks_of_any_size_gives_the_same_statements_and_lines(tmp_path, monkeypatch, chunk):
    from xapi.award import sources

    statements = everything({"objectType": "Agent", "name": "Čebelica Žužek", "mbox": "mailto:ana@example.si"})[:5]
    path = write_array(tmp_path / "s.json", statements)
    monkeypatch.setattr(sources, "_CHUNK", chunk)
    batch = read_statements_file(path)
    assert list(batch.statements) == statements
    starts = [i for i, text in enumerate(path.read_text().splitlines(), 1) if text == "  {"]
    assert [batch.locate(i) for i in range(5)] == [str(line) for line in starts]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": "a"},]', "[1]: expected a statement (a JSON object): Expecting value"),
        ('[{"id": "a"} {"id": "b"}]', "expected ',' or ']', found '{'"),
        ('[{"id": "a"},', "[1]: expected a statement (a JSON object): Expecting value"),
        ('[{"id": "a"}', "expected ',' or ']', found the end of the file (is it cut short?)"),
        ('[{"id": "a"}] x', "expected the end of the file after the array's ']'"),
    ],
    ids=["trailing comma", "missing comma", "cut after a comma", "cut after a statement", "text after the array"],
)
def test_a_broken_array_is_one_error_at_its_place(tmp_path, monkeypatch, text, message):
    from xapi.award import sources

    monkeypatch.setattr(sources, "_CHUNK", 3)
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceReadError) as raised:
        list(read_statements_file(path).statements)
    assert str(raised.value) == f"{path}:1: {message}"


def test_statements_are_read_as_they_are_evaluated_not_all_at_once(tmp_path):
    path = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    batch = read_statements_file(path)
    assert not isinstance(batch.statements, list)
    first = next(iter(batch.statements))
    assert first["actor"]["mbox"] == "mailto:ana@example.si" and batch.locate(0) == "1"
