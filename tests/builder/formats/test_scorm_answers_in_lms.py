"""Issue 11, part 1 in SCORM: no answer lost, nothing claimed the LMS does not hold.

In headless Debian Chromium against scorm-again (the preview LMS, with Moodle's
"scorm12standard" limit of 4096 characters on request) and against a test double of
Moodle's own SCORM 2004 runtime (moodle_scorm13_double.js). Every "fresh browser" is a
new context: it has only what the LMS holds."""

from __future__ import annotations

import zipfile

import pytest

from builder.preview.scorm_player import PreviewServer
from tests.builder.formats.test_scorm_in_lms import (
    api_errors,
    launch,
    leave,
    status_of,
    stored,
    suspend_data,
    varied_slovenian,
)
from tests.project import PROJECT

MULTI = {"scorm12": "mq-pr3-scorm12", "scorm2004": "mq-pr3-scorm2004-multi"}
COURSE_SCO = "mq-pr3-scorm2004"
DOUBLE = PROJECT / "tests" / "builder" / "formats" / "moodle_scorm13_double.js"
SUBMITTED, DONE = "Kanvas je oddan.", "Aktivnost je opravljena."


@pytest.fixture(scope="module")
def lms(built_packages):
    names = [*MULTI.values(), COURSE_SCO]
    with PreviewServer([built_packages / f"{name}.zip" for name in names]) as server:
        yield server


@pytest.fixture
def player(page, lms):
    lms.clear()
    return page


def long_text(length: int, seed: int = 0) -> str:
    """Slovenian prose of exactly `length` characters, from slices of the course's own text."""
    text = ""
    while len(text) < length:
        text += varied_slovenian(1_000, seed=seed + len(text)) + " "
    return text[:length]


def open_sco(page, lms, version, activity_id, query=""):
    """One SCO of a multi-SCO package in the preview player (test_scorm_in_lms's launch)."""
    return launch(page, lms, version, activity_id, query)


def decoded(frame, text):
    return frame.locator("body").evaluate("(_, data) => MicroQuest.codec.decode(data)", text)


def fill_required(frame, text="Odgovor: čšž"):
    for control in frame.locator("form.canvas-form [required]").all():
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(index=1)
        elif not control.input_value():
            control.fill(text)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    return context, context.new_page()


# -- the room the LMS really gives ------------------------------------------------------------


@pytest.mark.parametrize("version", MULTI)
def test_an_lms_that_keeps_64000_characters_gets_a_20000_character_answer_whole(browser, lms, version):
    lms.clear()
    context, page = new_page(browser)
    frame = open_sco(page, lms, version, "u4-a1")
    assert frame.locator("body").evaluate("() => [MicroQuest.store.limit, MicroQuest.store.extended]") == [64000, True]
    pasted = long_text(20_000, seed=7)
    frame.locator("textarea[name=people-networks]").fill(pasted)
    fill_required(frame)
    assert frame.locator(".field-room").count() == 0  # nothing to count down where the LMS keeps 64000
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    leave(page)
    state = stored(lms, version, "u4-a1", lambda s: s.terminated)
    assert decoded_answers(browser, state, version)["people-networks"] == pasted
    context.close()
    context, page = new_page(browser)  # a fresh browser: only the LMS has the answers
    frame = open_sco(page, lms, version, "u4-a1")
    assert frame.locator("textarea[name=people-networks]").input_value() == pasted
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    assert not frame.locator("[data-save-notice]").is_visible()
    context.close()


def decoded_answers(browser, state, version):
    context, page = new_page(browser)
    page.set_content("<body></body>")
    page.add_script_tag(path=str(PROJECT / "scorm_templates" / "static" / "codec.js"))
    answers = page.evaluate("d => MicroQuest.codec.decode(d).values.answers", suspend_data(state, version))
    context.close()
    return answers


def test_where_the_lms_keeps_4096_each_long_field_shows_its_room_and_takes_no_more(browser, lms):
    lms.clear()
    context, page = new_page(browser)
    strict = "&scorm12standard=1"  # Moodle's default for SCORM 1.2
    frame = open_sco(page, lms, "scorm12", "u4-a1", strict)
    assert frame.locator("body").evaluate("() => [MicroQuest.store.limit, MicroQuest.store.extended]") == [4096, False]
    textareas = frame.locator("form.canvas-form textarea[name]")
    rooms = frame.locator(".field-room")
    assert rooms.count() == textareas.count() and "še za približno" in rooms.first.inner_text()
    before = rooms.first.inner_text()
    field = frame.locator("textarea[name=people-networks]")
    field.fill("Mreže: " + varied_slovenian(300, seed=2))
    assert rooms.first.inner_text() != before  # the room counts down as the learner types
    pasted = long_text(20_000, seed=7)
    field.fill("")
    field.fill(pasted)  # 20,000 characters pasted into an empty field
    kept = field.input_value()
    assert 1_000 < len(kept) < 8_000 and pasted.startswith(kept)
    message = frame.locator(f"#{field.get_attribute('id')}-message")
    assert message.is_visible() and "sprejetih" in message.inner_text() and "20.000" in message.inner_text()
    gap = message.evaluate(
        "(m, f) => m.getBoundingClientRect().top - f.getBoundingClientRect().bottom", field.element_handle()
    )
    assert 0 <= gap < 120  # the message is at the field, not at the top of the page
    assert "ni več prostora" in rooms.first.inner_text()
    other = frame.locator("textarea[name=learning-methods]")
    other.fill("Dodatno besedilo, ki ne gre več v LMS.")
    assert other.input_value() == ""  # the form holds no more than the LMS keeps
    assert not frame.locator("[data-save-notice]").is_visible()
    leave(page)
    state = stored(lms, "scorm12", "u4-a1", lambda s: s.terminated)
    assert len(suspend_data(state, "scorm12")) <= 4096
    assert decoded_answers(browser, state, "scorm12")["people-networks"] == kept
    errors = [e for e in api_errors(page) if not (e["errorCode"] == "405" and e["args"][0] == "cmi.suspend_data")]
    assert errors == []
    context.close()
    context, page = new_page(browser)
    frame = open_sco(page, lms, "scorm12", "u4-a1", strict)
    assert frame.locator("textarea[name=people-networks]").input_value() == kept
    context.close()


def test_a_full_normal_answer_set_fits_the_4096_of_scorm_12(browser, lms):
    """The issue's yardstick: a full set of answers of about 3,300 characters."""
    lms.clear()
    context, page = new_page(browser)
    frame = open_sco(page, lms, "scorm12", "u4-a1", "&scorm12standard=1")
    controls = frame.locator("form.canvas-form textarea[name], form.canvas-form input[type=text][name]").all()
    share = 3_300 // len(controls)
    for index, control in enumerate(controls):
        control.fill(varied_slovenian(share, seed=20 + index))
    fill_required(frame)
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    used = len(suspend_data(stored(lms, "scorm12", "u4-a1"), "scorm12"))
    print(f"full answer set of {share * len(controls)} characters: {used} of 4096 characters of suspend_data")
    assert used <= 4096
    context.close()


# -- completion that means something (part 2) --------------------------------------------------


def test_activity_4_1_completes_only_when_every_part_of_its_worksheet_is_answered(player, lms):
    frame = open_sco(player, lms, "scorm12", "u4-a1")
    frame.locator("textarea[name=people-networks]").fill("Samo eno polje")
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert "Izpolnite obvezna polja" in frame.locator("[data-canvas-status]").inner_text()
    frame.locator("table [name='competences.1.name']").fill("Digitalna pismenost")
    frame.get_by_role("button", name="Oddaj kanvas").click()  # one cell of the table's row is not a row
    assert "Izpolnite obvezna polja" in frame.locator("[data-canvas-status]").inner_text()
    assert status_of(stored(lms, "scorm12", "u4-a1"), "scorm12") == "incomplete"
    fill_required(frame)
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    assert status_of(stored(lms, "scorm12", "u4-a1"), "scorm12") == "completed"


# -- nothing claimed before the LMS holds it ------------------------------------------------


@pytest.mark.parametrize("version", MULTI)
def test_submitted_and_completed_appear_only_once_the_lms_confirmed_the_commit(browser, lms, version):
    lms.clear()
    context, page = new_page(browser)
    frame = open_sco(page, lms, version, "u3-a1", "&fail_commits=1")
    fill_required(frame, "Odgovor, ki ga LMS ni sprejel")
    frame.get_by_role("button", name="Oddaj kanvas").click()
    status = frame.locator("[data-canvas-status]").inner_text()
    assert status != SUBMITTED and "ni potrjena" in status
    assert frame.locator("[data-completion-status]").inner_text() != DONE
    leave(page)
    assert status_of(lms.state(MULTI[version], "u3-a1"), version) != "completed"
    frame = open_sco(page, lms, version, "u3-a1")  # the LMS takes commits again: the browser's copy goes
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    assert status_of(stored(lms, version, "u3-a1"), version) == "completed"
    context.close()
    context, page = new_page(browser)
    frame = open_sco(page, lms, version, "u3-a1")
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    assert frame.locator("form.canvas-form textarea").first.input_value() == "Odgovor, ki ga LMS ni sprejel"
    context.close()


@pytest.mark.parametrize("version", MULTI)
def test_after_save_and_exit_the_form_is_read_only_and_says_how_to_edit(player, lms, version):
    frame = open_sco(player, lms, version, "u3-a1")
    frame.locator("form.canvas-form textarea").first.fill("Zadnji odgovor pred koncem")
    frame.get_by_role("button", name="Shrani in končaj").click()
    assert frame.locator("[data-completion-status]").inner_text() == "Napredek je shranjen. Okno lahko zaprete."
    first = frame.locator("form.canvas-form textarea").first
    assert first.evaluate("e => e.readOnly") and frame.get_by_role("button", name="Oddaj kanvas").is_disabled()
    assert "znova odprite" in frame.locator("[data-canvas-status]").inner_text()
    first.press("End")
    first.press_sequentially(" in še nekaj")
    assert first.input_value() == "Zadnji odgovor pred koncem"
    state = stored(lms, version, "u3-a1", lambda s: s.terminated)
    assert "Zadnji odgovor pred koncem" in str(decoded(frame, suspend_data(state, version)))


# -- SCORM 2004: one SCO for the course --------------------------------------------------------


def course_frame(page):
    return page.frame_locator("#sco-frame").frame_locator("#course-frame")


def open_course(page, lms):
    page.goto(f"{lms.url}play/{COURSE_SCO}/?sco=sco_{COURSE_SCO.removesuffix('-scorm2004')}")
    frame = course_frame(page)
    frame.locator("a[data-start]").wait_for()
    return frame


def test_the_single_sco_course_keeps_every_activity_in_one_session_and_resumes_from_the_lms(browser, lms):
    lms.clear()
    context, page = new_page(browser)
    frame = open_course(page, lms)
    frame.locator("a[data-start]").click()
    frame.get_by_role("button", name="Označi kot opravljeno").click()
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    for _ in range(4):  # 1.1 → 1.2 → 2.1 → 2.2 → 3.1, by the course's own navigation
        frame.locator(".pager-next a").click()
    frame.locator("body[data-activity=u3-a1][data-ready]").wait_for()
    long_answer = long_text(12_000, seed=4)
    frame.locator("textarea[name=trends]").fill(long_answer)
    fill_required(frame)
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    methods = [e["method"] for launched in page.evaluate("window.lmsLaunches") for e in launched["log"]]
    assert methods.count("Initialize") == 1 and "Terminate" not in methods
    state = lms.state(COURSE_SCO, "sco_mq-pr3")
    objectives = state.cmi["objectives"]
    done = {o["id"] for o in objectives.values() if o.get("completion_status") == "completed"}
    assert done == {"u1-a1", "u3-a1"}
    assert state.cmi["completion_status"] == "incomplete" and float(state.cmi["progress_measure"]) == 0.13
    leave(page)
    assert lms.state(COURSE_SCO, "sco_mq-pr3").terminated
    context.close()
    context, page = new_page(browser)  # a fresh browser: the course resumes at 3.1 from the LMS alone
    page.goto(f"{lms.url}play/{COURSE_SCO}/?sco=sco_mq-pr3")
    frame = course_frame(page)
    frame.locator("body[data-activity=u3-a1][data-ready]").wait_for()
    assert frame.locator("textarea[name=trends]").input_value() == long_answer
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    frame.locator("nav[aria-label=Pot] a").click()  # the index ticks what the LMS holds
    frame.locator("li.is-done").first.wait_for()
    assert {e.get_attribute("data-activity") for e in frame.locator("li.is-done").all()} == {"u1-a1", "u3-a1"}
    context.close()


# -- Moodle's own SCORM 2004 runtime (a test double of scorm_13.js) -----------------------------

MOODLE = "http://moodle.test/"
PLAYER = (
    "<!DOCTYPE html><html lang=sl><head><meta charset=utf-8><title>Moodle</title>"
    f"<script src='{MOODLE}scorm_13.js'></script></head>"
    "<body><iframe id=scorm_object style='width:1000px;height:760px'></iframe></body></html>"
)


def moodle_player(browser, package):
    """A Moodle player page with the double as its API and the package's files, all from memory."""
    with zipfile.ZipFile(package) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    context = browser.new_context(viewport={"width": 1024, "height": 800})

    def serve(route):
        path = route.request.url.removeprefix(MOODLE).split("?")[0].split("#")[0]
        if path == "player.html":
            return route.fulfill(body=PLAYER, content_type="text/html; charset=utf-8")
        if path == "scorm_13.js":
            return route.fulfill(body=DOUBLE.read_bytes(), content_type="application/javascript")
        name = path.removeprefix("pkg/")
        if name not in files:
            return route.fulfill(status=404, body="not found")
        kind = (
            "text/html" if name.endswith(".html") else "text/css" if name.endswith(".css") else "application/javascript"
        )
        return route.fulfill(body=files[name], content_type=kind + "; charset=utf-8")

    context.route(f"{MOODLE}**", serve)
    page = context.new_page()
    page.goto(MOODLE + "player.html")
    return context, page


def moodle_log(page, method):
    return [(e["result"], e["errorCode"]) for e in page.evaluate("moodle.log") if e["method"] == method]


def test_in_moodles_2004_runtime_a_multi_sco_package_says_a_refused_sco_keeps_its_answers(browser, built_packages):
    context, page = moodle_player(browser, built_packages / "mq-pr3-scorm2004-multi.zip")
    page.evaluate("moodle.launch('u1-a1', 'pkg/sco/u1-a1.html')")
    frame = page.frame_locator("#scorm_object")
    frame.get_by_role("button", name="Označi kot opravljeno").click()
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    page.evaluate("moodle.launch('u3-a1', 'pkg/sco/u3-a1.html')")  # the first SCO terminates as it goes
    frame.locator("body[data-activity=u3-a1][data-ready]").wait_for()
    assert moodle_log(page, "Initialize") == [("true", "0"), ("false", "104")]
    notice = frame.locator("[data-save-notice]")
    assert (
        notice.is_visible() and "ta hip ne sprejme" in notice.inner_text() and "v tem brskalniku" in notice.inner_text()
    )
    fill_required(frame, "Ostane v brskalniku do naslednjega zagona")
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() != SUBMITTED
    assert frame.locator("[data-completion-status]").inner_text() != DONE
    page.reload()  # a new player page: a new API, and what the browser kept is sent
    page.evaluate("moodle.launch('u3-a1', 'pkg/sco/u3-a1.html')")
    frame.locator("body[data-activity=u3-a1][data-ready]").wait_for()
    assert frame.locator("textarea[name=trends]").input_value() == "Ostane v brskalniku do naslednjega zagona"
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    assert page.evaluate("moodle.committed['u3-a1']['cmi.completion_status']") == "completed"
    context.close()


def test_in_moodles_2004_runtime_the_single_sco_course_records_every_activity_the_learner_moves_through(
    browser, built_packages
):
    context, page = moodle_player(browser, built_packages / "mq-pr3-scorm2004.zip")
    page.evaluate("moodle.launch('sco_mq-pr3', 'pkg/launch.html')")
    frame = page.frame_locator("#scorm_object").frame_locator("#course-frame")
    frame.locator("a[data-start]").click()
    frame.get_by_role("button", name="Označi kot opravljeno").click()
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    frame.locator(".pager-next a").click()
    frame.locator("body[data-activity=u1-a2][data-ready]").wait_for()
    frame.get_by_role("button", name="Označi kot opravljeno").click()
    assert frame.locator("[data-completion-status]").inner_text() == DONE
    for _ in range(3):
        frame.locator(".pager-next a").click()
    frame.locator("body[data-activity=u3-a1][data-ready]").wait_for()
    fill_required(frame, "Odgovor v Moodlu")
    frame.get_by_role("button", name="Oddaj kanvas").click()
    assert frame.locator("[data-canvas-status]").inner_text() == SUBMITTED
    frame.get_by_role("button", name="Shrani in končaj").click()
    assert frame.locator("[data-completion-status]").inner_text() == "Napredek je shranjen. Okno lahko zaprete."
    assert moodle_log(page, "Initialize") == [("true", "0")] and moodle_log(page, "Terminate") == [("true", "0")]
    held = page.evaluate("moodle.committed['sco_mq-pr3']")
    objectives = [k.removesuffix(".id") for k in held if k.startswith("cmi.objectives.") and k.endswith(".id")]
    done = {held[o + ".id"] for o in objectives if held.get(o + ".completion_status") == "completed"}
    assert done == {"u1-a1", "u1-a2", "u3-a1"}
    answers = [v for k, v in held.items() if k.endswith("learner_response")]
    assert answers and all(a == "Odgovor v Moodlu" for a in answers)
    assert len(held["cmi.suspend_data"]) <= 64000
    errors = [e for e in page.evaluate("moodle.log") if e["errorCode"] not in ("0", "403")]
    assert errors == []
    context.close()
