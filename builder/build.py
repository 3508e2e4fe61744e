"""The library API: check a content folder and build its outputs.

`cli.py` and the tests call these functions; they raise MicroquestError
subclasses for a user's mistake and never print.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import package
from .assemble import build_course
from .errors import BuildError, ContentErrors, SourceError
from .formats import DEFAULT, NAMES, outputs_function
from .formats import SPLITS as FORMAT_SPLITS
from .load import load_content
from .model import Course
from .schema import schema_errors
from .validate import check_course

# An output whose name ends in .zip is written as a zip; one holding a single file of
# its own name (the xAPI profile) as that file; any other as a folder.
FORMATS = NAMES
DEFAULT_FORMATS = DEFAULT
MANIFESTS = ("imsmanifest.xml", "tincan.xml", "cmi5.xml")
SPLITS = FORMAT_SPLITS


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


def render(course: Course, formats: Sequence[str], split: str | None = None) -> dict[str, dict[str, bytes]]:
    """Every file of every output of the requested formats, in memory: nothing is written yet."""
    outputs: dict[str, dict[str, bytes]] = {}
    for name in formats:
        outputs.update(outputs_function(name)(course, split))
    return outputs


def as_output(out_dir: Path, name: str, files: dict[str, bytes]) -> package.Output:
    """An output's bytes as they go to disk: a zip, a single file of its own name, or a folder."""
    target = Path(out_dir) / name
    if name.endswith(".zip"):
        # The manifest must sit first and at the zip root; Moodle rejects a nested one.
        first = next((m for m in MANIFESTS if m in files), None)
        return package.Output(target, package.zip_bytes(files, first=first))
    if list(files) == [name]:
        return package.Output(target, files[name])
    return package.Output(target, files)


def _check_options(formats: Sequence[str], split: str | None) -> None:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; expected one of {sorted(FORMATS)}")
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def course_outputs(
    content_dir: Path, out_dir: Path, formats: Sequence[str], split: str | None = None, strict: bool = False
) -> list[package.Output]:
    """Check and render one course into the outputs to write (zips made): everything but the writing."""
    checked = check(content_dir, strict=strict)
    outputs = render(checked.course, formats, split)
    return [as_output(out_dir, name, files) for name, files in outputs.items()]


def build(
    content_dir: Path,
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    split: str | None = None,
    strict: bool = False,
) -> list[Path]:
    """Check, render and write the formats into out_dir; return the paths written.

    Everything is rendered and checked before anything is written, and the outputs
    are replaced all together or not at all, so a failed build leaves out_dir as it was.
    """
    _check_options(formats, split)
    return package.replace_outputs(course_outputs(content_dir, out_dir, formats, split, strict))


def _catalogue_course(
    job: tuple[Path, Path, tuple[str, ...], str | None, bool],
) -> list[package.Output] | list[SourceError]:
    """One course's outputs, or its errors (as a list: it crosses back from a worker process)."""
    try:
        return course_outputs(*job)
    except ContentErrors as errors:
        return errors.errors


def build_catalogue(
    content_dirs: Sequence[Path],
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    split: str | None = None,
    strict: bool = False,
    jobs: int | None = None,
) -> list[Path]:
    """Build many courses, each into `out_dir/<its content folder's name>/`, all or nothing.

    Courses are checked and rendered in `jobs` processes (default: one per core; forked,
    so the schemas and templates already loaded here are shared); the errors of every
    course are collected, and only when none has any are the outputs written, together.
    """
    _check_options(formats, split)
    folders = [Path(folder) for folder in content_dirs]
    names = [folder.resolve().name for folder in folders]
    if len(set(names)) != len(names):
        raise BuildError("two content folders have the same name; each course is written to a folder of its name")
    check(folders[0])  # load schemas and templates once, before the workers fork
    work = [
        (folder, Path(out_dir) / name, tuple(formats), split, strict)
        for folder, name in zip(folders, names, strict=True)
    ]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(work) == 1:
        results = [_catalogue_course(job) for job in work]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            results = list(pool.map(_catalogue_course, work, chunksize=max(1, len(work) // (jobs * 4))))
    errors = [item for result in results for item in result if isinstance(item, SourceError)]
    if errors:
        raise ContentErrors(errors)
    return package.replace_outputs([item for result in results for item in result if isinstance(item, package.Output)])
