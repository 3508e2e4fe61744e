"""`microquest serve`: the LTI 1.3 tool, the LRS and the course's pages as one server (lti/course_tool.py)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click

from .reporting import CONTENT_OPTION, database_option, fail, reported

DATABASE_VARIABLE = "MICROQUEST_DATABASE"
PASSPHRASE_VARIABLE = "MICROQUEST_LTI_KEY_PASSPHRASE"
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


@click.command(name="serve")
@CONTENT_OPTION
@database_option(DATABASE_VARIABLE, "the LTI registrations, launches, grades and the LRS's statements")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8400, show_default=True, help="Port (0: any free port).")
@click.option(
    "--public-url",
    help="The tool's address as the LMS's users reach it (https, e.g. https://quest.example.si behind a reverse "
    "proxy); default http://HOST:PORT, which only a platform on this machine can use.",
)
@click.option(
    "--keys",
    "keys_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="The issuer key folder for the credentials (default: issuer-keys/ beside a SQLite database); a key and a "
    "provisional identity are made there when it has none: set the real one with `microquest issuer init --dir DIR`.",
)
@click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The award ledger (default: microquest-ledger.sqlite beside a SQLite database).",
)
@click.option("--registration-secret", help="Make the registration URL secret: /lti/register/SECRET.")
def serve_command(
    content_dir: Path,
    database: str | None,
    host: str,
    port: int,
    public_url: str | None,
    keys_dir: Path | None,
    ledger: Path | None,
    registration_secret: str | None,
) -> None:
    """Serve the LTI 1.3 tool with its LRS (at /xapi/) until Ctrl+C or SIGTERM.

    Register it in the LMS with the registration URL it prints (Moodle: Site administration →
    Plugins → Activity modules → External tool → Manage tools → "Tool URL" → "Add LTI Advantage").

    Example:

        microquest serve --database sqlite:///srv/microquest.sqlite --public-url https://quest.example.si
    """
    from lti.course_tool import create_course_tool, default_places, serve_course_tool
    from xapi.lrs.local import LocalLrsError, listening_socket

    if not database:
        fail(f"error: say which database: --database URL or {DATABASE_VARIABLE}; nothing is running")
    with reported("nothing is running", LocalLrsError):
        listening = listening_socket(host, port)
    bound = listening.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    origin = (public_url or f"http://{shown_host}:{bound}").rstrip("/")
    parts = urlsplit(origin)
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = f"--public-url {public_url!r} is not an http(s) address"
    elif parts.scheme != "https" and parts.hostname not in LOCAL_NAMES:
        problem = (
            f"LTI platforms need https: --public-url {origin} must start with https:// (only localhost may use http)"
        )
    if problem:
        listening.close()
        fail(f"error: {problem}; nothing is running")
    if keys_dir is None and default_places(database)[1] is None:
        from credentials.key_folder import default_keys_dir

        keys_dir = default_keys_dir()
    passphrase = os.environb.get(PASSPHRASE_VARIABLE.encode())
    from builder.errors import MicroquestError
    from credentials.keys import KeyFileError

    with reported("nothing is running", MicroquestError, KeyFileError, ValueError, OSError):
        try:
            app = create_course_tool(
                database,
                origin,
                content_dir=content_dir,
                ledger=ledger,
                keys=keys_dir,
                key_passphrase=passphrase,
                registration_secret=registration_secret,
            )
        except BaseException:
            listening.close()
            raise
    tool = app.state.lti
    click.echo(f"MICRO QUEST LTI tool at {origin} (LRS at {origin}/xapi/)")
    click.echo(f"Registration URL: {tool.registration_url}")
    click.echo(
        "  Moodle: Site administration → Plugins → Activity modules → External tool → Manage tools → "
        'paste it into "Tool URL" → "Add LTI Advantage".'
    )
    click.echo(f"Credentials: ledger {app.state.course.ledger}, issuer key in {app.state.keys}")
    if app.state.provisional_issuer:
        click.echo(
            "  A provisional issuer identity was made there: set the provider's own with "
            f"`microquest issuer init --dir {app.state.keys} …` before learners finish the course."
        )
    click.echo("Ctrl+C stops.")
    serve_course_tool(app, listening)
    click.echo("stopped")
