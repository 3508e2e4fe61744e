"""The xAPI document APIs an LMS serves in front of an LRS that has none (ralph): State and Agent Profile.

`DocumentStore` keeps State documents by (activityId, agent, registration, stateId) and
Agent Profile documents by (agent, profileId), in memory, for the life of the server
(launch.py). Agents are compared by their identifier (mbox, mbox_sha1sum,
openid or account), not by the rest of their JSON.

State API, as xAPI 1.0.3 Communication §2.3 says:
- GET with stateId: the document and its Content-Type (404 if none); without: the JSON list
  of stateIds, only those stored after `since` if given;
- PUT stores the document; POST of a JSON object onto a JSON object merges top-level keys
  (onto nothing: stores it; anything else: 400); DELETE with stateId deletes one, without
  deletes every document of the activity, agent and registration; each answers 204;
- activityId and agent are required, registration must be a UUID, unknown parameters are 400.

Documents the LMS writes (LMS.LaunchData, cmi5LearnerPreferences) are read-only to the
content: cmi5 §10 forbids the AU to change LMS.LaunchData, and §11 lets the LMS answer 403
to writes of the learner preferences.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from xapi.agents import AgentError, agent_keys

from .local_server import Response, json_response, method_not_allowed, text_response

XAPI_VERSION_HEADER = ("X-Experience-API-Version", "1.0.3")
STATE_PARAMETERS = {"activityId", "agent", "registration", "stateId", "since"}
PROFILE_PARAMETERS = {"agent", "profileId", "since"}


def agent_key(agent: Any) -> str | None:
    """The agent's identifier key (xapi/agents.py, as the award matches learners), or None
    unless it has exactly one well-formed identifier (xAPI Data §2.4.2.3)."""
    try:
        return agent_keys(agent)[0]
    except AgentError:
        return None


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    stored: datetime
    lms_owned: bool = False

    def json(self) -> Any:
        try:
            return json.loads(self.content) if self.content_type == "application/json" else None
        except ValueError:
            return None


class BadRequest(Exception):
    """The request's parameters are wrong: 400 with this message."""


def _one(query: dict[str, list[str]], name: str, required: bool) -> str | None:
    values = query.get(name)
    if not values:
        if required:
            raise BadRequest(f"the {name} parameter is required")
        return None
    return values[-1]


def _agent(query: dict[str, list[str]]) -> str:
    text = _one(query, "agent", True) or ""
    try:
        key = agent_key(json.loads(text))
    except ValueError:
        key = None
    if key is None:
        raise BadRequest("agent must be the JSON of an Agent with exactly one identifier")
    return key


def _since(query: dict[str, list[str]]) -> datetime | None:
    text = _one(query, "since", False)
    if text is None:
        return None
    try:
        since = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"since must be an ISO 8601 timestamp, got {text!r}") from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)


def _check_parameters(query: dict[str, list[str]], allowed: set[str]) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r}; this resource takes {', '.join(sorted(allowed))}")


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "application/octet-stream").split(";")[0].strip().lower()


class DocumentStore:
    """State and Agent Profile documents in memory; see the module docstring."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str, str, str], Document] = {}
        self._profiles: dict[tuple[str, str], Document] = {}
        self._lock = threading.Lock()

    # -- the LMS's own access

    def put_lms_document(self, kind: str, key: tuple[Any, ...], data: Any) -> None:
        """Store a JSON document the content may read but not change; `key` holds the agent as a dict."""
        document = Document(json.dumps(data, ensure_ascii=False).encode(), "application/json", datetime.now(UTC), True)
        with self._lock:
            self._table(kind)[self._key(kind, key)] = document

    def get_document(self, kind: str, key: tuple[Any, ...]) -> Document | None:
        with self._lock:
            return self._table(kind).get(self._key(kind, key))

    def states(self) -> dict[tuple[str, str, str, str], Any]:
        """Every State document: (activityId, agent identifier JSON, registration, stateId) → JSON or bytes."""
        with self._lock:
            items = list(self._states.items())
        return {key: document.json() if document.json() is not None else document.content for key, document in items}

    def _table(self, kind: str) -> dict[Any, Document]:
        return {"state": self._states, "profile": self._profiles}[kind]

    @staticmethod
    def _key(kind: str, key: tuple[Any, ...]) -> tuple[str, ...]:
        if kind == "state":
            activity, agent, registration, state_id = key
            return (activity, agent_key(agent) or "", registration or "", state_id)
        agent, profile_id = key
        return (agent_key(agent) or "", profile_id)

    # -- the State API

    def respond_state(self, method: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Response:
        try:
            _check_parameters(query, STATE_PARAMETERS)
            activity = _one(query, "activityId", True) or ""
            if ":" not in activity:
                raise BadRequest(f"activityId must be an IRI, got {activity!r}")
            agent = _agent(query)
            registration = _one(query, "registration", False) or ""
            if registration:
                try:
                    uuid.UUID(registration)
                except ValueError:
                    raise BadRequest(f"registration must be a UUID, got {registration!r}") from None
            state_id = _one(query, "stateId", False)
            since = _since(query)
        except BadRequest as error:
            return text_response(HTTPStatus.BAD_REQUEST, str(error), (XAPI_VERSION_HEADER,))
        scope = (activity, agent, registration)
        if state_id is None:
            return self._state_collection(method, scope, since)
        return self._state_document(method, (*scope, state_id), _media_type(headers), body)

    def _state_collection(self, method: str, scope: tuple[str, str, str], since: datetime | None) -> Response:
        with self._lock:
            keys = [key for key in self._states if key[:3] == scope]
            if method in ("GET", "HEAD"):
                ids = sorted(key[3] for key in keys if since is None or self._states[key].stored > since)
                return json_response(ids, headers=(XAPI_VERSION_HEADER,))
            if method == "DELETE":
                for key in keys:
                    if not self._states[key].lms_owned:
                        del self._states[key]
                return Response(HTTPStatus.NO_CONTENT, "text/plain", b"", (XAPI_VERSION_HEADER,))
        if method in ("PUT", "POST"):
            return text_response(HTTPStatus.BAD_REQUEST, "the stateId parameter is required", (XAPI_VERSION_HEADER,))
        return _method_not_allowed()

    def _state_document(self, method: str, key: tuple[str, str, str, str], media: str, body: bytes) -> Response:
        with self._lock:
            stored = self._states.get(key)
            if method in ("GET", "HEAD"):
                return _document(stored)
            if method not in ("PUT", "POST", "DELETE"):
                return _method_not_allowed()
            if stored is not None and stored.lms_owned:
                return text_response(HTTPStatus.FORBIDDEN, f"{key[3]} is the LMS's", (XAPI_VERSION_HEADER,))
            if method == "DELETE":
                self._states.pop(key, None)
            elif method == "PUT" or stored is None:
                self._states[key] = Document(body, media, datetime.now(UTC))
            else:
                merged = _merge(stored, body, media)
                if isinstance(merged, Response):
                    return merged
                self._states[key] = merged
        return Response(HTTPStatus.NO_CONTENT, "text/plain", b"", (XAPI_VERSION_HEADER,))

    # -- the Agent Profile API (read-only for the content)

    def respond_agent_profile(self, method: str, query: dict[str, list[str]]) -> Response:
        try:
            _check_parameters(query, PROFILE_PARAMETERS)
            agent = _agent(query)
            profile_id = _one(query, "profileId", False)
            since = _since(query)
        except BadRequest as error:
            return text_response(HTTPStatus.BAD_REQUEST, str(error), (XAPI_VERSION_HEADER,))
        if method in ("PUT", "POST", "DELETE"):
            return text_response(HTTPStatus.FORBIDDEN, "the LMS keeps the learner's profile", (XAPI_VERSION_HEADER,))
        if method not in ("GET", "HEAD"):
            return _method_not_allowed()
        with self._lock:
            if profile_id is not None:
                return _document(self._profiles.get((agent, profile_id)))
            ids = sorted(
                key[1]
                for key, doc in self._profiles.items()
                if key[0] == agent and (since is None or doc.stored > since)
            )
        return json_response(ids, headers=(XAPI_VERSION_HEADER,))


def _document(stored: Document | None) -> Response:
    if stored is None:
        return text_response(HTTPStatus.NOT_FOUND, "no such document", (XAPI_VERSION_HEADER,))
    headers = (
        XAPI_VERSION_HEADER,
        ("ETag", f'"{hashlib.sha1(stored.content).hexdigest()}"'),
        ("Last-Modified", email.utils.format_datetime(stored.stored, usegmt=True)),
    )
    return Response(HTTPStatus.OK, stored.content_type, stored.content, headers)


def _merge(stored: Document, body: bytes, media: str) -> Document | Response:
    """POST onto a document: both JSON objects, merged by top-level key (Communication §2.3)."""
    old = stored.json()
    try:
        new = json.loads(body) if media == "application/json" else None
    except ValueError:
        new = None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return text_response(
            HTTPStatus.BAD_REQUEST,
            "POST merges a JSON object (Content-Type application/json) into a JSON object; use PUT to replace",
            (XAPI_VERSION_HEADER,),
        )
    return Document(json.dumps({**old, **new}, ensure_ascii=False).encode(), "application/json", datetime.now(UTC))


def _method_not_allowed() -> Response:
    return method_not_allowed("GET, HEAD, PUT, POST, DELETE", (XAPI_VERSION_HEADER,))
