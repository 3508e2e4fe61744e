"""Bad input: each mistake gives one clear file:line: field: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import check
from builder.errors import ContentErrors


def errors_of(folder: Path, **options) -> list[str]:
    with pytest.raises(ContentErrors) as raised:
        check(folder, **options)
    return [str(e) for e in raised.value.errors]


def test_malformed_yaml_is_reported_with_file_and_line(make_content):
    folder = make_content({"units/u2.yaml": ("activities:\n", "activities: [\n")})
    (message,) = errors_of(folder)
    assert message.startswith(f"{folder / 'units/u2.yaml'}:")
    assert "invalid YAML" in message


def test_tab_indentation_is_reported_as_a_tab(make_content):
    folder = make_content({"units/u1.yaml": ('\n    number: "1.1"', '\n\tnumber: "1.1"')})
    assert errors_of(folder) == [
        f"{folder / 'units/u1.yaml'}:7: a tab character: YAML indents with spaces only, replace the tab with spaces"
    ]


def test_non_utf8_file_names_the_line_of_the_bad_byte(make_content):
    folder = make_content({"units/u1.yaml": (b"Kaj je mikrodokazilo?", "Kaj je mikrodokazilo č".encode("cp1250"))})
    assert errors_of(folder) == [
        f"{folder / 'units/u1.yaml'}:8: not UTF-8: byte 0xe8 cannot be decoded; save the file as UTF-8"
    ]


def test_duplicate_yaml_key_is_an_error(make_content):
    folder = make_content(
        {"units/u1.yaml": ("title: Opredelitev mikrodokazil\n", "title: Opredelitev mikrodokazil\ntitle: x\n")}
    )
    (message,) = errors_of(folder)
    assert message.startswith(f"{folder / 'units/u1.yaml'}:5: invalid YAML: found duplicate key")


def test_empty_file_expects_a_mapping(make_content):
    folder = make_content({"canvases/needs.yaml": ""})
    assert errors_of(folder) == [
        f"{folder / 'canvases/needs.yaml'}:1: expected a mapping of fields (key: value), found an empty file"
    ]


def test_empty_content_folder_names_the_missing_files(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    messages = errors_of(folder)
    assert f"{folder / 'course.yaml'}: missing: the content folder needs course.yaml" in messages
    assert len(messages) == 4


def test_folder_without_units_is_an_error(make_content, tmp_path):
    folder = make_content()
    for path in (folder / "units").glob("*.yaml"):
        path.unlink()
    assert errors_of(folder) == [f"{folder / 'units'}: no unit files: expected one YAML file per learning unit here"]


def test_errors_of_several_files_are_all_reported(make_content):
    folder = make_content({"units/u1.yaml": ('\n    number: "1.1"', '\n\tnumber: "1.1"'), "canvases/needs.yaml": ""})
    assert len(errors_of(folder)) == 2
