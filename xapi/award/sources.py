"""Where statements come from: a statements file, an LRS (and Moodle's report: moodle_report.py).

Each reader returns a `Batch`: statements (parsed JSON, or statements made from a
report's rows), the identifiers it learnt belong together, and where to resume
next time. A reader reads and checks its whole input before anything is evaluated
or written, so bad input changes nothing; its errors say `file:line: what was
expected`.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..input_warning import InputWarning


class SourceReadError(ValueError):
    """Bad input: prints as `path:line: field: message` (line and field when known)."""

    def __init__(self, path: str, line: int, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


@dataclass
class Batch:
    """What one source said: statements to evaluate, identifiers that are one person, the read position."""

    origin: str  # a file path or "LRS <endpoint>": where errors point
    statements: list[Any]
    aliases: list[tuple[str, ...]] = field(default_factory=list)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> agent, for learners with nothing met
    position: tuple[str, str] | None = None  # (source key, last `stored` seen) for the next incremental read
    locate: Callable[[int], str] | None = None  # statement index -> "line N" or "statement <id>"
    warnings: list[InputWarning] = field(default_factory=list)  # what the reader used only in part

    def error(self, index: int, field_name: str, message: str) -> SourceReadError:
        """The error for statement `index` of this batch, pointing at its line (or id)."""
        return SourceReadError(*self.where(index, field_name), message)

    def warning(self, index: int, field_name: str, message: str) -> InputWarning:
        """A warning about statement `index` of this batch, pointing at its line (or id)."""
        return InputWarning(*self.where(index, field_name), message)

    def where(self, index: int, field_name: str) -> tuple[str, int, str]:
        """(path, line, field) of statement `index`: the line when the source has lines, else its id in the field."""
        where = self.locate(index) if self.locate else ""
        if where.isdigit():
            return self.origin, int(where), field_name
        return self.origin, 0, f"{where}: {field_name}" if where else field_name

    def place(self, index: int) -> str:
        """`path:line` (or `source statement <id>`) of statement `index`, for a message about another one."""
        path, line, where = self.where(index, "")
        return f"{path}:{line}" if line else f"{path} {where.removesuffix(': ')}".rstrip()


# -- statements files ------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def read_statements_file(path: Path) -> Batch:
    """A JSON array of statements, or JSON lines (one statement per line), told apart by the first character."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise SourceReadError(str(path), 0, "", f"cannot read the statements file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise SourceReadError(
            str(path), line, "", "expected UTF-8 text (JSON), found bytes that are not UTF-8"
        ) from None
    start = _WHITESPACE.match(text).end()
    if start == len(text):
        raise SourceReadError(str(path), 1, "", "expected statements (a JSON array or JSON lines), found an empty file")
    if text[start] == "[":
        return _json_array(path, text, start)
    return _json_lines(path, text)


def _line_finder(text: str) -> Callable[[int], int]:
    breaks: list[int] = []

    def line_of(offset: int) -> int:
        if not breaks:
            breaks.extend(m.start() for m in re.finditer("\n", text))
            breaks.append(len(text) + 1)
        return bisect.bisect_left(breaks, offset) + 1

    return line_of


def _json_array(path: Path, text: str, start: int) -> Batch:
    # raw_decode element by element keeps each statement's offset, so errors can name its line.
    decoder = json.JSONDecoder()
    line_of = _line_finder(text)
    statements: list[Any] = []
    offsets: list[int] = []
    match = _WHITESPACE.match
    position = match(text, start + 1).end()
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            try:
                item, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise SourceReadError(
                    str(path),
                    error.lineno,
                    f"[{len(statements)}]",
                    f"expected a statement (a JSON object): {error.msg}",
                ) from None
            statements.append(item)
            offsets.append(position)
            position = match(text, end).end()
            if position >= len(text):
                raise SourceReadError(
                    str(path),
                    line_of(position),
                    "",
                    "expected ',' or ']', found the end of the file (is it cut short?)",
                )
            if text[position] == "]":
                position += 1
                break
            if text[position] != ",":
                raise SourceReadError(
                    str(path), line_of(position), "", f"expected ',' or ']', found {text[position]!r}"
                )
            position = match(text, position + 1).end()
    rest = match(text, position).end()
    if rest < len(text):
        raise SourceReadError(str(path), line_of(rest), "", "expected the end of the file after the array's ']'")
    return Batch(str(path), statements, locate=lambda index: str(line_of(offsets[index])))


def _json_lines(path: Path, text: str) -> Batch:
    loads = json.loads
    statements: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            statements.append(loads(line))
        except json.JSONDecodeError as error:
            hint = " (statements written over several lines must be in a JSON array)" if number == 1 else ""
            raise SourceReadError(
                str(path),
                number,
                "",
                f"expected one JSON statement per line: {error.msg} at column {error.colno}{hint}",
            ) from None
        lines.append(number)
    return Batch(str(path), statements, locate=lambda index: str(lines[index]))


# -- LRS ---------------------------------------------------------------------------------------

# ralph-malph filters `since` on `timestamp`, not `stored` (SPEC §8), so a statement
# stored late with an early timestamp would slip past a plain `since`. Reading again
# from a week before the last `stored` seen, and counting each statement id once,
# makes that harmless for statements that reach the LRS within a week; `--lrs-full`
# reads everything.
LRS_OVERLAP = timedelta(days=7)


def lrs_source_key(endpoint: str) -> str:
    return f"lrs:{endpoint.rstrip('/')}/"


def read_lrs(client: Any, since: str | None, overlap: timedelta = LRS_OVERLAP) -> Batch:
    """Every statement the LRS stored since the last read (minus the overlap), in `stored` order.

    `client` is an xapi.lrs.LrsClient (or anything with `.endpoint` and
    `.statements(since=…, ascending=True)`); its LrsError passes through.
    """
    query_since = None
    if since:
        query_since = (_parse_time(since) - overlap).isoformat().replace("+00:00", "Z")
    statements = list(client.statements(since=query_since, ascending=True))
    latest = since
    for statement in statements:
        stored = statement.get("stored") if isinstance(statement, dict) else None
        if isinstance(stored, str) and (latest is None or _later(stored, latest)):
            latest = stored
    ids = [s.get("id", "?") if isinstance(s, dict) else "?" for s in statements]
    endpoint = getattr(client, "endpoint", "")
    batch = Batch(f"LRS {endpoint}", statements, locate=lambda index: f"statement {ids[index]}")
    if latest:
        batch.position = (lrs_source_key(endpoint), latest)
    return batch


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.now().astimezone().tzinfo)


def _later(a: str, b: str) -> bool:
    try:
        return _parse_time(a) > _parse_time(b)
    except ValueError:
        return False
