"""The LMS side of xAPI and cmi5 packages, in front of a real LRS: for `microquest preview` and the tests.

`LaunchServer` serves tincan.xml (xAPI) and cmi5.xml (cmi5) zip packages on 127.0.0.1,
straight from memory, and plays the LMS between them and a real LRS (microquest's own, or any):

- an xAPI launch (`launch_url`) carries Rustici's parameters: endpoint, auth, actor,
  registration, activity_id (tincan.xml's first activity);
- a cmi5 launch (`cmi5_launch_url`) follows cmi5 §8 and §10: the LMS records `launched` in
  the LRS and writes `LMS.LaunchData`, then hands the AU a one-time fetch URL for its token;
- the content talks to /xapi/, never to the LRS (xapi_facade.py): each launch gets its own
  token, and the LMS's credentials stay on this server. With `state_api=False` the document
  resources answer 404, as an LRS without them does, so a page's fallback can be tried.

Routes (`<package>` is the zip's file name without `.zip`):

    GET  /                        the packages, with a launch button per course (xAPI) or AU (cmi5)
    POST /launch/<package>        launch for the server's learner (form field `au` for cmi5): 303 to it
    GET  /pkg/<package>/<path>    an entry of the zip
    POST /fetch/<id>              cmi5 §8.2: {"auth-token": …} once, then {"error-code": "1", …} (200);
                                  any other method 405
    GET  /xapi/about              {"version": ["1.0.3"]}, without credentials
    *    /xapi/<resource>         forwarded to the LRS (method, query, body, status, answer and
                                  headers): statements (`more` links rewritten to /xapi/), State,
                                  Activity and Agent Profiles, activities, agents; the content's
                                  writes of LMS.LaunchData and cmi5LearnerPreferences 403
    OPTIONS /xapi/…               204 with Allow

`lrs_down = True` makes the statements answer 503, as an LRS that cannot be reached, for the
tests of a page's queue (Chromium's offline mode still lets a closing page's requests through).
`state_delay` (seconds) makes every State API read answer that much later, as an LMS's slow
State API; `statement_delay` does the same for statement writes. `statement_sends` lists every
statement write as (statementId, start, end) in `time.monotonic()` seconds.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from xapi.agents import AgentError, agent_keys
from xapi.iris import CMI5_CATEGORY, CMI5_SESSION_ID, VERBS
from xapi.lrs.client import LrsClient, LrsError

from .launch_packages import Au, LaunchError, LaunchPackage, read_launch_package
from .local_server import (
    LocalServer,
    Request,
    Response,
    html_page,
    json_response,
    load_packages,
    method_not_allowed,
    not_found,
    package_file,
    package_name,
    text_response,
)
from .xapi_facade import XapiFacade

CMI5_EXTENSIONS = "https://w3id.org/xapi/cmi5/context/extensions/"
LAUNCH_DATA = "LMS.LaunchData"
LEARNER_PREFERENCES = "cmi5LearnerPreferences"
DEFAULT_LEARNER = {
    "objectType": "Agent",
    "name": "Novak, Ana",
    "account": {"homePage": "http://127.0.0.1/microquest", "name": "learner-1"},
}


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


def _has_one_identifier(actor: Any) -> bool:
    try:
        return isinstance(actor, dict) and bool(agent_keys(actor))
    except AgentError:
        return False


def _ifi_agent(actor: Any) -> dict[str, Any]:
    if not _has_one_identifier(actor):
        raise LaunchError(f"the actor must be an xAPI Agent with one identifier (mbox, account …), got {actor!r}")
    return actor


@dataclass(frozen=True)
class LaunchButton:
    au_id: str  # "" for an xAPI course
    title: str


@dataclass(frozen=True)
class IndexSection:
    """One package on the index page, with a launch button per course (xAPI) or AU (cmi5)."""

    title: str
    file_label: str
    action: str
    buttons: tuple[LaunchButton, ...]


def cmi5_activity_id(au_id: str) -> str:
    """The LMS's activityId for an AU: never the AU's id, the same in every registration (cmi5 §8.1)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'microquest-lms:' + au_id)}"


class LaunchServer(LocalServer):
    """Serve xAPI and cmi5 packages as an LMS in front of a real LRS; see the module docstring.

    >>> with LocalLrs() as lrs, LaunchServer([Path("dist/mq-pr3-cmi5.zip")], lrs.endpoint, lrs.auth) as lms:  # doctest: +SKIP
    ...     print(lms.cmi5_launch_url("mq-pr3-cmi5", au_id, actor, registration))
    """

    error = LaunchError
    thread_name = "microquest-launch"
    log_name = "launch"

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
        self.port = port
        self.state_api = state_api
        # Set to make the LRS behind /xapi/ look down, as when it cannot be reached: statements answer 503.
        self.lrs_down = False
        self.state_delay = 0.0
        self.statement_delay = 0.0
        self.statement_sends: list[tuple[str, float, float]] = []
        self.learner = _ifi_agent(learner or DEFAULT_LEARNER)
        self.language = language
        self.verbose = verbose
        self._fetches: dict[str, tuple[str, int]] = {}  # fetch id → (auth-token, POSTs so far)
        self._registrations: dict[str, str] = {}
        self._lock = threading.Lock()
        self.xapi = XapiFacade(self.lrs, lrs_auth)

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

    def launch_url(self, package: str | Path, actor: dict[str, Any], registration: str | None = None) -> str:
        """An xAPI (tincan.xml) launch with Rustici's parameters and a token for this launch only."""
        found = self._package(package, "xapi")
        registration = registration or str(uuid.uuid4())
        launch = Launch(found.name, _ifi_agent(actor), registration, found.activity_id)
        token = self.xapi.issue_token(launch)
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
        token = self.xapi.issue_token(launch)
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
        # In the LRS, as an LMS writes them; the AU reads them and may not change them (xapi_facade.py).
        try:
            self.lrs.replace_document(
                "activities/state",
                data,
                activityId=launch.activity_id,
                agent=launch.actor,
                registration=launch.registration,
                stateId=LAUNCH_DATA,
            )
            if self.lrs.document("agents/profile", agent=launch.actor, profileId=LEARNER_PREFERENCES) is None:
                self.lrs.replace_document(
                    "agents/profile",
                    {"languagePreference": self.language},
                    agent=launch.actor,
                    profileId=LEARNER_PREFERENCES,
                )
        except LrsError as error:
            raise LaunchError(f"the launch data of {au.id} was not stored: {error}") from None

    # -- for tests

    def fetch_uses(self, fetch_id: str) -> int:
        """How often the fetch URL was POSTed to (KeyError for an id this server never issued)."""
        with self._lock:
            return self._fetches[fetch_id][1]

    # -- requests

    def respond(self, request: Request) -> Response:
        """The response to one request (the routes of the module docstring)."""
        method, parts = request.method, request.parts
        head = parts[0] if parts else ""
        if head == "xapi":
            return self._xapi("/".join(parts[1:]), request)
        if head == "fetch" and len(parts) == 2:
            return self._fetch(method, parts[1])
        if method in ("GET", "HEAD"):
            if request.path == "/":
                return self._index()
            if head == "pkg" and len(parts) >= 3:
                return package_file(self.packages, unquote(parts[1]), unquote("/".join(parts[2:])))
            return not_found()
        if method == "POST" and head == "launch" and len(parts) == 2:
            return self._launch_from_index(unquote(parts[1]), request.body)
        return method_not_allowed("GET, HEAD")

    def _xapi(self, resource: str, request: Request) -> Response:
        writes = resource == "statements" and request.method in ("PUT", "POST")
        started = time.monotonic()
        if resource == "activities/state" and request.method == "GET" and self.state_delay:
            time.sleep(self.state_delay)
        if writes and self.statement_delay:
            time.sleep(self.statement_delay)
        answer = self.xapi.respond(resource, request, state_api=self.state_api, lrs_down=self.lrs_down)
        if writes:
            statement_id = request.parameters.get("statementId", "")
            with self._lock:
                self.statement_sends.append((statement_id, started, time.monotonic()))
        return answer

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

    # -- the index

    def _registration(self, package: str) -> str:
        with self._lock:
            return self._registrations.setdefault(package, str(uuid.uuid4()))

    def _launch_from_index(self, name: str, body: bytes) -> Response:
        package = self.packages.get(name)
        if package is None:
            return not_found()
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
            if package.kind == "xapi":
                buttons = (LaunchButton("", package.title),)
                kind = "xAPI, tincan.xml"
            else:
                buttons = tuple(LaunchButton(au.id, au.title) for au in package.aus)
                kind = "cmi5"
            action = f"/launch/{quote(package.name)}"
            sections.append(IndexSection(package.title, f"{package.name}.zip ({kind})", action, buttons))
        return html_page(
            "preview/launches.html.j2",
            learner=self.learner.get("name") or json.dumps(self.learner),
            endpoint=self.lrs.endpoint,
            state_api="the LRS's" if self.state_api else "switched off (as in an LRS without one)",
            packages=sections,
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
    settings); None starts microquest's own LRS in memory (xapi.lrs.local) for as long as this runs.
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
            announce(f"LRS: microquest at {local.endpoint} (in memory, throwaway credentials)")
        server = LaunchServer(packages, lrs.endpoint, lrs.auth, port, state_api=state_api, learner=learner).start()
        announce(f"serving {len(server.packages)} package(s) at {server.url} (Ctrl+C stops)")
        server.serve_forever()
    finally:
        if local is not None:
            local.stop()
