"""Where statements come from: a statements file, an LRS (and Moodle's report: moodle_report.py).

Each reader returns a `Batch`: statements (parsed JSON, or statements made from a
report's rows), the identifiers it learnt belong together, and where to resume
next time. Statements files and LRS pages are streams: parsed as the evaluation
consumes them, once, so memory grows with the number of learners, not with the
size of the file (a 200 MB file is never in memory). The evaluation ends before the
ledger is opened, so bad input still changes nothing; errors say `file:line: what
was expected`.
"""

from __future__ import annotations

import codecs
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
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
    statements: Iterable[Any]  # a list, or a stream that reads as it is consumed (once)
    aliases: list[tuple[str, ...]] = field(default_factory=list)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> agent, for learners with nothing met
    position: tuple[str, str] | None = None  # (source key, last `stored` seen) for the next incremental read
    locate: Callable[[int], str] | None = None  # statement index -> "line N" or "statement <id>"
    warnings: list[InputWarning] = field(default_factory=list)  # what the reader used only in part
    count: int = 0  # statements consumed by the evaluation

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
_CHUNK = 1 << 20  # bytes read at a time from a JSON array
MAX_STATEMENT_CHARACTERS = 16 << 20  # one statement larger than this is not a statement


def read_statements_file(path: Path) -> Batch:
    """A JSON array of statements, or JSON lines (one statement per line), told apart by the first character.

    The statements are read as they are consumed; a missing or empty file is refused at once.
    """
    path = Path(path)
    first = _first_character(path)
    lines: array[int] = array("I")  # the line of each statement, for messages (4 bytes a statement)
    stream = _json_array(path, lines) if first == "[" else _json_lines(path, lines)
    return Batch(str(path), stream, locate=lambda index: str(lines[index]))


def _first_character(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="ignore")
            while chunk := handle.read(65536):
                text = decoder.decode(chunk).lstrip(" \t\n\r")
                if text:
                    return text[0]
    except OSError as error:
        raise SourceReadError(str(path), 0, "", f"cannot read the statements file: {error.strerror or error}") from None
    raise SourceReadError(str(path), 1, "", "expected statements (a JSON array or JSON lines), found an empty file")


def _not_utf8(path: Path, line: int) -> SourceReadError:
    return SourceReadError(str(path), line, "", "expected UTF-8 text (JSON), found bytes that are not UTF-8")


def _json_lines(path: Path, lines: array[int]) -> Iterator[Any]:
    loads = json.loads
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                line = raw.decode("utf-8").removesuffix("\n")  # as the file's lines split on "\n" read
            except UnicodeDecodeError:
                raise _not_utf8(path, number) from None
            if not line.strip():
                continue
            try:
                statement = loads(line)
            except json.JSONDecodeError as error:
                hint = " (statements written over several lines must be in a JSON array)" if number == 1 else ""
                raise SourceReadError(
                    str(path),
                    number,
                    "",
                    f"expected one JSON statement per line: {error.msg} at column {error.colno}{hint}",
                ) from None
            lines.append(number)
            yield statement


class _ArrayText:
    """A JSON array's text read a chunk at a time, with the line of the position kept up to date."""

    def __init__(self, path: Path, handle: Any) -> None:
        self.path, self.handle = path, handle
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text, self.position, self.line, self.ended = "", 0, 1, False

    def more(self) -> bool:
        """Read the next chunk (dropping what is consumed); False at the end of the file."""
        if self.ended:
            return False
        chunk = self.handle.read(_CHUNK)
        try:
            decoded = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _not_utf8(self.path, self.line + self.text.count("\n", self.position)) from None
        self.ended = not chunk
        self.text, self.position = self.text[self.position :] + decoded, 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.text.count("\n", self.position, to)
        self.position = to

    def skip_space(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.advance(_WHITESPACE.match(self.text, self.position).end())
            if self.position < len(self.text) or not self.more():
                return self.text[self.position : self.position + 1]

    def error(self, message: str, field: str = "") -> SourceReadError:
        return SourceReadError(str(self.path), self.line, field, message)


def _json_array(path: Path, lines: array[int]) -> Iterator[Any]:
    # raw_decode statement by statement keeps each one's line, so errors can name it.
    decoder = json.JSONDecoder()
    with path.open("rb") as handle:
        text = _ArrayText(path, handle)
        text.skip_space()  # the "[" that _first_character saw
        text.advance(text.position + 1)
        following = text.skip_space()
        index = 0
        while following != "]":
            item, end = _next_item(text, decoder, index)
            lines.append(text.line)
            text.advance(end)
            yield item
            index += 1
            following = text.skip_space()
            if not following:
                raise text.error("expected ',' or ']', found the end of the file (is it cut short?)")
            if following not in ",]":
                raise text.error(f"expected ',' or ']', found {following!r}")
            if following == ",":
                text.advance(text.position + 1)
                text.skip_space()
                following = ","  # a statement must follow, even where "]" does: _next_item says so
        text.advance(text.position + 1)
        rest = text.skip_space()
        if rest:
            raise text.error("expected the end of the file after the array's ']'")


def _next_item(text: _ArrayText, decoder: json.JSONDecoder, index: int) -> tuple[Any, int]:
    """The statement at the position and where it ends, reading more of the file until it is whole."""
    while True:
        try:
            return decoder.raw_decode(text.text, text.position)
        except json.JSONDecodeError as error:
            whole = len(text.text) - text.position > MAX_STATEMENT_CHARACTERS
            if whole or not text.more():
                line = text.line + text.text.count("\n", text.position, error.pos)
                raise SourceReadError(
                    str(text.path), line, f"[{index}]", f"expected a statement (a JSON object): {error.msg}"
                ) from None


# -- LRS ---------------------------------------------------------------------------------------

# xAPI's `since` is on `stored`, exclusive (Communication §2.1.3): reading from the last
# `stored` seen gets every statement that arrived after it, however old its timestamp
# (an offline queue sending late). An LRS that filters on `timestamp` instead (ralph does)
# would miss those: `--lrs-full` reads everything.


# Statements a page: the LRS's most (microquest's LRS: 1000), few requests for a long read.
PAGE_SIZE = 1000


def lrs_source_key(endpoint: str) -> str:
    return f"lrs:{endpoint.rstrip('/')}/"


def read_lrs(client: Any, since: str | None) -> Batch:
    """Every statement the LRS stored since the last read, in `stored` order, as a stream.

    `client` is an xapi.lrs.LrsClient (or anything with `.endpoint` and
    `.statements(since=…, ascending=True)`); pages are fetched as the evaluation
    consumes them, and an LrsError while reading becomes a SourceReadError.
    """
    endpoint = getattr(client, "endpoint", "")
    ids: list[str] = []
    batch = Batch(f"LRS {endpoint}", [], locate=lambda index: f"statement {ids[index]}")
    batch.statements = _lrs_stream(client, since, batch, ids)
    return batch


def _lrs_stream(client: Any, since: str | None, batch: Batch, ids: list[str]) -> Iterator[Any]:
    from ..lrs.client import LrsError

    latest = since
    try:
        for statement in client.statements(since=since, ascending=True, limit=PAGE_SIZE):
            ids.append(statement.get("id", "?") if isinstance(statement, dict) else "?")
            stored = statement.get("stored") if isinstance(statement, dict) else None
            if isinstance(stored, str) and (latest is None or _later(stored, latest)):
                latest = stored
            yield statement
    except LrsError as error:
        raise SourceReadError("LRS", 0, "", str(error)) from None
    if latest:
        batch.position = (lrs_source_key(getattr(client, "endpoint", "")), latest)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.now().astimezone().tzinfo)


def _later(a: str, b: str) -> bool:
    try:
        return _parse_time(a) > _parse_time(b)
    except ValueError:
        return False
