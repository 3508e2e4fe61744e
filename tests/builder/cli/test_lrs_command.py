"""`microquest lrs`: a local ralph until Ctrl+C, with the endpoint and throwaway credentials printed."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from builder.cli import main
from tests.samples import statement
from xapi.lrs.client import LrsClient, LrsError

pytestmark = pytest.mark.lrs


def test_microquest_lrs_prints_endpoint_and_credentials_and_stops_on_ctrl_c(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", "from builder.cli import main; main()", "lrs", "--port", "0", "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl+C stops"):
                break
        output = "".join(lines)
        endpoint = re.search(r"LRS \(ralph\) at (http://127\.0\.0\.1:\d+/xAPI/)", output).group(1)
        auth = re.search(r"^Authorization: (Basic \S+)$", output, re.M).group(1)
        assert "throwaway" in output
        assert LrsClient(endpoint, auth).put_statement(statement()) == "stored"
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "stopped" in rest
    try:
        LrsClient(endpoint, auth, timeout=2).put_statement(statement())
    except LrsError as error:
        assert "not reachable" in str(error)
    else:
        raise AssertionError("the LRS still answers after Ctrl+C")
    assert (tmp_path / "fs_lrs.jsonl").is_file()


def test_microquest_lrs_on_a_busy_port_says_so_and_exits_1():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["lrs", "--port", str(port)])
    assert result.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}:" in result.output
    assert "no LRS is running" in result.output
