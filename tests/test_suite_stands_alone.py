"""The suite is the same wherever it is started from: no test depends on the working directory."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.project import PROJECT


def collected(cwd: str, *paths: str) -> int:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return int(re.search(r"(\d+) tests? collected", completed.stdout).group(1))


def test_the_same_tests_are_collected_from_the_project_and_from_the_filesystem_root():
    from_project = collected(str(PROJECT))
    assert from_project > 500
    assert collected("/", str(PROJECT)) == from_project
