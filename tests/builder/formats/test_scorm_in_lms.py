"""The SCORM packages played in headless Debian Chromium against scorm-again, the
LMS-side runtime, through the preview LMS: every SCO launched, canvases filled,
reloaded and relaunched, with the LMS's data read back."""

from __future__ import annotations

import json
import time
import zipfile

import pytest

from builder.build import check
from builder.preview.scorm_player import PreviewServer
from tests.project import AXE, CONTENT

COURSE = check(CONTENT).course
ACTIVITIES = [a.id for a in COURSE.activities]
PACKAGES = {"scorm12": "mq-pr3-scorm12", "scorm2004": "mq-pr3-scorm2004-multi"}
STATUS = {"scorm12": ("core", "lesson_status"), "scorm2004": ("completion_status",)}
LIMIT = {"scorm12": 4096, "scorm2004": 64000}
INITIALIZE = {"scorm12": "LMSInitialize", "scorm2004": "Initialize"}
FINISH = {"scorm12": "LMSFinish", "scorm2004": "Terminate"}
SET = {"scorm12": "LMSSetValue", "scorm2004": "SetValue"}
STATUS_ELEMENT = {"scorm12": "cmi.core.lesson_status", "scorm2004": "cmi.completion_status"}


def varied_slovenian(length: int, seed: int = 0) -> str:
    """Prose with diacritics and no repetition to flatter the compression: slices of the course's own text."""
    corpus = " ".join(p for a in COURSE.activities for s in a.description for p in s.paragraphs)
    start = (seed * 7919) % (len(corpus) - length)
    return corpus[start : start + length]


@pytest.fixture(scope="module")
def lms(built_packages):
    with PreviewServer([built_packages / f"{name}.zip" for name in PACKAGES.values()]) as server:
        yield server


@pytest.fixture
def player(page, lms):
    lms.clear()
    page.outside_requests = []
    page.on("request", lambda r: None if r.url.startswith(lms.url) else page.outside_requests.append(r.url))
    return page


def launch(page, lms, version, activity_id, query=""):
    """Open the player on one SCO and wait until the SCO has initialised and set its status."""
    page.goto(f"{lms.url}play/{PACKAGES[version]}/?sco={activity_id}{query}")
    page.wait_for_function(
        """([sco, method]) => (window.lmsLog || []).some(e => e.sco === sco && e.method === method)
            && document.querySelector('#sco-frame').contentDocument.body.hasAttribute('data-ready')""",
        arg=[activity_id, INITIALIZE[version]],
        timeout=10_000,
    )
    frame = page.frame_locator("#sco-frame")
    frame.locator("h1").wait_for()
    return frame


def leave(page):
    """Unload the SCO the way a learner does: the player navigates elsewhere (pagehide)."""
    page.goto("about:blank")


def stored(lms, version, activity_id, condition=lambda s: s.cmi is not None, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        state = lms.state(PACKAGES[version], activity_id)
        if condition(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def status_of(state, version):
    value = state.cmi
    for key in STATUS[version]:
        value = (value or {}).get(key)
    return value


def api_errors(page):
    return [e for e in page.evaluate("window.lmsLog || []") if e["errorCode"] not in ("0", 0)]


def sco_errors(page):
    return page.frame_locator("#sco-frame").locator("body").evaluate("() => window.MicroQuest.lmsErrors")


def suspend_data(state, version):
    return (state.cmi or {}).get("suspend_data", "")


@pytest.mark.parametrize("version", PACKAGES)
def test_every_sco_initialises_sets_incomplete_and_finishes_without_an_api_error(player, lms, version):
    for activity_id in ACTIVITIES:
        launch(player, lms, version, activity_id)
        log = player.evaluate("window.lmsLog")
        assert log[0]["method"] == INITIALIZE[version] and log[0]["result"] == "true"
        status_sets = [
            e["args"][1] for e in log if e["method"] == SET[version] and e["args"][0] == STATUS_ELEMENT[version]
        ]
        assert status_sets == ["incomplete"], activity_id
        assert api_errors(player) == [] and sco_errors(player) == []
        leave(player)
        state = stored(lms, version, activity_id, lambda s: s.terminated)
        assert state.terminated, activity_id
        assert status_of(state, version) == "incomplete"
        assert (state.cmi["core"]["exit"] if version == "scorm12" else state.cmi["exit"]) == "suspend"
    assert player.console_errors == []
    assert player.outside_requests == []


@pytest.mark.parametrize("version", PACKAGES)
def test_session_time_is_reported_in_the_standards_format(player, lms, version):
    launch(player, lms, version, "u1-a1")
    leave(player)
    state = stored(lms, version, "u1-a1", lambda s: s.terminated)
    if version == "scorm12":
        assert state.cmi["core"]["session_time"].count(":") == 2
    else:
        assert state.cmi["session_time"].startswith("PT")


@pytest.mark.parametrize("version", PACKAGES)
def test_marking_an_activity_done_completes_the_sco(player, lms, version):
    frame = launch(player, lms, version, "u1-a1")
    frame.get_by_role("button", name="Označi kot opravljeno").click()
    state = stored(lms, version, "u1-a1", lambda s: status_of(s, version) == "completed")
    assert status_of(state, version) == "completed"
    leave(player)
    frame = launch(player, lms, version, "u1-a1")
    assert frame.locator("[data-completion-status]").inner_text() == "Aktivnost je opravljena."
    statuses = [
        e["args"][1]
        for e in player.evaluate("window.lmsLog")
        if e["method"] == SET[version] and e["args"][0] == STATUS_ELEMENT[version]
    ]
    assert statuses == []  # completed stays completed: the SCO does not touch it again
    assert api_errors(player) == []


@pytest.mark.parametrize("version", PACKAGES)
def test_canvas_answers_resume_exactly_after_relaunch(player, lms, version):
    answers = {}
    frame = launch(player, lms, version, "u3-a2")
    fields = frame.locator("form.canvas-form textarea")
    for index in range(fields.count()):
        answers[index] = varied_slovenian(200, seed=index)
        fields.nth(index).fill(answers[index])
    frame.locator("form.canvas-form input[type=text]").first.fill("Ana Šuštar")
    leave(player)
    state = stored(lms, version, "u3-a2", lambda s: s.terminated)
    assert len(suspend_data(state, version)) <= LIMIT[version]
    player.context.clear_cookies()
    player.evaluate("localStorage.clear()") if player.url.startswith("http") else None
    frame = launch(player, lms, version, "u3-a2")
    entry = "cmi.core.entry" if version == "scorm12" else "cmi.entry"
    assert [e["result"] for e in player.evaluate("window.lmsLog") if e["args"][:1] == [entry]] == ["resume"]
    fields = frame.locator("form.canvas-form textarea")
    assert {i: fields.nth(i).input_value() for i in range(fields.count())} == answers
    assert frame.locator("form.canvas-form input[type=text]").first.input_value() == "Ana Šuštar"
    assert api_errors(player) == [] and player.console_errors == []


def test_answers_come_back_from_the_lms_alone_on_another_device(browser, lms, built_packages):
    lms.clear()
    first = browser.new_context()
    page = first.new_page()
    frame = launch(page, lms, "scorm12", "u3-a1")
    frame.locator("form.canvas-form textarea").first.fill("Trendi: zelena preobrazba in umetna inteligenca – č š ž")
    leave(page)
    stored(lms, "scorm12", "u3-a1", lambda s: s.terminated)
    first.close()
    second = browser.new_context()  # no localStorage: only the LMS has the answers
    page = second.new_page()
    frame = launch(page, lms, "scorm12", "u3-a1")
    assert (
        frame.locator("form.canvas-form textarea").first.input_value()
        == "Trendi: zelena preobrazba in umetna inteligenca – č š ž"
    )
    second.close()


@pytest.mark.parametrize("version", PACKAGES)
def test_submitted_canvas_completes_the_sco_and_reports_interactions_within_limits(player, lms, version):
    frame = launch(player, lms, version, "u3-a1")
    long_answer = varied_slovenian(900, seed=3)
    for control in frame.locator("form.canvas-form [required]").all():
        control.fill(long_answer)
    frame.get_by_role("button", name="Oddaj kanvas").click()
    state = stored(lms, version, "u3-a1", lambda s: status_of(s, version) == "completed")
    assert status_of(state, version) == "completed"
    interactions = state.cmi["interactions"]
    records = [interactions[key] for key in sorted(interactions, key=int)]
    assert len(records) == 4
    for record in records:
        assert record["id"].isascii() and " " not in record["id"] and record["id"].startswith("u3-a1-")
        response = record["student_response"] if version == "scorm12" else record["learner_response"]
        assert len(response) <= (255 if version == "scorm12" else 4000)
        assert response.rstrip("…") in long_answer
    assert api_errors(player) == [] and sco_errors(player) == []


def test_suspend_data_never_exceeds_4096_even_with_every_field_full_of_long_slovenian_text(player, lms):
    """With Moodle's scorm12standard limit: the form holds what the LMS keeps, and the LMS keeps all of it."""
    frame = launch(player, lms, "scorm12", "u3-a2", query="&scorm12standard=1")
    controls = frame.locator("form.canvas-form textarea, form.canvas-form input[type=text]")
    for index in range(controls.count()):
        controls.nth(index).fill(varied_slovenian(1500, seed=index + 11))
    answers = {i: controls.nth(i).input_value() for i in range(controls.count())}
    assert sum(map(len, answers.values())) < 1500 * controls.count()  # not everything was taken
    assert frame.locator(".field-message:visible").count() > 0  # and the fields say so
    assert not frame.locator("[data-save-notice]").is_visible()
    leave(player)
    state = stored(lms, "scorm12", "u3-a2", lambda s: s.terminated)
    assert 0 < len(suspend_data(state, "scorm12")) <= 4096
    player.context.clear_cookies()
    player.evaluate("localStorage.clear()") if player.url.startswith("http") else None
    frame = launch(player, lms, "scorm12", "u3-a2", query="&scorm12standard=1")
    controls = frame.locator("form.canvas-form textarea, form.canvas-form input[type=text]")
    assert {i: controls.nth(i).input_value() for i in range(controls.count())} == answers  # all of it in the LMS
    assert sco_errors(player) == []


def test_closing_the_tab_mid_typing_loses_nothing(browser, lms):
    lms.clear()
    context = browser.new_context()
    page = context.new_page()
    frame = launch(page, lms, "scorm12", "u4-a1")
    frame.locator("form.canvas-form input[type=text]").first.press_sequentially("Kritično mišljenje")
    page.close()
    page = context.new_page()
    frame = launch(page, lms, "scorm12", "u4-a1")
    assert frame.locator("form.canvas-form input[type=text]").first.input_value() == "Kritično mišljenje"
    context.close()


def test_reloading_mid_typing_loses_nothing(player, lms):
    frame = launch(player, lms, "scorm2004", "u4-a3")
    frame.locator("form.canvas-form textarea").first.press_sequentially("Trajanje: 12 ur, kombinirano")
    player.reload()
    frame = player.frame_locator("#sco-frame")
    frame.locator("body[data-ready]").wait_for()
    assert frame.locator("form.canvas-form textarea").first.input_value() == "Trajanje: 12 ur, kombinirano"


def test_an_lms_that_rejects_commits_loses_nothing(player, lms):
    frame = launch(player, lms, "scorm12", "u3-a1", query="&fail_commits=1")
    frame.locator("form.canvas-form textarea").first.fill("Odgovor, ki ga LMS ni sprejel")
    frame.locator("[data-save-notice]").wait_for(state="visible", timeout=10_000)
    player.evaluate("() => document.querySelector('#sco-frame').contentWindow.MicroQuest.store.commit()")
    assert "ne sprejme" in frame.locator("[data-save-notice]").inner_text()
    leave(player)
    assert (
        lms.state(PACKAGES["scorm12"], "u3-a1").cmi is None
        or "suspend_data" not in lms.state(PACKAGES["scorm12"], "u3-a1").cmi
    )
    frame = launch(player, lms, "scorm12", "u3-a1")  # commits work again
    assert frame.locator("form.canvas-form textarea").first.input_value() == "Odgovor, ki ga LMS ni sprejel"
    leave(player)
    state = stored(lms, "scorm12", "u3-a1", lambda s: s.terminated)
    assert suspend_data(state, "scorm12")  # the answer reached the LMS on the next launch


@pytest.mark.parametrize("version", PACKAGES)
def test_bookmark_brings_the_learner_back_to_the_canvas(player, lms, version):
    frame = launch(player, lms, version, "u3-a1")
    frame.locator("#canvas-needs-title").evaluate("el => el.scrollIntoView()")
    location = "cmi.core.lesson_location" if version == "scorm12" else "cmi.location"
    player.wait_for_function(
        "el => window.lmsLog.some(e => e.args[0] === el && e.args[1] === 'canvas-needs-title')", arg=location
    )
    leave(player)
    stored(lms, version, "u3-a1", lambda s: s.terminated)
    frame = launch(player, lms, version, "u3-a1")
    top = frame.locator("#canvas-needs-title").evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 200


def test_sco_opened_without_an_lms_works_and_says_progress_is_not_saved(page, built_packages, tmp_path):
    with zipfile.ZipFile(built_packages / "mq-pr3-scorm12.zip") as archive:
        archive.extractall(tmp_path)
    page.goto((tmp_path / "sco" / "u3-a1.html").as_uri())
    notice = page.locator("[data-save-notice]")
    assert notice.is_visible() and "ni povezana s sistemom LMS" in notice.inner_text()
    page.locator("form.canvas-form textarea").first.fill("Brez LMS")
    page.reload()
    assert page.locator("form.canvas-form textarea").first.input_value() == "Brez LMS"
    assert page.console_errors == []


@pytest.mark.parametrize("activity_id", ["u3-a1", "u4-a1", "u5-a1"])
def test_sco_in_the_player_is_usable_at_360_px_and_has_no_serious_axe_violation(browser, lms, activity_id):
    lms.clear()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{lms.url}pkg/{PACKAGES['scorm12']}/sco/{activity_id}.html")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    context.close()


def test_codec_round_trips_slovenian_text_and_compresses_it(page, built_packages, tmp_path):
    with zipfile.ZipFile(built_packages / "mq-pr3-scorm12.zip") as archive:
        archive.extractall(tmp_path)
    page.goto((tmp_path / "sco" / "u1-a1.html").as_uri())
    texts = [
        "",
        "č",
        varied_slovenian(50),
        varied_slovenian(3000, seed=5),
        "ščž" * 2000,
        "😀 emoji ",
        json.dumps(list(range(500))),
    ]
    for text in texts:
        state = {"v": 1, "t": 1, "values": {"answers": {"a": text}}}
        encoded = page.evaluate("s => MicroQuest.codec.encode(s)", state)
        assert page.evaluate("e => MicroQuest.codec.decode(e)", encoded) == state
        assert encoded.startswith("J") or (
            encoded.startswith("Z") and all(c.isascii() and c.isprintable() for c in encoded)
        )
    long_state = {"v": 1, "t": 1, "values": {"answers": {"a": varied_slovenian(3000, seed=5)}}}
    encoded = page.evaluate("s => MicroQuest.codec.encode(s)", long_state)
    assert len(encoded) < 0.85 * len(json.dumps(long_state, ensure_ascii=False))


def test_sco_finds_the_api_on_its_opener_when_launched_in_a_popup(player, lms):
    player.goto(f"{lms.url}play/{PACKAGES['scorm12']}/")
    player.evaluate("window.API = new Scorm12API({autocommit: false})")
    with player.expect_popup() as popup_info:
        player.evaluate(f"window.open('{lms.url}pkg/{PACKAGES['scorm12']}/sco/u1-a1.html')")
    popup = popup_info.value
    popup.locator("body[data-ready]").wait_for()
    assert popup.evaluate("window.MicroQuest.store.connected") is True
    assert player.evaluate("window.API.cmi.core.lesson_status") == "incomplete"
    assert popup.evaluate("window.MicroQuest.lmsErrors") == []
    assert not popup.locator("[data-save-notice]").is_visible()


@pytest.mark.parametrize("version", PACKAGES)
def test_explicit_exit_finishes_the_session_and_says_so(player, lms, version):
    frame = launch(player, lms, version, "u2-a1")
    frame.get_by_role("button", name="Shrani in končaj").click()
    assert frame.locator("[data-completion-status]").inner_text() == "Napredek je shranjen. Okno lahko zaprete."
    calls = [e["method"] for e in player.evaluate("window.lmsLog") if not e["method"].endswith("GetLastError")]
    assert calls[-1] == FINISH[version]
    assert stored(lms, version, "u2-a1", lambda s: s.terminated).terminated


def test_hiding_the_page_commits_what_was_typed(player, lms):
    frame = launch(player, lms, "scorm12", "u3-a1")
    frame.locator("form.canvas-form textarea").first.fill("Shranjeno ob skritju strani")
    frame.locator("body").evaluate(
        """() => {
            Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }"""
    )
    state = stored(lms, "scorm12", "u3-a1", lambda s: bool(suspend_data(s, "scorm12")))
    assert not state.terminated
    decoded = frame.locator("body").evaluate(
        "(_, data) => MicroQuest.codec.decode(data)", suspend_data(state, "scorm12")
    )
    assert decoded["values"]["answers"]["trends"] == "Shranjeno ob skritju strani"
