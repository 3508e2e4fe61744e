"""`microquest award`, `report` and `credentials export`: learners' statements, the award, the
provider's report and the credential files the ledger holds."""

from __future__ import annotations

from pathlib import Path

import click

from .reporting import CONTENT_OPTION, LEDGER_OPTION, fail, reported

WAIT_OPTION = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="Seconds to wait while another award run holds the ledger, before giving up with the ledger unchanged.",
)


@click.command(name="award")
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
    help="Where the credentials are written, as <id>.json and a baked <id>.svg: the new ones, "
    "and first any earlier award whose files are missing.",
)
@click.option(
    "--status-list",
    metavar="URL",
    help="Each new credential names its own bit in the W3C Bitstring Status List published at URL "
    "(`microquest revocations --url URL` writes it).",
)
@click.option(
    "--revocation-list",
    metavar="URL",
    help="Instead: each new credential names the 1EdTech Revocation List published at URL "
    "(`microquest revocations --format 1edtech --url URL`).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings (an unknown Moodle column, overlapping people sets, two statements with one id) as errors.",
)
@WAIT_OPTION
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
    status_list: str | None,
    revocation_list: str | None,
    strict: bool,
    wait: float,
) -> None:
    """Award the micro-credential to every learner who meets the credential's criteria.

    Reads every source first; bad input stops the run with the ledger unchanged.
    Input used only in part (a Moodle column that is no SCO of the course, people
    sets that share an identifier, two different statements with one id) is a
    warning on stderr; --strict makes it an error. Signs the new credentials, then,
    in one short transaction, records the evidence and each learner's progress and
    awards one credential per learner per credential version: re-runs and
    concurrent runs award nobody twice. The ledger is the record and --out its
    view: every run first writes the files of any earlier award that are missing.

    Example:

    \b
        microquest award --statements statements.jsonl \\
            --moodle-report report.txt --moodle-site https://moodle.example.si
    """
    from ..awarding import IssuerIdentityError, LrsOptions, award_from_content

    lrs = LrsOptions(endpoint, auth, lrs_full, timeout) if use_lrs or endpoint or lrs_full else None
    unchanged = f"{ledger} was not changed"
    if not statements and not moodle_reports and lrs is None:
        fail(f"error: no source: give --statements FILE, --moodle-report FILE or --lrs; {unchanged}")
    if moodle_reports and not moodle_site:
        fail(
            f"error: --moodle-report needs --moodle-site (the Moodle address, e.g. https://moodle.example.si); {unchanged}"
        )
    if status_list and revocation_list:
        fail(f"error: a credential names one list: give --status-list URL or --revocation-list URL; {unchanged}")
    with reported(unchanged):
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
                status_list=status_list,
                credentials_out=credentials_out,
                strict=strict,
                wait=wait,
            )
        except IssuerIdentityError as error:
            where = f" --dir {keys}" if keys else ""
            fail(f"error: {error}: run `microquest issuer init --name … --url … --country …{where}`; {unchanged}")
    for warning in run.warnings:
        click.echo(f"warning: {warning}", err=True)
    if run.restored:
        click.echo(
            f"wrote {len(run.restored)} credential(s) of earlier runs whose files were missing to {credentials_out}/"
        )
    for award in run.outcome.new:
        click.echo(f"awarded {award.id} to {award.person}")
    if run.written:
        click.echo(f"wrote {len(run.written)} signed credential(s) to {credentials_out}/")
    click.echo(run.summary)


@click.command(name="report")
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

    with reported("no report was written"):
        report = provider_report(content_dir, ledger)
    for path, text in (
        (csv_file, as_csv(report) if csv_file else ""),
        (html_file, as_html(report) if html_file else ""),
    ):
        if path is not None:
            with reported("the report was not written", OSError):
                path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}", err=True)
    click.echo(as_table(report), nl=False)


@click.group(name="credentials")
def credentials_group() -> None:
    """The credential files: views of the ledger, which is the record of every award.

    Example:

        microquest credentials export --out credentials
    """


@credentials_group.command(name="export")
@click.option(
    "--learner",
    "learners",
    multiple=True,
    help="Only this learner's credential: an email address, a Moodle user name, an identifier as the ledger "
    "keeps it (mbox:mailto:…, account:<site> <name>) or the credential id; repeatable. Default: every learner.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The folder to write each credential's files to (<id>.json, .svg, .html and .europass.jsonld).",
)
@LEDGER_OPTION
@CONTENT_OPTION
@click.option(
    "--keys",
    type=click.Path(path_type=Path, file_okay=False),
    help="The issuer key folder, whose provider identity the Europass export names (default: as `award`).",
)
def credentials_export(
    learners: tuple[str, ...], out: Path, ledger: Path, content_dir: Path, keys: Path | None
) -> None:
    """Write the signed credentials the ledger holds to a folder again, any or all of them.

    The ledger keeps every signed credential, so lost or damaged files are written
    again exactly as issued (JSON, baked SVG, the learner's page and the Europass
    export, each file replaced atomically); nothing is signed anew. Revoked
    credentials are not written.

    Example:

        microquest credentials export --learner ana@example.si --out credentials
    """
    from ..awarding import course_credential, credential_views
    from ..credential_files import export_credentials

    with reported(None):
        course, credential = course_credential(content_dir)
        export = export_credentials(ledger, out, credential_views(course, credential, keys), learners=learners)
    click.echo(f"wrote {len(export.written)} credential(s) to {out}/")
    if export.revoked:
        click.echo(f"{len(export.revoked)} revoked credential(s) not written: {', '.join(export.revoked)}")
