"""A real PostgreSQL server for the test session: Debian's `postgresql` package, in a temporary folder.

    with PostgresServer(folder) as server:
        server.url     # postgresql://microquest@127.0.0.1:<port>/microquest

`initdb` makes a cluster in `folder` (trust authentication, 127.0.0.1 only, the socket
in the folder too), `pg_ctl` starts it on a free port and stops it (`-m immediate`, as
the data is thrown away) on exit. PostgreSQL refuses to run as root, so as root (CI) the
server runs as Debian's `postgres` user, which then owns the folder.

No PostgreSQL installed is a failure with one line that says what to install, never a skip.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

DATABASE = "microquest"


class PostgresUnavailable(RuntimeError):
    pass


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL is not installed: apt-get install postgresql (the README's test command does)"
        )
    return candidates[-1].parent


class PostgresServer:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.bin = postgres_bin()
        self.port = 0
        self._user: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://{DATABASE}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str) -> None:
        wrapped = ["runuser", "-u", self._user, "--", *command] if self._user else list(command)
        result = subprocess.run(wrapped, capture_output=True, text=True, timeout=120, cwd="/")
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise PostgresUnavailable(f"{Path(command[0]).name} failed: {' | '.join(tail)}")

    def start(self) -> PostgresServer:
        data = self.folder / "data"
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._user:
            account = pwd.getpwnam(self._user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", DATABASE, "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c max_connections=100"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", DATABASE, DATABASE)
        return self

    def stop(self) -> None:
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
