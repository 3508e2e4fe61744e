"""`microquest validate`, `build` and `preview`: the content and its packages."""

from __future__ import annotations

from pathlib import Path

import click

from ..formats import ALL as ALL_FORMATS
from ..formats import DEFAULT as DEFAULT_FORMATS
from ..formats import NAMES as FORMATS
from ..formats import SPLITS
from .reporting import CONTENT_OPTION, STRICT_OPTION, fail, reported, sigterm_as_ctrl_c


@click.command()
@CONTENT_OPTION
@STRICT_OPTION
@click.option(
    "--editorial",
    is_flag=True,
    help='Also list every editorial string (a label marked editorial: true) as file:line: field: "text".',
)
def validate(content_dir: Path, strict: bool, editorial: bool) -> None:
    """Check the content: schemas, ids, references, URLs, durations, numbering.

    Prints each problem as file:line: field: message. Warnings report where the
    seed itself is inconsistent; they do not fail the check unless --strict.
    With --editorial, also lists the text the editor wrote instead of the seed's.

    Example:

        microquest validate --content content --strict --editorial
    """
    from ..build import check
    from ..validate import editorial_texts

    with reported("nothing was built"):
        checked = check(content_dir, strict=strict)
    if editorial:
        texts = editorial_texts(checked.course)
        for text in texts:
            click.echo(str(text))
        click.echo(f"{len(texts)} editorial strings")
    for item in checked.warnings:
        click.echo(str(item), err=True)
    course = checked.course
    click.echo(
        f"{content_dir}: {len(course.units)} units, {len(course.activities)} activities, "
        f"{len(course.canvases)} canvases; {len(checked.warnings)} warnings, 0 errors"
    )


@click.command(name="build")
@CONTENT_OPTION
@STRICT_OPTION
@click.option(
    "--format",
    "formats",
    type=click.Choice([*sorted(FORMATS), "all"]),
    multiple=True,
    default=DEFAULT_FORMATS,
    show_default=True,
    help="Output format; repeat for several, or 'all' (every format but pdf).",
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
    with --split unit; html gives a browsable preview site in dist/html/; pdf gives
    the facilitator guide and the worksheet pack in dist/pdf/ (not part of 'all':
    name it). Nothing is written unless everything rendered and checked: on any
    error the output folder is left as it was.

    Example:

        microquest build --format scorm12 --format scorm2004 --out dist
    """
    if "all" in formats:
        formats = (*ALL_FORMATS, *(name for name in formats if name not in ALL_FORMATS and name != "all"))
    from ..build import build

    with reported(f"{out_dir} was not changed"):
        written = build(content_dir, out_dir, formats, split=split, strict=strict)
    for path in written:
        click.echo(f"wrote {path}")


@click.command()
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
@click.option("--fail-commits", is_flag=True, help="Refuse every commit, to see how a package copes (SCORM).")
@click.option(
    "--format",
    "package_format",
    type=click.Choice(["scorm", "xapi", "cmi5"]),
    default="scorm",
    show_default=True,
    help="Which packages to play: SCORM in scorm-again, or xAPI/cmi5 launched against an LRS.",
)
@click.option(
    "--endpoint", help="xAPI/cmi5: the LRS to send to (default: microquest's own LRS, in memory, for the preview)."
)
@click.option("--auth", help="xAPI/cmi5: that LRS's Authorization value (or MICROQUEST_LRS_AUTH).")
def preview(
    packages: tuple[Path, ...],
    dist_dir: Path,
    port: int,
    learner_id: str,
    learner_name: str,
    fail_commits: bool,
    package_format: str,
    endpoint: str | None,
    auth: str | None,
) -> None:
    """Play the built packages in a local LMS on 127.0.0.1.

    SCORM: launch a SCO in scorm-again, watch the LMS data model change, reload or
    relaunch to check that it resumes (needs `npm ci`). xAPI and cmi5: launch the
    course or an AU the way an LMS does (Rustici launch; cmi5 fetch URL and
    LMS.LaunchData) against a real LRS, and watch the statements arrive. Stop with Ctrl+C.

    Example:

        microquest build --format all && microquest preview --format cmi5 --port 8000
    """
    chosen = list(packages) or sorted(p for p in Path(dist_dir).glob("*.zip") if package_format in p.name)
    if not chosen:
        kind = {"scorm": "SCORM", "xapi": "xAPI", "cmi5": "cmi5"}[package_format]
        fail(f"error: no {kind} package in {dist_dir}: run `microquest build` first; nothing served")
    if package_format != "scorm":
        _preview_launches(chosen, port, learner_id, learner_name, endpoint, auth)
        return
    from ..preview.scorm_player import PreviewServer

    with reported("nothing served"):
        server = PreviewServer(
            chosen, port, learner_id=learner_id, learner_name=learner_name, fail_commits=fail_commits
        ).start()
    click.echo(f"serving {len(chosen)} package(s) at {server.url} (Ctrl+C stops)")
    try:
        with sigterm_as_ctrl_c():
            server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")


def _preview_launches(
    packages: list[Path], port: int, learner_id: str, learner_name: str, endpoint: str | None, auth: str | None
) -> None:
    import os

    from ..preview.launch import serve_launches

    learner = {
        "objectType": "Agent",
        "name": learner_name,
        "account": {"homePage": "http://127.0.0.1/", "name": learner_id},
    }
    lrs = None
    if endpoint:
        from types import SimpleNamespace

        lrs = SimpleNamespace(endpoint=endpoint, auth=auth or os.environ.get("MICROQUEST_LRS_AUTH", ""))
    try:
        with reported("nothing served"), sigterm_as_ctrl_c():
            serve_launches(packages, lrs, port, learner=learner, announce=click.echo)
    except KeyboardInterrupt:
        click.echo("stopped")
