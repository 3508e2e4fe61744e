"""Files copied into the project from elsewhere stay byte for byte what their origin published."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.project import PROJECT

CHECKSUM_FILES = sorted(PROJECT.glob("*/**/SHA256SUMS"), key=str)


def recorded(checksums: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in checksums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        pairs.append((digest, name))
    return pairs


def test_every_vendored_folder_records_its_checksums():
    folders = {path.parent.relative_to(PROJECT).as_posix() for path in CHECKSUM_FILES}
    assert {"content/source", "scorm_templates/scorm12/xsd", "scorm_templates/cmi5/xsd"} <= folders


@pytest.mark.parametrize("checksums", CHECKSUM_FILES, ids=lambda p: p.parent.relative_to(PROJECT).as_posix())
def test_vendored_files_match_their_recorded_sha256(checksums: Path):
    pairs = recorded(checksums)
    assert pairs, f"{checksums} lists no file"
    for digest, name in pairs:
        assert hashlib.sha256((checksums.parent / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("checksums", CHECKSUM_FILES, ids=lambda p: p.parent.relative_to(PROJECT).as_posix())
def test_every_vendored_file_is_listed(checksums: Path):
    listed = {name for _, name in recorded(checksums)}
    present = {p.name for p in checksums.parent.iterdir() if p.is_file() and p.name not in ("SHA256SUMS", "README.md")}
    assert present == listed


def test_no_code_or_script_reads_the_project_brief_folder():
    """The repository stands alone: nothing that runs reaches for the project brief's folder beside a checkout."""
    folder = "sh" + "ared"  # the brief's folder name, spelt in parts so that this file does not match itself
    brief = f"../{folder}"
    code = [
        p
        for p in PROJECT.rglob("*")
        if p.suffix in (".py", ".mjs", ".js", ".cfg", ".toml", ".json")
        and not {"node_modules", "dist", ".git"} & set(p.relative_to(PROJECT).parts)
        and p != Path(__file__).resolve()
    ]
    code.append(PROJECT / ".ci" / "run")
    readers = [str(p.relative_to(PROJECT)) for p in code if p.is_file() and brief in p.read_text("utf-8", "replace")]
    readers += [
        str(p.relative_to(PROJECT))
        for p in code
        if p.suffix == ".py" and f'"{folder}"' in p.read_text("utf-8", "replace")
    ]
    assert readers == []
