"""Errors that point at the content: file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Source:
    """Where a value came from: a content file, its 1-based line, and the field path."""

    path: str
    line: int
    field: str = ""

    def __str__(self) -> str:
        # Line 0 means the whole file or folder, e.g. a file that is missing.
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class SourceError:
    """One finding about the content. Prints as `path:line: field: message`."""

    source: Source
    message: str
    warning: bool = False

    def __str__(self) -> str:
        field = f" {self.source.field}:" if self.source.field else ""
        kind = " warning:" if self.warning else ""
        return f"{self.source}:{field}{kind} {self.message}"


class MicroquestError(Exception):
    """A user's mistake: the command line prints it and exits 1, without a traceback.

    After it, the command line says what was left unchanged ("dist was not changed").
    `changed` says otherwise when that would not be true.
    """

    def __init__(self, message: str = "", *, changed: str | None = None):
        super().__init__(message)
        self.changed = changed


class ContentErrors(MicroquestError):
    """Every error found in the content, collected before giving up."""

    def __init__(self, errors: list[SourceError]):
        self.errors = sorted(errors, key=lambda e: e.source)
        super().__init__("\n".join(str(e) for e in self.errors))


class BuildError(MicroquestError):
    """The build could not write its output."""


def field_path(parts: Iterable[str | int]) -> str:
    """`activities[0].duration` from ("activities", 0, "duration"), as errors name a field."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
