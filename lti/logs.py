"""Structured logs: every event of the LTI tool is one JSON object on one line.

    log_event("lti.launch.rejected", reason="expired", issuer=…, level=logging.WARNING)

Events go to the `microquest.lti` logger with the JSON as the message, so any handler prints a
line a log collector parses; `json_log_handler()` adds the time and level as fields for a server
that logs to stdout. Nothing secret is ever a field: no id_token, access token or private key.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

LOGGER = logging.getLogger("microquest.lti")


def log_event(event: str, *, level: int = logging.INFO, exc_info: BaseException | None = None, **fields: Any) -> None:
    """One event as one JSON line; `exc_info` adds the traceback for the server's log (json_log_handler)."""
    LOGGER.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False, default=str), exc_info=exc_info)


def event_of(record: logging.LogRecord) -> dict[str, Any]:
    """The fields of a record made by log_event ({} for any other record)."""
    try:
        fields = json.loads(record.getMessage())
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = event_of(record) or {"event": "log", "message": record.getMessage()}
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            **fields,
        }
        if record.exc_info:
            # The traceback belongs in the server's log, never on a page.
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_log_handler(stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    return handler
