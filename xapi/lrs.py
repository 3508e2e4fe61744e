"""A small client for an LRS's Statement API (xAPI 1.0.3), on `requests`.

Credentials come from the caller or the environment (MICROQUEST_LRS_ENDPOINT,
MICROQUEST_LRS_AUTH), never from a file in the repository, and never appear in a
message, a log line or a repr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import requests

XAPI_VERSION = "1.0.3"
ENDPOINT_VARIABLE = "MICROQUEST_LRS_ENDPOINT"
AUTH_VARIABLE = "MICROQUEST_LRS_AUTH"


class LrsError(Exception):
    """The LRS could not be reached, refused the request or answered with an error."""


class LrsClient:
    def __init__(self, endpoint: str, auth: str | None, timeout: float = 10.0) -> None:
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LrsError(f"LRS endpoint {endpoint!r}: expected an http(s) URL such as https://lrs.example/xapi/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["X-Experience-API-Version"] = XAPI_VERSION
        if auth:
            self._session.headers["Authorization"] = auth

    def __repr__(self) -> str:
        return f"LrsClient(endpoint={self.endpoint!r})"

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise LrsError(f"LRS at {self.endpoint} did not answer within {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise LrsError(f"LRS at {self.endpoint} is not reachable: connection refused or no route") from None
        if response.status_code in (401, 403):
            raise LrsError(f"LRS at {self.endpoint} refused the credentials ({response.status_code})")
        return response

    def _fail(self, response: requests.Response) -> LrsError:
        return LrsError(f"LRS at {self.endpoint} answered {response.status_code}: {response.text[:200]}")

    def about(self) -> dict:
        response = self._request("GET", self.endpoint + "about")
        if response.status_code != 200:
            raise self._fail(response)
        return response.json()

    def put_statement(self, statement: dict) -> str:
        """Store one statement under its own id: "stored", or "already-there" for a 409
        (the LRS holds that id: ralph answers 409 to an identical re-send too)."""
        response = self._request(
            "PUT", self.endpoint + "statements", params={"statementId": statement["id"]}, json=statement
        )
        if response.status_code in (200, 204):
            return "stored"
        if response.status_code == 409:
            return "already-there"
        raise self._fail(response)

    def post_statements(self, statements: list[dict]) -> list[str]:
        response = self._request("POST", self.endpoint + "statements", json=statements)
        if response.status_code != 200:
            raise self._fail(response)
        return response.json()

    def statements(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        agent: dict | None = None,
        verb: str | None = None,
        activity: str | None = None,
        registration: str | None = None,
        related_activities: bool = False,
        ascending: bool = True,
        limit: int | None = None,
    ) -> Iterator[dict]:
        """Every matching statement, following `more` until the LRS has no more."""
        params: dict[str, str] = {"ascending": "true" if ascending else "false"}
        for key, value in (
            ("since", since),
            ("until", until),
            ("verb", verb),
            ("activity", activity),
            ("registration", registration),
            ("limit", None if limit is None else str(limit)),
        ):
            if value is not None:
                params[key] = value
        if agent is not None:
            params["agent"] = json.dumps(agent, separators=(",", ":"))
        if related_activities:
            params["related_activities"] = "true"
        url, query = self.endpoint + "statements", params
        while url:
            response = self._request("GET", url, params=query)
            if response.status_code != 200:
                raise self._fail(response)
            try:
                page = response.json()
                batch = page["statements"]
            except (ValueError, KeyError, TypeError):
                raise LrsError(f"LRS at {self.endpoint} answered a statement query without a statement list") from None
            yield from batch
            more = page.get("more") or ""
            # `more` is a path relative to the LRS's origin, not to the endpoint (xAPI 1.0.3 §2.5).
            url, query = (urljoin(self.origin, more), None) if more else ("", None)

    def voided_statement(self, statement_id: str) -> dict | None:
        response = self._request("GET", self.endpoint + "statements", params={"voidedStatementId": statement_id})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._fail(response)
        return response.json()


def client_from_environment(timeout: float = 10.0) -> LrsClient:
    endpoint = os.environ.get(ENDPOINT_VARIABLE)
    if not endpoint:
        raise LrsError(f"no LRS given: set {ENDPOINT_VARIABLE} (and {AUTH_VARIABLE}) or pass --endpoint/--auth")
    return LrsClient(endpoint, os.environ.get(AUTH_VARIABLE), timeout)
