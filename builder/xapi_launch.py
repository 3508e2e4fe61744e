"""The LMS side of xAPI and cmi5 packages, for `microquest preview --format xapi|cmi5` and the tests.

It does what an LMS in front of an LRS does:
- serves each package's files under /pkg/<package>/;
- launches: an xAPI package with Rustici's parameters (endpoint, auth, actor,
  registration, activity_id), a cmi5 AU by the cmi5 sequence (the LMS's `launched`
  statement, the `LMS.LaunchData` state, a one-time fetch URL for the token);
- /xapi/ is the LRS the content talks to: it accepts only tokens it issued for a launch,
  forwards the Statement API to the real LRS with the LMS's own credentials (which the
  content never sees) and serves the State API itself, because ralph has none. With
  `state_api=False` it answers 404 there, as ralph does, to show the page's fallback.
"""

from __future__ import annotations

import base64
import datetime
import html
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests
from lxml import etree

from xapi.iris import CMI5_CATEGORY, CMI5_SESSION_ID, VERBS

from .errors import MicroquestError
from .preview import Response, content_type, package_name

XAPI_VERSION = "1.0.3"
TINCAN = "{http://projecttincan.com/tincan.xsd}"
CMI5 = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"
CMI5_LAUNCH = "https://w3id.org/xapi/cmi5/context/extensions/"
MAX_BODY = 5_000_000
FORWARDED_HEADERS = ("X-Experience-API-Version", "X-Experience-API-Consistent-Through", "Content-Type")


class LaunchError(MicroquestError):
    pass


@dataclass(frozen=True)
class Au:
    id: str
    url: str
    move_on: str


@dataclass
class LaunchPackage:
    name: str
    files: dict[str, bytes]
    kind: str  # "xapi" or "cmi5"
    course_id: str
    launch: str  # tincan.xml's course launch (xAPI)
    aus: dict[str, Au] = field(default_factory=dict)


def read_launch_package(path: Path) -> LaunchPackage:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except (OSError, zipfile.BadZipFile) as error:
        raise LaunchError(f"{path}: not a readable zip: {error}") from None
    name = package_name(path)
    if "tincan.xml" in files:
        first = etree.fromstring(files["tincan.xml"]).find(f"{TINCAN}activities/{TINCAN}activity")
        if first is None or first.findtext(f"{TINCAN}launch") is None:
            raise LaunchError(f"{path}: tincan.xml has no launchable first activity")
        return LaunchPackage(name, files, "xapi", first.get("id"), first.findtext(f"{TINCAN}launch").strip())
    if "cmi5.xml" in files:
        root = etree.fromstring(files["cmi5.xml"])
        aus = {
            au.get("id"): Au(au.get("id"), au.findtext(f"{CMI5}url").strip(), au.get("moveOn") or "NotApplicable")
            for au in root.iter(f"{CMI5}au")
        }
        return LaunchPackage(name, files, "cmi5", root.find(f"{CMI5}course").get("id"), "", aus)
    raise LaunchError(f"{path}: neither tincan.xml nor cmi5.xml at the root of the zip")


def agent_key(agent: dict) -> str:
    """An agent by its inverse functional identifier, whatever else the JSON carries."""
    for key in ("mbox", "mbox_sha1sum", "openid"):
        if key in agent:
            return f"{key}:{agent[key]}"
    account = agent.get("account") or {}
    return f"account:{account.get('homePage')}|{account.get('name')}"


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LaunchServer:
    def __init__(
        self,
        packages: list[Path],
        lrs_endpoint: str,
        lrs_auth: str,
        port: int = 0,
        *,
        state_api: bool = True,
        verbose: bool = False,
    ) -> None:
        self.packages = {p.name: p for p in (read_launch_package(Path(path)) for path in packages)}
        self.lrs_endpoint = lrs_endpoint if lrs_endpoint.endswith("/") else lrs_endpoint + "/"
        self._lrs_auth = lrs_auth
        self.port = port
        self.state_api = state_api
        # Set to make the LRS behind /xapi/ look down (503), as when it is unreachable.
        self.lrs_down = False
        self.verbose = verbose
        self._tokens: dict[str, dict] = {}
        self._fetches: dict[str, dict] = {}
        self._states: dict[tuple[str, str, str, str], tuple[bytes, str]] = {}
        self._launches: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lrs = requests.Session()

    def __repr__(self) -> str:
        return f"LaunchServer(packages={sorted(self.packages)}, lrs={self.lrs_endpoint!r})"

    # -- lifecycle

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the launch server is not started")
        return f"http://127.0.0.1:{self._httpd.server_port}/"

    def start(self) -> LaunchServer:
        try:
            httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        except OSError as error:
            raise LaunchError(f"cannot listen on 127.0.0.1:{self.port}: {error.strerror or error}") from None
        httpd.launcher = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="microquest-launch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LaunchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- launching

    def _issue_token(self, **launch: Any) -> str:
        token = base64.b64encode(f"launch-{uuid.uuid4().hex[:8]}:{secrets.token_urlsafe(18)}".encode()).decode()
        with self._lock:
            self._tokens[token] = launch
        return token

    def _package(self, name: str, kind: str) -> LaunchPackage:
        package = self.packages.get(name)
        if package is None or package.kind != kind:
            raise LaunchError(f"no {kind} package named {name!r}; served: {sorted(self.packages)}")
        return package

    def launch_url(self, package_name: str, actor: dict, registration: str | None = None) -> str:
        """An xAPI launch (Rustici's parameters) of the package's course activity."""
        package = self._package(package_name, "xapi")
        registration = registration or str(uuid.uuid4())
        token = self._issue_token(actor=actor, registration=registration, package=package.name)
        query = urlencode(
            {
                "endpoint": self.url + "xapi/",
                "auth": f"Basic {token}",
                "actor": json.dumps(actor, ensure_ascii=False),
                "registration": registration,
                "activity_id": package.course_id,
            },
            quote_via=quote,
        )
        with self._lock:
            self._launches.append((package.name, f"{package.launch}?{query}"))
        return f"{self.url}pkg/{package.name}/{package.launch}?{query}"

    def cmi5_launch_url(self, package_name: str, au_id: str, actor: dict, registration: str | None = None) -> str:
        """Launch one AU the cmi5 way (§8, §10): launched statement and LMS.LaunchData first."""
        package = self._package(package_name, "cmi5")
        au = package.aus.get(au_id)
        if au is None:
            raise LaunchError(f"{package_name}: no AU {au_id!r}")
        registration = registration or str(uuid.uuid4())
        # The LMS's own activity id for the AU: stable, and never the AU's id (§8.1).
        activity_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, package.course_id + '#' + au.id)}"
        session = str(uuid.uuid4())
        token = self._issue_token(actor=actor, registration=registration, package=package.name, session=session)
        fetch_id = secrets.token_urlsafe(12)
        with self._lock:
            self._fetches[fetch_id] = {"token": token, "uses": 0}
        context_template = {
            "contextActivities": {"grouping": [{"id": au.id}]},
            "extensions": {CMI5_SESSION_ID: session},
        }
        launch_path = f"pkg/{package.name}/{au.url}"
        self._put_lrs_statement(
            {
                "id": str(uuid.uuid4()),
                "actor": actor,
                "verb": {"id": VERBS["launched"], "display": {"en": "launched"}},
                "object": {"objectType": "Activity", "id": activity_id},
                "context": {
                    "registration": registration,
                    "contextActivities": {"grouping": [{"id": au.id}], "category": [{"id": CMI5_CATEGORY}]},
                    "extensions": {
                        CMI5_SESSION_ID: session,
                        CMI5_LAUNCH + "launchmode": "Normal",
                        CMI5_LAUNCH + "launchurl": self.url + launch_path,
                        CMI5_LAUNCH + "moveon": au.move_on,
                    },
                },
                "timestamp": now_iso(),
            }
        )
        launch_data = {
            "contextTemplate": context_template,
            "launchMode": "Normal",
            "moveOn": au.move_on,
            "returnURL": self.url,
        }
        key = (activity_id, agent_key(actor), registration, "LMS.LaunchData")
        with self._lock:
            self._states[key] = (json.dumps(launch_data).encode(), "application/json")
        query = urlencode(
            {
                "endpoint": self.url + "xapi/",
                "fetch": f"{self.url}fetch/{fetch_id}",
                "actor": json.dumps(actor, ensure_ascii=False),
                "registration": registration,
                "activityId": activity_id,
            },
            quote_via=quote,
        )
        return f"{self.url}{launch_path}?{query}"

    def _put_lrs_statement(self, statement: dict) -> None:
        answer = self._lrs.put(
            self.lrs_endpoint + "statements",
            params={"statementId": statement["id"]},
            json=statement,
            headers={"Authorization": self._lrs_auth, "X-Experience-API-Version": XAPI_VERSION},
            timeout=10,
        )
        if answer.status_code not in (200, 204):
            raise LaunchError(f"the LRS refused the launched statement: {answer.status_code} {answer.text[:200]}")

    # -- for tests

    def fetch_uses(self, fetch_id: str) -> int:
        with self._lock:
            return self._fetches[fetch_id]["uses"]

    def states(self) -> dict[tuple[str, str, str, str], Any]:
        with self._lock:
            return {
                key: json.loads(body) if kind == "application/json" else body
                for key, (body, kind) in self._states.items()
            }

    # -- requests

    def respond(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(target)
        path = parts.path
        if path == "/" and method == "GET":
            return self._index()
        if path.startswith("/pkg/") and method in ("GET", "HEAD"):
            name, _, entry = path[len("/pkg/") :].partition("/")
            package = self.packages.get(name)
            if package is None or entry not in package.files:
                return _text(HTTPStatus.NOT_FOUND, "404 not found")
            return Response(HTTPStatus.OK, content_type(entry), package.files[entry])
        if path.startswith("/fetch/"):
            return self._fetch(method, path[len("/fetch/") :])
        if path.startswith("/xapi/"):
            return self._xapi(method, path[len("/xapi/") :], parts.query, headers, body)
        return _text(HTTPStatus.NOT_FOUND, "404 not found")

    def _fetch(self, method: str, fetch_id: str) -> Response:
        # cmi5 §8.2: POST only; the token once; later requests get error-code 1.
        if method != "POST":
            return _json(
                {"error-code": "3", "error-text": "the fetch URL takes POST only"}, HTTPStatus.METHOD_NOT_ALLOWED
            )
        with self._lock:
            fetch = self._fetches.get(fetch_id)
            if fetch is None:
                return _json({"error-code": "2", "error-text": "unknown fetch URL"}, HTTPStatus.BAD_REQUEST)
            fetch["uses"] += 1
            if fetch["uses"] > 1:
                return _json(
                    {"error-code": "1", "error-text": "the auth token was already fetched"}, HTTPStatus.BAD_REQUEST
                )
            return _json({"auth-token": fetch["token"]})

    def _authorised(self, headers: dict[str, str]) -> dict | None:
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        with self._lock:
            return self._tokens.get(token) if scheme == "Basic" else None

    def _xapi(self, method: str, resource: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        if method == "OPTIONS":
            return Response(HTTPStatus.NO_CONTENT, "text/plain", b"", (("Allow", "GET, PUT, POST, DELETE, OPTIONS"),))
        if resource == "about":
            return _json({"version": [XAPI_VERSION]})
        if self._authorised(headers) is None:
            return _text(HTTPStatus.UNAUTHORIZED, "401 this launch's credentials are required")
        if resource == "statements":
            if self.lrs_down:
                return _text(HTTPStatus.SERVICE_UNAVAILABLE, "503 the LRS is down")
            return self._forward(method, query, headers, body)
        if resource == "activities/state":
            return self._state(method, parse_qs(query), headers, body) if self.state_api else _text(404, "404")
        return _text(HTTPStatus.NOT_FOUND, "404 not found")

    def _forward(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        outgoing = {"Authorization": self._lrs_auth}
        for name in ("X-Experience-API-Version", "Content-Type"):
            if name.lower() in headers:
                outgoing[name] = headers[name.lower()]
        try:
            answer = self._lrs.request(
                method,
                self.lrs_endpoint + "statements" + (f"?{query}" if query else ""),
                data=body,
                headers=outgoing,
                timeout=15,
            )
        except requests.RequestException:
            return _text(HTTPStatus.BAD_GATEWAY, "502 the LRS is not reachable")
        kept = tuple((n, answer.headers[n]) for n in FORWARDED_HEADERS[:2] if n in answer.headers)
        return Response(
            answer.status_code, answer.headers.get("Content-Type", "application/json"), answer.content, kept
        )

    def _state(self, method: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Response:
        """The State API (xAPI 1.0.3 §2.3) for one document, or all of an agent's on an activity."""
        try:
            activity = query["activityId"][0]
            agent = agent_key(json.loads(query["agent"][0]))
        except (KeyError, ValueError, IndexError):
            return _text(HTTPStatus.BAD_REQUEST, "400 activityId and agent are required")
        registration = query.get("registration", [""])[0]
        state_id = query.get("stateId", [None])[0]
        key = (activity, agent, registration, state_id or "")
        kind = headers.get("content-type", "application/octet-stream").split(";")[0]
        with self._lock:
            if method == "GET" and state_id:
                if key not in self._states:
                    return _text(HTTPStatus.NOT_FOUND, "404 no such state")
                stored, stored_kind = self._states[key]
                return Response(HTTPStatus.OK, stored_kind, stored)
            if method == "GET":
                ids = sorted(k[3] for k in self._states if k[:3] == key[:3])
                return _json(ids)
            if not state_id and method != "DELETE":
                return _text(HTTPStatus.BAD_REQUEST, "400 stateId is required")
            if method == "PUT":
                self._states[key] = (body, kind)
            elif method == "POST":
                merged = self._merge(key, body, kind)
                if merged is not None:
                    return merged
            elif method == "DELETE":
                for other in [k for k in self._states if k[:3] == key[:3] and (not state_id or k == key)]:
                    del self._states[other]
            else:
                return _text(HTTPStatus.METHOD_NOT_ALLOWED, "405")
        return Response(HTTPStatus.NO_CONTENT, "text/plain", b"")

    def _merge(self, key: tuple, body: bytes, kind: str) -> Response | None:
        """POST of JSON onto a JSON document merges top-level keys (§2.3); anything else replaces."""
        if key in self._states:
            stored, stored_kind = self._states[key]
            if kind == stored_kind == "application/json":
                try:
                    old, new = json.loads(stored), json.loads(body)
                except ValueError:
                    return _text(HTTPStatus.BAD_REQUEST, "400 not JSON")
                if not isinstance(old, dict) or not isinstance(new, dict):
                    return _text(HTTPStatus.BAD_REQUEST, "400 only JSON objects merge")
                self._states[key] = (json.dumps({**old, **new}).encode(), kind)
                return None
            return _text(HTTPStatus.BAD_REQUEST, "400 only JSON documents merge")
        self._states[key] = (body, kind)
        return None

    def _index(self) -> Response:
        with self._lock:
            launches = list(self._launches)
        rows = "".join(
            f'<li><a href="/pkg/{html.escape(name)}/{html.escape(href)}">{html.escape(name)}</a></li>'
            for name, href in launches
        )
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>microquest launches</title></head>'
            f"<body><h1>Launches</h1><ul>{rows}</ul></body></html>"
        )
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))


def _json(data: Any, status: int = HTTPStatus.OK) -> Response:
    return Response(status, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _text(status: int, text: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (text + "\n").encode("utf-8"))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    launcher: LaunchServer


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        # Launch URLs carry tokens: nothing is logged unless asked, and then without the query.
        if self.server.launcher.verbose:
            print(f"launch: {self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}")

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(_text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "413"))
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self._send(self.server.launcher.respond(self.command, self.path, headers, body))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_OPTIONS = do_HEAD = _answer
