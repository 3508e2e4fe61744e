"""The library API: check a content folder and build its outputs.

`cli.py` and the tests call these functions; they raise MicroquestError
subclasses for a user's mistake and never print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import package
from .errors import ContentErrors, SourceError
from .formats import html
from .load import load_content
from .model import Course, build_course
from .schema import schema_errors
from .validate import check_course

# format name -> (output name in dist/, function that renders every file of it)
FORMATS: dict[str, tuple[str, Callable[[Course], dict[str, bytes]]]] = {
    "html": ("html", html.files),
}


@dataclass(frozen=True)
class Checked:
    course: Course
    warnings: tuple[SourceError, ...]


def check(content_dir: Path, *, strict: bool = False) -> Checked:
    """Load and check the content; raise ContentErrors listing every error found.

    With strict, warnings (the seed's own inconsistencies) count as errors.
    """
    content = load_content(Path(content_dir))
    errors = [e for document in content.documents for e in schema_errors(document)]
    if errors:
        raise ContentErrors(errors)
    course = build_course(content)
    findings = check_course(course)
    warnings = [f for f in findings if f.warning]
    errors = [f for f in findings if not f.warning]
    if strict:
        errors += [SourceError(w.source, w.message) for w in warnings]
    if errors:
        raise ContentErrors(errors)
    return Checked(course, tuple(sorted(warnings, key=lambda w: w.source)))


def render(course: Course, formats: Sequence[str]) -> dict[str, dict[str, bytes]]:
    """Every file of every requested format, in memory: nothing is written yet."""
    return {FORMATS[name][0]: FORMATS[name][1](course) for name in formats}


def build(content_dir: Path, out_dir: Path, formats: Sequence[str] = ("html",), *, strict: bool = False) -> list[Path]:
    """Check, render and write the formats into out_dir; return the paths written.

    Everything is rendered before anything is written, and each output is moved
    into place whole, so a failed build leaves out_dir as it was.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; expected one of {sorted(FORMATS)}")
    checked = check(content_dir, strict=strict)
    outputs = render(checked.course, formats)
    return [package.write_tree(Path(out_dir) / name, files) for name, files in outputs.items()]
