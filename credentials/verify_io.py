"""What `verify` reads is untrusted: files and URLs read within a size limit, JSON within a nesting
limit, and the one error every check raises (`VerificationError`, with a one-word reason).

`credentials.verify` re-exports these names; the status list (credentials/status_list.py) and
the issuer's key resolution (credentials/issuer_proof.py) use them too.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

FETCH_TIMEOUT_S = 20
# A credential file or badge image; a badge is rarely more than a few MB.
MAX_FILE_BYTES = 32 * 1024 * 1024
# A credential nests some 8 levels (credential, subject, achievement, alignment …).
MAX_JSON_DEPTH = 64


class VerificationError(ValueError):
    """Why a credential does not verify. `reason` is one word; the message the whole story."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {message}")


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refusing (VerificationError) one larger than `limit` without reading it all."""
    with open(path, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise VerificationError("too-large", f"{path} is larger than {_size(limit)}; refusing it")
    return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} kB"


def is_url(source: str) -> bool:
    return re.match(r"^https?://", source) is not None


def read_file_or_url(source: str, limit: int, reason: str) -> bytes:
    """The bytes of a file or an http(s) URL, at most `limit` of them, a URL within FETCH_TIMEOUT_S.

    Anything else (unreadable, too large, an HTTP error) is VerificationError(`reason`).
    """
    if is_url(source):
        try:
            with urllib.request.urlopen(source, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 (http(s) only)
                data = response.read(limit + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise VerificationError(reason, f"could not read {source}: {error}") from None
        if len(data) > limit:
            raise VerificationError(reason, f"{source} is larger than {_size(limit)}; refusing it")
        return data
    try:
        return read_limited(Path(source), limit)
    except VerificationError as error:
        raise VerificationError(reason, str(error).removeprefix(f"{error.reason}: ")) from None
    except OSError as error:
        raise VerificationError(reason, f"could not read {source}: {error.strerror or error}") from None


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(text: str | bytes, what: str) -> Any:
    """JSON from untrusted input, refusing nesting deeper than MAX_JSON_DEPTH (VerificationError `too-deep`)."""
    too_deep = VerificationError("too-deep", f"{what} is nested more than {MAX_JSON_DEPTH} levels deep; refusing it")
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep from None
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise too_deep
    return value


def json_object(data: bytes, source: str, reason: str, what: str) -> dict[str, Any]:
    """A JSON object read from `source`, or VerificationError(`reason`) saying what it is instead."""
    try:
        value = parse_json(data, source)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise VerificationError(reason, f"{source} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise VerificationError(reason, f"{source}: expected {what} (a JSON object), found a {type(value).__name__}")
    return value


def parse_datetime_z(value: Any) -> datetime | None:
    """An XML Schema dateTime that carries a time zone, or None."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def types_of(node: Any) -> list[str]:
    """A JSON-LD node's `type`, as a list of the strings it names."""
    value = node.get("type") if isinstance(node, dict) else None
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) is not None


def issuer_id(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def the_proof(document: dict[str, Any]) -> dict[str, Any] | None:
    """The document's one proof (a list of one, or an object), or None."""
    proofs = document.get("proof")
    proof = proofs[0] if isinstance(proofs, list) and proofs else proofs
    return proof if isinstance(proof, dict) else None
