"""The `microquest` command as a real process, for the tests of servers: started, read until ready, stopped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.project import PROJECT


def start_microquest(
    *arguments: str, env: dict[str, str] | None = None, ready: str = "Ctrl+C stops"
) -> tuple[subprocess.Popen[str], str]:
    """`microquest …` in its own process; (process, everything it printed up to the line starting with `ready`)."""
    process = subprocess.Popen(
        [sys.executable, "-c", "from builder.cli import main; main()", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith(ready):
            return process, "".join(lines)
    process.kill()
    pytest.fail(f"microquest {' '.join(arguments[:2])} did not start: {''.join(lines)}")
