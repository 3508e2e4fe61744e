"""Schema and cross-file checks: exact messages at exact lines."""

from __future__ import annotations

import pytest

from builder.build import check
from builder.errors import ContentErrors
from tests.builder.proofreader_warnings import PROOFREADER_WARNINGS
from tests.builder.test_load import errors_of
from tests.builder.test_proofreading import found, warnings_of
from tests.project import CONTENT

CONTENT_WARNINGS = {
    # what the seed itself gets wrong, reported but kept (SPEC §3): validate's structural checks (20);
    # the proofreader's (65) are in test_proofreading.py
    ("course.yaml", "introduction[1]", "the sentence is cut off: ends with 'način'"),
    (
        "units/u1.yaml",
        "activities[0].duration",
        "aktivnost 1.1: the steps add up to 16 min, the activity states 15 min",
    ),
    (
        "units/u1.yaml",
        "activities[1].duration",
        "aktivnost 1.2: the steps add up to 17 min, the activity states 15 min",
    ),
    (
        "units/u4.yaml",
        "activities[0].duration",
        "aktivnost 4.1: the steps add up to 85 min, the activity states 90 min",
    ),
    (
        "units/u5.yaml",
        "activities",
        "učna enota 5: the activities add up to 90 min, the overview table declares 2 learning units (120 min)",
    ),
    ("units/u7.yaml", "activities[1].number", "aktivnost 7.2: activity 7.1 is activity 7.2 in the course order"),
    (
        "units/u6.yaml",
        "activities[0].resources[9]",
        "aktivnost 6.1: the same URL is listed twice in this activity (also resources[1])",
    ),
    (
        "units/u6.yaml",
        "activities[1].materials",
        "aktivnost 6.2: activity 6.2 uses 'MicroQuest_Training_Unit 5.2_SI.pptx', a file of unit 5",
    ),
    ("units/u6.yaml", "activities[2].materials[0]", "aktivnost 6.3: 'predstavitev PowerPoint:' names no file or text"),
    ("units/u4.yaml", "title", "učna enota 4: the title differs from the overview table's 'Čas za vajo'"),
    ("units/u7.yaml", "activities[1].assessment", "aktivnost 7.2: the assessment of learning outcomes is empty"),
    (
        "units/u7.yaml",
        "activities[0].organisational_requirements",
        "aktivnost 7.1: organisational requirements are empty",
    ),
    (
        "units/u7.yaml",
        "activities[1].organisational_requirements",
        "aktivnost 7.2: organisational requirements are empty",
    ),
    ("units/u5.yaml", "title", "učna enota 5: the title differs from the overview table's 'Korak za korakom'"),
    ("units/u6.yaml", "title", "učna enota 6: the title differs from the overview table's 'Čas za vajo'"),
    (
        "units/u7.yaml",
        "title",
        "učna enota 7: the title differs from the overview table's 'Mikrodokazila v poklicnem in VŠ izobraževanju'",
    ),
    ("materials.yaml", "materials[1]", "'2 opredelitvi mikrodokazil' names no file type (such as .pptx or .pdf)"),
    ("materials.yaml", "materials[11]", "'MicroQuest_Training_Unit 6_SI' names no file type (such as .pptx or .pdf)"),
    (
        "materials.yaml",
        "materials[4]",
        "'MicroQuest_Training_Unit 3_Canvas Hanout_SI.pdf' and 'MicroQuest_Training_Unit 3_Canvas Handout_SI.pdf' "
        "(material 'u3-canvas-handout') differ by one letter: the same file?",
    ),
    (
        "credential.yaml",
        "eu_mandatory_elements.notional_workload.hours",
        "12 hours, but the activities add up to 11.5 hours (690 min; unit 5: 90 of 120 min)",
    ),
}


def test_shipped_content_is_valid_and_reports_the_seeds_inconsistencies():
    checked = check(CONTENT)
    assert len(checked.course.units) == 7
    assert len(checked.course.activities) == 16
    assert (len(CONTENT_WARNINGS), len(PROOFREADER_WARNINGS)) == (20, 65)
    assert found(CONTENT, checked.warnings) == CONTENT_WARNINGS | PROOFREADER_WARNINGS
    assert len(checked.warnings) == 85
    assert all(w.source.line > 0 for w in checked.warnings)


def test_the_credentials_workload_against_the_activities(make_content):
    hours = ("credential.yaml", "eu_mandatory_elements.notional_workload.hours")
    assert [m for p, f, m in warnings_of(CONTENT) if (p, f) == hours] == [
        "12 hours, but the activities add up to 11.5 hours (690 min; unit 5: 90 of 120 min)"
    ]
    # 5.2 of 60 minutes: unit 5 takes its 2 learning units, the course its 12 hours
    folder = make_content({"units/u5.yaml": ("    duration: 30\n", "    duration: 60\n")})
    assert [m for p, f, m in warnings_of(folder) if (p, f) == hours] == []


def test_hanout_typo_in_a_handout_name_is_a_warning():
    checked = check(CONTENT)
    messages = [w.message for w in checked.warnings]
    assert any("Hanout_SI.pdf' and 'MicroQuest_Training_Unit 3_Canvas Handout_SI.pdf'" in m for m in messages)


def test_strict_turns_the_seeds_inconsistencies_into_errors():
    with pytest.raises(ContentErrors) as raised:
        check(CONTENT, strict=True)
    assert len(raised.value.errors) == len(check(CONTENT).warnings)


def test_duration_without_number_is_reported_with_file_and_line(make_content):
    folder = make_content({"units/u3.yaml": ("    duration: 60\n", "    duration: 60 min\n")})
    assert errors_of(folder) == [
        f"{folder / 'units/u3.yaml'}:9: activities[0].duration: expected a whole number, found '60 min'"
    ]


def test_missing_required_field_names_the_field(make_content):
    folder = make_content({"units/u2.yaml": ("    title: ", "    naslov: ")})
    messages = errors_of(folder)
    assert f"{folder / 'units/u2.yaml'}:6: activities[0].title: required field is missing" in messages


def test_unknown_field_lists_the_expected_ones(make_content):
    folder = make_content({"units/u1.yaml": ("    duration: 15\n", "    duration: 15\n    trajanje: 15\n")})
    (message,) = errors_of(folder)
    assert message.startswith(
        f"{folder / 'units/u1.yaml'}:10: activities[0].trajanje: unknown field; expected one of: activity_types, assessment,"
    )


def test_unknown_activity_type_lists_the_vocabulary(make_content):
    folder = make_content({"units/u1.yaml": ("[razprava, skupinska", "[diskusija, skupinska")})
    assert errors_of(folder) == [
        f"{folder / 'units/u1.yaml'}:16: activities[0].activity_types[0]: expected one of: predavanje, razprava, "
        "skupinska aktivnost, individualna aktivnost, samostojno učenje; found 'diskusija'"
    ]


def test_duplicate_id_across_files_points_at_both(make_content):
    folder = make_content({"units/u2.yaml": ("id: u2-a1\n", "id: u1-a1\n")})
    assert (
        f"{folder / 'units/u2.yaml'}:6: activities[0].id: duplicate id 'u1-a1': "
        f"already used by the activity at {folder / 'units/u1.yaml'}:6"
    ) in errors_of(folder)


def test_dangling_canvas_reference_is_an_error(make_content):
    folder = make_content({"units/u3.yaml": ("\n    canvas: needs", "\n    canvas: needz")})
    messages = errors_of(folder)
    assert (
        f"{folder / 'units/u3.yaml'}:40: activities[0].canvas: 'needz' is not a canvas id "
        "(known: assessment-plan, competences, content-elements, issuing, levels, md-elements, needs, persona)"
    ) in messages


def test_dangling_material_reference_is_an_error(make_content):
    folder = make_content({"units/u1.yaml": ("material: u1-definitions", "material: u1-defs")})
    assert errors_of(folder) == [
        f"{folder / 'units/u1.yaml'}:19: activities[0].materials[1].material: 'u1-defs' is not a material id "
        "(known: u1-definitions … u7-slides)"
    ]


def test_unknown_vocabulary_of_a_choice_field_is_an_error(make_content):
    folder = make_content({"canvases/competences.yaml": ("vocabulary: bloom", "vocabulary: blooms")})
    (message,) = errors_of(folder)
    assert message.endswith("vocabulary: 'blooms' is not a vocabulary id")
    assert message.startswith(f"{folder / 'canvases/competences.yaml'}:")


def test_credential_criteria_must_reference_known_activities(make_content):
    folder = make_content({"credential.yaml": ("activities: [u1-a1, u1-a2, u2-a1", "activities: [u1-a1, u9-a1, u2-a1")})
    messages = errors_of(folder)
    assert any(
        m.startswith(f"{folder / 'credential.yaml'}:") and "'u9-a1' is not an activity id" in m for m in messages
    )


def test_malformed_url_is_an_error(make_content):
    folder = make_content(
        {"units/u1.yaml": ("- https://www.suny.edu/microcredentials/", "- https://www suny.edu/microcredentials/")}
    )
    (message,) = errors_of(folder)
    assert message.startswith(
        f"{folder / 'units/u1.yaml'}:36: activities[0].resources[3]: expected a URL starting with https://"
    )


def test_step_minutes_must_be_stated_in_the_step_text(make_content):
    folder = make_content({"units/u1.yaml": ("        minutes: 10\n", "        minutes: 12\n")})
    assert errors_of(folder) == [
        f"{folder / 'units/u1.yaml'}:27: activities[0].description[1].minutes: 12 minutes are not stated in the step's text"
    ]


def test_overview_row_must_name_a_unit_file(make_content):
    folder = make_content({"course.yaml": ("- unit: u7", "- unit: u8")})
    messages = errors_of(folder)
    assert any("'u8' is not a unit id" in m for m in messages)
    assert any("unit 'u7' has no row in the overview table" in m for m in messages)


def test_a_file_that_passed_its_schema_is_checked_again_once_it_changes(make_content, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from builder import schema

    schema._passed_folder.cache_clear()
    try:
        folder = make_content()
        check(folder)  # every file passes and is remembered
        remembered = list((tmp_path / "cache" / "microquest" / "schema-passed").iterdir())
        assert len(remembered) == len(list(folder.rglob("*.yaml")))
        unit = folder / "units" / "u2.yaml"
        unit.write_text(unit.read_text("utf-8").replace("    duration: 15\n", "    duration: petnajst\n", 1), "utf-8")
        with pytest.raises(ContentErrors) as raised:
            check(folder)
        assert [str(e).split(": ", 1)[1] for e in raised.value.errors] == [
            "activities[0].duration: expected a whole number, found 'petnajst'"
        ]
    finally:
        schema._passed_folder.cache_clear()


def test_an_unwritable_cache_folder_changes_nothing_but_speed(make_content, monkeypatch, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    from builder import schema

    schema._passed_folder.cache_clear()
    try:
        folder = make_content()
        assert check(folder).course.id == "mq-pr3"
        unit = folder / "units" / "u2.yaml"
        unit.write_text(unit.read_text("utf-8").replace("    duration: 15\n", "    duration: petnajst\n", 1), "utf-8")
        with pytest.raises(ContentErrors):
            check(folder)
    finally:
        schema._passed_folder.cache_clear()
