"""The RDFC-1.0 canonical N-Quads of a document microquest signs, fast, and byte for byte pyld's.

Signing a credential canonicalises it (JSON-LD 1.1 expansion, conversion to RDF, RDF
Dataset Canonicalization RDFC-1.0), and pyld, in pure Python, takes some 25 ms for that:
over half of it processing the two standard contexts again for every document and a
type-scoped context for every node. pyoxigraph (Oxigraph's JSON-LD 1.1 parser and its
`Dataset.canonicalize(RDFC_1_0)`, in Rust) takes about 3 ms, helped by converting the
achievement, the part every credential of a course shares, once (see "The part every
credential of an award shares" below).

pyld stays the reference: `canonical_nquads(document, reference)` gives pyoxigraph's
bytes only where they are pyld's, and None otherwise, for the caller to use pyld:

- Only a document as microquest makes it: its `@context` a list of bundled context
  URLs and inline term definitions (each term an absolute IRI, `@type` an IRI or
  `@id`, `@container` `@list` or `@set`); below it, keys that are plain terms (no
  keyword, no compact IRI), no null, no empty array, no explicit blank node
  identifier, no string with a control character other than tab, line feed and
  carriage return (pyld writes those raw, RDFC-1.0 escapes them), no integer beyond
  2^53 and no fraction pyld would write with other digits (it writes 16 significant
  digits, Oxigraph the shortest that round-trips).
- The document is converted with one more context, `@vocab` UNDEFINED_VOCAB, and a
  base IRI of a scheme of its own, and leniently (an IRI that is not valid is kept,
  as pyld keeps it): an IRI under either means an undefined term or a relative IRI,
  which pyld refuses or resolves its own way, so pyld decides. So it does for an IRI
  pyld drops (not `scheme:…`, or with white space), a `xsd:double` pyld would write
  otherwise, a language tag, a JSON literal, and a blank node twice in one quad
  (pyld's URDNA2015 hashes such a quad twice; RDFC-1.0 once): none of which
  microquest's documents have.
- The first document of each shape (its keys and the kinds of its values) a process
  sees is canonicalised by pyld too: on any difference pyld's bytes are used, and
  pyoxigraph no more in that process (with a warning).

tests/credentials/test_fast_canonical.py compares the two on every kind of credential
microquest issues and, with rdf-canonize too, on the W3C RDFC-1.0 test inputs.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .contexts import ContextError, bundled

# The same probe vocabulary as signing.UNDEFINED_VOCAB: a term no context defines expands under it.
UNDEFINED_VOCAB = "urn:microquest:undefined-term#"
# Relative IRIs resolve against this base, so they keep its scheme and are recognised in the output.
RELATIVE_BASE = "microquest-relative-iri:/base/"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"

# pyld's own test for an IRI it keeps (pyld.jsonld._is_absolute_iri), with \Z for its $, and no control characters.
_PYLD_ABSOLUTE_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+-.]*|_):[^\s\x00-\x1f\x7f]*\Z")
_TERM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
# Characters pyld and RDFC-1.0 write differently (control characters), and lone surrogates.
_UNSAFE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# A safe absolute IRI for an inline term definition: an ASCII scheme and characters every IRI parser keeps.
_SAFE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+\Z")
MAX_SAFE_INTEGER = 2**53

try:  # pragma: no branch
    import pyoxigraph as _ox

    _RDFC_1_0 = _ox.CanonicalizationAlgorithm.RDFC_1_0
except (ImportError, AttributeError):  # pragma: no cover - pyoxigraph is a dependency
    _ox = None

_state: dict[str, Any] = {"disabled": None}
_checked_shapes: set[Any] = set()


def available() -> bool:
    """pyoxigraph with RDFC-1.0 is installed and has not been found to differ from pyld in this process."""
    return _ox is not None and _state["disabled"] is None


def disabled_reason() -> str | None:
    return _state["disabled"]


def canonical_nquads(document: dict[str, Any], reference: Callable[[dict[str, Any]], str]) -> str | None:
    """The document's canonical N-Quads by pyoxigraph, or None when pyld (`reference`) must say.

    `reference(document)` gives pyld's canonical N-Quads; it is called for the first
    document of each shape, and its result (or error) is what this returns then.
    """
    if not available():
        return None
    converted = convert(document)
    if converted is None:
        return None
    nquads, shape = converted
    if shape not in _checked_shapes:
        expected = reference(document)
        if expected != nquads:
            _state["disabled"] = "pyoxigraph's canonical N-Quads differed from pyld's for a document"
            warnings.warn(
                "credentials.rdfc_fast: pyoxigraph's canonical N-Quads differ from pyld's; signing uses pyld "
                "(slower) for the rest of this process",
                RuntimeWarning,
                stacklevel=2,
            )
            return expected
        _checked_shapes.add(shape)
    return nquads


def convert(document: Any) -> tuple[str, Any] | None:
    """pyoxigraph's canonical N-Quads of the document and the document's shape, unchecked against pyld;
    None for a document outside what pyoxigraph is used for (see above)."""
    if _ox is None or not isinstance(document, dict) or "@context" not in document:
        return None
    try:
        contexts = _inline_contexts(json.dumps(document["@context"], ensure_ascii=False, sort_keys=True))
    except (TypeError, ValueError):
        return None
    if contexts is None:
        return None
    body = {key: value for key, value in document.items() if key != "@context"}
    part = None
    if isinstance(body.get(SHARED_PATH[0]), dict):
        part, body = _shared_part(contexts, body)
        if part is None:
            return None
    try:
        shape = (_node_shape(body), part.shape if part else None)
    except _Unsuitable:
        return None
    quads = _quads(contexts, body)
    if quads is None:
        return None
    if part is not None:
        quads.extend(part.quads)
    dataset = _ox.Dataset(quads)
    dataset.canonicalize(_RDFC_1_0)
    lines = _ox.serialize(dataset, format=_ox.RdfFormat.N_QUADS).decode().split("\n")
    return "".join(sorted(line + "\n" for line in lines if line)), shape


def _quads(contexts: str, body: dict[str, Any]) -> list[Any] | None:
    """The RDF quads of the body under the (inlined) contexts, if each is one pyld would write the same."""
    text = json.dumps(body, ensure_ascii=False)
    text = '{"@context":' + contexts + ("," + text[1:] if text != "{}" else "}")
    try:
        quads = list(_ox.parse(text, format=_ox.RdfFormat.JSON_LD, base_iri=RELATIVE_BASE, lenient=True))
    except Exception:  # any JSON-LD error: pyld says what it is
        return None
    if not _pylds_quads(quads):
        return None
    return quads


# -- The part every credential of an award shares: its achievement -----------------------------------------
#
# The achievement (credentialSubject.achievement, some 90% of a credential) is the same for every
# learner of a course. A node object with an IRI (its `id`), its quads are those it yields wherever it
# stands under the same active context, which the document's @context, its `type`, the key
# `credentialSubject`, that node's `type` and the key `achievement` make. So they are made once, from
# a wrapper document with just that path (the two nodes on it named by IRIs of SHARED_WRAPPER, so their
# own quads are told apart), and each credential converts only the rest, the achievement replaced by a
# reference to its `id`: the union of the two is the credential's dataset. Blank nodes in the shared
# quads are pyoxigraph's own random ones, distinct from any other conversion's.

SHARED_PATH = ("credentialSubject", "achievement")
SHARED_WRAPPER = ("urn:microquest:rdfc-fast:document", "urn:microquest:rdfc-fast:subject")


class _Part:
    __slots__ = ("quads", "shape")

    def __init__(self, quads: list[Any], shape: Any) -> None:
        self.quads = quads
        self.shape = shape


_NO_PART = _Part([], None)


def _shared_part(contexts: str, body: dict[str, Any]) -> tuple[_Part | None, dict[str, Any]]:
    """The shared part's quads (made once) and the body with it replaced by a reference; (None, body) if the
    body cannot be split so; the body unchanged with no part if it has no such part."""
    outer_key, inner_key = SHARED_PATH
    subject = body[outer_key]
    shared = subject.get(inner_key)
    if not isinstance(shared, dict) or not isinstance(shared.get("id"), str) or len(shared) < 2:
        return _NO_PART, body
    try:
        key = (
            contexts,
            json.dumps(body.get("type"), ensure_ascii=False),
            json.dumps(subject.get("type"), ensure_ascii=False),
            json.dumps(shared, ensure_ascii=False, sort_keys=True),
        )
    except (TypeError, ValueError):
        return None, body
    part = _parts.get(key)
    if part is None:
        part = _make_part(contexts, body.get("type"), subject.get("type"), shared)
        if len(_parts) >= MAX_PARTS:
            _parts.clear()
        _parts[key] = part
    if part is _UNSUITABLE_PART:
        return None, body
    return part, {**body, outer_key: {**subject, inner_key: {"id": shared["id"]}}}


MAX_PARTS = 16
_parts: dict[Any, _Part] = {}
_UNSUITABLE_PART = _Part([], None)


def _make_part(contexts: str, outer_type: Any, inner_type: Any, shared: dict[str, Any]) -> _Part:
    try:
        shape = _node_shape(shared)
    except _Unsuitable:
        return _UNSUITABLE_PART
    outer_id, inner_id = SHARED_WRAPPER
    inner: dict[str, Any] = {"id": inner_id, SHARED_PATH[1]: shared}
    outer: dict[str, Any] = {"id": outer_id, SHARED_PATH[0]: inner}
    if outer_type is not None:
        outer["type"] = outer_type
    if inner_type is not None:
        inner["type"] = inner_type
    quads = _quads(contexts, outer)
    if quads is None:
        return _UNSUITABLE_PART
    wrapper = {outer_id, inner_id}
    own = [quad for quad in quads if not (isinstance(quad.subject, _ox.NamedNode) and quad.subject.value in wrapper)]
    mentions = (
        term.value for quad in own for term in (quad.object, quad.graph_name) if isinstance(term, _ox.NamedNode)
    )
    if any(value in wrapper for value in mentions):
        return _UNSUITABLE_PART
    return _Part(own, shape)


class _Unsuitable(Exception):
    pass


def _node_shape(value: Any) -> Any:
    if isinstance(value, str):
        if _UNSAFE_TEXT.search(value) or value.startswith("_:"):
            raise _Unsuitable
        return "s"
    if isinstance(value, dict):
        shapes = []
        for key, item in value.items():
            if not _TERM.match(key):
                raise _Unsuitable
            shapes.append((key, _node_shape(item)))
        shapes.sort()
        return tuple(shapes)
    if isinstance(value, list):
        if not value:
            raise _Unsuitable
        # The number of items does not change how each is processed: one entry per kind of item.
        return ("[]", frozenset(_node_shape(item) for item in value))
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        if abs(value) >= MAX_SAFE_INTEGER:
            raise _Unsuitable
        return "i"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not _same_double_digits(value):
            raise _Unsuitable
        return "f"
    raise _Unsuitable  # None, or not JSON


def _same_double_digits(value: float) -> bool:
    """pyld writes a fraction with 16 significant digits, Oxigraph with the fewest that read back: the same here?"""
    if value.is_integer():
        # pyld writes it as an integer below 1e21 (Oxigraph too); beyond 2^53 digits are lost.
        return abs(value) < MAX_SAFE_INTEGER
    sixteen = f"{abs(value):.15e}".split("e")[0].replace(".", "").rstrip("0")
    shortest = repr(abs(value)).split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return sixteen == shortest


@lru_cache(maxsize=32)
def _inline_contexts(contexts_json: str) -> str | None:
    """The `@context` with each bundled URL replaced by its context object, and the probe `@vocab` added, as JSON;
    None if an entry is not a bundled URL or a plain inline term definition."""
    contexts = json.loads(contexts_json)
    entries = contexts if isinstance(contexts, list) else [contexts]
    try:
        documents = bundled()
    except ContextError:
        return None
    inlined: list[Any] = []
    for entry in entries:
        if isinstance(entry, str):
            document = documents.get(entry)
            if not isinstance(document, dict) or not isinstance(document.get("@context"), dict):
                return None
            context = document["@context"]
            if not _plain_bundled(context):
                return None
            inlined.append(context)
        elif isinstance(entry, dict) and _plain_terms(entry):
            inlined.append(entry)
        else:
            return None
    inlined.append({"@vocab": UNDEFINED_VOCAB})
    return json.dumps(inlined, ensure_ascii=False)


# Keywords the bundled contexts do without, and must, for what is said here to hold (an inline context
# (a remote one's @base is ignored), the shared achievement (no other alias of @type, no reverse or nested
# properties), the same literals as pyld (no @direction, @language)).
_NOT_IN_BUNDLED = {"@base", "@import", "@propagate", "@reverse", "@nest", "@included", "@direction", "@language"}


def _plain_bundled(value: Any, term: str | None = None) -> bool:
    """No keyword of _NOT_IN_BUNDLED, and no keyword alias but id (@id) and type (@type)."""
    if isinstance(value, list):
        return all(_plain_bundled(item, term) for item in value)
    if not isinstance(value, dict):
        return not (isinstance(value, str) and value in _NOT_IN_BUNDLED)
    for key, item in value.items():
        if key in _NOT_IN_BUNDLED:
            return False
        is_term = not key.startswith("@")
        defines = key if is_term else term
        alias = isinstance(item, str) and item.startswith("@") and (is_term or key == "@id")
        if alias and defines not in ("id", "type"):
            return False
        if not _plain_bundled(item, defines):
            return False
    return True


def _plain_terms(context: dict[str, Any]) -> bool:
    for term, definition in context.items():
        if term == "@protected":
            if not isinstance(definition, bool):
                return False
            continue
        if not _TERM.match(term):
            return False
        if isinstance(definition, str):
            if not _SAFE_IRI.match(definition):
                return False
        elif isinstance(definition, dict):
            for key, value in definition.items():
                if key == "@id":
                    ok = isinstance(value, str) and bool(_SAFE_IRI.match(value))
                elif key == "@type":
                    ok = isinstance(value, str) and (value == "@id" or bool(_SAFE_IRI.match(value)))
                elif key == "@container":
                    ok = value in ("@list", "@set")
                else:
                    ok = False
                if not ok:
                    return False
            if "@id" not in definition:
                return False
        else:
            return False
    return True


def _pylds_quads(quads: list[Any]) -> bool:
    """Quads pyld writes as pyoxigraph does: no undefined term or relative IRI (pyld decides on those), every IRI
    one pyld keeps, every xsd:double as pyld writes it, no language tag (pyoxigraph writes them in lower case,
    pyld as they are) and no JSON literal (canonical JSON twice); and no blank node twice in one quad (pyld's
    URDNA2015 hashes such a quad twice, as it lists a quad once per mention, unlike RDFC-1.0). JSON-LD as
    microquest writes it makes none of those exceptions."""
    named, blank, literal = _ox.NamedNode, _ox.BlankNode, _ox.Literal
    iris = set()
    for quad in quads:
        subject, predicate, value, graph = quad.subject, quad.predicate, quad.object, quad.graph_name
        if not isinstance(predicate, named):
            return False
        iris.add(predicate.value)
        if isinstance(subject, named):
            iris.add(subject.value)
        elif not isinstance(subject, blank) or subject == value or subject == graph:
            return False
        if isinstance(value, named):
            iris.add(value.value)
        elif isinstance(value, blank):
            if value == graph:
                return False
        elif isinstance(value, literal):
            datatype = value.datatype.value
            if value.language or datatype == RDF_JSON:
                return False
            if datatype == XSD_DOUBLE and not _pyld_writes_double(value.value):
                return False
            iris.add(datatype)
        else:
            return False
        if isinstance(graph, named):
            iris.add(graph.value)
    relative = RELATIVE_BASE.partition(":")[0] + ":"
    return all(
        _PYLD_ABSOLUTE_IRI.match(iri) and not iri.startswith(UNDEFINED_VOCAB) and not iri.startswith(relative)
        for iri in iris
    )


def _pyld_writes_double(lexical: str) -> bool:
    try:
        return _pyld_double(float(lexical)) == lexical
    except ValueError:
        return False


def _pyld_double(value: float) -> str:
    # pyld.jsonld._canonicalize_double
    return re.sub(r"(\d)0*E\+?(-)?0*(\d)", r"\1E\2\3", f"{value:1.15E}")
