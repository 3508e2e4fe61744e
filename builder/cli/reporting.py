"""The one way the command line fails: a library error becomes message lines on stderr and exit 1.

The library raises MicroquestError (and xapi/credentials raise their own ValueError
kinds, named by each command); it never prints or knows the command-line flags. Here
each becomes one line per problem, then what the failure left unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from ..errors import ContentErrors, MicroquestError

CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=True),
    default=Path("content"),
    show_default=True,
    help="The content folder (course.yaml, units/, canvases/ …).",
)
STRICT_OPTION = click.option("--strict", is_flag=True, help="Treat warnings (the seed's inconsistencies) as errors.")
LEDGER_OPTION = click.option(
    "--ledger",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("microquest-ledger.sqlite"),
    show_default=True,
    help="The award ledger (SQLite) that `microquest award` keeps; keep it out of dist/.",
)


def database_option(variable: str, what: str):  # noqa: ANN201 - a click decorator
    """`--database URL` (or the environment variable, which keeps a password out of the process list)."""
    return click.option(
        "--database",
        envvar=variable,
        help=f"Where {what} are kept: sqlite:///PATH (one file) or postgresql://USER@HOST/DB; also {variable}, "
        "which keeps a password out of the process list.",
    )


def fail(*lines: str) -> NoReturn:
    """Print the lines on stderr and exit 1: every failure of every command ends here."""
    for line in lines:
        click.echo(line, err=True)
    raise SystemExit(1)


def error_lines(error: Exception, unchanged: str | None) -> list[str]:
    """`file:line: field: message` per content error, `error: problem` per problem of an error that
    lists several (`problems`), else `error: message`; then what is unchanged."""
    consequence = getattr(error, "changed", None) or unchanged
    if isinstance(error, ContentErrors):
        count = len(error.errors)
        summary = f"{count} error{'s' if count != 1 else ''} in the content"
        lines = [str(item) for item in error.errors] + [summary]
    elif getattr(error, "problems", None):
        lines = [f"error: {problem}" for problem in error.problems]
    elif isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename else ""
        lines = [f"error: {where}{error.strerror}"]
    else:
        lines = [f"error: {error}"]
    if consequence:
        lines[-1] += f"; {consequence}"
    return lines


@contextmanager
def reported(unchanged: str | None, *library_errors: type[Exception]) -> Iterator[None]:
    """Run a command's library calls; a MicroquestError (or one of `library_errors`) fails the command.

    `unchanged` is what a failure leaves as it was ("dist was not changed"), said last.
    """
    try:
        yield
    except (MicroquestError, *library_errors) as error:
        fail(*error_lines(error, unchanged))


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (`kill`, a service manager) stops a server command the way Ctrl+C does: cleanly, exit 0."""
    import signal

    def interrupt(_number: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
