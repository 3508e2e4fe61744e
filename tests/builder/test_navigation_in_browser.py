"""Where am I, what next: the index opens with the course's length, start/continue and every
activity with its tick (from the browser's copy: the html site runs outside any LMS); each
activity says "Aktivnost N od 16", its duration once, what the learner produces, jumps to its
worksheet, and ends with a prominent "Naprej" to the next activity."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from builder.build import check
from builder.render import course_minutes, minutes_text
from tests.builder.test_pages_in_browser import axe_violations
from tests.builder.test_tables_in_browser import OVERFLOWING
from tests.project import CONTENT

COURSE = check(CONTENT).course
ACTIVITIES = COURSE.activities
FIRST_CANVAS = next(a for a in ACTIVITIES if a.canvas)


def static_page(built_site, path: str):
    return lxml_html.fromstring((built_site / path).read_bytes())


def text_of(element) -> str:
    return " ".join(element.text_content().split())


@pytest.fixture
def open_page(browser, built_site):
    """open(path, width) → a page of the built site; pages of one test share one browser copy."""
    state = {}

    def open_(path: str, width: int = 1280, height: int = 800):
        if "context" not in state:
            state["context"] = browser.new_context(viewport={"width": width, "height": height})
            state["page"] = state["context"].new_page()
        page = state["page"]
        page.set_viewport_size({"width": width, "height": height})
        page.goto((built_site / path).as_uri())
        page.wait_for_load_state("load")
        return page

    yield open_
    if "context" in state:
        state["context"].close()


# -- wording computed in render.py -------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (720, "12 ur"),
        (30, "30 minut"),
        (60, "1 ura"),
        (120, "2 uri"),
        (180, "3 ure"),
        (90, "1 ura in 30 minut"),
        (62, "1 ura in 2 minuti"),
        (1, "1 minuta"),
    ],
)
def test_lengths_of_time_read_as_hours_and_minutes(minutes, text):
    assert minutes_text(minutes) == text


def test_the_index_states_the_courses_length_and_the_overview_in_hours_not_learning_units(built_site):
    index = static_page(built_site, "index.html")
    assert text_of(index.find_class("course-length")[0]) == "Trajanje tečaja: 12 ur (16 aktivnosti)"
    assert minutes_text(course_minutes(COURSE)) == "12 ur"
    durations = [text_of(td) for td in index.xpath("//table[contains(@class,'overview')]//td[@data-label='Trajanje']")]
    assert durations == ["30 minut", "30 minut", "2 uri", "3 ure", "2 uri", "3 ure", "1 ura"]
    # "učna enota" still names a unit of the course, never a length of time.
    assert not re.search(r"\d\s+učn[aei] enot", text_of(index))


# -- the activity pages (the html site's; SCORM and xAPI render the same template) ----------------


@pytest.mark.parametrize("activity", ACTIVITIES, ids=[a.id for a in ACTIVITIES])
def test_each_activity_says_where_it_stands_what_it_produces_and_what_comes_next(built_site, activity):
    page = static_page(built_site, f"activities/{activity.id}.html")
    position = ACTIVITIES.index(activity) + 1
    assert text_of(page.find_class("position-text")[0]) == f"Aktivnost {position} od 16"
    facts = text_of(page.find_class("facts")[0])
    assert facts.count(activity.duration_label) == 1
    # A step's minutes are shown once, in its own words ("(30 minut)"): no badge repeats them.
    assert page.find_class("minutes") == []
    for step, item in zip(activity.steps, page.xpath("//ul[contains(@class,'steps')]/li"), strict=True):
        if step.minutes:
            own = " ".join([step.heading, *step.paragraphs, *(p.text for p in step.points)])
            label = step.minutes.label  # what the badge said: "30 min", "10–15 min"
            assert text_of(item).count(label) == " ".join(own.split()).count(label), (activity.id, label)
    jump = page.xpath("//p[@class='position']//a")
    if activity.canvas:
        code = f" (kanvas {activity.canvas.code})" if activity.canvas.code else ""
        assert f"Izdelek Izpolnjen delovni list{code}: {activity.canvas.title}" in facts
        assert [a.get("href") for a in jump] == [f"#canvas-{activity.canvas.id}-title"]
        assert text_of(jump[0]) == "Na delovni list ↓"
        assert page.get_element_by_id(f"canvas-{activity.canvas.id}-title") is not None
    else:
        assert jump == [] and "Izdelek" not in facts
    (following,) = page.xpath("//nav[@class='pager']//div[@class='pager-next']/a")
    if position < len(ACTIVITIES):
        after = ACTIVITIES[position]
        assert following.get("href") == f"../activities/{after.id}.html"
        assert text_of(following) == f"Naprej: {after.number} {after.title} →"
    else:
        assert following.get("href") == "../index.html"
        assert text_of(following) == "Naprej: pregled tečaja →"


def test_sco_pages_say_where_they_stand_and_leave_navigation_to_the_lms():
    from builder.render import render_activity

    activity = ACTIVITIES[4]
    page = lxml_html.fromstring(render_activity(COURSE, activity, standalone_nav=False, standard="scorm12"))
    assert text_of(page.find_class("position-text")[0]) == "Aktivnost 5 od 16"
    assert page.xpath("//nav[@class='pager']") == []


# -- in Chromium --------------------------------------------------------------------------------


def test_the_start_button_opens_activity_1_1_in_one_click(open_page):
    page = open_page("index.html")
    start = page.locator("a[data-start]")
    assert start.inner_text() == f"Začni: Aktivnost {ACTIVITIES[0].number} {ACTIVITIES[0].title}"
    assert page.locator("[data-progress-summary]").is_hidden()
    assert page.locator(".activity-list .is-done").count() == 0
    start.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"activities/{ACTIVITIES[0].id}.html")
    assert page.locator(".position-text").inner_text() == "Aktivnost 1 od 16"


def test_the_first_worksheet_is_one_click_from_the_index_and_the_jump_link_reaches_it(open_page):
    page = open_page("index.html", 360, 640)
    page.get_by_role("link", name=f"Na prvi delovni list: {FIRST_CANVAS.number} {FIRST_CANVAS.canvas.title}").click()
    page.wait_for_load_state("load")
    heading = page.locator(f"#canvas-{FIRST_CANVAS.canvas.id}-title")
    top = heading.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 100, top  # the one click lands on the worksheet itself
    page = open_page(f"activities/{FIRST_CANVAS.id}.html", 360, 640)
    heading = page.locator(f"#canvas-{FIRST_CANVAS.canvas.id}-title")
    assert heading.evaluate("el => el.getBoundingClientRect().top") > 640  # below the fold on a phone
    page.get_by_role("link", name="Na delovni list").click()
    top = heading.evaluate("el => el.getBoundingClientRect().top")
    assert 0 <= top < 100, top


def test_marking_1_1_done_ticks_it_on_the_index_and_the_button_continues_at_1_2(open_page):
    first, second = ACTIVITIES[0], ACTIVITIES[1]
    page = open_page(f"activities/{first.id}.html")
    page.get_by_role("button", name="Označi kot opravljeno").click()
    assert page.locator("[data-completion-status]").inner_text() == "Aktivnost je opravljena."
    page = open_page("index.html")
    ticked = page.locator(".activity-list li.is-done")
    assert ticked.count() == 1
    assert ticked.get_attribute("data-activity") == first.id
    assert ticked.locator(".tick").is_visible() and ticked.locator("[data-done-mark]").inner_text() == "Opravljeno:"
    assert page.locator(f"li[data-activity={second.id}] .tick").is_hidden()
    start = page.locator("a[data-start]")
    assert start.inner_text() == f"Nadaljuj: Aktivnost {second.number} {second.title}"
    assert start.get_attribute("href") == f"activities/{second.id}.html"
    assert page.locator("[data-progress-summary]").inner_text().startswith("Opravljeno: 1 od 16 aktivnosti.")
    start.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"activities/{second.id}.html")
    # From each activity to the next in one click.
    page.locator(".pager-next a").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"activities/{ACTIVITIES[2].id}.html")


def test_previous_and_next_sit_left_and_right(open_page):
    page = open_page("activities/u3-a1.html", 1280)
    main = page.locator("main").bounding_box()
    previous = page.locator(".pager a[rel=prev]").bounding_box()
    following = page.locator(".pager a[rel=next]").bounding_box()
    assert abs(previous["x"] - main["x"]) < 2
    assert abs((following["x"] + following["width"]) - (main["x"] + main["width"])) < 2
    assert abs(previous["y"] - following["y"]) < 40


PAGES = ["index.html", "activities/u1-a1.html", "activities/u4-a1.html"]


@pytest.mark.parametrize("width", [1280, 360])
def test_navigation_is_axe_clean_and_fits_the_screen(open_page, width):
    page = open_page(f"activities/{ACTIVITIES[0].id}.html", width)
    page.get_by_role("button", name="Označi kot opravljeno").click()
    for path in PAGES:
        page = open_page(path, width)
        if path == "index.html":
            assert page.locator(".activity-list li.is-done").count() == 1
        assert axe_violations(page, impacts=None) == [], (path, width)
        if width == 360:
            assert page.evaluate(OVERFLOWING) == [], path
