"""microquest's own LRS on 127.0.0.1, in this process: for `microquest preview`, local trials and the tests.

    with LocalLrs() as lrs:                       # in memory: nothing on disk
        LrsClient(lrs.endpoint, lrs.auth).put_statement(statement)

`start()` opens the store (`database`: a URL; None keeps everything in memory), makes one
throwaway client with a fresh random secret (kept only in this object, hashed in the
store), binds 127.0.0.1:<port> (0: a free port) and serves the ASGI app (app.py) with
uvicorn on a thread of this process. So the LRS lives exactly as long as the process:
Ctrl+C, SIGTERM or SIGKILL of it leave no server behind, and an in-memory store leaves
no file either. `stop()` shuts the server down and closes the store.

`serve()` runs the same app in the foreground for `microquest lrs serve`, until SIGINT or
SIGTERM.
"""

from __future__ import annotations

import base64
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence

import uvicorn

from .app import LOCAL_HOSTS, create_app
from .client import LrsError
from .clients import ClientRegistry
from .service import XapiService
from .store import DatabaseError, LrsStore

STARTUP_TIMEOUT = 30.0
ENDPOINT_PATH = "/xapi/"


class LocalLrsError(LrsError):
    """The local LRS could not start."""


def listening_socket(host: str, port: int) -> socket.socket:
    try:
        return socket.create_server((host, port))
    except OSError as error:
        raise LocalLrsError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def open_store(database: str) -> LrsStore:
    try:
        return LrsStore.open(database)
    except DatabaseError as error:
        raise LocalLrsError(str(error)) from None


def server_for(app: object, *, log_level: str = "warning", lifespan: str = "off") -> uvicorn.Server:
    # The apps read forwarded headers themselves, from the proxies they trust.
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan=lifespan,
        ws="none",
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


class ThreadedServer:
    """An ASGI app served by uvicorn on a daemon thread of this process, on a socket already listening.

    It lives exactly as long as the process (nothing to orphan); `stop()` ends it and closes the socket.
    """

    def __init__(self, app: object, listening: socket.socket, *, name: str, lifespan: str = "off") -> None:
        self.listening = listening
        self.server = server_for(app, lifespan=lifespan)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [listening]}, name=name, daemon=True)

    def start(self, error: type[Exception], what: str) -> ThreadedServer:
        started = time.monotonic()
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() - started > STARTUP_TIMEOUT:
                self.stop()
                raise error(f"{what} did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.listening.close()

    def is_alive(self) -> bool:
        return self.thread.is_alive()


class LocalLrs:
    """The LRS on a thread of this process while started (see the module docstring)."""

    def __init__(self, database: str | None = None, port: int = 0, host: str = "127.0.0.1") -> None:
        self.database = database or "sqlite://"
        self.port = port
        self.host = host
        self.startup_seconds: float | None = None
        self.store: LrsStore | None = None
        self._server: ThreadedServer | None = None
        self._bound_port = 0
        self._auth = ""
        self.client_name = ""  # the authority's account name in the statements it stores

    def __repr__(self) -> str:
        # Never the credentials.
        where = self.endpoint if self._server is not None else "not started"
        return f"LocalLrs({where})"

    @property
    def origin(self) -> str:
        if self._server is None:
            raise RuntimeError("the local LRS is not started")
        return f"http://{self.host}:{self._bound_port}"

    @property
    def endpoint(self) -> str:
        return self.origin + ENDPOINT_PATH

    @property
    def auth(self) -> str:
        """The whole Authorization value, "Basic …", of this run's throwaway client."""
        if self._server is None:
            raise RuntimeError("the local LRS is not started")
        return self._auth

    def start(self) -> LocalLrs:
        if self._server is not None:
            return self
        started = time.monotonic()
        listening = listening_socket(self.host, self.port)
        self._bound_port = listening.getsockname()[1]
        try:
            self.store = open_store(self.database)
            registry = ClientRegistry(self.store, home_page=f"http://{self.host}:{self._bound_port}/")
            self.client_name = "microquest-local-" + secrets.token_hex(4)
            key, secret = registry.add(self.client_name)
            self._auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
            app = create_app(XapiService(self.store, registry.authenticate), endpoint_path=ENDPOINT_PATH)
        except BaseException:
            listening.close()
            if self.store is not None:
                self.store.close()
            raise
        self._server = ThreadedServer(app, listening, name="microquest-lrs").start(LocalLrsError, "the local LRS")
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> LocalLrs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until Ctrl+C (KeyboardInterrupt, after stopping)."""
        try:
            while self._server is not None and self._server.is_alive():
                time.sleep(0.5)
        finally:
            self.stop()


def serve(
    store: LrsStore,
    registry: ClientRegistry,
    listening: socket.socket,
    *,
    endpoint_path: str = ENDPOINT_PATH,
    allowed_hosts: Sequence[str] = LOCAL_HOSTS,
    log_level: str = "warning",
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then return (both: a graceful stop)."""
    app = create_app(
        XapiService(store, registry.authenticate), endpoint_path=endpoint_path, allowed_hosts=allowed_hosts
    )
    serve_until_stopped(app, listening, log_level=log_level, closing=(store.close,))


def serve_until_stopped(
    app: object,
    listening: socket.socket,
    *,
    log_level: str = "warning",
    lifespan: str = "off",
    closing: Sequence[Callable[[], object]] = (),
) -> None:
    """Serve an app in the foreground until SIGINT or SIGTERM, then close the socket and call `closing`."""
    server = server_for(app, log_level=log_level, lifespan=lifespan)
    # uvicorn stops gracefully on either signal, then raises it again for the handler it found:
    # these turn that into a return.
    previous = signal.signal(signal.SIGTERM, _stop), signal.signal(signal.SIGINT, _stop)
    try:
        server.run(sockets=[listening])
    except Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        listening.close()
        for close in closing:
            close()


class Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


def _stop(_number: int, _frame: object) -> None:
    raise Stopped
