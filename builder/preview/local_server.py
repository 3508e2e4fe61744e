"""What the preview's servers share: packages read into memory, served over HTTP on 127.0.0.1.

`LocalServer` (PreviewServer for SCORM, LaunchServer for xAPI and cmi5) listens on
127.0.0.1 from a background thread. Every request goes through one `RequestHandler`:

- a body over the server's `max_body` is answered 413 (and the connection closed);
- a `Host` other than `127.0.0.1:<port>` or `localhost:<port>` is answered 421 and nothing
  else: a page from another site whose name was made to resolve to 127.0.0.1 (DNS
  rebinding) must not read the learner's data or use a launch's token;
- anything else becomes a `Request` for the server's `respond`, whose `Response` is sent
  with `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.

A package is every entry of its zip in memory (`read_zip`), served under its file name
without `.zip` (`package_name`) at `/pkg/<package>/<entry>` (`package_file`): an entry is
looked up by its exact name, so no path can reach outside the zip.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from ..errors import MicroquestError
from ..render import environment

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
Headers = tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- requests and responses


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # the path and query as sent
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def parts(self) -> list[str]:
        """The path's segments, still percent-encoded: "/pkg/a/b.html" → ["pkg", "a", "b.html"]."""
        return self.path.split("/")[1:]

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    @property
    def parameters(self) -> dict[str, str]:
        """The query's parameters, the last value of each."""
        return {key: values[-1] for key, values in parse_qs(self.query, keep_blank_values=True).items()}


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: Headers = field(default=())


def json_response(data: Any, status: int = HTTPStatus.OK, headers: Headers = ()) -> Response:
    return Response(status, "application/json", json.dumps(data, ensure_ascii=False).encode("utf-8"), headers)


def text_response(status: int, text: str, headers: Headers = ()) -> Response:
    return Response(status, "text/plain; charset=utf-8", f"{int(status)} {text}\n".encode(), headers)


def not_found(what: str = "not found") -> Response:
    return text_response(HTTPStatus.NOT_FOUND, what)


def method_not_allowed(allow: str, headers: Headers = ()) -> Response:
    return text_response(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", (("Allow", allow), *headers))


def html_page(template: str, **context: Any) -> Response:
    """A page from scorm_templates/ (builder/render.py's environment: autoescaped, StrictUndefined)."""
    html = environment().get_template(template).render(**context)
    return Response(HTTPStatus.OK, "text/html; charset=utf-8", html.encode("utf-8"))


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


# ---------------------------------------------------------------- packages


class ServedPackage(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def files(self) -> dict[str, bytes]: ...


P = TypeVar("P", bound=ServedPackage)


def package_name(path: Path) -> str:
    """The URL-safe name a package is served under: its file name without .zip."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).stem).strip("-.")
    return name or "package"


def read_zip(path: Path, error: type[MicroquestError]) -> dict[str, bytes]:
    """Every file entry of a zip, in memory, by its name (directories and absolute names left out)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {
                info.filename: archive.read(info)
                for info in archive.infolist()
                if not info.is_dir() and not info.filename.startswith("/")
            }
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as problem:
        raise error(f"{path}: not a zip file: {problem}") from None


def load_packages(
    paths: list[Path] | tuple[Path, ...], read: Callable[[Path], P], error: type[MicroquestError], verb: str
) -> dict[str, P]:
    """Each package read once, by the name it is served under; two with one name are an error."""
    if not paths:
        raise error(f"no package to {verb}")
    packages: dict[str, P] = {}
    for path in paths:
        package = read(path)
        if package.name in packages:
            raise error(f"{path}: another package is already served as {package.name!r}")
        packages[package.name] = package
    return packages


def package_file(packages: Mapping[str, ServedPackage], name: str, entry: str) -> Response:
    """GET /pkg/<name>/<entry>: the zip entry of that exact name, or 404."""
    package = packages.get(name)
    if package is None or entry not in package.files:
        return not_found()
    return Response(HTTPStatus.OK, content_type(entry), package.files[entry])


# ---------------------------------------------------------------- the server


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    app: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.app.verbose:
            super().handle_error(request, client_address)


class RequestHandler(BaseHTTPRequestHandler):
    """Every method of every LocalServer: checks body size and Host, then asks the server's `respond`."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def answer(self) -> None:
        app = self.server.app
        body = self._body(app.max_body)
        if body is None:
            self._send(text_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large"), close=True)
        elif not self._host_is_local():
            refused = "this server answers to 127.0.0.1 and localhost only"
            self._send(text_response(HTTPStatus.MISDIRECTED_REQUEST, refused))
        else:
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._send(app.respond(Request(self.command, self.path, headers, body)))

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = answer

    def _host_is_local(self) -> bool:
        # DNS rebinding: a browser sends the name it resolved, and only ours are accepted.
        port = self.server.server_port
        hosts = self.headers.get_all("Host") or []
        return len(hosts) == 1 and hosts[0].strip().lower() in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _body(self, limit: int) -> bytes | None:
        """The request's body; None when it is larger than `limit`."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers:
            self.send_header(name, value)
        if close:
            # The request's body was not read: the connection cannot carry another request.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # A launch URL carries a token in its query: log the path only.
        if self.server.app.verbose:
            sys.stderr.write(f"{self.server.app.log_name}: {self.command} {urlsplit(self.path).path} {code}\n")

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            sys.stderr.write(f"{self.server.app.log_name}: {format % args}\n")


class LocalServer:
    """A `respond(Request) -> Response` served on 127.0.0.1 from a background thread."""

    error: type[MicroquestError] = MicroquestError
    thread_name = "microquest-server"
    log_name = "server"
    max_body = 8 * 1024 * 1024
    port: int = 0
    verbose: bool = False
    _httpd: _HTTPServer | None = None
    _thread: threading.Thread | None = None

    def respond(self, request: Request) -> Response:
        raise NotImplementedError

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
            httpd = _HTTPServer(("127.0.0.1", self.port), RequestHandler)
        except OSError as error:
            raise self.error(f"cannot listen on 127.0.0.1:{self.port}: {error.strerror or error}") from None
        httpd.app = self
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
