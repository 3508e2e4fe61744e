"""`microquest lrs serve` and `microquest lrs client …`: a real server process, stopped every way a person stops one.

After Ctrl+C, SIGTERM or SIGKILL there is no process left (the LRS runs in the command's
own process, so there is no child to orphan), the port is closed, and the trial's
throwaway credentials leave no file anywhere under the temporary folder.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from tests.processes import start_microquest
from tests.samples import statement
from xapi.lrs.client import LrsClient, LrsError

pytestmark = pytest.mark.lrs


def start_server(*arguments: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str]:
    """`microquest lrs serve …` in its own process; (process, endpoint, everything printed up to "Ctrl+C stops")."""
    process, output = start_microquest("lrs", "serve", "--port", "0", *arguments, env=env)
    found = re.search(r"LRS at (http://127\.0\.0\.1:\d+/xapi/)", output)
    if found is None:
        process.kill()
        pytest.fail(f"the LRS did not start: {output}")
    return process, found.group(1), output


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def port_is_closed(endpoint: str) -> bool:
    port = int(re.search(r":(\d+)/", endpoint).group(1))
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def stop(process: subprocess.Popen[str], how: signal.Signals) -> str:
    """Send `how`; what the process printed after. A clean stop (not SIGKILL) exits 0 saying "stopped"."""
    try:
        process.send_signal(how)
        rest, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    if how != signal.SIGKILL:
        assert process.returncode == 0 and "stopped" in rest, rest
    return rest


def temporary_files() -> set[str]:
    return {str(path) for path in Path(tempfile.gettempdir()).glob("*") if "lrs" in path.name.lower()}


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"])
def test_a_trial_lrs_stops_with_no_process_port_or_credential_file_left(how):
    before = temporary_files()
    process, endpoint, output = start_server()
    try:
        auth = re.search(r"^Authorization: (Basic \S+)$", output, re.M).group(1)
        assert "throwaway" in output
        assert LrsClient(endpoint, auth).put_statement(statement()) == "stored"
        assert children_of(process.pid) == []  # the LRS is this process: nothing to orphan
    finally:
        stop(process, how)
    assert port_is_closed(endpoint)
    assert temporary_files() == before
    assert auth.partition(" ")[2] not in "".join(
        path.read_text(errors="replace") for path in Path(tempfile.gettempdir()).glob("*") if path.is_file()
    )


def test_a_client_made_on_the_command_line_is_accepted_then_refused_once_revoked(tmp_path):
    database = f"sqlite:///{tmp_path / 'lrs.db'}"
    runner = CliRunner()
    made = runner.invoke(main, ["lrs", "client", "add", "moodle", "--database", database])
    assert made.exit_code == 0, made.output
    auth = re.search(r"^Authorization: (Basic \S+)$", made.output, re.M).group(1)
    secret = auth.partition(" ")[2]
    assert secret not in (tmp_path / "lrs.db").read_bytes().decode("latin-1")  # kept only hashed
    listed = runner.invoke(main, ["lrs", "client", "list"], env={"MICROQUEST_LRS_DATABASE": database})
    assert "moodle" in listed.output and "active" in listed.output and secret not in listed.output

    process, endpoint, output = start_server("--database", database)
    try:
        assert "Authorization" not in output  # a kept LRS makes no throwaway client
        assert LrsClient(endpoint, auth).put_statement(statement()) == "stored"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)

    revoked = runner.invoke(main, ["lrs", "client", "revoke", "moodle", "--database", database])
    assert revoked.exit_code == 0
    process, endpoint, _ = start_server("--database", database)
    try:
        with pytest.raises(LrsError, match="401"):
            LrsClient(endpoint, auth).put_statement(statement())
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)


def test_statements_kept_in_a_database_are_there_after_a_kill_and_restart(tmp_path):
    database = f"sqlite:///{tmp_path / 'lrs.db'}"
    made = CliRunner().invoke(main, ["lrs", "client", "add", "provider", "--database", database])
    auth = re.search(r"^Authorization: (Basic \S+)$", made.output, re.M).group(1)
    sent = [statement() for _ in range(20)]
    process, endpoint, _ = start_server("--database", database)
    LrsClient(endpoint, auth).post_statements(sent)
    process.kill()
    process.wait()
    process, endpoint, _ = start_server("--database", database)
    try:
        kept = {s["id"] for s in LrsClient(endpoint, auth).statements()}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert kept == {s["id"] for s in sent}


def test_the_lrs_on_a_busy_port_says_so_and_exits_1():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["lrs", "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "Traceback" not in result.output


def test_client_commands_without_a_database_say_which_to_give():
    result = CliRunner().invoke(main, ["lrs", "client", "list"], env={"MICROQUEST_LRS_DATABASE": ""})
    assert result.exit_code == 1
    assert "--database" in result.output


def test_revoking_an_unknown_client_fails_and_changes_nothing(tmp_path):
    result = CliRunner().invoke(
        main, ["lrs", "client", "revoke", "nobody", "--database", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 1 and "no active client named 'nobody'" in result.output
