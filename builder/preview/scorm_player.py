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
starts a new attempt): the next launch gets `entry` "resume" after `exit`
"suspend", "ab-initio" on the first launch and "" otherwise, and total_time
with the last session's time added.

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
import re
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, quote, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from lxml import etree

from ..errors import MicroquestError
from ..render import TEMPLATES

PROJECT = Path(__file__).resolve().parents[2]
SCORM_AGAIN = PROJECT / "node_modules" / "scorm-again" / "dist"
PLAYER_FILES = ("player.js", "player.css")
DEFAULT_LEARNER_ID = "learner-1"
DEFAULT_LEARNER_NAME = "Novak, Ana"
MAX_COMMIT_BYTES = 8 * 1024 * 1024
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".dtd": "application/xml-dtd",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PreviewError(MicroquestError):
    """A package cannot be previewed, or the server cannot start."""


# ---------------------------------------------------------------- the manifest


@dataclass(frozen=True)
class TocItem:
    """One item of the organization: a unit (a heading) or a launchable SCO, or both."""

    identifier: str
    title: str
    launch: str | None  # package-relative URL with the item's parameters; None: not launchable
    children: tuple[TocItem, ...] = ()
    lms_data: tuple[tuple[str, str], ...] = ()  # (dotted CMI element, value) the manifest gives the SCO


@dataclass(frozen=True)
class Manifest:
    version: str  # "1.2" or "2004"
    title: str
    items: tuple[TocItem, ...]

    def launchable(self) -> dict[str, TocItem]:
        found: dict[str, TocItem] = {}

        def walk(items: tuple[TocItem, ...]) -> None:
            for item in items:
                if item.launch is not None:
                    found[item.identifier] = item
                walk(item.children)

        walk(self.items)
        return found


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child(element: Any, name: str) -> Any | None:
    return next((c for c in element if _local(c) == name), None)


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c) == name]


def _text(element: Any | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _attribute(element: Any, name: str) -> str | None:
    """An attribute by local name, in any namespace (adlcp:scormtype, adlcp:scormType …)."""
    for key, value in element.attrib.items():
        if etree.QName(key).localname == name:
            return value
    return None


def scorm_version(schemaversion: str) -> str | None:
    """ "1.2" or "2004" from metadata/schemaversion; None for anything else."""
    text = " ".join(schemaversion.split())
    if text == "1.2":
        return "1.2"
    if re.fullmatch(r"2004 \w+ Edition|CAM 1\.3", text):
        return "2004"
    return None


def launch_url(href: str, parameters: str | None) -> str:
    """The item's href with its @parameters appended as SCORM CAM 3.4.1.12 says."""
    parameters = (parameters or "").strip()
    if not parameters:
        return href
    if parameters.startswith("?"):
        return href + ("&" + parameters[1:] if "?" in href else parameters)
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return href + ("&" if "?" in href else "?") + parameters


def _lms_data(item: Any, version: str) -> tuple[tuple[str, str], ...]:
    """The CMI values the manifest sets for a SCO (launch data, mastery score, time limits …)."""
    values: list[tuple[str, str]] = []
    children = {_local(c): _text(c) for c in item if _local(c)}
    if version == "1.2":
        names = {
            "datafromlms": "cmi.launch_data",
            "masteryscore": "cmi.student_data.mastery_score",
            "maxtimeallowed": "cmi.student_data.max_time_allowed",
            "timelimitaction": "cmi.student_data.time_limit_action",
        }
    else:
        names = {
            "dataFromLMS": "cmi.launch_data",
            "timeLimitAction": "cmi.time_limit_action",
            "completionThreshold": "cmi.completion_threshold",
        }
        threshold = _child(item, "completionThreshold")
        if threshold is not None and _attribute(threshold, "minProgressMeasure"):
            children["completionThreshold"] = _attribute(threshold, "minProgressMeasure") or ""
        sequencing = _child(item, "sequencing")
        objectives = _child(sequencing, "objectives") if sequencing is not None else None
        primary = _child(objectives, "primaryObjective") if objectives is not None else None
        if primary is not None and _attribute(primary, "satisfiedByMeasure") == "true":
            measure = _text(_child(primary, "minNormalizedMeasure")) or "1.0"
            values.append(("cmi.scaled_passing_score", measure))
    values.extend((element, children[name]) for name, element in names.items() if children.get(name))
    return tuple(sorted(values))


def parse_manifest(xml: bytes, source: str = "imsmanifest.xml") -> Manifest:
    """The SCORM version, title and organization tree of an imsmanifest.xml."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise PreviewError(f"{source}: not well-formed XML: {error}") from None
    if _local(root) != "manifest":
        raise PreviewError(f"{source}: the root element is <{_local(root)}>, expected <manifest>")
    metadata = _child(root, "metadata")
    schemaversion = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    version = scorm_version(schemaversion)
    if version is None:
        raise PreviewError(
            f"{source}: metadata/schemaversion is {schemaversion!r}; expected '1.2' or '2004 4th Edition' (or 3rd)"
        )
    resources = _child(root, "resources")
    base = (root.get(XML_BASE) or "") + (resources.get(XML_BASE) or "" if resources is not None else "")
    hrefs: dict[str, str] = {}
    for resource in _children(resources, "resource") if resources is not None else []:
        if resource.get("identifier") and resource.get("href"):
            hrefs[resource.get("identifier")] = base + (resource.get(XML_BASE) or "") + resource.get("href")
    organizations = _child(root, "organizations")
    candidates = _children(organizations, "organization") if organizations is not None else []
    if not candidates:
        raise PreviewError(f"{source}: the manifest has no organization")
    default = organizations.get("default")
    organization = next((o for o in candidates if o.get("identifier") == default), candidates[0])

    def item_tree(element: Any) -> tuple[TocItem, ...]:
        items = []
        for item in _children(element, "item"):
            href = hrefs.get(item.get("identifierref") or "")
            items.append(
                TocItem(
                    identifier=item.get("identifier") or "",
                    title=_text(_child(item, "title")) or item.get("identifier") or "",
                    launch=launch_url(href, item.get("parameters")) if href is not None else None,
                    children=item_tree(item),
                    lms_data=_lms_data(item, version) if href is not None else (),
                )
            )
        return tuple(items)

    title = _text(_child(organization, "title")) or organization.get("identifier") or ""
    return Manifest(version, title, item_tree(organization))


# ---------------------------------------------------------------- packages


@dataclass(frozen=True)
class Package:
    name: str
    path: Path
    files: dict[str, bytes]
    manifest: Manifest


def package_name(path: Path) -> str:
    """The URL-safe name a package is served under: its file name without .zip."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).stem).strip("-.")
    return name or "package"


def read_package(path: Path) -> Package:
    """Every entry of a SCORM zip, in memory, and its parsed imsmanifest.xml."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            files = {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir() and not info.filename.startswith("/")
            }
    except FileNotFoundError:
        raise PreviewError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise PreviewError(f"{path}: not a zip file: {error}") from None
    if "imsmanifest.xml" not in files:
        raise PreviewError(f"{path}: not a SCORM package: no imsmanifest.xml at the root of the zip")
    manifest = parse_manifest(files["imsmanifest.xml"], f"{path}:imsmanifest.xml")
    for item in manifest.launchable().values():
        entry = unquote(urlsplit(item.launch or "").path)
        if entry not in files:
            raise PreviewError(f"{path}: item {item.identifier!r} launches {entry!r}, which is not in the zip")
    return Package(package_name(path), path, files, manifest)


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


# ---------------------------------------------------------------- what the LMS keeps


@dataclass
class ScoState:
    """What the LMS keeps of one SCO for one learner: every commit merged into one CMI object."""

    cmi: dict[str, Any] | None = None
    commits: int = 0
    terminated: bool = False  # the last commit was LMSFinish's / Terminate's


@dataclass(frozen=True)
class Learner:
    id: str = DEFAULT_LEARNER_ID
    name: str = DEFAULT_LEARNER_NAME


def merge(stored: dict[str, Any], committed: dict[str, Any]) -> dict[str, Any]:
    """`committed` over `stored`, object by object: a commit that omits a value keeps the old one."""
    merged = dict(stored)
    for key, value in committed.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


_TIMESPAN_12 = re.compile(r"^(\d+):(\d{2}):(\d{2})(\.\d{1,2})?$")
_DURATION_2004 = re.compile(
    r"^P(?:(?P<Y>\d+(?:\.\d+)?)Y)?(?:(?P<MO>\d+(?:\.\d+)?)M)?(?:(?P<W>\d+(?:\.\d+)?)W)?(?:(?P<D>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<MI>\d+(?:\.\d+)?)M)?(?:(?P<S>\d+(?:\.\d+)?)S)?)?$"
)
_DURATION_SECONDS = {"Y": 365 * 86400, "MO": 30 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "MI": 60, "S": 1}


def timespan_centiseconds(version: str, value: str) -> int:
    """A CMITimespan (1.2: HHHH:MM:SS.SS; 2004: ISO 8601 duration) in hundredths of a second; 0 if invalid."""
    value = (value or "").strip()
    try:
        if version == "1.2":
            match = _TIMESPAN_12.match(value)
            if not match:
                return 0
            hours, minutes, seconds, fraction = match.groups()
            total = Decimal(int(hours) * 3600 + int(minutes) * 60 + int(seconds)) + Decimal(fraction or "0")
        else:
            match = _DURATION_2004.match(value)
            if not match:
                return 0
            total = sum(
                (Decimal(amount) * _DURATION_SECONDS[unit] for unit, amount in match.groupdict().items() if amount),
                Decimal(0),
            )
    except InvalidOperation:
        return 0
    return int(total * 100)


def format_timespan(version: str, centiseconds: int) -> str:
    hours, rest = divmod(max(centiseconds, 0), 360000)
    minutes, rest = divmod(rest, 6000)
    seconds, hundredths = divmod(rest, 100)
    if version == "1.2":
        return f"{hours:04d}:{minutes:02d}:{seconds:02d}" + (f".{hundredths:02d}" if hundredths else "")
    fraction = f".{hundredths:02d}".rstrip("0") if hundredths else ""
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    parts += f"{seconds}{fraction}S" if seconds or hundredths or not parts else ""
    return f"PT{parts}"


def entry_value(version: str, previous_exit: str | None, has_suspend_data: bool) -> str:
    """cmi.core.entry / cmi.entry for the next launch, from the last session's exit.

    No earlier session: "ab-initio"; after "suspend": "resume". In 2004, as
    scorm-again's Scorm2004API.determineEntryValue: "time-out" with suspend data
    resumes, an empty exit counts as a fresh start; anything else gives "".
    """
    if previous_exit is None:
        return "ab-initio"
    if previous_exit == "suspend":
        return "resume"
    if version == "2004":
        if previous_exit.strip() == "":
            return "ab-initio"
        if previous_exit == "time-out" and has_suspend_data:
            return "resume"
    return ""


def _set_path(cmi: dict[str, Any], element: str, value: str) -> None:
    keys = element.split(".")[1:]  # without the leading "cmi"
    target = cmi
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target.setdefault(keys[-1], value)


def launch_cmi(version: str, state: ScoState | None, learner: Learner, item: TocItem) -> dict[str, Any]:
    """The CMI object (for scorm-again's loadFromJSON) a new launch of the SCO starts from.

    The stored data minus what belongs to one session (exit, session_time), with
    entry and total_time worked out as an LMS does, the learner set, and the
    manifest's values (launch data, mastery score …) where the SCO has none.
    """
    stored = copy.deepcopy(state.cmi) if state is not None and state.cmi is not None else None
    cmi: dict[str, Any] = stored or {}
    session = cmi.setdefault("core", {}) if version == "1.2" else cmi
    previous_exit = session.pop("exit", "") if stored is not None else None
    session_time = session.pop("session_time", "")
    session.pop("entry", None)
    total = timespan_centiseconds(version, session.get("total_time", ""))
    if state is not None and not state.terminated:
        total += timespan_centiseconds(version, session_time)
    session["entry"] = entry_value(version, previous_exit, bool(cmi.get("suspend_data")))
    session["total_time"] = format_timespan(version, total)
    if version == "1.2":
        if session.get("lesson_status") == "not attempted":
            del session["lesson_status"]  # scorm-again sets it at LMSInitialize
        session.update(student_id=learner.id, student_name=learner.name, credit="credit", lesson_mode="normal")
    else:
        cmi.update(learner_id=learner.id, learner_name=learner.name, credit="credit", mode="normal")
    for element, value in item.lms_data:
        _set_path(cmi, element, value)
    return cmi


# ---------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())


def _json(data: Any, status: int = HTTPStatus.OK) -> Response:
    return Response(status, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _not_found(what: str = "not found") -> Response:
    return Response(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", f"404 {what}\n".encode())


def _script_json(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES / "preview")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _runtime_files(folder: Path) -> dict[str, bytes]:
    names = ("scorm12.min.js", "scorm2004.min.js")
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise PreviewError(
            f"{folder / missing[0]} is missing: run `npm ci` in the project folder to install scorm-again"
        )
    return {name: (folder / name).read_bytes() for name in names}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    preview: Any  # the LocalServer that serves

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.preview.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.preview.verbose:
            sys.stderr.write(f"preview: {self.address_string()} {format % args}\n")

    def _answer(self, method: str) -> None:
        body = self._body(method, MAX_COMMIT_BYTES)
        if body is not None:
            self._send(self.server.preview.respond(method, self.path, body), method)

    def _body(self, method: str, limit: int) -> bytes | None:
        """The request's body; None when it is too large, and 413 is sent."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            self._send(Response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "text/plain; charset=utf-8", b"413\n"), method)
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        self._answer("POST")


def load_packages(
    paths: list[Path] | tuple[Path, ...], read: Callable[[Path], Any], error: type[MicroquestError], verb: str
) -> dict[str, Any]:
    """Each package read once, by the name it is served under; two with one name are an error."""
    if not paths:
        raise error(f"no package to {verb}")
    packages: dict[str, Any] = {}
    for path in paths:
        package = read(path)
        if package.name in packages:
            raise error(f"{path}: another package is already served as {package.name!r}")
        packages[package.name] = package
    return packages


class LocalServer:
    """A request handler served on 127.0.0.1 from a background thread: PreviewServer, LaunchServer.

    The handler finds its server as `self.server.preview`.
    """

    handler: type[BaseHTTPRequestHandler]
    error: type[MicroquestError] = MicroquestError
    thread_name = "microquest-server"
    port: int = 0
    verbose: bool = False
    _httpd: _HTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>/ once started."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._httpd.server_port}/"

    def start(self) -> Self:
        """Listen on 127.0.0.1 and serve from a background thread."""
        if self._httpd is not None:
            return self
        try:
            httpd = _HTTPServer(("127.0.0.1", self.port), self.handler)
        except OSError as error:
            raise self.error(f"cannot listen on 127.0.0.1:{self.port}: {error.strerror or error}") from None
        httpd.preview = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Start and block until interrupted (for the command line)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PreviewServer(LocalServer):
    """Serve SCORM packages and a player that runs them against scorm-again; see the module docstring.

    >>> with PreviewServer([Path("dist/microquest-scorm12.zip")]) as server:  # doctest: +SKIP
    ...     print(server.url)
    """

    handler = _Handler
    error = PreviewError
    thread_name = "microquest-preview"

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
        self.packages: dict[str, Package] = load_packages(packages, read_package, PreviewError, "preview")
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

    def respond(self, method: str, target: str, body: bytes = b"") -> Response:
        """The response to one request; `target` is the request's path and query."""
        split = urlsplit(target)
        query = {key: values[-1] for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        parts = split.path.split("/")[1:]
        head = parts[0] if parts else ""
        if method in ("GET", "HEAD"):
            if split.path == "/":
                return self._index()
            if head == "play" and len(parts) == 3 and parts[2] == "":
                return self._player_page(unquote(parts[1]), query)
            if head == "pkg" and len(parts) >= 3:
                return self._package_file(unquote(parts[1]), unquote("/".join(parts[2:])))
            if head == "scorm-again" and len(parts) == 2 and parts[1] in self._runtime:
                return Response(HTTPStatus.OK, content_type(parts[1]), self._runtime[parts[1]])
            if head == "player" and len(parts) == 2 and parts[1] in self._player:
                return Response(HTTPStatus.OK, content_type(parts[1]), self._player[parts[1]])
            if head == "api" and len(parts) == 4 and parts[1] in ("state", "launch"):
                return self._api_get(parts[1], unquote(parts[2]), unquote(parts[3]), query)
            return _not_found()
        if method == "POST" and head == "api" and len(parts) == 4 and parts[1] == "commit":
            return self._api_commit(unquote(parts[2]), unquote(parts[3]), query, body)
        if method == "POST":
            return _not_found()
        return Response(
            HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", b"405\n", (("Allow", "GET, HEAD, POST"),)
        )

    def _sco(self, package: str, sco: str) -> tuple[Package, TocItem] | None:
        found = self.packages.get(package)
        if found is None:
            return None
        item = found.manifest.launchable().get(sco)
        return (found, item) if item is not None else None

    def _index(self) -> Response:
        html = _environment().get_template("index.html.j2").render(packages=list(self.packages.values()), quote=quote)
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", html.encode("utf-8"))

    def _player_page(self, name: str, query: dict[str, str]) -> Response:
        package = self.packages.get(name)
        if package is None:
            return _not_found(f"no package {name!r}")
        learner = Learner(query.get("learner_id") or self.learner.id, query.get("learner_name") or self.learner.name)
        fail = query.get("fail_commits", "") not in ("", "0")
        version = package.manifest.version
        config = {
            "package": package.name,
            "version": version,
            "learner": {"id": learner.id, "name": learner.name},
            "failCommits": fail,
            "autoLaunch": query.get("sco", ""),
            "scos": {
                identifier: {"title": item.title, "url": f"/pkg/{quote(package.name)}/{item.launch}"}
                for identifier, item in package.manifest.launchable().items()
            },
        }
        html = (
            _environment()
            .get_template("player.html.j2")
            .render(
                package=package,
                manifest=package.manifest,
                learner=learner,
                fail_commits=fail,
                runtime="scorm12.min.js" if version == "1.2" else "scorm2004.min.js",
                config_json=_script_json(config),
            )
        )
        return Response(HTTPStatus.OK, "text/html; charset=utf-8", html.encode("utf-8"))

    def _package_file(self, name: str, entry: str) -> Response:
        package = self.packages.get(name)
        if package is None or entry not in package.files:
            return _not_found()
        return Response(HTTPStatus.OK, content_type(entry), package.files[entry])

    def _api_get(self, what: str, package: str, sco: str, query: dict[str, str]) -> Response:
        found = self._sco(package, sco)
        if found is None:
            return _json({"error": f"no SCO {sco!r} in package {package!r}"}, HTTPStatus.NOT_FOUND)
        learner_id = query.get("learner_id") or self.learner.id
        stored = self.state(package, sco, learner_id)
        if what == "state":
            return _json(
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
        return _json({"version": manifest.version, "cmi": launch_cmi(manifest.version, state, learner, found[1])})

    def _api_commit(self, package: str, sco: str, query: dict[str, str], body: bytes) -> Response:
        if self._sco(package, sco) is None:
            return _json({"result": "false", "errorCode": 101, "error": f"no SCO {sco!r}"}, HTTPStatus.NOT_FOUND)
        if self.fail_commits or query.get("fail_commits", "") not in ("", "0"):
            return _json(
                {"result": "false", "errorCode": 101, "error": "this preview refuses commits"},
                HTTPStatus.INTERNAL_SERVER_ERROR,
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("cmi"), dict):
            return _json(
                {"result": "false", "errorCode": 101, "error": "expected JSON {cmi: {...}}"}, HTTPStatus.BAD_REQUEST
            )
        learner_id = query.get("learner_id") or self.learner.id
        self.commit(package, sco, learner_id, data["cmi"], terminate=query.get("terminate") == "true")
        return _json({"result": "true", "errorCode": 0})
