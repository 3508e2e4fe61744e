"""Issue 11, part 1 in xAPI and cmi5: what the learner does before the page is connected is
recorded at once and sent when it can be; the page says "completed" or "submitted" only once
the LRS confirmed the statement; a statement is in flight at most once.

Launched as mod_tincanlaunch launches (builder/preview/launch.py) in front of the session's
LRS, with the launch server's switches: a slow State API (`state_delay`), slow statement
writes (`statement_delay`) and an LRS that is down (`lrs_down`: the connection is cut at the
server, since Chromium's offline mode still lets a closing page's requests through)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from builder.preview.launch import LaunchServer
from tests.builder.formats.test_xapi_in_lrs import (
    CANVAS_ACTIVITIES,
    CMI5,
    COURSE,
    IRIS,
    XAPI,
    activity_url,
    drained,
    learner,
    packages,  # noqa: F401  (a fixture)
    queue_length,
    reader,  # noqa: F401  (a fixture)
    statements_of,
)
from xapi.iris import VERBS

DONE, SUBMITTED = "Aktivnost je opravljena.", "Kanvas je oddan."
FIRST = COURSE.activities[0]


@pytest.fixture(scope="module")
def server(packages, lrs):  # noqa: F811
    launch_server = LaunchServer([packages / f"{XAPI}.zip", packages / f"{CMI5}.zip"], lrs.endpoint, lrs.auth)
    launch_server.start()
    yield launch_server
    launch_server.stop()


@pytest.fixture
def lms(server):
    yield server
    server.state_delay = server.statement_delay = 0.0
    server.lrs_down = False


def completion(page) -> str:
    return page.locator("[data-completion-status]").inner_text()


def opened(page, url: str) -> None:
    """Open the page without waiting for it to connect: the learner does not wait either."""
    page.goto(url)
    page.locator("body[data-ready]").wait_for(state="attached")


def test_marked_done_before_the_state_read_returns_is_sent_at_once(page, lms, reader):  # noqa: F811
    lms.state_delay = 3.0
    registration = str(uuid.uuid4())
    launch = lms.launch_url(XAPI, learner(), registration)
    opened(page, activity_url(lms, launch, FIRST.id))
    page.get_by_role("button", name="Označi kot opravljeno").click()
    clicked = time.monotonic()
    page.wait_for_function(
        "() => document.querySelector('[data-completion-status]').textContent === 'Aktivnost je opravljena.'"
    )
    assert time.monotonic() - clicked < 2.5  # confirmed by the LRS while the State read was still on its way
    assert not page.locator("body").evaluate("b => b.hasAttribute('data-connected')")
    statements = statements_of(reader, registration)
    assert [(s["verb"]["id"], s["object"]["id"]) for s in statements] == [(VERBS["completed"], IRIS.activity(FIRST.id))]
    page.wait_for_selector("body[data-connected]", state="attached")
    page.reload()
    page.wait_for_selector("body[data-connected]", state="attached")
    assert completion(page) == DONE
    assert len(statements_of(reader, registration)) == 1
    assert page.console_errors == []


def test_a_canvas_submitted_before_the_state_read_returns_is_sent_with_its_answers(page, lms, reader):  # noqa: F811
    lms.state_delay = 3.0
    activity = CANVAS_ACTIVITIES[0]
    registration = str(uuid.uuid4())
    launch = lms.launch_url(XAPI, learner(), registration)
    opened(page, activity_url(lms, launch, activity.id))
    for control in page.locator("form.canvas-form [required]").all():
        control.fill("Oddano pred povezavo: čšž")
    page.get_by_role("button", name="Oddaj kanvas").click()
    page.wait_for_function("() => document.querySelector('[data-canvas-status]').textContent === 'Kanvas je oddan.'")
    assert not page.locator("body").evaluate("b => b.hasAttribute('data-connected')")
    submitted = [s for s in statements_of(reader, registration) if s["verb"]["id"] == VERBS["submitted"]]
    assert len(submitted) == 1
    responses = submitted[0]["result"]["extensions"][IRIS.responses_extension]
    assert "Oddano pred povezavo: čšž" in json.dumps(responses, ensure_ascii=False)
    assert len(responses) == len(activity.canvas.fields)
    page.wait_for_selector("body[data-connected]", state="attached")
    assert page.locator("form.canvas-form textarea").first.input_value() == "Oddano pred povezavo: čšž"


def test_with_the_lrs_down_nothing_is_claimed_even_after_a_reload(page, lms, reader):  # noqa: F811
    registration = str(uuid.uuid4())
    launch = lms.launch_url(XAPI, learner(), registration)
    lms.lrs_down = True
    opened(page, activity_url(lms, launch, FIRST.id))
    page.get_by_role("button", name="Označi kot opravljeno").click()
    page.wait_for_timeout(500)
    assert completion(page) != DONE and "ko sistem potrdi" in completion(page)
    page.reload()
    page.wait_for_selector("body[data-connected]", state="attached")
    assert completion(page) != DONE
    assert queue_length(page) == 1 and statements_of(reader, registration) == []
    lms.lrs_down = False
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => document.querySelector('[data-completion-status]').textContent === 'Aktivnost je opravljena.'"
    )
    assert len(statements_of(reader, registration)) == 1


def test_leaving_a_page_with_an_unconfirmed_statement_never_has_it_in_flight_twice(page, lms, reader):  # noqa: F811
    lms.statement_delay = 1.5
    registration = str(uuid.uuid4())
    launch = lms.launch_url(XAPI, learner(), registration)
    opened(page, activity_url(lms, launch, FIRST.id))
    page.wait_for_selector("body[data-connected]", state="attached")
    lms.statement_sends.clear()
    page.get_by_role("button", name="Označi kot opravljeno").click()
    page.wait_for_timeout(200)  # sent, not yet answered
    page.evaluate(
        """() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange')); }"""
    )
    page.locator(".pager-next a").click()  # pagehide, and the next page's own send
    page.wait_for_selector("body[data-connected]", state="attached")
    drained(page, timeout=20)
    sends = sorted(lms.statement_sends, key=lambda send: send[1])
    assert sends and {send[0] for send in sends} == {sends[0][0]}
    for before, after in zip(sends, sends[1:], strict=False):
        assert after[1] >= before[2], sends  # the next send only after the one before had its answer
    assert len(statements_of(reader, registration)) == 1


def test_cmi5_done_before_the_launch_data_arrives_is_recorded_and_sent_once_it_has(page, lms, reader):  # noqa: F811
    lms.state_delay = 2.0
    registration = str(uuid.uuid4())
    launch = lms.cmi5_launch_url(CMI5, IRIS.activity(FIRST.id), learner(), registration)
    opened(page, launch)
    page.get_by_role("button", name="Označi kot opravljeno").click()
    assert completion(page) != DONE
    page.wait_for_function(
        "() => document.querySelector('[data-completion-status]').textContent === 'Aktivnost je opravljena.'",
        timeout=15_000,
    )
    verbs = [s["verb"]["id"] for s in statements_of(reader, registration)]
    assert verbs == [VERBS["launched"], VERBS["initialized"], VERBS["completed"]]
