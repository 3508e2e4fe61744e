"""The LTI tool on 127.0.0.1, on a thread of this process: for the tests and local trials.

    with LocalLtiTool("sqlite:////tmp/lti.db") as tool:
        tool.url                    # http://127.0.0.1:<port>, also the tool's public URL
        tool.lti.registration_url   # the LtiTool of the running app

`app_factory` (default `create_lti_app`) makes the app: `lti.course_tool.create_course_tool` for
the whole `microquest serve` (its other options: `content_dir=…`, `keys=…`, `ledger=…`).

The port is bound first (0: a free one), so the public URL the app is built with is the one it
answers at. uvicorn runs the app with its lifespan, so the grade worker runs as in production.
The server lives as long as this process: a killed test leaves nothing listening.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from xapi.lrs.local import ThreadedServer

from .app import LtiTool, create_lti_app

STARTUP_TIMEOUT = 30.0


class LocalLtiTool:
    def __init__(
        self,
        database_url: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_factory: Callable[..., Any] = create_lti_app,
        **options: Any,
    ) -> None:
        self.database_url = database_url
        self.app_factory = app_factory
        self.app: Any = None
        self.host = host
        self.port = port
        self.options = options
        self.url = ""
        self.lti: LtiTool | None = None
        self._server: ThreadedServer | None = None

    def start(self) -> LocalLtiTool:
        listening = socket.create_server((self.host, self.port))
        self.url = f"http://{self.host}:{listening.getsockname()[1]}"
        try:
            app = self.app = self.app_factory(
                self.database_url, self.options.pop("public_url", self.url), **self.options
            )
        except BaseException:
            listening.close()
            raise
        self.lti = app.state.lti
        # With its lifespan, so the grade worker runs as in production.
        self._server = ThreadedServer(app, listening, name="microquest-lti", lifespan="on")
        self._server.start(RuntimeError, "the local LTI tool")
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        state = getattr(self.app, "state", None)
        for part in ("course", "store"):  # the course tool's (course_tool.py): closed once its server stopped
            closing = getattr(state, part, None)
            if closing is not None:
                closing.close()

    def __enter__(self) -> LocalLtiTool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
