"""Read content/ into documents that remember the line of every value.

This is the only module that reads the content folder.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import ContentErrors, Source, SourceError, field_path  # noqa: F401  (field_path: used by importers)
from .yaml_guard import Refused, load_yaml, read_text, syntax_error

# kind of document -> its file name, or the folder that holds one file per item
SINGLE_FILES = {
    "course": "course.yaml",
    "materials": "materials.yaml",
    "vocabularies": "vocabularies.yaml",
    "credential": "credential.yaml",
}
FOLDERS = {"unit": "units", "canvas": "canvases"}
MATERIALS_FOLDER = "materials"

# Limits on what a content file may hold, far above what the content needs (its largest file is
# about 10 KB, its longest text 750 characters, its deepest nesting 8 levels), so that hostile or
# broken YAML is refused in well under a second: pure-Python ruamel.yaml reads about 400 KB/s,
# and checking 80 000 list items against the schema takes 8 s and prints 80 000 errors.


@dataclass(frozen=True)
class Document:
    """One YAML file of the content: its data and the line of each field path."""

    kind: str
    path: str
    data: Any
    lines: dict[str, int] = field(repr=False)
    digest: str = field(default="", repr=False, compare=False)  # sha256 of the file's text

    def source(self, field_path: str = "") -> Source:
        """The source of a field, or of its nearest enclosing field that has a line."""
        probe = field_path
        while probe and probe not in self.lines:
            probe = _parent(probe)
        return Source(self.path, self.lines.get(probe, 1), field_path)


@dataclass(frozen=True)
class Content:
    folder: Path
    documents: tuple[Document, ...]
    material_files: dict[str, bytes]

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]

    def single(self, kind: str) -> Document | None:
        found = self.of_kind(kind)
        return found[0] if found else None


def display_path(path: Path) -> str:
    """The path as a person typed it: relative to the working folder when below it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


def _index_lines(node: Any, path: str, lines: dict[str, int]) -> None:
    if isinstance(node, CommentedMap):
        for key in node:
            child = field_path([path, key]) if path else str(key)
            lines[child] = node.lc.key(key)[0] + 1
            _index_lines(node[key], child, lines)
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            child = f"{path}[{index}]"
            lines[child] = node.lc.item(index)[0] + 1
            _index_lines(item, child, lines)


def _found(value: Any) -> str:
    """What a whole file holds when it is not a mapping, in the content's words."""
    if value is None:
        return "an empty file"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"only {str(value).lower()}"
    if isinstance(value, (int, float)):
        return "only a number"
    if isinstance(value, datetime.date):
        return "only a date"
    return "only a text"


def parse_document(kind: str, path: Path) -> Document:
    """Parse one YAML file; raise ContentErrors with its file and line if it cannot be read."""
    shown = display_path(path)
    text = read_text(path, shown)
    try:
        data = load_yaml(text)
    except Refused as refused:
        where = Source(shown, refused.line, refused.field or "")
        raise ContentErrors([SourceError(where, refused.message)]) from None
    except MarkedYAMLError as error:
        line, message = syntax_error(error, text)
        raise ContentErrors([SourceError(Source(shown, line), message)]) from None
    except YAMLError as error:
        raise ContentErrors([SourceError(Source(shown, 1), f"invalid YAML: {error}")]) from None
    if not isinstance(data, CommentedMap):
        message = f"expected a mapping of fields (key: value), found {_found(data)}"
        raise ContentErrors([SourceError(Source(shown, 1), message)])
    lines: dict[str, int] = {"": 1}
    _index_lines(data, "", lines)
    return Document(kind, shown, data, lines, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _content_files(folder: Path) -> Iterator[tuple[str, Path]]:
    for kind, name in SINGLE_FILES.items():
        yield kind, folder / name
    for kind, sub in FOLDERS.items():
        # sorted: the order of the listing must not depend on the file system
        for path in sorted((folder / sub).glob("*.yaml")):
            yield kind, path


def load_content(folder: Path) -> Content:
    """Read every content file of `folder`; collect every file's error before raising."""
    folder = Path(folder)
    if not folder.is_dir():
        message = "not a folder: expected the content folder (with course.yaml, units/, canvases/ …)"
        raise ContentErrors([SourceError(Source(display_path(folder), 0), message)])
    errors: list[SourceError] = []
    documents: list[Document] = []
    for kind, path in _content_files(folder):
        if not path.is_file():
            if kind in SINGLE_FILES:
                message = f"missing: the content folder needs {SINGLE_FILES[kind]}"
                errors.append(SourceError(Source(display_path(path), 0), message))
            continue
        try:
            documents.append(parse_document(kind, path))
        except ContentErrors as error:
            errors.extend(error.errors)
    if not any(d.kind == "unit" for d in documents) and not errors:
        message = "no unit files: expected one YAML file per learning unit here"
        errors.append(SourceError(Source(display_path(folder / FOLDERS["unit"]), 0), message))
    if errors:
        raise ContentErrors(errors)
    return Content(folder, tuple(documents), _material_files(folder / MATERIALS_FOLDER))


def _material_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
