"""The command line: exit codes and messages, never a traceback for a user's mistake."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from builder.cli import main
from tests.builder.test_build import tree_digest
from tests.project import PROJECT


@pytest.fixture(autouse=True)
def in_project_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' defaults (`--content content`) are relative to where a user runs them: the project."""
    monkeypatch.chdir(PROJECT)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_validate_shipped_content_exits_0_with_warnings():
    result = run("validate")
    assert result.exit_code == 0
    assert "content: 7 units, 16 activities, 8 canvases; 85 warnings, 0 errors" in result.stdout
    assert (
        "content/units/u7.yaml:31: activities[1].number: warning: aktivnost 7.2: activity 7.1 is activity 7.2"
        in result.stderr
    )


def test_validate_editorial_lists_each_editorial_string_at_its_place_and_counts_them():
    result = run("validate", "--editorial")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        'content/canvases/competences.yaml:21: fields[1].label: "Koga potrebujete za spodbujanje razvoja '
        'opredeljenih kompetenc?"',
        'content/canvases/content-elements.yaml:34: fields[5].label: "Katero predhodno znanje ali raven '
        'potrebujejo udeleženci za vstop?"',
        'content/canvases/needs.yaml:10: fields[0].label: "Kateri so trenutni raziskovalni trendi na vašem področju?"',
        "3 editorial strings",
        "content: 7 units, 16 activities, 8 canvases; 85 warnings, 0 errors",
    ]


def test_validate_refuses_an_editorial_label_without_the_seeds_help(make_content):
    label = "    label: Določitev trajanja programa za pridobitev MD\n"
    folder = make_content({"canvases/content-elements.yaml": (label, label + "    editorial: true\n")})
    result = run("validate", "--content", str(folder))
    assert result.exit_code == 1
    assert (
        f"{folder}/canvases/content-elements.yaml:19: fields[1].editorial: an editorial label keeps the seed's "
        "wording as its help, and this field has no help"
    ) in result.stderr


def test_validate_strict_fails_on_the_seeds_warnings():
    result = run("validate", "--strict")
    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith("85 errors in the content; nothing was built")
    assert "Traceback" not in result.output


def test_build_with_bad_content_prints_file_line_field_and_exits_1(make_content, tmp_path):
    folder = make_content({"units/u3.yaml": ("    duration: 60\n", "    duration: 60 min\n")})
    result = run("build", "--content", str(folder), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{folder / 'units/u3.yaml'}:9: activities[0].duration: expected a whole number, found '60 min'",
        f"1 error in the content; {tmp_path / 'dist'} was not changed",
    ]
    assert not (tmp_path / "dist").exists()


def test_build_into_an_unwritable_place_exits_1_without_traceback(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run("build", "--out", str(tmp_path / "file" / "dist"))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"error: {tmp_path / 'file' / 'dist' / 'mq-pr3-scorm12.zip'}: cannot write the output: "
    )


def test_build_writes_the_html_site(tmp_path):
    result = run("build", "--format", "html", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout == f"wrote {tmp_path / 'html'}\n"
    assert (tmp_path / "html" / "index.html").is_file()


def test_unknown_format_is_refused_by_the_option():
    result = run("build", "--format", "docx")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


BAD_INPUTS = {
    "malformed YAML": {"units/u2.yaml": ("activities:\n", "activities: [\n")},
    "a tab": {"units/u1.yaml": ('\n    number: "1.1"', '\n\tnumber: "1.1"')},
    "missing required field": {"units/u2.yaml": ("    title: ", "    naslov: ")},
    "wrong type": {"units/u3.yaml": ("    duration: 60\n", "    duration: šestdeset\n")},
    "duplicate id": {"canvases/persona.yaml": ("id: persona", "id: needs")},
    "dangling reference": {"units/u1.yaml": ("material: u1-definitions", "material: u1-defs")},
    "unknown vocabulary value": {"units/u1.yaml": ("[razprava, skupinska", "[diskusija, skupinska")},
    "non-UTF-8 file": {"units/u1.yaml": (b"Kaj je mikrodokazilo?", "Kaj je mikrodokazilo č".encode("cp1250"))},
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_file_line_field_message_and_leaves_dist_as_it_was(case, make_content, tmp_path):
    out = tmp_path / "dist"
    assert run("build", "--out", str(out)).exit_code == 0
    before = tree_digest(out)
    folder = make_content(BAD_INPUTS[case])
    result = run("build", "--content", str(folder), "--out", str(out))
    assert result.exit_code == 1
    *errors, summary = result.stderr.splitlines()
    assert errors and all(re.match(rf"{re.escape(str(folder))}/\S+\.yaml:[1-9]\d*: \S", line) for line in errors)
    assert summary.endswith(f"in the content; {out} was not changed")
    assert "Traceback" not in result.output
    assert tree_digest(out) == before


def test_empty_content_folder_exits_1_and_names_the_missing_files(tmp_path):
    (tmp_path / "content").mkdir()
    result = run("validate", "--content", str(tmp_path / "content"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'content' / 'course.yaml'}: missing: the content folder needs course.yaml" in result.stderr


def test_preview_without_packages_says_what_to_do(tmp_path):
    result = run("preview", "--dist", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == f"error: no SCORM package in {tmp_path}: run `microquest build` first; nothing served\n"


def test_preview_of_a_file_that_is_not_a_package_is_a_clear_error(tmp_path):
    (tmp_path / "x-scorm12.zip").write_bytes(b"not a zip")
    result = run("preview", str(tmp_path / "x-scorm12.zip"), "--port", "0")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output


def test_preview_of_xapi_packages_without_any_built_says_to_build_first(tmp_path):
    result = CliRunner().invoke(main, ["preview", "--format", "xapi", "--dist", str(tmp_path)])
    assert result.exit_code == 1
    assert "no xAPI package in" in result.output and "microquest build" in result.output
    assert "Traceback" not in result.output


def test_the_console_script_exits_with_the_commands_code_and_everything_written(tmp_path):
    """`microquest build` and `validate` skip the interpreter's tear-down: nothing may be lost by it."""
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    script = Path(sys.executable).parent / "microquest"
    if not script.is_file():
        pytest.fail(f"{script} is missing: pip install -e . (see README)")
    built = subprocess.run(
        [str(script), "build", "--format", "scorm12", "--out", str(tmp_path / "dist")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout == f"wrote {tmp_path / 'dist' / 'mq-pr3-scorm12.zip'}\n"
    with zipfile.ZipFile(tmp_path / "dist" / "mq-pr3-scorm12.zip") as archive:
        assert archive.testzip() is None
    failed = subprocess.run(
        [str(script), "validate", "--content", str(tmp_path / "none")], capture_output=True, text=True, check=False
    )
    assert failed.returncode == 1
    assert failed.stderr.endswith("1 error in the content; nothing was built\n")
