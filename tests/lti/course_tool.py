"""Helpers of the course tool's tests: the tool of `microquest serve` on a thread, launches, statements as a page sends them."""

from __future__ import annotations

import json
import re
import time
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from builder.build import check
from lti.course_tool import create_course_tool
from lti.local import LocalLtiTool
from tests.lti.browser import Browser
from tests.project import CONTENT
from xapi.iris import VERBS, Iris

COURSE = check(CONTENT).course
IRIS = Iris(COURSE.base_iri)


def start_course_tool(folder: Path, database_url: str | None = None, **options) -> LocalLtiTool:
    """The tool of `microquest serve` on a thread; its keys and ledger in `folder` (beside the SQLite file)."""
    if database_url:
        options = {"keys": folder / "issuer-keys", "ledger": folder / "ledger.sqlite", **options}
    return LocalLtiTool(
        database_url or f"sqlite:///{folder / 'microquest.sqlite'}",
        app_factory=create_course_tool,
        content_dir=CONTENT,
        outbox_interval=3600.0,
        **options,
    ).start()


def launch_id_of(tool: LocalLtiTool, lti_events) -> str:
    return lti_events("lti.launch.accepted")[-1]["launch_id"]


def start_link(page_html: str) -> str:
    return unescape(re.search(r'id=start data-course href="([^"]+)"', page_html).group(1))


def parameters(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def wait_for(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
    return found


class PageClient:
    """What the course's pages send to the LRS, from a launch's parameters (xapi.js's requests, without a browser)."""

    def __init__(self, start_url: str) -> None:
        self.parameters = parameters(start_url)
        self.endpoint = self.parameters["endpoint"]
        self.actor = json.loads(self.parameters["actor"])

    def headers(self, auth: str | None = None) -> dict[str, str]:
        return {
            "Authorization": auth or self.parameters["auth"],
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }

    def put(self, statement: dict, auth: str | None = None) -> requests.Response:
        statement = {"id": str(uuid.uuid4()), **statement}
        return requests.put(
            self.endpoint + "statements",
            params={"statementId": statement["id"]},
            data=json.dumps(statement),
            headers=self.headers(auth),
            timeout=30,
        )

    def statement(self, verb: str, object_iri: str, actor: dict | None = None) -> dict:
        return {
            "actor": actor or self.actor,
            "verb": {"id": VERBS[verb]},
            "object": {"objectType": "Activity", "id": object_iri},
            "context": {"registration": self.parameters["registration"]},
        }

    def complete(self, activity_id: str) -> requests.Response:
        return self.put(self.statement("completed", IRIS.activity(activity_id)))

    def submit(self, canvas_id: str) -> requests.Response:
        return self.put(self.statement("submitted", IRIS.canvas(canvas_id)))


def open_launch(platform, user: str, **options) -> tuple[Browser, requests.Response]:
    browser = Browser()
    page = browser.open(platform.launch_start_url(user, **options))
    assert page.status_code == 200, page.text[:500]
    return browser, page
