"""The xAPI 1.0.3 resources as one function of a request: `XapiService.handle(XapiRequest) -> XapiAnswer`.

No HTTP server here (app.py adapts this to ASGI), so the tests call it directly too.
What every request goes through (Communication §1.3, §3.2, §3.3, §4):

1. The alternate request syntax: a POST whose query is only `method=…`, with the
   parameters, headers and `content` in a form body, is the request it stands for; any
   other query parameter beside `method` is 400.
2. `X-Experience-API-Version` must be 1.0, 1.0.x or 2.0.0 (except for `about`): else 400.
   Every answer carries `X-Experience-API-Version: 1.0.3`.
3. Credentials (except `about`): none or unknown → 401; a scope that does not allow it → 403.
4. Parameters a resource does not know, in any letter case, → 400.

The resources: statements (statement_resource.py), activities/state, activities/profile,
agents/profile (document_resource.py), activities, agents, about.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .clients import Principal
from .store import LrsStore, StoreError

XAPI_VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3"]
# Headers the alternate request syntax carries as form fields (Communication §1.3).
FORM_HEADERS = (
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
)
METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


class XapiError(Exception):
    """A request the LRS refuses: the HTTP status and a message for the client's developer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class XapiRequest:
    method: str
    resource: str  # the path below the endpoint: "statements", "activities/state", …
    params: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    endpoint_path: str = "/xapi/"  # where the endpoint is, for `more` links

    @classmethod
    def from_query(
        cls,
        method: str,
        resource: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        endpoint_path: str = "/xapi/",
    ) -> XapiRequest:
        return cls(
            method.upper(),
            resource.strip("/"),
            parse_qs(query, keep_blank_values=True),
            {name.lower(): value for name, value in headers.items()},
            body,
            endpoint_path,
        )

    def param(self, name: str) -> str | None:
        values = self.params.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise XapiError(400, f"parameter {name} is given {len(values)} times")
        return values[0]

    def only(self, allowed: tuple[str, ...]) -> None:
        """400 for a parameter not in `allowed` (Communication §3.2: parameters the LRS does not know)."""
        for name in self.params:
            if name not in allowed:
                raise XapiError(400, f"parameter {name!r} is not one of {', '.join(allowed)}")

    def required(self, name: str) -> str:
        value = self.param(name)
        if value is None:
            raise XapiError(400, f"parameter {name} is required")
        return value

    def timestamp(self, name: str) -> str | None:
        """A timestamp parameter (since, until) as the store compares `stored`; 400 if it is no ISO 8601 timestamp."""
        from .store import stored_text
        from .validation import StatementError, parse_timestamp

        value = self.param(name)
        if value is None:
            return None
        try:
            return stored_text(parse_timestamp(value))
        except StatementError:
            raise XapiError(400, f"{name} {value!r} is not an ISO 8601 timestamp") from None

    @property
    def version(self) -> str:
        return self.headers.get("x-experience-api-version", "").strip()


@dataclass
class XapiAnswer:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_answer(value: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> XapiAnswer:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return XapiAnswer(status, body, "application/json", headers or [])


def error_answer(status: int, message: str) -> XapiAnswer:
    return json_answer({"error": {"status": status, "message": message}}, status)


Authenticate = Callable[[str], Principal | None]


class XapiService:
    """The LRS's resources over a store, for the clients `authenticate` knows (see the module docstring)."""

    def __init__(
        self, store: LrsStore, authenticate: Authenticate, *, page_size: int = 100, max_page_size: int = 1000
    ) -> None:
        from .document_resource import DocumentResources
        from .statement_resource import StatementResource

        self.store = store
        self.authenticate = authenticate
        self.statements = StatementResource(store, page_size=page_size, max_page_size=max_page_size)
        self.documents = DocumentResources(store)

    def handle(self, request: XapiRequest) -> XapiAnswer:
        try:
            answer = self._handle(request)
        except XapiError as error:
            answer = error_answer(error.status, error.message)
        except StoreError as error:
            answer = error_answer(error.status, str(error))
        answer.headers.append(("X-Experience-API-Version", XAPI_VERSION))
        if request.method == "HEAD":
            answer.headers.append(("Content-Length", str(len(answer.body))))
            answer.body = b""
        return answer

    def _handle(self, request: XapiRequest) -> XapiAnswer:
        if request.method not in METHODS:
            raise XapiError(405, f"method {request.method} is not one of {', '.join(METHODS)}")
        if request.method == "POST" and "method" in request.params:
            request = alternate_request(request)
        if request.resource == "about":
            request.only(())
            if request.method not in ("GET", "HEAD"):
                raise XapiError(405, "about answers GET")
            return json_answer({"version": SUPPORTED_VERSIONS, "extensions": {}})
        version = request.version
        if not (version in ("1.0", "2.0.0") or (version.startswith("1.0.") and version[4:].isdigit())):
            raise XapiError(400, f"X-Experience-API-Version must be 1.0.x (or 2.0.0); got {version or 'none'}")
        principal = self.authenticate(request.headers.get("authorization", ""))
        if principal is None:
            raise XapiError(401, "credentials missing or not known")
        if request.resource == "statements":
            return self.statements.handle(request, principal)
        if request.resource in ("activities/state", "activities/profile", "agents/profile"):
            return self.documents.handle(request, principal)
        if request.resource == "activities":
            return self.documents.activity(request, principal)
        if request.resource == "agents":
            return self.documents.person(request, principal)
        raise XapiError(404, f"no xAPI resource {request.resource!r}")


def alternate_request(request: XapiRequest) -> XapiRequest:
    """The request a POST in the alternate request syntax stands for (Communication §1.3)."""
    if set(request.params) != {"method"}:
        raise XapiError(400, "the alternate request syntax allows only `method` in the query string")
    method = (request.param("method") or "").upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise XapiError(400, f"method={method!r} is not an xAPI method")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise XapiError(400, "the alternate request syntax needs Content-Type: application/x-www-form-urlencoded")
    try:
        form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise XapiError(400, "the form body is not UTF-8") from None
    headers = {name: value for name, value in request.headers.items() if name not in ("content-type", "content-length")}
    params: dict[str, list[str]] = {}
    body = b""
    for name, values in form.items():
        if name.lower() in FORM_HEADERS:
            headers[name.lower()] = values[-1]
        elif name == "content":
            body = values[-1].encode("utf-8")
        else:
            params[name] = values
    return XapiRequest(method, request.resource, params, headers, body, request.endpoint_path)
