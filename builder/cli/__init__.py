"""The `microquest` command: options in, library calls, messages out."""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..build import DEFAULT_FORMATS, FORMATS, SPLITS, build, check
from ..errors import ContentErrors, MicroquestError
from ..preview.scorm_player import PreviewServer
from .credential_commands import keys_group, revocations_command, verify_command

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
@click.option("--fail-commits", is_flag=True, help="Refuse every commit, to see how a package copes (SCORM).")
@click.option(
    "--format",
    "package_format",
    type=click.Choice(["scorm", "xapi", "cmi5"]),
    default="scorm",
    show_default=True,
    help="Which packages to play: SCORM in scorm-again, or xAPI/cmi5 launched against an LRS.",
)
@click.option("--endpoint", help="xAPI/cmi5: the LRS to send to (default: a local ralph started for the preview).")
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
        _report(MicroquestError(f"no {kind} package in {dist_dir}: run `microquest build` first"), "nothing served")
    if package_format != "scorm":
        _preview_launches(chosen, port, learner_id, learner_name, endpoint, auth)
        return
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
        serve_launches(packages, lrs, port, learner=learner, announce=click.echo)
    except KeyboardInterrupt:
        click.echo("stopped")
    except MicroquestError as error:
        _report(error, "nothing served")


@main.command(name="lrs")
@click.option("--port", type=int, default=8300, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the statements in this folder, from run to run (default: a temporary folder, removed at the end).",
)
def lrs_command(port: int, data_dir: Path | None) -> None:
    """Run a local LRS (ralph, from PyPI) on 127.0.0.1 for trials, until Ctrl+C.

    Prints the endpoint and the Authorization value to send. The credentials are
    made for this run and are throwaway, for local trials only. ralph has no State
    API; the LMS side of `microquest preview` serves one in front of it.

    Example:

        microquest lrs --port 8300 --data lrs-data
    """
    from xapi.lrs.client import AUTH_VARIABLE, ENDPOINT_VARIABLE, LrsError
    from xapi.lrs.local import LocalLrs

    server = LocalLrs(data_dir, port)
    try:
        server.start()
    except LrsError as error:
        _report(MicroquestError(str(error)), "no LRS is running")
    click.echo(f"LRS (ralph) at {server.endpoint}, started in {server.startup_seconds:.1f} s")
    click.echo(f"Authorization: {server.auth}")
    click.echo("These credentials are throwaway: made for this local run only. For `microquest award --lrs`:")
    click.echo(f"  export {ENDPOINT_VARIABLE}='{server.endpoint}' {AUTH_VARIABLE}='{server.auth}'")
    click.echo("Ctrl+C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")


LEDGER_OPTION = click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("microquest-ledger.sqlite"),
    show_default=True,
    help="The award ledger (SQLite) that `microquest award` keeps; keep it out of dist/.",
)


@main.command(name="award")
@CONTENT_OPTION
@click.option(
    "--statements",
    "statements",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="A statements file (JSON array or JSON lines); repeat for several.",
)
@click.option(
    "--lrs",
    "use_lrs",
    is_flag=True,
    help="Read the LRS (--endpoint and --auth, else MICROQUEST_LRS_ENDPOINT and MICROQUEST_LRS_AUTH) "
    "from where the last run stopped.",
)
@click.option("--endpoint", help="The LRS endpoint, e.g. https://lrs.example.si/xapi/ (implies --lrs).")
@click.option("--auth", help="The LRS Authorization value; MICROQUEST_LRS_AUTH keeps it out of the process list.")
@click.option("--lrs-full", is_flag=True, help="Read every statement of the LRS, not only those since the last run.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each answer of the LRS.",
)
@click.option(
    "--moodle-report",
    "moodle_reports",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="A Moodle SCORM report downloaded in text format (basic with Track details, or interactions); repeatable.",
)
@click.option("--moodle-site", help="The Moodle site's address: the homePage of its learners' accounts.")
@click.option(
    "--people",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A people file (JSON or YAML): a list of identifier sets, each one person.",
)
@LEDGER_OPTION
@click.option(
    "--keys",
    type=click.Path(path_type=Path, file_okay=False),
    help="The issuer key folder (default: $MICROQUEST_KEYS or ~/.config/microquest/keys; see `microquest keys init`).",
)
@click.option(
    "--out",
    "credentials_out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("credentials"),
    show_default=True,
    help="Where each new credential is written, as <id>.json and a baked <id>.svg.",
)
@click.option("--revocation-list", help="The URL where `microquest revocations` output is published.")
def award_command(
    content_dir: Path,
    statements: tuple[Path, ...],
    use_lrs: bool,
    endpoint: str | None,
    auth: str | None,
    lrs_full: bool,
    timeout: float,
    moodle_reports: tuple[Path, ...],
    moodle_site: str | None,
    people: Path | None,
    ledger: Path,
    keys: Path | None,
    credentials_out: Path,
    revocation_list: str | None,
) -> None:
    """Award the micro-credential to every learner who meets the credential's criteria.

    Reads every source first; bad input stops the run with the ledger unchanged.
    Then, in one transaction, records the evidence and each learner's progress and
    awards one credential per learner per credential version: re-runs and
    concurrent runs award nobody twice.

    Example:

    \b
        microquest award --statements statements.jsonl \\
            --moodle-report report.txt --moodle-site https://moodle.example.si
    """
    from ..awarding import AwardError, LrsOptions, award_from_content

    lrs = LrsOptions(endpoint, auth, lrs_full, timeout) if use_lrs or endpoint or lrs_full else None
    try:
        run = award_from_content(
            content_dir,
            statements=statements,
            moodle_reports=moodle_reports,
            moodle_site=moodle_site,
            lrs=lrs,
            people=people,
            ledger=ledger,
            keys=keys,
            revocation_list=revocation_list,
            credentials_out=credentials_out,
        )
    except AwardError as error:
        click.echo(str(error), err=True)
        click.echo(f"{ledger} was not changed", err=True)
        raise SystemExit(1) from None
    except MicroquestError as error:
        _report(error, f"{ledger} was not changed")
    for award in run.outcome.new:
        click.echo(f"awarded {award.id} to {award.person}")
    if run.outcome.new:
        click.echo(f"wrote {len(run.outcome.new)} signed credential(s) to {credentials_out}/")
    click.echo(run.summary)


@main.command(name="report")
@CONTENT_OPTION
@LEDGER_OPTION
@click.option(
    "--csv", "csv_file", type=click.Path(path_type=Path, dir_okay=False), help="Also write the report as CSV."
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a self-contained HTML page.",
)
def report_command(content_dir: Path, ledger: Path, csv_file: Path | None, html_file: Path | None) -> None:
    """Show each learner's progress per activity and canvas, and their award state.

    Prints a table (✓ = met); --csv and --html write the same report to files, the
    HTML page with a chart and no external request. The progress is the one the
    last `microquest award` run recorded.

    Example:

        microquest report --ledger microquest-ledger.sqlite --html report.html
    """
    from ..provider_report import as_csv, as_html, as_table, provider_report

    try:
        report = provider_report(content_dir, ledger)
    except MicroquestError as error:
        _report(error, "no report was written")
    for path, text in (
        (csv_file, as_csv(report) if csv_file else ""),
        (html_file, as_html(report) if html_file else ""),
    ):
        if path is not None:
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as error:
                _report(MicroquestError(f"{path}: {error.strerror or error}"), "the report was not written")
            click.echo(f"wrote {path}", err=True)
    click.echo(as_table(report), nl=False)


# The signed credential's commands (builder/credentials_cli.py).
for command in (keys_group, verify_command, revocations_command):
    main.add_command(command)
