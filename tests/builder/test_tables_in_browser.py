"""Tables in Chromium: captions read as captions, each row a card with its column names on a
phone, nothing wider than the screen, axe-clean at 1280 and 360 px, and whole when printed."""

from __future__ import annotations

import pytest

from builder.build import check
from tests.builder.test_pages_in_browser import axe_violations
from tests.project import CONTENT

COURSE = check(CONTENT).course
ACTIVITIES = [a.id for a in COURSE.activities]
TABLE_ACTIVITIES = [a.id for a in COURSE.activities if a.canvas and any(f.type == "table" for f in a.canvas.fields)]
TABLE_PAGES = ["index.html", *(f"activities/{a}.html" for a in TABLE_ACTIVITIES)]


@pytest.fixture
def open_page(browser, built_site):
    """open(path, width) → a page of the built site in a viewport of that width."""
    contexts = []

    def open_(path: str, width: int, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.goto((built_site / path).as_uri())
        page.wait_for_load_state("load")
        return page

    yield open_
    for context in contexts:
        context.close()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect(); return {width: r.width, height: r.height}; }"
    )


def test_the_worksheet_table_of_4_1_is_compact_and_its_caption_spans_it(open_page):
    page = open_page("activities/u4-a1.html", 1280)
    table = box(page, "form.canvas-form table")
    caption = box(page, "form.canvas-form table caption")
    assert table["height"] < 600, table
    assert caption["width"] >= table["width"] - 2, (caption, table)
    assert page.locator("form.canvas-form table caption").evaluate("el => getComputedStyle(el).display") == (
        "table-caption"
    )


OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
        .map(el => [el, el.getBoundingClientRect()])
        .filter(([el, r]) => r.width > 1 && r.right > 0 && (r.right > width + 0.5 || r.width > width + 0.5))
        .map(([el, r]) => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className + ' ' + Math.round(r.width));
}"""


def test_no_element_is_wider_than_a_360_px_screen(open_page, built_site):
    page = open_page("index.html", 360)
    for path in ["index.html", *(f"activities/{a}.html" for a in ACTIVITIES)]:
        page.goto((built_site / path).as_uri())
        assert page.evaluate(OVERFLOWING) == [], path


@pytest.mark.parametrize("activity_id", TABLE_ACTIVITIES)
def test_each_row_is_a_card_that_shows_its_column_names_on_a_phone(open_page, activity_id):
    page = open_page(f"activities/{activity_id}.html", 360)
    canvas = next(a.canvas for a in COURSE.activities if a.id == activity_id)
    for field in (f for f in canvas.fields if f.type == "table"):
        table = page.locator(f"table[data-field='{field.id}']")
        assert table.locator("thead").evaluate("el => el.getBoundingClientRect().height") <= 1
        cells = table.locator("tbody tr").first.locator("td")
        shown = cells.evaluate_all(
            "tds => tds.map(td => { const s = getComputedStyle(td, '::before'); return [s.display, s.content]; })"
        )
        assert [display for display, _ in shown] == ["block"] * len(field.columns)
        for (_, content), column in zip(shown, field.columns, strict=True):
            assert column.label in content
        # A card is one block the width of the page, its cells stacked.
        tops = cells.evaluate_all("tds => tds.map(td => td.getBoundingClientRect().top)")
        assert tops == sorted(tops) and len(set(tops)) == len(tops)


@pytest.mark.parametrize("width", [1280, 360])
def test_tables_stay_tables_for_screen_readers(open_page, width):
    page = open_page("activities/u4-a1.html", width)
    client = page.context.new_cdp_session(page)
    nodes = client.send("Accessibility.getFullAXTree")["nodes"]
    roles = [(n.get("role", {}).get("value"), n.get("name", {}).get("value", "")) for n in nodes]
    assert ("table", "") not in roles  # the table is named by its caption
    assert any(role == "table" and name.startswith("Vsaki kompetenci") for role, name in roles)
    headers = [name.strip() for role, name in roles if role == "columnheader"]
    assert "Ime" in headers and "Ravni EOK" in headers
    assert any(role == "rowheader" for role, _ in roles)
    assert sum(role == "cell" for role, _ in roles) >= 4


def test_a_wide_table_scrolls_in_a_focusable_named_box_with_a_visible_cue(open_page):
    page = open_page("activities/u4-a1.html", 640)
    scroller = page.locator("form.canvas-form .table-scroll").first
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    assert scroller.get_attribute("tabindex") == "0"
    assert scroller.get_attribute("role") == "region"
    assert page.locator("#" + scroller.get_attribute("aria-labelledby")).inner_text().strip()
    assert "radial-gradient" in scroller.evaluate("el => getComputedStyle(el).backgroundImage")
    scroller.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The keyboard scroll may be animated: wait for it rather than read it at once.
    page.wait_for_function("el => el.scrollLeft > 0", arg=scroller.element_handle(), timeout=5000)


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path", TABLE_PAGES)
def test_axe_core_reports_no_violation_on_pages_with_tables(open_page, path, width):
    page = open_page(path, width)
    assert axe_violations(page, impacts=None) == []


@pytest.mark.parametrize("activity_id", TABLE_ACTIVITIES)
def test_printed_tables_fit_the_sheet(open_page, activity_id):
    # A4 portrait with Chromium's default margins leaves about 720 CSS px of width.
    page = open_page(f"activities/{activity_id}.html", 720)
    page.emulate_media(media="print")
    widths = page.locator("form.canvas-form table").evaluate_all(
        "ts => ts.map(t => [t.getBoundingClientRect().right, document.documentElement.clientWidth])"
    )
    assert widths and all(right <= width + 0.5 for right, width in widths), widths
    assert page.locator("form.canvas-form table thead").first.is_visible()
    assert len(page.pdf(format="A4")) > 10_000
