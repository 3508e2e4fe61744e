"""`microquest serve` as a real process: a platform registers it, it answers /health and the LRS, SIGTERM stops it."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import pytest
import requests
from click.testing import CliRunner

from builder.cli import main
from tests.lti.browser import Browser
from tests.processes import start_microquest
from tests.project import CONTENT


def start_serve(*arguments: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process, output = start_microquest("serve", "--port", "0", "--content", str(CONTENT), *arguments, env=env)
    if "Registration URL:" not in output:
        process.kill()
        pytest.fail(f"microquest serve did not start: {output}")
    return process, output


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_runs_the_tool_and_the_lrs_in_one_process_and_a_platform_registers_it(how, tmp_path, lti_platform):
    started = time.perf_counter()
    process, output = start_serve(env={"MICROQUEST_DATABASE": f"sqlite:///{tmp_path / 'mq.sqlite'}"})
    try:
        startup = time.perf_counter() - started
        registration_url = re.search(r"^Registration URL: (\S+)$", output, re.M).group(1)
        origin = registration_url.rsplit("/lti/", 1)[0]
        assert "Add LTI Advantage" in output and f"LRS at {origin}/xapi/" in output
        assert requests.get(origin + "/health", timeout=10).json() == {"status": "ok"}
        about = requests.get(origin + "/xapi/about", timeout=10)
        assert about.status_code == 200 and "1.0.3" in about.json()["version"]
        assert (
            requests.get(
                origin + "/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}, timeout=10
            ).status_code
            == 401
        )

        answer = Browser().get(lti_platform.registration_start_url(registration_url))

        assert answer.status_code == 200 and "org.imsglobal.lti.close" in answer.text
        assert lti_platform.only_tool.client_id
        assert (tmp_path / "issuer-keys" / "issuer.json").is_file()
        print(f"microquest serve answered {startup:.2f} s after it was started")
    finally:
        process.send_signal(how)
        rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0 and "stopped" in rest, rest


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "say which database"),
        (("--database", "sqlite:///x.sqlite", "--public-url", "http://quest.example.si"), "LTI platforms need https"),
    ],
)
def test_serve_refuses_what_cannot_work(arguments, message, tmp_path, monkeypatch):
    monkeypatch.delenv("MICROQUEST_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--port", "0", *arguments])
    assert result.exit_code == 1 and message in result.output
