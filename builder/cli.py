"""The `microquest` command: options in, library calls, messages out."""

from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .build import DEFAULT_FORMATS, FORMATS, SPLITS, build, check
from .errors import ContentErrors, MicroquestError
from .preview import PreviewServer

CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=True),
    default=Path("content"),
    show_default=True,
    help="The content folder (course.yaml, units/, canvases/ …).",
)
STRICT_OPTION = click.option("--strict", is_flag=True, help="Treat warnings (the seed's inconsistencies) as errors.")


def _report(error: MicroquestError, what: str) -> None:
    if isinstance(error, ContentErrors):
        for item in error.errors:
            click.echo(str(item), err=True)
        count = len(error.errors)
        click.echo(f"{count} error{'s' if count != 1 else ''} in the content; {what}", err=True)
    else:
        click.echo(f"error: {error}; {what}", err=True)
    raise SystemExit(1)


@click.group()
@click.version_option(__version__, prog_name="microquest")
def main() -> None:
    """Build the MICRO QUEST workshop curriculum into LMS packages."""


@main.command()
@CONTENT_OPTION
@STRICT_OPTION
def validate(content_dir: Path, strict: bool) -> None:
    """Check the content: schemas, ids, references, URLs, durations, numbering.

    Prints each problem as file:line: field: message. Warnings report where the
    seed itself is inconsistent; they do not fail the check unless --strict.

    Example:

        microquest validate --content content --strict
    """
    try:
        checked = check(content_dir, strict=strict)
    except MicroquestError as error:
        _report(error, "nothing was built")
    for item in checked.warnings:
        click.echo(str(item), err=True)
    course = checked.course
    click.echo(
        f"{content_dir}: {len(course.units)} units, {len(course.activities)} activities, "
        f"{len(course.canvases)} canvases; {len(checked.warnings)} warnings, 0 errors"
    )


@main.command(name="build")
@CONTENT_OPTION
@STRICT_OPTION
@click.option(
    "--format",
    "formats",
    type=click.Choice([*sorted(FORMATS), "all"]),
    multiple=True,
    default=DEFAULT_FORMATS,
    show_default=True,
    help="Output format; repeat for several, or 'all'.",
)
@click.option(
    "--split", type=click.Choice(SPLITS), default=None, help="One package per unit instead of one per course."
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Output folder; each format replaces only its own output there.",
)
def build_command(content_dir: Path, strict: bool, formats: tuple[str, ...], split: str | None, out_dir: Path) -> None:
    """Build the course's packages into the output folder.

    scorm12 (the default) and scorm2004 give one zip per course, or per unit
    with --split unit; html gives a browsable preview site in dist/html/. Nothing
    is written unless everything rendered and checked: on any error the output
    folder is left as it was.

    Example:

        microquest build --format scorm12 --format scorm2004 --out dist
    """
    if "all" in formats:
        formats = tuple(FORMATS)
    try:
        written = build(content_dir, out_dir, formats, split=split, strict=strict)
    except MicroquestError as error:
        _report(error, f"{out_dir} was not changed")
    for path in written:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("packages", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--dist",
    "dist_dir",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Where to find packages when none are named.",
)
@click.option("--port", type=int, default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--learner-id", default="learner-1", show_default=True, help="The learner the LMS reports.")
@click.option("--learner-name", default="Novak, Ana", show_default=True, help="The learner's name, 'Last, First'.")
@click.option("--fail-commits", is_flag=True, help="Refuse every commit, to see how a package copes.")
def preview(
    packages: tuple[Path, ...], dist_dir: Path, port: int, learner_id: str, learner_name: str, fail_commits: bool
) -> None:
    """Play SCORM packages in a local LMS (scorm-again) on 127.0.0.1.

    Open the printed address, launch a SCO, watch the LMS data model change,
    reload or relaunch to check that it resumes. Stop with Ctrl+C. Needs
    `npm ci` (scorm-again) in the project folder.

    Example:

        microquest build --format all && microquest preview --port 8000
    """
    chosen = list(packages) or sorted(p for p in Path(dist_dir).glob("*.zip") if "scorm" in p.name)
    if not chosen:
        _report(MicroquestError(f"no SCORM package in {dist_dir}: run `microquest build` first"), "nothing served")
    try:
        server = PreviewServer(
            chosen, port, learner_id=learner_id, learner_name=learner_name, fail_commits=fail_commits
        ).start()
    except MicroquestError as error:
        _report(error, "nothing served")
    click.echo(f"serving {len(chosen)} package(s) at {server.url} (Ctrl+C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
