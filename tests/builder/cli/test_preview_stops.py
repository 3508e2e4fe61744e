"""`microquest preview --format xapi` with its own LRS, stopped every way a person stops it.

The LRS runs in the preview's own process (in memory), so after Ctrl+C, SIGTERM or
SIGKILL no process is left, the port is closed and the LRS's credentials are in no file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.builder.cli.test_lrs_command import children_of, port_is_closed, stop
from tests.project import CONTENT, PROJECT

pytestmark = pytest.mark.lrs


@pytest.fixture(scope="module")
def xapi_package(tmp_path_factory) -> Path:
    from builder.build import build

    out = tmp_path_factory.mktemp("xapi")
    build(CONTENT, out, ["xapi"])
    return next(out.glob("*xapi*.zip"))


def files_in_tmp() -> set[Path]:
    return set(Path(tempfile.gettempdir()).iterdir())


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"])
def test_the_xapi_preview_and_its_lrs_stop_with_nothing_left_behind(xapi_package, how):
    before = files_in_tmp()
    process = subprocess.Popen(
        [sys.executable, "-c", "from builder.cli import main; main()", "preview", "--format", "xapi", "--port", "0"]
        + [str(xapi_package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl+C stops" in line:
                break
        output = "".join(lines)
        lrs = re.search(r"LRS: \S+ at (http://127\.0\.0\.1:\d+/xapi/)", output)
        preview = re.search(r"at (http://127\.0\.0\.1:\d+)/? \(Ctrl\+C stops\)", output)
        assert lrs and preview, output
        assert children_of(process.pid) == []
    finally:
        stop(process, how)
    assert port_is_closed(lrs.group(1)) and port_is_closed(preview.group(1) + "/")
    assert files_in_tmp() - before == set()
