"""The LMS side of xAPI and cmi5 packages, in front of a real LRS: for `microquest preview` and the tests.

`LaunchServer` serves tincan.xml (xAPI) and cmi5.xml (cmi5) zip packages on 127.0.0.1,
straight from memory, and plays the LMS between them and a real LRS (ralph, or any LRS):

- an xAPI launch (`launch_url`) carries Rustici's parameters: endpoint, auth, actor,
  registration, activity_id (tincan.xml's first activity);
- a cmi5 launch (`cmi5_launch_url`) follows cmi5 §8 and §10: the LMS records `launched` in
  the LRS and writes `LMS.LaunchData`, then hands the AU a one-time fetch URL for its token;
- the content talks to /xapi/, never to the LRS: each launch gets its own token, and /xapi/
  forwards the Statement API to the LRS with the LMS's credentials, which no launch URL,
  page or statement ever carries. It serves the State API itself (ralph has none); with
  `state_api=False` it answers 404 there, as ralph does, so a page's fallback can be tried.

Routes (`<package>` is the zip's file name without `.zip`):

    GET  /                        the packages, with a launch button per course (xAPI) or AU (cmi5)
    POST /launch/<package>        launch for the server's learner (form field `au` for cmi5): 303 to it
    GET  /pkg/<package>/<path>    an entry of the zip
    POST /fetch/<id>              cmi5 §8.2: {"auth-token": …} once, then {"error-code": "1", …} (200);
                                  any other method 405
    GET  /xapi/about              {"version": ["1.0.3"]}, without credentials
    *    /xapi/statements         forwarded to the LRS (method, query, body, status, answer and
                                  X-Experience-API-* headers); `more` links rewritten to /xapi/
    *    /xapi/activities/state   the State API (xAPI 1.0.3 Communication §2.3), in memory
    *    /xapi/agents/profile     GET the documents the LMS set (cmi5LearnerPreferences); writes 403
    OPTIONS /xapi/…               204 with Allow

Every /xapi/ request but `about` and OPTIONS needs a launch's token (else 401) and an
`X-Experience-API-Version` of 1.0.x (else 400), as an LRS does. `lrs_down = True` makes the
statements answer 503, as an LRS that cannot be reached, for the tests of a page's queue.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sys
import threading
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partialmethod
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urljoin, urlsplit

import requests

from xapi.iris import CMI5_CATEGORY, CMI5_SESSION_ID, VERBS
from xapi.lrs.client import XAPI_VERSION, LrsClient, LrsError

from .launch_packages import Au, LaunchError, LaunchPackage, read_launch_package
from .scorm_player import LocalServer, Response, _Handler, content_type, load_packages, package_name
from .state_api import XAPI_VERSION_HEADER, DocumentStore, agent_key, json_response, text_response

CMI5_EXTENSIONS = "https://w3id.org/xapi/cmi5/context/extensions/"
LAUNCH_DATA = "LMS.LaunchData"
LEARNER_PREFERENCES = "cmi5LearnerPreferences"
MAX_BODY = 8 * 1024 * 1024
DEFAULT_LEARNER = {
    "objectType": "Agent",
    "name": "Novak, Ana",
    "account": {"homePage": "http://127.0.0.1/microquest", "name": "learner-1"},
}
# The answer headers of the LRS that reach the content.
FORWARDED_ANSWER_HEADERS = ("X-Experience-API-Consistent-Through", "Last-Modified", "ETag")


# ---------------------------------------------------------------- launches


@dataclass(frozen=True)
class Launch:
    """What a launch's token stands for."""

    package: str
    actor: dict[str, Any]
    registration: str
    activity_id: str
    au_id: str | None = None  # cmi5
    session: str | None = None  # cmi5


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _with_query(url: str, parameters: dict[str, str]) -> str:
    # Spaces as %20 and "/" as %2F: every value survives any URL parser (STANDARDS §3.2).
    query = urlencode(parameters, quote_via=quote, safe="")
    return url + ("&" if "?" in url else "?") + query


def _ifi_agent(actor: Any) -> dict[str, Any]:
    if not isinstance(actor, dict) or agent_key(actor) is None:
        raise LaunchError(f"the actor must be an xAPI Agent with one identifier (mbox, account …), got {actor!r}")
    return actor


class _LaunchHandler(_Handler):
    """preview's handler (its headers and sending), with every method and the request's headers."""

    def log_message(self, format: str, *args: Any) -> None:
        # A launch URL carries a token: log the path only, and only when asked.
        if self.server.preview.verbose:
            sys.stderr.write(f"launch: {self.command} {urlsplit(self.path).path}\n")

    def _answer(self, method: str) -> None:
        body = self._body(method, MAX_BODY)
        if body is not None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._send(self.server.preview.respond(method, self.path, headers, body), method)

    do_PUT = partialmethod(_answer, "PUT")
    do_DELETE = partialmethod(_answer, "DELETE")
    do_OPTIONS = partialmethod(_answer, "OPTIONS")


def cmi5_activity_id(au_id: str) -> str:
    """The LMS's activityId for an AU: never the AU's id, the same in every registration (cmi5 §8.1)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'microquest-lms:' + au_id)}"


class LaunchServer(LocalServer):
    """Serve xAPI and cmi5 packages as an LMS in front of a real LRS; see the module docstring.

    >>> with LocalLrs() as lrs, LaunchServer([Path("dist/mq-pr3-cmi5.zip")], lrs.endpoint, lrs.auth) as lms:  # doctest: +SKIP
    ...     print(lms.cmi5_launch_url("mq-pr3-cmi5", au_id, actor, registration))
    """

    handler = _LaunchHandler
    error = LaunchError
    thread_name = "microquest-launch"

    def __init__(
        self,
        packages: list[Path] | tuple[Path, ...],
        lrs_endpoint: str,
        lrs_auth: str,
        port: int = 0,
        *,
        state_api: bool = True,
        learner: dict[str, Any] | None = None,
        language: str = "sl",
        verbose: bool = False,
    ) -> None:
        self.packages: dict[str, LaunchPackage] = load_packages(packages, read_launch_package, LaunchError, "launch")
        try:
            self.lrs = LrsClient(lrs_endpoint, lrs_auth)
        except LrsError as error:
            raise LaunchError(str(error)) from None
        self._lrs_auth = lrs_auth
        self.port = port
        self.state_api = state_api
        # Set to make the LRS behind /xapi/ look down, as when it cannot be reached: statements answer 503.
        self.lrs_down = False
        self.learner = _ifi_agent(learner or DEFAULT_LEARNER)
        self.language = language
        self.verbose = verbose
        self.store = DocumentStore()
        self._tokens: dict[str, Launch] = {}
        self._fetches: dict[str, tuple[str, int]] = {}  # fetch id → (auth-token, POSTs so far)
        self._registrations: dict[str, str] = {}
        self._lock = threading.Lock()
        self._forwarder = requests.Session()
        self._write_turn = threading.Lock()

    def __repr__(self) -> str:
        return f"LaunchServer({sorted(self.packages)}, lrs={self.lrs.endpoint!r})"

    # -- launching

    def _package(self, package: str | Path, kind: str) -> LaunchPackage:
        name = package_name(Path(package)) if isinstance(package, Path) else package
        found = self.packages.get(name)
        if found is None or found.kind != kind:
            served = ", ".join(f"{p.name} ({p.kind})" for p in self.packages.values())
            raise LaunchError(f"no {kind} package {name!r} here; served: {served}")
        return found

    def _issue_token(self, launch: Launch) -> str:
        """A fresh Basic credential for one launch: what the content sends to /xapi/."""
        token = base64.b64encode(f"launch-{secrets.token_hex(4)}:{secrets.token_urlsafe(18)}".encode()).decode()
        with self._lock:
            self._tokens[token] = launch
        return token

    def launch_url(self, package: str | Path, actor: dict[str, Any], registration: str | None = None) -> str:
        """An xAPI (tincan.xml) launch with Rustici's parameters and a token for this launch only."""
        found = self._package(package, "xapi")
        registration = registration or str(uuid.uuid4())
        launch = Launch(found.name, _ifi_agent(actor), registration, found.activity_id)
        token = self._issue_token(launch)
        parameters = {
            "endpoint": self.url + "xapi/",
            "auth": f"Basic {token}",  # the whole Authorization value (TinCanJS sends it verbatim)
            "actor": json.dumps(actor, ensure_ascii=False, separators=(",", ":")),
            "registration": registration,
            "activity_id": found.activity_id,
        }
        return _with_query(self._entry_url(found, found.launch), parameters)

    def cmi5_launch_url(
        self, package: str | Path, au_id: str, actor: dict[str, Any], registration: str | None = None
    ) -> str:
        """Launch one AU as cmi5 §8 and §10 say: `launched` in the LRS and LMS.LaunchData first."""
        found = self._package(package, "cmi5")
        au = found.au(au_id)
        actor = _ifi_agent(actor)
        if "account" not in actor:
            raise LaunchError("cmi5 needs an actor with an account (cmi5 §9.2)")
        registration = registration or str(uuid.uuid4())
        launch = Launch(found.name, actor, registration, cmi5_activity_id(au.id), au.id, str(uuid.uuid4()))
        entry = self._entry_url(found, au.url)
        self._record_launched(launch, au, entry)
        self._write_launch_data(launch, au)
        token = self._issue_token(launch)
        fetch_id = secrets.token_urlsafe(16)
        with self._lock:
            self._fetches[fetch_id] = (token, 0)
        parameters = {
            "endpoint": self.url + "xapi/",
            "fetch": f"{self.url}fetch/{fetch_id}",
            "actor": json.dumps(actor, ensure_ascii=False, separators=(",", ":")),
            "registration": registration,
            "activityId": launch.activity_id,
        }
        return _with_query(entry, parameters)

    def _entry_url(self, package: LaunchPackage, href: str) -> str:
        if urlsplit(href).scheme:
            return href
        return f"{self.url}pkg/{quote(package.name)}/{href}"

    def _record_launched(self, launch: Launch, au: Au, launch_url: str) -> None:
        """The LMS's `launched` statement (cmi5 §9.3.1, §9.6), stored before the AU can start."""
        extensions: dict[str, Any] = {
            CMI5_SESSION_ID: launch.session,
            CMI5_EXTENSIONS + "launchmode": "Normal",
            CMI5_EXTENSIONS + "launchurl": launch_url,
            CMI5_EXTENSIONS + "moveon": au.move_on,
        }
        if au.launch_parameters is not None:
            extensions[CMI5_EXTENSIONS + "launchparameters"] = au.launch_parameters
        if au.mastery_score is not None:
            extensions[CMI5_EXTENSIONS + "masteryscore"] = au.mastery_score
        statement = {
            "id": str(uuid.uuid4()),
            "actor": launch.actor,
            "verb": {"id": VERBS["launched"], "display": {"en-US": "launched"}},
            "object": {"objectType": "Activity", "id": launch.activity_id},
            "context": {
                "registration": launch.registration,
                "contextActivities": {
                    "grouping": [{"objectType": "Activity", "id": au.id}],
                    "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
                },
                "extensions": extensions,
            },
            "timestamp": _now(),
        }
        try:
            self.lrs.put_statement(statement)
        except LrsError as error:
            raise LaunchError(f"the launch of {au.id} was not recorded: {error}") from None

    def _write_launch_data(self, launch: Launch, au: Au) -> None:
        data: dict[str, Any] = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": au.id}]},
                "extensions": {CMI5_SESSION_ID: launch.session},
            },
            "launchMode": "Normal",
            "moveOn": au.move_on,
            "returnURL": self.url,
        }
        if au.mastery_score is not None:
            data["masteryScore"] = au.mastery_score
        if au.launch_parameters is not None:
            data["launchParameters"] = au.launch_parameters
        # The AU reads these and must not change them (cmi5 §10, §11): the store refuses its writes.
        self.store.put_lms_document("state", (launch.activity_id, launch.actor, launch.registration, LAUNCH_DATA), data)
        if self.store.get_document("profile", (launch.actor, LEARNER_PREFERENCES)) is None:
            self.store.put_lms_document(
                "profile", (launch.actor, LEARNER_PREFERENCES), {"languagePreference": self.language}
            )

    # -- for tests

    def fetch_uses(self, fetch_id: str) -> int:
        """How often the fetch URL was POSTed to (KeyError for an id this server never issued)."""
        with self._lock:
            return self._fetches[fetch_id][1]

    def states(self) -> dict[tuple[str, str, str, str], Any]:
        """Every State document: (activityId, agent, registration, stateId) → its JSON, or bytes."""
        return self.store.states()

    # -- requests

    def respond(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        """The response to one request; `headers` with lower-case names."""
        split = urlsplit(target)
        parts = split.path.split("/")[1:]
        head = parts[0] if parts else ""
        if head == "xapi":
            return self._xapi(method, "/".join(parts[1:]), split.query, headers, body)
        if head == "fetch" and len(parts) == 2:
            return self._fetch(method, parts[1])
        if method in ("GET", "HEAD"):
            if split.path == "/":
                return self._index()
            if head == "pkg" and len(parts) >= 3:
                return self._package_file(unquote(parts[1]), unquote("/".join(parts[2:])))
            return text_response(HTTPStatus.NOT_FOUND, "not found")
        if method == "POST" and head == "launch" and len(parts) == 2:
            return self._launch_from_index(unquote(parts[1]), body)
        return text_response(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", (("Allow", "GET, HEAD"),))

    def _package_file(self, name: str, entry: str) -> Response:
        package = self.packages.get(name)
        if package is None or entry not in package.files:
            return text_response(HTTPStatus.NOT_FOUND, "not found")
        return Response(HTTPStatus.OK, content_type(entry), package.files[entry])

    def _fetch(self, method: str, fetch_id: str) -> Response:
        # cmi5 §8.2: POST only (no GET, so nothing caches the token); the token once; a later
        # POST is still a valid request: 200 with error-code 1.
        if method != "POST":
            return json_response(
                {"error-code": "3", "error-text": "The fetch URL accepts POST only."},
                HTTPStatus.METHOD_NOT_ALLOWED,
                (("Allow", "POST"),),
            )
        with self._lock:
            if fetch_id not in self._fetches:
                return json_response({"error-code": "2", "error-text": "Unknown fetch URL."}, HTTPStatus.NOT_FOUND)
            token, uses = self._fetches[fetch_id]
            self._fetches[fetch_id] = (token, uses + 1)
        if uses:
            return json_response(
                {"error-code": "1", "error-text": "The authorization token has already been returned."}
            )
        return json_response({"auth-token": token})

    def _xapi(self, method: str, resource: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        version = (XAPI_VERSION_HEADER,)
        if method == "OPTIONS":
            return Response(
                HTTPStatus.NO_CONTENT, "text/plain", b"", (("Allow", "GET, HEAD, PUT, POST, DELETE"), *version)
            )
        if resource == "about" and method in ("GET", "HEAD"):
            return json_response({"version": [XAPI_VERSION]}, headers=version)
        problem = self._refusal(headers)
        if problem is not None:
            return problem
        if resource == "statements" and self.lrs_down:
            return json_response({"error": "the LRS is down"}, HTTPStatus.SERVICE_UNAVAILABLE, version)
        if resource == "statements":
            return self._forward_statements(method, query, headers, body)
        if resource == "activities/state" and self.state_api:
            return self.store.respond_state(method, parse_qs(query, keep_blank_values=True), headers, body)
        if resource == "agents/profile" and self.state_api:
            return self.store.respond_agent_profile(method, parse_qs(query, keep_blank_values=True))
        # As ralph answers for every resource it lacks.
        return json_response({"detail": "Not Found"}, HTTPStatus.NOT_FOUND, version)

    def _refusal(self, headers: dict[str, str]) -> Response | None:
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

    def _forward_statements(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        """The request, as the content sent it, to the LRS with the LMS's credentials; its answer back."""
        if method not in ("GET", "HEAD", "PUT", "POST"):
            return text_response(
                HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", (("Allow", "GET, HEAD, PUT, POST"),)
            )
        outgoing = {"Authorization": self._lrs_auth, "X-Experience-API-Version": headers["x-experience-api-version"]}
        if "content-type" in headers:
            outgoing["Content-Type"] = headers["content-type"]
        url = self.lrs.endpoint + "statements" + (f"?{query}" if query else "")
        # ralph checks "is this id stored?" and appends in two steps: two writes of the same
        # statement at once (a page's last keepalive send and the next page's retry) could both
        # pass the check. Writes go to it one at a time; reads need no turn.
        turn = self._write_turn if method in ("PUT", "POST") else nullcontext()
        try:
            with turn:
                answer = self._forwarder.request(method, url, data=body or None, headers=outgoing, timeout=30)
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

    # -- the index

    def _registration(self, package: str) -> str:
        with self._lock:
            return self._registrations.setdefault(package, str(uuid.uuid4()))

    def _launch_from_index(self, name: str, body: bytes) -> Response:
        package = self.packages.get(name)
        if package is None:
            return text_response(HTTPStatus.NOT_FOUND, "not found")
        form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        try:
            if package.kind == "xapi":
                target = self.launch_url(name, self.learner, self._registration(name))
            else:
                target = self.cmi5_launch_url(name, form.get("au", ""), self.learner, self._registration(name))
        except LaunchError as error:
            return text_response(HTTPStatus.BAD_REQUEST, str(error))
        return Response(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", (("Location", target),))

    def _index(self) -> Response:
        sections = []
        for package in self.packages.values():
            action = f"/launch/{quote(package.name)}"
            if package.kind == "xapi":
                buttons = [_launch_form(action, None, package.title)]
            else:
                buttons = [_launch_form(action, au.id, au.title) for au in package.aus]
            sections.append(
                f"<section><h2>{html.escape(package.title)}</h2>"
                f"<p>{html.escape(package.name)}.zip ({'xAPI, tincan.xml' if package.kind == 'xapi' else 'cmi5'})</p>"
                f"<ul>{''.join(buttons)}</ul></section>"
            )
        learner = self.learner.get("name") or json.dumps(self.learner)
        page = (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>microquest: xAPI and cmi5 launches</title></head><body><main>"
            "<h1>xAPI and cmi5 launches</h1>"
            f"<p>Learner: {html.escape(learner)}. Statements go to the LRS at {html.escape(self.lrs.endpoint)}; "
            f"the State API is {'served here' if self.state_api else 'switched off (as in ralph)'}.</p>"
            f"{''.join(sections)}</main></body></html>\n"
        )
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", page.encode("utf-8"))


def _launch_form(action: str, au_id: str | None, title: str) -> str:
    hidden = f'<input type="hidden" name="au" value="{html.escape(au_id)}">' if au_id else ""
    return (
        f'<li><form method="post" action="{html.escape(action)}">{hidden}'
        f"<button>Launch {html.escape(title)}</button></form></li>"
    )


def serve_launches(
    packages: list[Path],
    lrs: Any | None = None,
    port: int = 8000,
    *,
    state_api: bool = True,
    learner: dict[str, Any] | None = None,
    announce: Any = print,
) -> None:
    """Serve the packages until Ctrl+C (KeyboardInterrupt, after stopping), for `microquest preview`.

    `lrs` is anything with `.endpoint` and `.auth` (a started LocalLrs, an LrsClient's
    settings); None starts a local ralph (xapi.lrs.local) for as long as this runs.
    `announce` gets each line to tell the user (click.echo, print).
    """
    from xapi.lrs.local import LocalLrs

    local = LocalLrs() if lrs is None else None
    try:
        if local is not None:
            try:
                lrs = local.start()
            except LrsError as error:
                raise LaunchError(str(error)) from None
            announce(f"LRS: ralph at {local.endpoint} (local, throwaway credentials)")
        server = LaunchServer(packages, lrs.endpoint, lrs.auth, port, state_api=state_api, learner=learner).start()
        announce(f"serving {len(server.packages)} package(s) at {server.url} (Ctrl+C stops)")
        server.serve_forever()
    finally:
        if local is not None:
            local.stop()
