"""The xAPI and cmi5 packages played in headless Debian Chromium against a real LRS (ralph),
launched by the LMS side of builder/preview/launch.py; every check reads the LRS back."""

from __future__ import annotations

import base64
import json
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import tincan

from builder.build import build, check
from builder.preview.launch import LaunchServer
from tests.project import CONTENT
from xapi.iris import CMI5_CATEGORY, CMI5_MOVEON_CATEGORY, CMI5_SESSION_ID, VERBS, Iris
from xapi.lrs.client import LrsClient
from xapi.profile import matching_template, statement_problems, templates

COURSE = check(CONTENT).course
IRIS = Iris(COURSE.base_iri)
TEMPLATES = templates(IRIS)
CANVAS_ACTIVITIES = [a for a in COURSE.activities if a.canvas]
QUEUE = "microquest:xapi-queue"
XAPI, CMI5 = "mq-pr3-xapi", "mq-pr3-cmi5"


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xapi-packages")
    build(CONTENT, out, ["xapi", "cmi5"])
    return out


@pytest.fixture(scope="module")
def lms(packages, lrs):
    server = LaunchServer([packages / f"{XAPI}.zip", packages / f"{CMI5}.zip"], lrs.endpoint, lrs.auth)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lms_without_state(packages, lrs):
    server = LaunchServer([packages / f"{XAPI}.zip"], lrs.endpoint, lrs.auth, state_api=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reader(lrs) -> LrsClient:
    return LrsClient(lrs.endpoint, lrs.auth)


def learner(name: str = "Ana Šuštar") -> dict:
    # cmi5 requires an account agent (§9.2); the xAPI package takes whatever the LMS sends.
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": "https://moodle.example.si", "name": str(uuid.uuid4())},
    }


def statements_of(reader: LrsClient, registration: str) -> list[dict]:
    """In timestamp order (the order cmi5 judges by)."""
    return sorted(reader.statements(registration=registration, ascending=True), key=lambda s: s["timestamp"])


def queue_length(page) -> int:
    return page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length")


def drained(page, timeout: float = 15.0) -> None:
    page.wait_for_function(f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length === 0", timeout=timeout * 1000)


def open_page(page, url: str) -> None:
    """Open a page of a package; an activity page is ready when its store has connected."""
    page.goto(url)
    page.wait_for_function(
        "!(window.MicroQuest && MicroQuest.store) || document.body.hasAttribute('data-connected')", timeout=10_000
    )


def activity_url(lms: LaunchServer, launch: str, activity_id: str) -> str:
    """The xAPI package's index links every activity with the launch parameters carried on."""
    base, _, query = launch.partition("?")
    return base.rsplit("/", 1)[0] + f"/activities/{activity_id}.html?" + query


def answer_for(field_index: int, activity_id: str) -> str:
    return f"{activity_id}: odgovor št. {field_index} — čšž ČŠŽ đć, ki ga je učiteljica zapisala."


def work_through(page, activity) -> dict[str, str]:
    """Do what completes the activity: submit its canvas (required fields filled) or mark it done."""
    typed: dict[str, str] = {}
    if not activity.canvas:
        page.get_by_role("button", name="Označi kot opravljeno").click()
        return typed
    form = page.locator("form.canvas-form")
    for index, control in enumerate(form.locator("[required]").all()):
        tag = control.evaluate("e => e.tagName")
        if tag == "SELECT":
            value = control.locator("option:not([value=''])").first.get_attribute("value")
            control.select_option(value)
        else:
            value = answer_for(index, activity.id)
            control.fill(value)
        typed[control.get_attribute("name")] = value
    page.get_by_role("button", name="Oddaj kanvas").click()
    page.wait_for_selector("[data-completion-status]:has-text('opravljena')", timeout=5000)
    return typed


def conformance_problems(statement: dict) -> list[str]:
    template = matching_template(statement, TEMPLATES)
    if template is None:
        return [f"no template of the profile matches {statement['verb']['id']} on {statement['object']['id']}"]
    tincan.Statement.from_json(json.dumps(statement))  # Rustici's model parses it
    return statement_problems(statement, template)


def test_working_through_the_xapi_course_leaves_exactly_the_expected_statements(page, lms, reader):
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    open_page(page, launch)
    typed = {}
    for activity in COURSE.activities:
        open_page(page, activity_url(lms, launch, activity.id))
        typed[activity.id] = work_through(page, activity)
        drained(page)
    # The course's completed is made once the course progress (a State document) is read back.
    page.wait_for_function(
        "reg => (JSON.parse(localStorage.getItem('microquest:xapi-progress:' + reg)) || {}).courseCompleted",
        arg=registration,
    )
    drained(page)
    statements = statements_of(reader, registration)

    completed = [s for s in statements if s["verb"]["id"] == VERBS["completed"]]
    submitted = [s for s in statements if s["verb"]["id"] == VERBS["submitted"]]
    assert len(statements) == len(completed) + len(submitted)
    assert sorted(s["object"]["id"] for s in completed) == sorted(
        [IRIS.activity(a.id) for a in COURSE.activities] + [IRIS.course(COURSE.id)]
    )
    assert [s["object"]["id"] for s in completed][-1] == IRIS.course(COURSE.id)
    assert sorted(s["object"]["id"] for s in submitted) == sorted(IRIS.canvas(a.canvas.id) for a in CANVAS_ACTIVITIES)
    assert len({s["id"] for s in statements}) == len(statements)
    for statement in statements:
        assert statement["actor"]["account"] == actor["account"]
        assert statement["context"]["registration"] == registration
        assert conformance_problems(statement) == [], statement
    for statement in submitted:
        activity = next(a for a in CANVAS_ACTIVITIES if IRIS.canvas(a.canvas.id) == statement["object"]["id"])
        responses = statement["result"]["extensions"][IRIS.responses_extension]
        for name, value in typed[activity.id].items():
            field_id, _, rest = name.partition(".")
            answer = responses[IRIS.field(activity.canvas.id, field_id)]
            if rest:
                row, column = rest.split(".")
                answer = answer[int(row) - 1][column]
            assert answer == value
    assert page.console_errors == []


def test_cmi5_au_follows_the_launch_sequence_and_sends_the_defined_statements_in_order(page, lms, reader):
    actor, registration = learner(), str(uuid.uuid4())
    activity = COURSE.activities[4]  # 3.1, a canvas activity
    launch = lms.cmi5_launch_url(CMI5, IRIS.activity(activity.id), actor, registration)
    open_page(page, launch)
    work_through(page, activity)
    page.reload()  # a reload continues the session: no second initialized, no second fetch
    page.wait_for_selector("body[data-connected]", state="attached")
    page.get_by_role("button", name="Shrani in končaj").click()
    drained(page)
    statements = statements_of(reader, registration)
    verbs = [s["verb"]["id"] for s in statements]
    assert verbs == [
        VERBS["launched"],
        VERBS["initialized"],
        VERBS["submitted"],
        VERBS["completed"],
        VERBS["terminated"],
    ]
    launched, *by_au = statements
    assert len({s["timestamp"] for s in by_au}) == len(by_au)  # cmi5 orders by timestamp: no ties
    session = launched["context"]["extensions"][CMI5_SESSION_ID]
    au_object = by_au[0]["object"]["id"]
    assert au_object != IRIS.activity(activity.id)  # the LMS's activityId, not the AU id
    for statement in by_au:
        assert statement["context"]["extensions"][CMI5_SESSION_ID] == session
        assert statement["context"]["registration"] == registration
        assert IRIS.activity(activity.id) in [a["id"] for a in statement["context"]["contextActivities"]["grouping"]]
        categories = [a["id"] for a in statement["context"]["contextActivities"].get("category", [])]
        defined = statement["verb"]["id"] != VERBS["submitted"]
        assert (CMI5_CATEGORY in categories) == defined
        assert (CMI5_MOVEON_CATEGORY in categories) == (statement["verb"]["id"] == VERBS["completed"])
        if defined:
            assert statement["object"]["id"] == au_object
        assert conformance_problems(statement) == [], statement
    fetch_id = launch.split("fetch=")[1].split("&")[0].rsplit("%2F", 1)[-1]
    assert lms.fetch_uses(fetch_id) == 1
    assert page.console_errors == []


def test_a_second_post_to_the_fetch_url_gets_the_cmi5_error(page, lms):
    launch = lms.cmi5_launch_url(CMI5, IRIS.activity("u1-a1"), learner(), str(uuid.uuid4()))
    open_page(page, launch)
    fetch = page.evaluate("new URLSearchParams(location.search).get('fetch')")
    answer = page.evaluate("url => fetch(url, {method: 'POST'}).then(r => r.json())", fetch)
    assert "auth-token" not in answer and answer["error-code"] == "1"


def test_statements_survive_an_lrs_that_is_down_during_the_session(page, lms, reader):
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    lms.lrs_down = True
    try:
        for activity in COURSE.activities[:3]:
            open_page(page, activity_url(lms, launch, activity.id))
            work_through(page, activity)
        page.wait_for_timeout(300)
        assert queue_length(page) == queue_total(3)
        assert statements_of(reader, registration) == []
    finally:
        lms.lrs_down = False
    page.evaluate("window.dispatchEvent(new Event('online'))")
    drained(page)
    assert len(statements_of(reader, registration)) == queue_total(3)


def queue_total(activities: int) -> int:
    first = COURSE.activities[:activities]
    return activities + sum(1 for a in first if a.canvas)


def test_statements_made_offline_arrive_once_the_network_returns(page, lms, reader):
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    open_page(page, activity_url(lms, launch, COURSE.activities[0].id))
    page.context.set_offline(True)
    work_through(page, COURSE.activities[0])
    page.wait_for_timeout(300)
    assert queue_length(page) == 1
    page.context.set_offline(False)
    drained(page)
    assert len(statements_of(reader, registration)) == 1


def test_a_reload_in_the_middle_of_a_send_stores_each_statement_once(page, lms, reader):
    """The LRS stores the statement but its answer never reaches the page; the page is reloaded
    and sends it again: the LRS's 409 for a statement it holds counts as confirmed."""
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    open_page(page, activity_url(lms, launch, COURSE.activities[0].id))
    delivered = []

    def deliver_then_lose_answer(route):
        route.fetch()
        delivered.append(route.request.url)
        route.abort()

    page.route("**/xapi/statements**", deliver_then_lose_answer)
    work_through(page, COURSE.activities[0])
    page.wait_for_function("() => true")
    deadline = time.monotonic() + 5
    while not delivered and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert delivered and queue_length(page) == 1
    page.unroute("**/xapi/statements**")
    page.reload()
    page.wait_for_selector("body[data-connected]", state="attached")
    drained(page)
    statements = statements_of(reader, registration)
    assert len(statements) == 1 and statements[0]["object"]["id"] == IRIS.activity(COURSE.activities[0].id)


def test_a_tab_closed_with_statements_pending_sends_them_when_reopened(browser, lms, reader):
    context = browser.new_context()
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    first = context.new_page()
    lms.lrs_down = True
    try:
        open_page(first, activity_url(lms, launch, COURSE.activities[0].id))
        work_through(first, COURSE.activities[0])
        first.close(run_before_unload=True)
        time.sleep(0.5)
        assert statements_of(reader, registration) == []
    finally:
        lms.lrs_down = False
    second = context.new_page()
    open_page(second, launch)
    drained(second)
    assert len(statements_of(reader, registration)) == 1
    context.close()


def test_canvas_answers_resume_from_the_state_api_on_another_device(browser, lms):
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    activity = CANVAS_ACTIVITIES[0]
    text = "Odgovor, shranjen v LRS: čšž ČŠŽ"
    laptop = browser.new_context()
    page = laptop.new_page()
    open_page(page, activity_url(lms, launch, activity.id))
    page.locator("form.canvas-form textarea").first.fill(text)
    page.wait_for_timeout(1500)  # the store writes the state a second after the last change
    page.goto("about:blank")
    laptop.close()
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    open_page(page, activity_url(lms, launch, activity.id))
    page.wait_for_function(
        "text => document.querySelector('form.canvas-form textarea').value === text", arg=text, timeout=5000
    )
    phone.close()


def test_without_a_state_api_the_page_says_answers_stay_in_the_browser_and_keeps_them(page, lms_without_state):
    launch = lms_without_state.launch_url(XAPI, learner(), str(uuid.uuid4()))
    activity = CANVAS_ACTIVITIES[0]
    open_page(page, activity_url(lms_without_state, launch, activity.id))
    assert "samo v tem brskalniku" in page.locator("[data-save-notice]").inner_text()
    page.locator("form.canvas-form textarea").first.fill("Ostane v brskalniku: žabica")
    page.reload()
    page.wait_for_selector("body[data-connected]", state="attached")
    assert page.locator("form.canvas-form textarea").first.input_value() == "Ostane v brskalniku: žabica"


def test_no_credential_reaches_a_package_a_statement_or_local_storage(page, lms, reader, lrs, packages):
    actor, registration = learner(), str(uuid.uuid4())
    launch = lms.launch_url(XAPI, actor, registration)
    open_page(page, activity_url(lms, launch, COURSE.activities[0].id))
    work_through(page, COURSE.activities[0])
    drained(page)
    content_auth = page.evaluate("new URLSearchParams(location.search).get('auth')")
    secrets = {lrs.auth, content_auth, lrs.auth.split(" ", 1)[1], content_auth.split(" ", 1)[1]}
    secrets |= {base64.b64decode(s.split(" ", 1)[1]).decode() for s in (lrs.auth, content_auth)}
    stored_text = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    statements_text = json.dumps(statements_of(reader, registration))
    for secret in secrets:
        assert secret not in stored_text
        assert secret not in statements_text
        assert secret not in launch.replace(content_auth, "") or secret == content_auth
    assert lrs.auth not in launch
    for name in (f"{XAPI}.zip", f"{CMI5}.zip"):
        with zipfile.ZipFile(packages / name) as archive:
            for member in archive.namelist():
                data = archive.read(member).decode("utf-8", "replace")
                assert not any(secret in data for secret in secrets), member


def test_save_and_exit_says_saved_only_once_the_lrs_has_confirmed(page, lms):
    activity = COURSE.activities[0]
    open_page(page, activity_url(lms, lms.launch_url(XAPI, learner(), str(uuid.uuid4())), activity.id))
    status = page.locator("[data-completion-status]")
    lms.lrs_down = True
    try:
        page.get_by_role("button", name="Označi kot opravljeno").click()  # a statement the LRS cannot take now
        page.get_by_role("button", name="Shrani in končaj").click()
        assert status.inner_text().startswith("Shranjujem")
        page.wait_for_function(
            "() => document.querySelector('[data-completion-status]').innerText.startsWith('Seja je zaključena')",
            timeout=15000,
        )
    finally:
        lms.lrs_down = False
    open_page(page, activity_url(lms, lms.launch_url(XAPI, learner(), str(uuid.uuid4())), activity.id))
    page.get_by_role("button", name="Shrani in končaj").click()
    page.wait_for_function(
        "() => document.querySelector('[data-completion-status]').innerText.startsWith('Napredek je shranjen')",
        timeout=15000,
    )


def test_a_page_whose_browser_storage_is_blocked_still_sends_its_statements(page, lms, reader):
    # As in a third-party frame whose storage Chromium blocks: every localStorage access throws.
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() { throw new DOMException('blocked', 'SecurityError'); }})"
    )
    registration = str(uuid.uuid4())
    activity = COURSE.activities[0]
    open_page(page, activity_url(lms, lms.launch_url(XAPI, learner(), registration), activity.id))
    page.get_by_role("button", name="Označi kot opravljeno").click()
    page.wait_for_function(
        "() => document.querySelector('[data-completion-status]').innerText === 'Aktivnost je opravljena.'",
        timeout=15000,
    )
    assert VERBS["completed"] in [s["verb"]["id"] for s in statements_of(reader, registration)]
