"""/xapi/ on the launch server: the only xAPI endpoint the launched content sees.

Each launch gets a token of its own (`issue_token`); the content sends it as its Basic
credential, and the facade

- answers `about` and OPTIONS without credentials, and anything else without a launch's
  token 401 and without an `X-Experience-API-Version` of 1.0.x 400, as an LRS does;
- forwards every xAPI resource (statements, State, Activity and Agent Profiles, activities,
  agents) to the real LRS with the LMS's credentials (method, query, body, Content-Type,
  concurrency and version headers), which no launch URL, page or statement ever carries, and
  hands back the LRS's status, body and headers, with a `more` link made to point into /xapi/;
- refuses the content's writes of the documents the LMS owns (403): cmi5 §10 forbids the AU
  to change LMS.LaunchData, and §11 lets the LMS refuse writes of the learner preferences;
- with `state_api=False` answers 404 for the document resources, as an LRS without them
  does, so a page's fallback can be tried.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

from xapi.lrs.client import XAPI_VERSION, LrsClient

from .local_server import Request, Response, json_response

XAPI_VERSION_HEADER = ("X-Experience-API-Version", XAPI_VERSION)
# The answer headers of the LRS that reach the content, and the request headers that reach the LRS.
FORWARDED_ANSWER_HEADERS = ("X-Experience-API-Consistent-Through", "Last-Modified", "ETag")
FORWARDED_REQUEST_HEADERS = ("content-type", "if-match", "if-none-match", "accept-language")
DOCUMENT_RESOURCES = ("activities/state", "activities/profile", "agents/profile")
RESOURCES = ("statements", *DOCUMENT_RESOURCES, "activities", "agents")
# Documents the LMS writes for the content to read (cmi5 §10, §11).
LMS_DOCUMENTS = {
    ("activities/state", "stateId"): "LMS.LaunchData",
    ("agents/profile", "profileId"): "cmi5LearnerPreferences",
}


class XapiFacade:
    """The /xapi/ resources for the content, in front of the LRS; see the module docstring."""

    def __init__(self, lrs: LrsClient, lrs_auth: str) -> None:
        self.lrs = lrs
        self._lrs_auth = lrs_auth
        self._tokens: dict[str, Any] = {}  # token → the launch it stands for
        self._lock = threading.Lock()
        self._session = requests.Session()

    def issue_token(self, launch: Any) -> str:
        """A fresh Basic credential for one launch: what the content sends to /xapi/."""
        token = base64.b64encode(f"launch-{secrets.token_hex(4)}:{secrets.token_urlsafe(18)}".encode()).decode()
        with self._lock:
            self._tokens[token] = launch
        return token

    def respond(self, resource: str, request: Request, *, state_api: bool, lrs_down: bool) -> Response:
        """The answer to /xapi/<resource>; `lrs_down` makes the statements answer 503."""
        method, version = request.method, (XAPI_VERSION_HEADER,)
        if method == "OPTIONS":
            return Response(
                HTTPStatus.NO_CONTENT, "text/plain", b"", (("Allow", "GET, HEAD, PUT, POST, DELETE"), *version)
            )
        if resource == "about" and method in ("GET", "HEAD"):
            return json_response({"version": [XAPI_VERSION]}, headers=version)
        problem = self._refusal(request.headers)
        if problem is not None:
            return problem
        if resource == "statements" and lrs_down:
            return json_response({"error": "the LRS is down"}, HTTPStatus.SERVICE_UNAVAILABLE, version)
        if resource not in RESOURCES or (resource in DOCUMENT_RESOURCES and not state_api):
            return json_response({"error": f"no xAPI resource {resource!r} here"}, HTTPStatus.NOT_FOUND, version)
        if method not in ("GET", "HEAD") and self._lms_document(resource, request.query):
            return json_response(
                {"error": "the LMS owns this document: the content may read it, not change it"},
                HTTPStatus.FORBIDDEN,
                version,
            )
        if resource == "activities/state" and method == "DELETE" and "stateId" not in parse_qs(request.query):
            return self._delete_content_states(request.query, request.headers)
        return self._forward(resource, method, request.query, request.headers, request.body)

    def _delete_content_states(self, query: str, headers: Mapping[str, str]) -> Response:
        """DELETE of every State document of the scope: the content's go, LMS.LaunchData stays (cmi5 §10)."""
        listed = self._forward("activities/state", "GET", query, headers, b"")
        if listed.status != HTTPStatus.OK:
            return listed
        for state_id in json.loads(listed.body):
            if state_id != LMS_DOCUMENTS[("activities/state", "stateId")]:
                one = query + "&" + urlencode({"stateId": state_id})
                deleted = self._forward("activities/state", "DELETE", one, headers, b"")
                if deleted.status != HTTPStatus.NO_CONTENT:
                    return deleted
        return Response(HTTPStatus.NO_CONTENT, "text/plain", b"", (XAPI_VERSION_HEADER,))

    @staticmethod
    def _lms_document(resource: str, query: str) -> bool:
        parameters = parse_qs(query, keep_blank_values=True)
        return any(
            resource == owned_resource and document_id in parameters.get(id_parameter, [])
            for (owned_resource, id_parameter), document_id in LMS_DOCUMENTS.items()
        )

    def _refusal(self, headers: Mapping[str, str]) -> Response | None:
        """401 without a launch's token; 400 without an xAPI 1.0.x version header (Communication §3.3)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        with self._lock:
            known = scheme.lower() == "basic" and token.strip() in self._tokens
        version = (XAPI_VERSION_HEADER,)
        # No WWW-Authenticate: a browser would open a login dialog over the course.
        if not known:
            return json_response({"error": "this needs the token of a launch"}, HTTPStatus.UNAUTHORIZED, version)
        asked = headers.get("x-experience-api-version", "").strip()
        if asked != "1.0" and not asked.startswith("1.0."):
            return json_response(
                {"error": f"X-Experience-API-Version must be 1.0.x, got {asked or 'none'}"},
                HTTPStatus.BAD_REQUEST,
                version,
            )
        return None

    def _forward(self, resource: str, method: str, query: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The request, as the content sent it, to the LRS with the LMS's credentials; its answer back."""
        outgoing = {"Authorization": self._lrs_auth, "X-Experience-API-Version": headers["x-experience-api-version"]}
        outgoing.update({name: headers[name] for name in FORWARDED_REQUEST_HEADERS if name in headers})
        url = self.lrs.endpoint + resource + (f"?{query}" if query else "")
        try:
            answer = self._session.request(method, url, data=body or None, headers=outgoing, timeout=30)
        except requests.RequestException as error:
            return json_response(
                {"error": f"the LRS is not reachable ({type(error).__name__})"}, HTTPStatus.BAD_GATEWAY
            )
        kept = [(name, answer.headers[name]) for name in FORWARDED_ANSWER_HEADERS if name in answer.headers]
        kept.append(("X-Experience-API-Version", answer.headers.get("X-Experience-API-Version", XAPI_VERSION)))
        listing = resource == "statements" and method == "GET" and answer.status_code == 200
        content = self._local_more(answer.content) if listing else answer.content
        return Response(
            answer.status_code, answer.headers.get("Content-Type", "application/json"), content, tuple(kept)
        )

    def _local_more(self, content: bytes) -> bytes:
        """`more` points into the LRS (a path from its origin): make it point into /xapi/."""
        try:
            result = json.loads(content)
        except ValueError:
            return content
        more = result.get("more") if isinstance(result, dict) else None
        if not more:
            return content
        lrs_path = urlsplit(urljoin(self.lrs.origin, more))
        prefix = urlsplit(self.lrs.endpoint).path
        if not lrs_path.path.startswith(prefix):
            return content
        result["more"] = "/xapi/" + lrs_path.path[len(prefix) :] + (f"?{lrs_path.query}" if lrs_path.query else "")
        return json.dumps(result, ensure_ascii=False).encode("utf-8")
