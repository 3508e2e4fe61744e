"""The LTI tests' fixtures: a real platform (tests/lti/platform.py) and the tool, both on 127.0.0.1.

`lti_platform` is a fresh platform per test; `lti_tool` the tool on a SQLite file in the test's
folder; `registered` both, after the tool registered itself through Dynamic Registration driven
over HTTP exactly as a Moodle admin's browser does; `course_tool` the same with the tool of
`microquest serve` (tests/lti/course_tool.py). `lti_events` reads the tool's log lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from credentials.issuer import IssuerIdentity, save_identity
from credentials.keys import init_keys
from lti.local import LocalLtiTool
from lti.logs import LOGGER, event_of
from tests.lti.browser import Browser
from tests.lti.course_tool import start_course_tool
from tests.lti.platform import TestPlatform


@pytest.fixture
def lti_platform() -> Iterator[TestPlatform]:
    platform = TestPlatform()
    with platform.serve():
        yield platform


def start_tool(database_url: str, **options) -> LocalLtiTool:
    # A long timer: the tests say when grades are delivered (deliver_due), unless they wake the worker.
    return LocalLtiTool(database_url, **{"outbox_interval": 3600.0, **options}).start()


@pytest.fixture
def lti_tool(tmp_path: Path) -> Iterator[LocalLtiTool]:
    tool = start_tool(f"sqlite:///{tmp_path / 'microquest.db'}")
    yield tool
    tool.stop()


def register(platform: TestPlatform, tool: LocalLtiTool) -> None:
    """Dynamic Registration as the admin's browser does it: the platform opens the tool's URL."""
    response = Browser().get(platform.registration_start_url(tool.lti.registration_url))
    assert response.status_code == 200, response.text
    assert "org.imsglobal.lti.close" in response.text


@pytest.fixture
def registered(lti_platform: TestPlatform, lti_tool: LocalLtiTool) -> tuple[TestPlatform, LocalLtiTool]:
    register(lti_platform, lti_tool)
    return lti_platform, lti_tool


@pytest.fixture
def lti_events(caplog: pytest.LogCaptureFixture) -> Callable[[str], list[dict]]:
    """The tool's structured log events named `event` so far (each a dict)."""
    caplog.set_level(logging.INFO, logger=LOGGER.name)

    def events(event: str) -> list[dict]:
        found = [event_of(record) for record in caplog.records if record.name == LOGGER.name]
        return [fields for fields in found if fields.get("event") == event]

    return events


@pytest.fixture
def course_tool(tmp_path: Path, lti_platform: TestPlatform) -> Iterator[tuple[TestPlatform, LocalLtiTool]]:
    # The provider's identity with its legal identifier, so the Europass export is made too.
    keys = tmp_path / "keys"
    init_keys(keys)
    save_identity(
        keys,
        IssuerIdentity(
            name="Šolski center Primer", url="https://www.primer.si/", country="SI", id_registration="1234567000"
        ),
    )
    tool = start_course_tool(tmp_path, keys=keys)
    register(lti_platform, tool)
    yield lti_platform, tool
    tool.stop()
