"""A local LMS for trials and end-to-end tests: play SCORM packages against scorm-again.

`PreviewServer` serves one or more SCORM 1.2 / SCORM 2004 zip packages on
127.0.0.1, straight from memory (each zip is read once; nothing is unpacked to
disk), with a player page per package. The player creates the LMS-side API from
scorm-again (`window.API = new Scorm12API(...)` or `window.API_1484_11 = new
Scorm2004API(...)`), a new one for every SCO launch, before the SCO's iframe
loads; the SCO's commits come back here and are kept per (package, SCO,
learner), in memory, like an LMS keeps them.

Routes (`<package>` is the zip's file name without `.zip`; `<sco>` an item identifier):

    GET  /                              the packages, each linked to its player
    GET  /play/<package>/               the player: table of contents, the SCO in an iframe,
                                        the live CMI data model and the API calls of the launch
         ?sco=<sco>                     ... launches that SCO at once
         ?fail_commits=1                ... every commit from this page is refused (HTTP 500)
         ?scorm12standard=1             ... suspend_data over 4096 characters is refused (error 405),
                                        as Moodle's "scorm12standard" setting does
         ?learner_id=..&learner_name=.. ... another learner than the server's
    GET  /pkg/<package>/<path>          an entry of the zip, nothing else (no traversal)
    GET  /scorm-again/<file>            scorm12.min.js, scorm2004.min.js (node_modules/scorm-again/dist)
    GET  /player/<file>                 the player's player.js and player.css
    GET  /api/launch/<package>/<sco>    the CMI the next launch starts from: the stored data with
                                        entry, total_time and the learner set as an LMS sets them
    POST /api/commit/<package>/<sco>    scorm-again's lmsCommitUrl: stores the committed CMI
                                        (?learner_id=, ?terminate=true on LMSFinish/Terminate,
                                        ?fail_commits=1 answers 500 and stores nothing)
    GET  /api/state/<package>/<sco>     what is stored for the learner (?learner_id=) as JSON:
                                        {"cmi": null, "commits": 0, ...} before the first commit

Like Moodle, the player keeps a SCO's data from launch to launch (it never
starts a new attempt); cmi.py has the rules of the CMI a launch starts from.

The API gets scorm-again's defaults except lmsCommitUrl (the commit route),
dataCommitFormat "json", terminateCommitParam "terminate" and logLevel 3, and
it is loaded with `api.loadFromJSON(<GET /api/launch …>.cmi)` before the SCO
starts. scorm-again commits with a synchronous XMLHttpRequest, so LMSCommit /
Commit returns what this server answered (HTTP 500: "false", error 101); but it
sends LMSFinish's / Terminate's commit with navigator.sendBeacon, so those
return "true" whatever the server answers, and "false" (1.2: 101, 2004: 391)
when the JSON exceeds the browser's 64 KiB beacon limit.

In the player page, `window.lmsLog` lists every API call of the current launch
as {sco, method, args, result, errorCode}; `window.lmsLaunches` holds the logs
of every launch, `window.lmsMessages` scorm-again's own log messages (also on
the console) and `window.lmsPlayer.launch(sco)` launches a SCO.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ..render import TEMPLATES
from .cmi import DEFAULT_LEARNER_ID, DEFAULT_LEARNER_NAME, Learner, ScoState, launch_cmi, merge
from .local_server import (
    LocalServer,
    Request,
    Response,
    content_type,
    html_page,
    json_response,
    load_packages,
    method_not_allowed,
    not_found,
    package_file,
)
from .scorm_packages import PreviewError, ScormPackage, TocItem, read_scorm_package

PROJECT = Path(__file__).resolve().parents[2]
SCORM_AGAIN = PROJECT / "node_modules" / "scorm-again" / "dist"
RUNTIME_FILES = {"1.2": "scorm12.min.js", "2004": "scorm2004.min.js"}
PLAYER_FILES = ("player.js", "player.css")


@dataclass(frozen=True)
class PackageEntry:
    """One package on the index page."""

    href: str
    title: str
    version: str
    file_name: str
    scos: int


@dataclass(frozen=True)
class TocEntry:
    """One item of the player's table of contents."""

    identifier: str
    title: str
    launchable: bool
    heading: str  # a unit's heading element, "h3" … "h6" by depth; "" for a SCO or a unit deeper than h6
    children: tuple[TocEntry, ...]


def toc_entries(items: tuple[TocItem, ...], depth: int = 1) -> tuple[TocEntry, ...]:
    """The organization's items as the player lists them: the page's h2 is "Kazalo", so units start at h3."""
    level = depth + 2
    return tuple(
        TocEntry(
            item.identifier,
            item.title,
            item.launch is not None,
            f"h{level}" if item.launch is None and level <= 6 else "",
            toc_entries(item.children, depth + 1),
        )
        for item in items
    )


class PreviewServer(LocalServer):
    """Serve SCORM packages and a player that runs them against scorm-again; see the module docstring.

    >>> with PreviewServer([Path("dist/microquest-scorm12.zip")]) as server:  # doctest: +SKIP
    ...     print(server.url)
    """

    error = PreviewError
    thread_name = "microquest-preview"
    log_name = "preview"

    def __init__(
        self,
        packages: list[Path] | tuple[Path, ...],
        port: int = 0,
        *,
        learner_id: str = DEFAULT_LEARNER_ID,
        learner_name: str = DEFAULT_LEARNER_NAME,
        fail_commits: bool = False,
        verbose: bool = False,
        scorm_again: Path = SCORM_AGAIN,
    ) -> None:
        self.packages: dict[str, ScormPackage] = load_packages(packages, read_scorm_package, PreviewError, "preview")
        self.port = port
        self.learner = Learner(learner_id, learner_name)
        self.fail_commits = fail_commits
        self.verbose = verbose
        self._runtime = _runtime_files(Path(scorm_again))
        self._player = {name: (TEMPLATES / "preview" / name).read_bytes() for name in PLAYER_FILES}
        self._states: dict[tuple[str, str, str], ScoState] = {}
        self._lock = threading.Lock()

    # -- state

    def state(self, package: str, sco: str, learner_id: str | None = None) -> ScoState:
        """A copy of what is stored for the SCO and learner (an empty ScoState before the first commit)."""
        with self._lock:
            stored = self._states.get((package, sco, learner_id or self.learner.id))
            return copy.deepcopy(stored) if stored is not None else ScoState()

    def clear(self) -> None:
        """Forget every SCO's stored data."""
        with self._lock:
            self._states.clear()

    def commit(self, package: str, sco: str, learner_id: str, cmi: dict[str, Any], *, terminate: bool) -> ScoState:
        """Store one commit's CMI object, merged over what the SCO committed before."""
        with self._lock:
            stored = self._states.setdefault((package, sco, learner_id), ScoState())
            stored.cmi = merge(stored.cmi or {}, cmi)
            stored.commits += 1
            stored.terminated = terminate
            return copy.deepcopy(stored)

    # -- routing

    def respond(self, request: Request) -> Response:
        """The response to one request (the routes of the module docstring)."""
        parts, query = request.parts, request.parameters
        head = parts[0] if parts else ""
        if request.method in ("GET", "HEAD"):
            if request.path == "/":
                return self._index()
            if head == "play" and len(parts) == 3 and parts[2] == "":
                return self._player_page(unquote(parts[1]), query)
            if head == "pkg" and len(parts) >= 3:
                return package_file(self.packages, unquote(parts[1]), unquote("/".join(parts[2:])))
            if head == "scorm-again" and len(parts) == 2 and parts[1] in self._runtime:
                return Response(HTTPStatus.OK, content_type(parts[1]), self._runtime[parts[1]])
            if head == "player" and len(parts) == 2 and parts[1] in self._player:
                return Response(HTTPStatus.OK, content_type(parts[1]), self._player[parts[1]])
            if head == "api" and len(parts) == 4 and parts[1] in ("state", "launch"):
                return self._api_get(parts[1], unquote(parts[2]), unquote(parts[3]), query)
            return not_found()
        if request.method == "POST" and head == "api" and len(parts) == 4 and parts[1] == "commit":
            return self._api_commit(unquote(parts[2]), unquote(parts[3]), query, request.body)
        if request.method == "POST":
            return not_found()
        return method_not_allowed("GET, HEAD, POST")

    def _sco(self, package: str, sco: str) -> tuple[ScormPackage, TocItem] | None:
        found = self.packages.get(package)
        if found is None:
            return None
        item = found.manifest.launchable().get(sco)
        return (found, item) if item is not None else None

    def _index(self) -> Response:
        entries = [
            PackageEntry(
                href=f"/play/{quote(package.name)}/",
                title=package.manifest.title,
                version=package.manifest.version,
                file_name=package.path.name,
                scos=len(package.manifest.launchable()),
            )
            for package in self.packages.values()
        ]
        return html_page("preview/index.html.j2", packages=entries)

    def _player_page(self, name: str, query: dict[str, str]) -> Response:
        package = self.packages.get(name)
        if package is None:
            return not_found(f"no package {name!r}")
        learner = Learner(query.get("learner_id") or self.learner.id, query.get("learner_name") or self.learner.name)
        fail = query.get("fail_commits", "") not in ("", "0")
        version = package.manifest.version
        config = {
            "package": package.name,
            "version": version,
            "learner": {"id": learner.id, "name": learner.name},
            "failCommits": fail,
            "suspendLimit": 4096 if query.get("scorm12standard", "") not in ("", "0") else None,
            "autoLaunch": query.get("sco", ""),
            "scos": {
                identifier: {"title": item.title, "url": f"/pkg/{quote(package.name)}/{item.launch}"}
                for identifier, item in package.manifest.launchable().items()
            },
        }
        return html_page(
            "preview/player.html.j2",
            title=package.manifest.title,
            version=version,
            toc=toc_entries(package.manifest.items),
            learner=learner,
            fail_commits=fail,
            runtime=RUNTIME_FILES[version],
            config_json=_script_json(config),
        )

    def _api_get(self, what: str, package: str, sco: str, query: dict[str, str]) -> Response:
        found = self._sco(package, sco)
        if found is None:
            return json_response({"error": f"no SCO {sco!r} in package {package!r}"}, HTTPStatus.NOT_FOUND)
        learner_id = query.get("learner_id") or self.learner.id
        stored = self.state(package, sco, learner_id)
        if what == "state":
            return json_response(
                {
                    "package": package,
                    "sco": sco,
                    "learner_id": learner_id,
                    "commits": stored.commits,
                    "terminated": stored.terminated,
                    "cmi": stored.cmi,
                }
            )
        learner = Learner(learner_id, query.get("learner_name") or self.learner.name)
        manifest = found[0].manifest
        state = stored if stored.commits else None
        return json_response(
            {"version": manifest.version, "cmi": launch_cmi(manifest.version, state, learner, found[1])}
        )

    def _api_commit(self, package: str, sco: str, query: dict[str, str], body: bytes) -> Response:
        if self._sco(package, sco) is None:
            return json_response(
                {"result": "false", "errorCode": 101, "error": f"no SCO {sco!r}"}, HTTPStatus.NOT_FOUND
            )
        if self.fail_commits or query.get("fail_commits", "") not in ("", "0"):
            return json_response(
                {"result": "false", "errorCode": 101, "error": "this preview refuses commits"},
                HTTPStatus.INTERNAL_SERVER_ERROR,
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("cmi"), dict):
            return json_response(
                {"result": "false", "errorCode": 101, "error": "expected JSON {cmi: {...}}"}, HTTPStatus.BAD_REQUEST
            )
        learner_id = query.get("learner_id") or self.learner.id
        self.commit(package, sco, learner_id, data["cmi"], terminate=query.get("terminate") == "true")
        return json_response({"result": "true", "errorCode": 0})


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _runtime_files(folder: Path) -> dict[str, bytes]:
    names = tuple(RUNTIME_FILES.values())
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise PreviewError(
            f"{folder / missing[0]} is missing: run `npm ci` in the project folder to install scorm-again"
        )
    return {name: (folder / name).read_bytes() for name in names}
