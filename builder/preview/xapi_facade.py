"""/xapi/ on the launch server: the only xAPI endpoint the launched content sees.

Each launch gets a token of its own (`issue_token`); the content sends it as its Basic
credential, and the facade

- answers `about` and OPTIONS without credentials, and anything else without a launch's
  token 401 and without an `X-Experience-API-Version` of 1.0.x 400, as an LRS does;
- forwards the Statement API to the real LRS with the LMS's credentials (method, query,
  body, Content-Type and version header), which no launch URL, page or statement ever
  carries, and hands back the LRS's status, body and X-Experience-API-* headers, with a
  `more` link made to point into /xapi/;
- serves the State and Agent Profile APIs from the LMS's DocumentStore (ralph has none),
  or answers 404 there as ralph does when the server runs without them.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Mapping
from contextlib import nullcontext
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from xapi.lrs.client import XAPI_VERSION, LrsClient

from .local_server import Request, Response, json_response, method_not_allowed
from .state_api import XAPI_VERSION_HEADER, DocumentStore

# The answer headers of the LRS that reach the content.
FORWARDED_ANSWER_HEADERS = ("X-Experience-API-Consistent-Through", "Last-Modified", "ETag")


class XapiFacade:
    """The /xapi/ resources for the content, in front of the LRS; see the module docstring."""

    def __init__(self, lrs: LrsClient, lrs_auth: str, store: DocumentStore) -> None:
        self.lrs = lrs
        self.store = store
        self._lrs_auth = lrs_auth
        self._tokens: dict[str, Any] = {}  # token → the launch it stands for
        self._lock = threading.Lock()
        self._session = requests.Session()
        # ralph checks "is this id stored?" and appends in two steps: two writes of the same
        # statement at once (a page's last keepalive send and the next page's retry) could both
        # pass the check. Writes go to it one at a time; reads need no turn.
        self._write_turn = threading.Lock()

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
        if resource == "statements":
            return self._forward_statements(method, request.query, request.headers, request.body)
        query = parse_qs(request.query, keep_blank_values=True)
        if resource == "activities/state" and state_api:
            return self.store.respond_state(method, query, request.headers, request.body)
        if resource == "agents/profile" and state_api:
            return self.store.respond_agent_profile(method, query)
        # As ralph answers for every resource it lacks.
        return json_response({"detail": "Not Found"}, HTTPStatus.NOT_FOUND, version)

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

    def _forward_statements(self, method: str, query: str, headers: Mapping[str, str], body: bytes) -> Response:
        """The request, as the content sent it, to the LRS with the LMS's credentials; its answer back."""
        if method not in ("GET", "HEAD", "PUT", "POST"):
            return method_not_allowed("GET, HEAD, PUT, POST")
        outgoing = {"Authorization": self._lrs_auth, "X-Experience-API-Version": headers["x-experience-api-version"]}
        if "content-type" in headers:
            outgoing["Content-Type"] = headers["content-type"]
        url = self.lrs.endpoint + "statements" + (f"?{query}" if query else "")
        turn = self._write_turn if method in ("PUT", "POST") else nullcontext()
        try:
            with turn:
                answer = self._session.request(method, url, data=body or None, headers=outgoing, timeout=30)
        except requests.RequestException as error:
            return json_response(
                {"error": f"the LRS is not reachable ({type(error).__name__})"}, HTTPStatus.BAD_GATEWAY
            )
        kept = [(name, answer.headers[name]) for name in FORWARDED_ANSWER_HEADERS if name in answer.headers]
        kept.append(("X-Experience-API-Version", answer.headers.get("X-Experience-API-Version", XAPI_VERSION)))
        content = self._local_more(answer.content) if method == "GET" and answer.status_code == 200 else answer.content
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
