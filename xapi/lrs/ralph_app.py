"""ralph's LRS app (ralph-malph 5.1.0) as LocalLrs runs it, with two bugs of its file backend fixed.

Run in its own process by xapi.lrs.local, never imported by microquest itself:

    python -m xapi.lrs.ralph_app <fd of a listening socket>

ralph reads its settings (auth file, backend, data folder) from RALPH_* environment
variables when it is imported, so LocalLrs sets them before starting this process.

The two fixes, both in ralph's file backend only (FSLRSBackend), nothing else of ralph:

1. Its writes use operation type CREATE, so every write after the first fails
   ("fs_lrs.jsonl already exists and overwrite is not allowed with operation_type create
   or index") and the LRS answers 500 to every later PUT or POST. An LRS file must be
   appended to.
2. Its `verb` and `activity` filters compare ralph's IRI model object with the string in
   the stored statement, so they never match: every `verb=` or `activity=` query answers
   no statement. The filters get the plain string.

Everything ralph does differently from xAPI 1.0.3 elsewhere (see xapi/local_lrs.py) is left
as it is: microquest must cope with it.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
_query_statements = FSLRSBackend.query_statements


def _plain(value: Any) -> Any:
    """The string inside ralph's IRI model (a pydantic RootModel, possibly nested)."""
    while hasattr(value, "root"):
        value = value.root
    return value


def _query_statements_with_plain_iris(self: FSLRSBackend, params: Any, target: str | None = None) -> Any:
    for name in ("verb", "activity"):
        value = getattr(params, name, None)
        if value is not None:
            setattr(params, name, _plain(value))
    return _query_statements(self, params, target)


FSLRSBackend.query_statements = _query_statements_with_plain_iris

from ralph.api import app  # noqa: E402  (after the fixes, as the routers create the backend on import)


def serve(fd: int) -> None:
    """Serve the app on an already listening socket (LocalLrs binds it, so the port is known at once)."""
    import uvicorn

    listening = socket.socket(fileno=fd)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[listening])


if __name__ == "__main__":
    serve(int(sys.argv[1]))
