"""The document resources of xAPI 1.0.3: State, Activity Profile and Agent Profile (Communication §2.3, §2.6, §2.7).

Each resource keeps documents in a *scope* (State: activity + agent [+ registration];
Activity Profile: activity; Agent Profile: agent) under a document id. The rules here:

- PUT stores the document as sent; POST merges a JSON object into a stored JSON object,
  top-level keys only, and stores it as sent where nothing is stored; merging anything
  else is 400 and changes nothing (§2.3 "JSON Procedure with Requirements").
- Concurrency (§3.1): the ETag is the quoted SHA-1 of the content. `If-Match` with
  another ETag, or on a missing document, is 412; `If-None-Match: *` on a stored document
  is 412. A PUT of a profile document that is already stored, without either header, is
  409: the client must say which version it replaces. State needs no header (§2.3 has no
  such requirement).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from .store import Conflict, Document, DocumentChange, PreconditionFailed, StoreError

JSON_TYPE = "application/json"


@dataclass(frozen=True)
class Resource:
    """One document resource: its kind in the store, its id parameter and what its scope is made of."""

    kind: str
    id_parameter: str
    scope_parameters: tuple[str, ...]
    optional_scope: tuple[str, ...] = ()
    needs_precondition: bool = True


STATE = Resource("state", "stateId", ("activityId", "agent"), ("registration",), needs_precondition=False)
ACTIVITY_PROFILE = Resource("activity_profile", "profileId", ("activityId",))
AGENT_PROFILE = Resource("agent_profile", "profileId", ("agent",))
RESOURCES = {"activities/state": STATE, "activities/profile": ACTIVITY_PROFILE, "agents/profile": AGENT_PROFILE}


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def quoted(etag: str) -> str:
    return f'"{etag}"'


def _tags(header: str) -> set[str]:
    """The entity tags of an If-Match / If-None-Match value, without quotes or weakness marks."""
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def check_preconditions(resource: Resource, method: str, current: Document | None, headers: Mapping[str, str]) -> None:
    """412 or 409 as §3.1 says, before anything is changed (see the module docstring)."""
    if_match, if_none_match = headers.get("if-match"), headers.get("if-none-match")
    if if_match is not None:
        tags = _tags(if_match)
        if current is None or ("*" not in tags and current.etag not in tags):
            raise PreconditionFailed("If-Match does not match the stored document")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if current is not None and ("*" in tags or current.etag in tags):
            raise PreconditionFailed("If-None-Match: the document exists")
    if method == "PUT" and resource.needs_precondition and if_match is None and if_none_match is None:
        if current is not None:
            raise Conflict("the document exists: send If-Match with its ETag (or If-None-Match: *) to replace it")
        # A new profile document too: the ADL 1.0.3 suite (XAPI-00273) wants 400 for a PUT with neither header.
        raise StoreError("a PUT of a profile document needs If-Match or If-None-Match (Communication §3.1)")


def save(change: DocumentChange, method: str, content: bytes, content_type: str) -> None:
    """PUT or POST `content` into the document being changed (see the module docstring)."""
    content_type = content_type or "application/octet-stream"
    if method == "POST" and content_type.split(";")[0].strip().lower() == JSON_TYPE:
        # Posted as JSON, it must be a JSON object, merged or not (Communication §2.7, ADL XAPI-00314).
        _json_object(content, content_type, "the posted document")
    if method == "POST" and change.current is not None:
        stored = _json_object(change.current.content, change.current.content_type, "the stored document")
        posted = _json_object(content, content_type, "the posted document")
        content = json.dumps({**stored, **posted}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        content_type = JSON_TYPE
    change.save(content, content_type, etag_of(content))


def _json_object(content: bytes, content_type: str, what: str) -> dict:
    if content_type.split(";")[0].strip().lower() != JSON_TYPE:
        raise StoreError(f"{what} is not application/json: only JSON objects can be merged (POST)")
    try:
        value = json.loads(content)
    except (UnicodeDecodeError, ValueError):
        raise StoreError(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise StoreError(f"{what} is not a JSON object: only objects can be merged (POST)")
    return value
