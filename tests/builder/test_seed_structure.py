"""The seed's own structure on the pages: its markers and order of steps (never the browser's
numbers), footnotes as footnotes, the heading "Uvod", and links that read as words, not URLs."""

from __future__ import annotations

import re

import pytest

from builder.build import check
from builder.render import link_text, resource_links
from tests.builder.seedtext import occurs_in_seed
from tests.builder.test_load import errors_of
from tests.project import CONTENT

COURSE = check(CONTENT).course
ACTIVITIES = {a.number: a for a in COURSE.activities if a.id != "u7-a2"}
PAGES = ["index.html", *(f"activities/{a.id}.html" for a in COURSE.activities)]
BARE_URL = re.compile(r"^\s*(https?://|www\.)", re.IGNORECASE)


# -- the content ------------------------------------------------------------------------------


def test_6_1_keeps_the_seeds_markers_and_its_footnote():
    activity = ACTIVITIES["6.1"]
    assert [s.marker for s in activity.steps] == ["", "1)", "2)"]
    assert occurs_in_seed(f"1) {activity.steps[1].paragraphs[0]}")
    assert occurs_in_seed(f"2) {activity.steps[2].paragraphs[0]}")
    (note,) = activity.footnotes
    assert note.paragraphs[0].startswith("* Udeleženci")


def test_every_seed_footnote_is_marked_and_no_step_is_a_footnote():
    for activity in COURSE.activities:
        assert not any(p.startswith("*") for s in activity.steps for p in s.paragraphs), activity.number
        assert all(s.paragraphs[0].startswith("*") for s in activity.footnotes), activity.number
    assert sorted(a.number for a in COURSE.activities if a.footnotes) == ["6.1", "6.2", "6.3"]


def test_the_course_has_its_introduction_heading():
    assert COURSE.introduction_title == "Uvod"


def test_a_step_after_a_footnote_is_an_error(make_content):
    folder = make_content(
        {
            "units/u6.yaml": (
                "    assessment:\n      - Povratne informacije drugih udeležencev.\n",
                "      - paragraphs: [Najprej bodo udeleženci spoznali cilje te učne enote.]\n"
                "    assessment:\n      - Povratne informacije drugih udeležencev.\n",
            )
        }
    )
    messages = errors_of(folder)
    assert any("a step after a footnote" in m for m in messages), messages


def test_a_footnote_with_a_heading_is_an_error(make_content):
    folder = make_content(
        {"units/u6.yaml": ("      - footnote: true\n", "      - footnote: true\n        heading: Opomba\n")}
    )
    assert any("a footnote has only paragraphs, not heading" in m for m in errors_of(folder))


def test_an_unmarked_footnote_is_a_warning(make_content):
    folder = make_content({"units/u6.yaml": ("      - footnote: true\n", "      -\n")})
    warnings = [w.message for w in check(folder).warnings]
    assert "aktivnost 6.1: the step starts with '*', the seed's footnote: mark it `footnote: true`" in warnings


def test_a_marker_not_as_the_seed_prints_it_is_refused(make_content):
    folder = make_content({"units/u6.yaml": ('      - marker: "1)"\n', '      - marker: "(1)"\n')})
    (message,) = errors_of(folder)
    assert "marker" in message


# -- link text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "text"),
    [
        (
            "https://ecampus.oregonstate.edu/news/what-is-a-microcredential/",
            "ecampus.oregonstate.edu – what is a microcredential",
        ),
        ("https://www.suny.edu/microcredentials/", "suny.edu – microcredentials"),
        (
            "https://www.etf.europa.eu/sites/default/files/2023-05/Micro-Credential%20Guidelines%20Final%20Delivery.pdf",
            "etf.europa.eu – Micro-Credential Guidelines Final Delivery (PDF)",
        ),
        ("https://ojs.aishe.org/index.php/aishe-j/article/view/709", "ojs.aishe.org – article 709"),
        ("https://youtu.be/Z8laXNZm1JI?feature=shared&t=715", "youtu.be – videoposnetek od 11:55"),
        ("https://www.youtube.com/watch?v=bnjulFSpOsw", "youtube.com – videoposnetek"),
        (
            "https://www.youtube.com/watch?v=yzCARMKWhTE&list=PLorYje09pD1gtZCSNrXr6ipPZCdvLFNoa&index=11",
            "youtube.com – videoposnetek št. 11 s seznama predvajanja",
        ),
        ("https://example.org/", "example.org"),
    ],
)
def test_link_text_is_the_site_and_what_the_address_names(url, text):
    assert link_text(url) == text


def test_no_two_different_pages_of_an_activity_read_the_same():
    for activity in COURSE.activities:
        links = resource_links(activity.resources)
        by_text = {}
        for link in links:
            assert by_text.setdefault(link.text, link.href) == link.href, (activity.number, link.text)
            assert not BARE_URL.match(link.text)


# -- the pages in Chromium ------------------------------------------------------------------------


@pytest.fixture
def page_at(page, built_site):
    def open_(path: str):
        page.goto((built_site / path).as_uri())
        page.wait_for_load_state("load")
        return page

    return open_


def shown_markers(page) -> list[str]:
    """What the browser draws before each step (its ::marker), for every step of the page."""
    return page.locator(".steps > li").evaluate_all(
        "lis => lis.map(li => { const s = getComputedStyle(li);"
        " return s.display === 'list-item' && s.listStyleType !== 'none' ? s.listStyleType : ''; })"
    )


def test_6_1_shows_1_and_2_before_its_two_steps_and_the_footnote_after_them(page_at):
    page = page_at("activities/u6-a1.html")
    steps = page.locator("section[aria-labelledby=description-title] .steps > li")
    texts = [t.strip() for t in steps.all_inner_texts()]
    assert len(texts) == 3
    assert texts[1].startswith("1) Samostojno učenje*")
    assert texts[2].startswith("2) Skupinska aktivnost")
    assert shown_markers(page) == ["", "", ""]
    assert page.locator("ol.steps").count() == 0
    footnote = page.locator("section[aria-labelledby=description-title] .footnote")
    assert footnote.inner_text().strip().startswith("* Udeleženci")
    assert footnote.evaluate("el => el.closest('li') === null")


def test_5_1_shows_no_number_that_disagrees_with_its_aktivnost_2(page_at):
    page = page_at("activities/u5-a1.html")
    texts = [t.strip() for t in page.locator(".steps > li").all_inner_texts()]
    assert texts[0].startswith("Aktivnost 1:") and texts[2].startswith("Aktivnost 2:")
    assert shown_markers(page) == ["", "", ""]


@pytest.mark.parametrize("path", [p for p in PAGES if p != "index.html"])
def test_no_page_numbers_steps_itself(page_at, path):
    page = page_at(path)
    assert page.locator("ol.steps").count() == 0
    assert set(shown_markers(page)) <= {""}


def test_the_index_has_the_seeds_heading_uvod_over_the_introduction(page_at):
    page = page_at("index.html")
    # The index opens with the way in (length, start/continue, the activities); "Uvod" heads the introduction.
    heading = page.locator("section[aria-labelledby=introduction-title] > h2")
    assert heading.inner_text().strip() == "Uvod"
    assert COURSE.introduction[0][:40] in page.locator("section[aria-labelledby=introduction-title]").inner_text()


def test_no_link_text_is_a_bare_url(page_at):
    bare = []
    for path in PAGES:
        page = page_at(path)
        texts = page.locator("a").evaluate_all("as => as.map(a => a.innerText)")
        bare += [(path, t) for t in texts if BARE_URL.match(t)]
    assert bare == []
    page = page_at("activities/u6-a1.html")
    names = [t.splitlines()[0] for t in page.locator(".resources a").all_inner_texts()]
    assert "youtu.be – videoposnetek od 11:55" in names
