"""Every command has help and is documented in the README."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from builder.cli import main
from tests.project import PROJECT

README = PROJECT / "README.md"


@pytest.mark.parametrize("command", sorted(main.commands))
def test_commands_have_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_commands_are_documented(command):
    assert f"microquest {command}" in README.read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [block.strip() for block in text.split("```sh\n")[1:] for block in [block.split("```")[0]]]


def test_readme_gives_exactly_two_set_up_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "microquest build" in commands[0]
    assert "pytest" in commands[1] and "apt-get install" in commands[1] and "npm ci" in commands[1]


def test_ci_runs_exactly_the_readmes_test_command():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == readme_commands()[1]
