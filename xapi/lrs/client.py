"""A client for an LRS's Statement API (xAPI 1.0.3), on `requests`.

    client = LrsClient("https://lrs.example.si/xapi/", "Basic …")
    client.put_statement(statement)            # "stored" or "already-there"
    for statement in client.statements(registration=registration):
        ...

Every request sends `X-Experience-API-Version: 1.0.3`. `statements()` follows `more`
until the LRS has no more; `more` is a path from the LRS's origin, not from the endpoint
(xAPI 1.0.3 Data §2.5), so it is resolved against the origin.

Every failure is one LrsError with a message for a person ("LRS at … refused the
credentials (401)"). Credentials come from the caller or from MICROQUEST_LRS_ENDPOINT and
MICROQUEST_LRS_AUTH (`client_from_environment`), never from a file in the repository, and
never appear in a message or a repr.

Made for conformant LRSs and harmless with some LRSs' deviations: a 409 for a statement id
the LRS already holds counts as delivered (some answer an identical re-send with 409);
`ascending` is sent only when it is true (ralph reverses a page for any value, "false"
included); a statement list where one statement was asked for is an error, not a result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

XAPI_VERSION = "1.0.3"
ENDPOINT_VARIABLE = "MICROQUEST_LRS_ENDPOINT"
AUTH_VARIABLE = "MICROQUEST_LRS_AUTH"


class LrsError(Exception):
    """The LRS could not be reached, refused the request or answered with an error."""


class LrsClient:
    """The Statement API of one LRS, with one set of credentials (see the module docstring)."""

    def __init__(self, endpoint: str, auth: str | None, timeout: float = 10) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LrsError(f"LRS endpoint {endpoint!r} is not an http(s) address such as https://lrs.example.si/xapi/")
        # Resources are relative to the endpoint (`statements`, `about`): it ends in "/".
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self._auth = auth or ""
        self._session = requests.Session()
        self._session.headers["X-Experience-API-Version"] = XAPI_VERSION
        if self._auth:
            self._session.headers["Authorization"] = self._auth

    def __repr__(self) -> str:
        return f"LrsClient({self.endpoint!r})"

    # -- the Statement API

    def about(self) -> dict[str, Any]:
        """GET about: {"version": [...], ...}."""
        return self._json(self._request("GET", self.endpoint + "about", expect=(200,)))

    def put_statement(self, statement: dict[str, Any]) -> str:
        """PUT one statement under its id: "stored" (204), or "already-there" (409: the LRS holds that id).

        A 409 counts as delivered: the id is taken, and resending the same statement
        cannot change that (some LRSs answer an identical re-send with 409).
        """
        if not isinstance(statement.get("id"), str):
            raise ValueError("put_statement needs a statement with its id set")
        response = self._request(
            "PUT",
            self.endpoint + "statements",
            expect=(200, 204, 409),
            params={"statementId": statement["id"]},
            json=statement,
        )
        return "already-there" if response.status_code == 409 else "stored"

    def post_statements(self, statements: list[dict[str, Any]]) -> list[str]:
        """POST a batch: the ids the LRS stored (a 204 means it held them all already: [])."""
        response = self._request("POST", self.endpoint + "statements", expect=(200, 204), json=statements)
        if response.status_code == 204:
            return []
        ids = self._json(response)
        if not isinstance(ids, list):
            raise LrsError(f"LRS at {self.endpoint} answered a POST of statements without the list of their ids")
        return ids

    def statements(
        self,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        agent: dict[str, Any] | None = None,
        verb: str | None = None,
        activity: str | None = None,
        registration: str | None = None,
        related_activities: bool = False,
        ascending: bool = True,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every statement that matches, page after page (`limit` is the page size)."""
        query: dict[str, str] = {}
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                query[name] = value.isoformat() if isinstance(value, datetime) else value
        if agent is not None:
            query["agent"] = json.dumps(agent, ensure_ascii=False, separators=(",", ":"))
        for name, value in (("verb", verb), ("activity", activity), ("registration", registration)):
            if value is not None:
                query[name] = value
        if related_activities:
            query["related_activities"] = "true"
        if ascending:
            query["ascending"] = "true"
        if limit is not None:
            query["limit"] = str(limit)
        url: str | None = self.endpoint + "statements"
        params: dict[str, str] | None = query
        followed: set[str] = set()
        while url:
            page = self._json(self._request("GET", url, expect=(200,), params=params))
            if not isinstance(page, dict) or not isinstance(page.get("statements"), list):
                raise LrsError(f"LRS at {self.endpoint} answered a statement query without a statement list")
            yield from page["statements"]
            more = page.get("more") or ""
            if more in followed:
                raise LrsError(f"LRS at {self.endpoint} sent the same `more` link twice: {more[:200]}")
            followed.add(more)
            url, params = (urljoin(self.origin, more), None) if more else (None, None)

    def voided_statement(self, statement_id: str) -> dict[str, Any] | None:
        """The voided statement with this id, or None if the LRS has no voided statement with it."""
        response = self._request(
            "GET", self.endpoint + "statements", expect=(200, 404), params={"voidedStatementId": statement_id}
        )
        if response.status_code == 404:
            return None
        statement = self._json(response)
        if isinstance(statement, dict) and "statements" in statement:
            # Some LRSs (ralph) ignore voidedStatementId and list every statement.
            raise LrsError(f"LRS at {self.endpoint} does not support voidedStatementId: it answered a statement list")
        return statement

    # -- documents (State, Activity and Agent Profiles: Communication §2.3, §2.6, §2.7)

    def document(self, resource: str, **params: Any) -> tuple[Any, str | None] | None:
        """A JSON document ("activities/state", "agents/profile", …) and its ETag; None if the LRS has none."""
        response = self._request("GET", self.endpoint + resource, expect=(200, 404), params=_query(params))
        if response.status_code == 404:
            return None
        return self._json(response), response.headers.get("ETag")

    def replace_document(self, resource: str, value: Any, **params: Any) -> None:
        """Store a JSON document in place of what is there, as an LMS does at launch.

        Read first for the ETag, then PUT with `If-Match` (or `If-None-Match: *` where there is
        none), so a document changed in between is never overwritten unseen (Communication §3.1).
        """
        current = self.document(resource, **params)
        headers = {"If-Match": current[1]} if current and current[1] else {"If-None-Match": "*"}
        self._request(
            "PUT", self.endpoint + resource, expect=(204,), params=_query(params), json=value, headers=headers
        )

    # -- HTTP

    def _request(self, method: str, url: str, *, expect: tuple[int, ...], **arguments: Any) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=self.timeout, **arguments)
        except requests.Timeout:
            raise LrsError(f"LRS at {self.endpoint} did not answer within {self.timeout:g} s") from None
        except requests.ConnectionError as error:
            raise LrsError(f"LRS at {self.endpoint} is not reachable: {_connection_problem(error)}") from None
        except requests.RequestException as error:
            raise LrsError(f"LRS at {self.endpoint}: {self._redact(type(error).__name__)}") from None
        if response.status_code == 401:
            raise LrsError(f"LRS at {self.endpoint} refused the credentials (401)")
        if response.status_code == 403:
            raise LrsError(f"LRS at {self.endpoint} does not allow this with these credentials (403)")
        if response.status_code not in expect:
            text = " ".join(response.text.split())[:200]
            raise LrsError(f"LRS at {self.endpoint} answered {response.status_code}: {self._redact(text)}")
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise LrsError(f"LRS at {self.endpoint} answered {response.status_code} with no JSON") from None

    def _redact(self, text: str) -> str:
        """The text without the credentials, should an LRS echo them."""
        if self._auth:
            for secret in {self._auth, self._auth.partition(" ")[2]} - {""}:
                text = text.replace(secret, "***")
        return text


def _query(params: dict[str, Any]) -> dict[str, str]:
    """Query parameters with agents (dicts) as the JSON xAPI wants."""
    return {
        name: json.dumps(value, ensure_ascii=False, separators=(",", ":")) if isinstance(value, dict) else value
        for name, value in params.items()
        if value is not None
    }


def _connection_problem(error: requests.ConnectionError) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        cause = cause.__cause__ or cause.__context__
    text = str(error)
    if "Name or service not known" in text or "NameResolutionError" in text or "nodename nor servname" in text:
        return "the host name does not resolve"
    if "refused" in text.lower():
        return "connection refused"
    return "no connection"


def client_from_environment(timeout: float = 10) -> LrsClient:
    """A client for MICROQUEST_LRS_ENDPOINT with the Authorization value in MICROQUEST_LRS_AUTH."""
    endpoint = os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not endpoint:
        raise LrsError(f"no LRS given: set {ENDPOINT_VARIABLE} and {AUTH_VARIABLE} (the whole Authorization value)")
    return LrsClient(endpoint, os.environ.get(AUTH_VARIABLE) or None, timeout)
