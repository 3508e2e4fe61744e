"""HTTP from the tool to platforms: timeouts always, one session per thread, errors in words.

Every call the tool makes to a platform (OpenID configuration, registration, JWKS, tokens, AGS,
NRPS) goes through `PlatformHttp`, so none can hang a worker: 5 s to connect, 20 s to answer.
A platform that cannot be reached raises PlatformUnreachable; an answer with an error status is
returned to the caller, which knows what it means.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
USER_AGENT = "microquest-lti/1"


class PlatformUnreachable(Exception):
    """The platform did not answer (refused, timed out, TLS failure)."""


class PlatformHttp:
    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # requests.Session is not safe to share between threads; the tool's handlers run on several.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
        return session

    def request(self, method: str, url: str, **options: Any) -> requests.Response:
        options.setdefault("timeout", self.timeout)
        options.setdefault("allow_redirects", False)
        try:
            return self._session().request(method, url, **options)
        except requests.RequestException as error:
            raise PlatformUnreachable(f"{method} {url}: {type(error).__name__}: {_first_line(error)}") from None

    def get(self, url: str, **options: Any) -> requests.Response:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> requests.Response:
        return self.request("POST", url, **options)


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [""])[0][:300]


def error_text(response: requests.Response) -> str:
    """An error answer in a line: status and the start of its body (for logs and the outbox)."""
    body = " ".join(response.text.split())[:300] if response.content else ""
    return f"HTTP {response.status_code}" + (f": {body}" if body else "")
