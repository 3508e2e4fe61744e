"""YAML read safely: hostile input is one error at its line, fast and in bounded memory.

The content needs no tags, anchors, aliases or deep nesting, so they are refused as the
parser meets them, before anything is composed or expanded (an alias bomb costs nothing);
files, texts and node counts have limits far above the real content; a syntax error is
reported at the line where the problem starts, in the user's words.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.parser import ParserError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scanner import RoundTripScanner, ScannerError
from ruamel.yaml.tag import Tag
from ruamel.yaml.tokens import (
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
    ScalarToken,
)

from .errors import ContentErrors, Source, SourceError, field_path

MAX_FILE_BYTES = 256 * 1024
MAX_TEXT_CHARACTERS = 10_000
MAX_NESTING = 50
MAX_NODES = 5_000  # fields, list items and values of one file; the content has at most 230

TAGS_MESSAGE = "YAML tags (!foo) are not used in microquest content"
ANCHORS_MESSAGE = "anchors and aliases (&a / *a) are not used in microquest content"
NESTING_MESSAGE = (
    f"nested more than {MAX_NESTING} levels deep (lists and mappings inside each other); "
    "microquest content needs fewer than 10"
)
# The characters YAML allows in a file (c-printable of YAML 1.2); ruamel.yaml refuses the others.
STRING_TAG = "tag:yaml.org,2002:str"
MAPPING_TAG = "tag:yaml.org,2002:map"
SEQUENCE_TAG = "tag:yaml.org,2002:seq"
NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Refused(Exception):
    """Something the content never needs, found before it was composed: where, and what.

    The scanner does not know the field (None); the composer fills in the node it composes.
    """

    def __init__(self, line: int, field: str | None, message: str):
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


def _path_part(parent: Any, index: Any) -> str | int | None:
    """The field path part of the node ruamel.yaml composes next: a key, an index, or none."""
    if isinstance(parent, SequenceNode):
        return int(index)
    if isinstance(parent, MappingNode) and isinstance(index, ScalarNode):
        return str(index.value)
    return None  # the document itself, or a mapping's key


class _GuardedScanner(RoundTripScanner):
    """ruamel.yaml's scanner, refusing [ and { nested more than MAX_NESTING deep on reading them.

    The round-trip scanner reads a whole line ahead and checks every open [ or { at each
    token, so a line of thousands of [ would take seconds before the composer sees any.
    """

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:  # noqa: N803 (ruamel's name)
        if self.flow_level >= MAX_NESTING:
            raise Refused(self.reader.line + 1, None, NESTING_MESSAGE)
        super().fetch_flow_collection_start(TokenClass, to_push)


class _GuardedComposer(Composer):
    """ruamel.yaml's composer that looks at each node's event before composing the node.

    So anchors, aliases and tags are refused at the first one, before any alias is expanded
    (an alias bomb costs nothing), and nesting is refused at MAX_NESTING levels, long before
    the composer's recursion runs deep. Keys are always text, as in JSON and the schemas:
    `1:` or `null:` is a field named "1" or "null", and `<<:` is not a merge.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._path: list[str | int] = []
        self._nesting = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        part = _path_part(parent, index)
        path = [*self._path, part] if part is not None else self._path
        is_key = isinstance(parent, MappingNode) and index is None
        try:
            event = self.parser.peek_event()
            collection = isinstance(event, (MappingStartEvent, SequenceStartEvent))
            self._nodes += 1
            self._refuse_unneeded(event, field_path(path), is_key, collection)
            outer = self._path, self._nesting
            self._path, self._nesting = path, self._nesting + collection
            node = super().compose_node(parent, index)
            self._path, self._nesting = outer
        except Refused as refused:
            if refused.field is None:
                refused.field = field_path(path)
            raise
        if is_key:
            node.tag = self.resolver.DEFAULT_SCALAR_TAG
        return node

    def _refuse_unneeded(self, event: Any, field: str, is_key: bool, collection: bool) -> None:
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise Refused(line, field, ANCHORS_MESSAGE)
        if event.ctag is not None:
            raise Refused(line, field, TAGS_MESSAGE)
        if is_key and collection:
            found = "a mapping" if isinstance(event, MappingStartEvent) else "a list"
            raise Refused(line, field, f"expected a field name before ':', found {found}")
        if collection and self._nesting >= MAX_NESTING:
            raise Refused(line, field, NESTING_MESSAGE)
        if self._nodes > MAX_NODES:
            message = (
                f"more than {MAX_NODES} fields, list items and values in one file; a content file has a few hundred"
            )
            raise Refused(line, field, message)
        if isinstance(event, ScalarEvent) and len(event.value) > MAX_TEXT_CHARACTERS:
            length = len(event.value)
            message = f"a text of {length} characters; a text in microquest content is at most {MAX_TEXT_CHARACTERS} characters"
            raise Refused(line, field, message)


def guarded_yaml() -> YAML:
    """ruamel.yaml in round-trip mode (so values keep their lines), guarded against hostile input."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner = _GuardedScanner
    yaml.Composer = _GuardedComposer
    return yaml


def _opened_above(text: str, error: ScannerError | ParserError) -> tuple[int, str] | None:
    """A quote or bracket opened on an earlier line than the syntax error, and left open there.

    A quote left open is closed by the opening quote of a later value, and YAML fails just
    after it, lines below the line to fix; a [ or { left open fails where the next field
    starts. Content never spreads a quoted text or a [ … ] list over lines.
    """
    if error.problem_mark is None:
        return None
    problem_line = error.problem_mark.line + 1
    last_quoted = None
    brackets: list[Any] = []
    try:
        for token in guarded_yaml().scan(text):
            if token.start_mark.index >= error.problem_mark.index:
                break
            if isinstance(token, ScalarToken) and token.style in ("'", '"'):
                last_quoted = token
            elif isinstance(token, (FlowSequenceStartToken, FlowMappingStartToken)):
                brackets.append(token)
            elif isinstance(token, (FlowSequenceEndToken, FlowMappingEndToken)) and brackets:
                brackets.pop()
    except (YAMLError, Refused):
        pass
    closed = last_quoted.end_mark.line + 1 if last_quoted else 0
    if last_quoted and last_quoted.start_mark.line + 1 < closed <= problem_line <= closed + 1:
        quote = last_quoted.style
        return last_quoted.start_mark.line + 1, (
            f"invalid YAML: the quote ({quote}) opened on this line is closed only on line {closed}; close it on this line"
        )
    if isinstance(error, ParserError) and brackets and brackets[-1].start_mark.line + 1 < problem_line:
        bracket = "[" if isinstance(brackets[-1], FlowSequenceStartToken) else "{"
        if "<stream end>" in (error.problem or ""):
            return brackets[-1].start_mark.line + 1, f"invalid YAML: the {bracket} opened on this line is never closed"
        return brackets[-1].start_mark.line + 1, (
            f"invalid YAML: the {bracket} opened on this line is not closed ({error.problem} on line {problem_line})"
        )
    return None


def syntax_error(error: MarkedYAMLError, text: str) -> tuple[int, str]:
    """The 1-based line where a YAML syntax error starts, and what it is in the user's words."""
    problem = error.problem or str(error)
    problem_line = error.problem_mark.line + 1 if error.problem_mark else None
    context_line = error.context_mark.line + 1 if error.context_mark else None
    if "'\\t'" in problem:
        return problem_line or 1, "a tab character: YAML indents with spaces only, replace the tab with spaces"
    if isinstance(error, (ScannerError, ParserError)):
        opened = _opened_above(text, error)
        if opened:
            return opened
    # A scanner error's context is the token it was reading: where the problem starts. A
    # parser's or constructor's context is where the enclosing mapping began, often far above.
    line = (context_line if isinstance(error, ScannerError) else None) or problem_line or context_line or 1
    if error.context == "while scanning a quoted scalar" and "end of stream" in problem and error.context_mark:
        index = error.context_mark.index
        quote = text[index] if index < len(text) and text[index] in "'\"" else '"'
        return line, f"invalid YAML: the quote ({quote}) opened on this line is never closed"
    if problem == "but found another document":
        return line, "invalid YAML: a second document (---) starts here; a content file holds one document"
    if problem_line and problem_line != line:
        problem += f" on line {problem_line}"
    if error.context and "duplicate key" not in problem:
        return line, f"invalid YAML: {problem} ({error.context})"
    return line, f"invalid YAML: {problem}"


def read_text(path: Path, shown: str) -> str:
    """The file's text, refused in one line if it is too large, not UTF-8 or not YAML characters."""

    def refuse(line: int, message: str) -> ContentErrors:
        return ContentErrors([SourceError(Source(shown, line), message)])

    with path.open("rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        size = max(path.stat().st_size, len(raw))
        shown_size = f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size // 1024} KiB"
        limit = f"{MAX_FILE_BYTES // 1024} KiB"
        raise refuse(1, f"too large: {shown_size}; a content file is at most {limit} (a unit is about 10 KiB)")
    if raw.startswith(codecs.BOM_UTF8):
        raise refuse(1, "starts with a byte order mark (BOM); save the file as UTF-8 without BOM")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse(1, "saved as UTF-16; save the file as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise refuse(
            line, f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded; save the file as UTF-8"
        ) from None
    bad = NOT_PRINTABLE.search(text)
    if bad:
        character = bad.group()
        name = unicodedata.name(character, "")
        if character == "\0":
            what = "a NUL character (U+0000)"
        elif unicodedata.category(character) == "Cc":
            what = f"a control character (U+{ord(character):04X})"
        else:
            what = f"the character U+{ord(character):04X}" + (f" ({name})" if name else "")
        raise refuse(text.count("\n", 0, bad.start()) + 1, f"{what} cannot be in a YAML file; remove it")
    return text


# -- the fast path ------------------------------------------------------------------------
#
# ruamel.yaml's round-trip parser is pure Python (about 400 KB/s: most of a build's time).
# libyaml's C parser (through PyYAML) reads the same text ~20 times faster. Its events are
# turned into ruamel.yaml nodes, resolved by ruamel's YAML 1.2 resolver and constructed by
# ruamel's round-trip constructor, so the data and every line are exactly those of the
# careful path. Anything unusual (a tag, an anchor, deep nesting, a syntax error, a
# duplicate key…) goes to the careful path, which finds it again and says it exactly.


class _Unusual(Exception):
    """The text needs the careful path."""


@functools.cache
def _tag(name: Any) -> Tag:
    """One ruamel Tag per tag name, shared by the nodes (a Tag decodes its name once, on first use)."""
    return name if isinstance(name, Tag) else Tag(suffix=name)


def _mark(event: Any) -> StreamMark:
    mark = event.start_mark
    return StreamMark(None, mark.index, mark.line, mark.column)


def _fast_node(text: str) -> Any:
    """The document's ruamel.yaml node tree from libyaml's events; _Unusual for anything unusual."""
    resolver = VersionedResolver()
    stack: list[Any] = []  # open collections
    root: Any = None
    nodes = 0
    documents = 0
    for event in pyyaml.parse(text, Loader=pyyaml.CSafeLoader):
        kind = type(event)
        if kind in (pyyaml.StreamStartEvent, pyyaml.StreamEndEvent, pyyaml.DocumentEndEvent):
            continue
        if kind is pyyaml.DocumentStartEvent:
            documents += 1
            if documents > 1 or event.version or event.tags:
                raise _Unusual
            continue
        if kind in (pyyaml.MappingEndEvent, pyyaml.SequenceEndEvent):
            stack.pop().end_mark = _mark(event)
            continue
        if kind is pyyaml.AliasEvent or event.anchor is not None:
            raise _Unusual
        nodes += 1
        if nodes > MAX_NODES:
            raise _Unusual
        parent = stack[-1] if stack else None
        is_key = isinstance(parent, MappingNode) and not (len(parent.value) and len(parent.value[-1]) == 1)
        if kind is pyyaml.ScalarEvent:
            if event.tag is not None or len(event.value) > MAX_TEXT_CHARACTERS:
                raise _Unusual
            tag = _tag(STRING_TAG if is_key else resolver.resolve(ScalarNode, event.value, event.implicit))
            node: Any = ScalarNode(tag, event.value, _mark(event), _mark(event), style=event.style)
        else:
            if event.tag is not None or is_key or len(stack) >= MAX_NESTING:
                raise _Unusual
            node_class = MappingNode if kind is pyyaml.MappingStartEvent else SequenceNode
            tag = _tag(MAPPING_TAG if node_class is MappingNode else SEQUENCE_TAG)
            node = node_class(tag, [], _mark(event), None, flow_style=event.flow_style)
        if isinstance(parent, MappingNode):
            if is_key:
                parent.value.append([node])
            else:
                parent.value[-1].append(node)
                parent.value[-1] = tuple(parent.value[-1])
        elif isinstance(parent, SequenceNode):
            parent.value.append(node)
        else:
            root = node
        if kind is not pyyaml.ScalarEvent:
            stack.append(node)
    return root


def load_yaml(text: str) -> Any:
    """The text's data as ruamel.yaml's round-trip loader gives it (lines kept), or its error.

    Raises Refused or a ruamel.yaml error exactly as guarded_yaml().load does.
    """
    try:
        node = _fast_node(text)
        if node is not None:
            return guarded_yaml().constructor.construct_document(node)
    except (_Unusual, pyyaml.YAMLError, YAMLError):
        pass
    return guarded_yaml().load(text)
