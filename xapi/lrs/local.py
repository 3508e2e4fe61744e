"""A real LRS on 127.0.0.1 for local trials and the tests: ralph (PyPI ralph-malph 5.1.0), file backend.

    with LocalLrs() as lrs:
        LrsClient(lrs.endpoint, lrs.auth).put_statement(statement)

`start()` binds 127.0.0.1:<port> (0: a free port), writes ralph's auth file with a fresh
random user and password (bcrypt hash, 0600, in a private 0700 folder), and runs ralph's
FastAPI app under uvicorn in a child process (`python -m xapi.lrs.ralph_app <fd>`, on the socket
bound here, so the port is known before ralph starts). It returns once `/__heartbeat__`
answers 200, or raises LocalLrsError with the tail of ralph's log after 30 s or as soon as
the process dies. Start-up takes about 1 s on a 2-core machine (0.96 s, median of five
starts; 1.7 s while the machine is busy), mostly FastAPI's and pydantic's import;
`startup_seconds` says how long it took. `stop()` ends the process and removes
the private folder, and the data folder with it unless `data_dir` was given.

`ralph runserver -b fs` exists in 5.1.0 but runs uvicorn with `reload=True` (a file-watching
reloader and a second process), needs the `cli` extra (which caps click below 8.2.1), and
its file backend is broken (below), so LocalLrs runs the app itself.

What ralph-malph 5.1.0 really does, probed on this machine (Python 3.11, FastAPI 0.114.2,
uvicorn 0.30.6) and pinned by tests/xapi/test_local_lrs.py:

- Packaging: the extras are `lrs`, `cli`, `backend-*` for es/mongo/clickhouse/s3/swift/ws/
  ldp/lrs, `backends`, `full`; there is no `backend-fs` (pip warns and ignores it: the file
  backend needs no extra). `lrs` is all the server needs. ralph imports `requests` without
  declaring it; microquest declares it.
- Bugs of the file backend, fixed in xapi/ralph_app.py: only the first write succeeds (every
  later PUT/POST answers 500), and `verb=`/`activity=` filters never match.
- Auth: HTTP Basic against the auth file (a JSON list of {username, hash (bcrypt), scopes,
  agent}); no or wrong credentials → 401. The agent must validate strictly: an `mbox` at a
  reserved domain such as example.invalid makes every request 500, so LocalLrs uses an
  account agent. ralph sets `authority` to that agent.
- Conflicts: same id, different content → 409 (PUT and POST). An identical re-send → 204 if
  the statement has a `timestamp`, but **409** if it has none, because ralph fills a missing
  timestamp with `stored` and compares timestamps. A POST of only statements it already
  holds answers 204 (no body), not 200 with the ids.
- Statement validation: invalid statements → 422 (not 400), with pydantic's messages; an
  `mbox` at a reserved domain (example.invalid, .test, .local) is invalid.
- Versions: `X-Experience-API-Version` is neither required (no header: accepted) nor
  checked (2.0.0: accepted), and never sent back; no `X-Experience-API-Consistent-Through`.
- Unknown query parameters → 400 ("The following parameter is not allowed").
- Paging: 100 statements a page by default and at most (a higher `limit` is cut to 100), but
  `limit=0` answers every match in one page; `more` is a path from the origin
  (`/xAPI/statements?…&pit_id=None&search_after=<id>`), and following it reads every
  statement exactly once.
- Order: pages come oldest first (xAPI's default is newest first); any `ascending` value,
  "false" included, reverses the order within each page only.
- `since`/`until` filter on `timestamp`, not `stored` (non-conformant: a statement stored
  late, e.g. from an offline queue, is missed by a `since` after its timestamp).
- `registration`, `agent` filters work; `related_activities=true` works (after the fix above).
- `voidedStatementId` is ignored: the answer is an unfiltered statement list. `statementId`
  answers a statement list, not the statement. Voided statements stay in query results.
- No State API, Agent/Activity Profile API, `/xAPI/about`, `/xAPI/agents` or
  `/xAPI/activities`: all 404. builder/preview/state_api.py serves the State API in front of it.

Credentials are fresh for every start and are local and throwaway: they live in this
process's memory and (hashed) in the private auth file, which `stop()` deletes.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt

from .client import LrsError

RALPH_VERSION = "5.1.0"
STARTUP_TIMEOUT = 30.0
# ralph's own prefix for the xAPI resources.
XAPI_PREFIX = "/xAPI/"
PROJECT = Path(__file__).resolve().parents[2]


class LocalLrsError(LrsError):
    """The local LRS could not start."""


class LocalLrs:
    """ralph on 127.0.0.1 while started; use it as a context manager (see the module docstring)."""

    def __init__(self, data_dir: Path | None = None, port: int = 0) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.port = port
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._private: Path | None = None
        self._bound_port = 0
        self._auth = ""

    def __repr__(self) -> str:
        # Never the credentials.
        where = self.endpoint if self._process is not None else "not started"
        return f"LocalLrs({where})"

    @property
    def origin(self) -> str:
        if self._process is None:
            raise RuntimeError("the local LRS is not started")
        return f"http://127.0.0.1:{self._bound_port}"

    @property
    def endpoint(self) -> str:
        """The xAPI endpoint, ending in "/" (ralph's prefix is /xAPI/)."""
        return self.origin + XAPI_PREFIX

    @property
    def auth_file(self) -> Path:
        """ralph's auth file of this run: the bcrypt hash, readable by this user only."""
        if self._private is None:
            raise RuntimeError("the local LRS is not started")
        return self._private / "auth.json"

    @property
    def auth(self) -> str:
        """The whole Authorization value, "Basic …", of this run's throwaway credentials."""
        if self._process is None:
            raise RuntimeError("the local LRS is not started")
        return self._auth

    # -- lifecycle

    def start(self) -> LocalLrs:
        if self._process is not None:
            return self
        started = time.monotonic()
        listening = self._listen()
        self._private = Path(tempfile.mkdtemp(prefix="microquest-lrs-"))
        try:
            self._process = self._spawn(listening)
        except BaseException:
            listening.close()
            self._cleanup()
            raise
        # The child holds the socket now; closing ours lets a dead child refuse connections.
        listening.close()
        self._wait_until_up(started)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._cleanup()

    def __enter__(self) -> LocalLrs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until the LRS process ends (Ctrl+C: KeyboardInterrupt, after stopping it)."""
        try:
            while self._process is not None and self._process.poll() is None:
                time.sleep(0.5)
        finally:
            self.stop()

    # -- steps

    def _listen(self) -> socket.socket:
        try:
            return socket.create_server(("127.0.0.1", self.port))
        except OSError as error:
            raise LocalLrsError(f"cannot listen on 127.0.0.1:{self.port}: {error.strerror or error}") from None

    def _spawn(self, listening: socket.socket) -> subprocess.Popen[bytes]:
        assert self._private is not None
        self._bound_port = listening.getsockname()[1]
        data = self.data_dir if self.data_dir is not None else self._private / "data"
        try:
            data.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LocalLrsError(f"{data}: cannot keep statements there: {error.strerror or error}") from None
        # Only the settings made here: a RALPH_* variable meant for another ralph stays out.
        environment = {
            **{name: value for name, value in os.environ.items() if not name.startswith("RALPH_")},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])),
            "RALPH_APP_DIR": str(self._private),
            "RALPH_AUTH_FILE": str(self._write_auth_file()),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data.resolve()),
        }
        with open(self._private / "ralph.log", "wb") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "xapi.lrs.ralph_app", str(listening.fileno())],
                pass_fds=(listening.fileno(),),
                env=environment,
                cwd=self._private,  # ralph reads a .env file from its working folder
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _write_auth_file(self) -> Path:
        """ralph's auth file: [{username, hash, scopes, agent}], readable by this user only."""
        assert self._private is not None
        username = "microquest-" + secrets.token_hex(4)
        password = secrets.token_urlsafe(24)
        users = [
            {
                "username": username,
                # The cost only slows the first request: ralph caches the check.
                "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=8)).decode("ascii"),
                "scopes": ["all"],
                "agent": {
                    "objectType": "Agent",
                    "account": {"homePage": f"http://127.0.0.1:{self._bound_port}/", "name": username},
                },
            }
        ]
        path = self.auth_file
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(users, stream)
        self._auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return path

    def _wait_until_up(self, started: float) -> None:
        assert self._process is not None
        heartbeat = f"{self.origin}/__heartbeat__"
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if self._process.poll() is not None:
                self._fail(f"ralph exited with code {self._process.returncode}")
            try:
                with urllib.request.urlopen(heartbeat, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        self._fail(f"ralph did not answer {heartbeat} within {STARTUP_TIMEOUT:g} s")

    def _fail(self, reason: str) -> None:
        assert self._private is not None
        log = (self._private / "ralph.log").read_text(encoding="utf-8", errors="replace")
        tail = "\n".join(log.splitlines()[-20:]) or "(ralph wrote nothing)"
        self.stop()
        raise LocalLrsError(f"the local LRS did not start: {reason}; ralph's log ends:\n{tail}")

    def _cleanup(self) -> None:
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None
