"""The course tool in Debian's Chromium through the test platform: a learner's launch to a posted grade, the
instructor's report at 1280 px, and a launch inside an LMS's iframe with third-party cookies blocked."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from tests.lti.course_tool import COURSE, wait_for
from tests.project import CHROMIUM, CHROMIUM_FLAGS

FIRST = COURSE.activities[0]
SECOND = COURSE.activities[1]


def course_line_item(platform) -> str:
    (item,) = [item["id"] for item in platform.line_items.values() if not item["resourceId"]]
    return item


def mark_done(frame, activity) -> None:
    frame.locator(f'li[data-activity="{activity.id}"] a').click()
    frame.wait_for_selector("body[data-connected]", timeout=15_000)
    frame.get_by_role("button", name="Označi kot opravljeno").click()


def test_a_learner_launches_in_chromium_completes_activities_and_the_grade_is_posted(course_tool, page, browser):
    platform, tool = course_tool
    started = time.perf_counter()
    page.goto(platform.launch_start_url("ana"))
    page.wait_for_selector("#progress")
    first_page = time.perf_counter() - started
    assert page.inner_text("#progress") == f"0 / {len(COURSE.activities)}"

    clicked = time.perf_counter()
    mark_done(page, FIRST)
    line_item = wait_for(lambda: platform.scores and course_line_item(platform))
    wait_for(lambda: platform.scores.get(line_item))
    latency = time.perf_counter() - clicked
    learner_page = f"{tool.url}/lti/learner/{page.url.split('/course/')[1].split('/')[0]}"
    page.goto(learner_page)
    assert page.inner_text("#progress") == f"1 / {len(COURSE.activities)}"
    mark_done(page, SECOND)
    scores = wait_for(lambda: [s for s in platform.scores.get(line_item, []) if s["scoreGiven"] == 2])
    assert scores[0]["userId"] == "ana" and scores[0]["scoreMaximum"] == len(COURSE.activities)
    assert {item["resourceId"] for item in platform.line_items.values()} >= {FIRST.id, SECOND.id}
    page.goto(learner_page)
    assert page.inner_text("#progress") == f"2 / {len(COURSE.activities)}"
    assert page.console_errors == []

    # Another browser (nothing kept in it) resumes from the LRS's State: the activity shows as done.
    other = browser.new_context()
    try:
        elsewhere = other.new_page()
        elsewhere.goto(platform.launch_start_url("ana"))
        assert elsewhere.inner_text("#progress") == f"2 / {len(COURSE.activities)}"
        elsewhere.locator(f'li[data-activity="{FIRST.id}"] a').click()
        elsewhere.wait_for_selector("[data-completion-status]:has-text('opravljena')", timeout=15_000)
    finally:
        other.close()
    print(f"launch to first page {first_page * 1000:.0f} ms; 'done' click to grade posted {latency * 1000:.0f} ms")


def test_an_instructor_s_report_fits_1280_px_or_scrolls_with_a_visible_cue(course_tool, browser):
    platform, tool = course_tool
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(platform.launch_start_url("ana"))
        mark_done(page, FIRST)
        wait_for(lambda: platform.scores)
        page.goto(platform.launch_start_url("teacher"))
        page.wait_for_selector("#report")
        assert "Bor Kralj" in page.inner_text("#not-started")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        table = page.locator("#report")
        if table.evaluate("e => e.scrollWidth > e.clientWidth"):
            assert page.locator("#scroll-cue").is_visible()
        assert "levels" not in page.inner_text("#report thead")
    finally:
        context.close()


@pytest.fixture
def blocking_browser(browser):
    """Another Chromium (of the session's Playwright) with third-party cookies blocked, as Chrome's phase-out does."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, "--test-third-party-cookie-phaseout"]
    )
    yield chromium
    chromium.close()


@contextlib.contextmanager
def lms_page(html: str) -> Iterator[str]:
    """A course page of "the LMS" at http://localhost:<port>/: another site than the tool's 127.0.0.1."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_arguments) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/course/view.php"
    finally:
        server.shutdown()
        server.server_close()


def test_a_launch_in_an_lms_iframe_works_with_third_party_cookies_blocked(course_tool, blocking_browser):
    platform, tool = course_tool
    context = blocking_browser.new_context(viewport={"width": 1280, "height": 900})
    lms = (
        "<!doctype html><title>LMS</title><h1>Moodle</h1>"
        f'<iframe id=tool src="{platform.launch_start_url("ana")}" style="width:1200px;height:700px"></iframe>'
    )
    try:
        page = context.new_page()
        with lms_page(lms) as url:
            page.goto(url)
            page.frame_locator("#tool").locator("#progress").wait_for()
            tool_frame = next(f for f in page.frames if f.url.startswith(tool.url))
            # The tool's frame is cross-site, and its cookies are blocked.
            assert tool_frame.evaluate("document.cookie = 'probe=1; SameSite=None'; document.cookie") == ""
            # The course's statement queue needs storage, which the frame has not: it opens top-level.
            assert tool_frame.locator("#new-tab").is_visible()
            with context.expect_page() as opened:
                tool_frame.locator(f'li[data-activity="{FIRST.id}"] a').click()
            course_page = opened.value
            course_page.wait_for_selector("body[data-connected]", timeout=15_000)
            course_page.get_by_role("button", name="Označi kot opravljeno").click()
            # The activity's own line item and the course's are posted one after the other: wait for the course's.
            wait_for(
                lambda: any(
                    not item["resourceId"] and item["id"] in platform.scores
                    for item in list(platform.line_items.values())
                )
            )
            assert [s["scoreGiven"] for s in platform.scores[course_line_item(platform)]] == [1]
    finally:
        context.close()


def test_a_learner_works_through_every_activity_in_chromium_and_gets_the_credential_and_full_grade(course_tool, page):
    from tests.builder.formats.test_xapi_in_lrs import work_through

    platform, tool = course_tool
    page.goto(platform.launch_start_url("bor"))
    page.wait_for_selector("#progress")
    learner_page = None
    for activity in COURSE.activities:
        if learner_page:
            page.goto(learner_page)
        page.locator(f'li[data-activity="{activity.id}"] a').click()
        launch_id = page.url.split("/course/")[1].split("/")[0]
        learner_page = f"{tool.url}/lti/learner/{launch_id}"
        page.wait_for_selector("body[data-connected]", timeout=15_000)
        work_through(page, activity)
    total = len(COURSE.activities)
    course_item = wait_for(
        lambda: next((item["id"] for item in list(platform.line_items.values()) if not item["resourceId"]), None)
    )
    final = wait_for(lambda: [s for s in platform.scores.get(course_item, []) if s["scoreGiven"] == total], 60)
    assert final[-1]["gradingProgress"] == "FullyGraded" and final[-1]["userId"] == "bor"
    page.goto(learner_page)
    assert page.inner_text("#progress") == f"{total} / {total}"
    assert "mikrodokazilo je podeljeno" in page.inner_text("#credential ~ p")
    assert page.console_errors == []
