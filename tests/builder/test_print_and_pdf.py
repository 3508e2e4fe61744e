"""On paper: a worksheet printed from a page (Chromium) and the pdf format's two documents
(WeasyPrint), read back with pypdf.

Each worksheet prints on at most two A4 landscape sheets, with name, group and date lines, room
to write and none of the screen's hints; a filled one prints every answer, whole. The facilitator
guide has every activity (its steps, materials, organisational requirements and assessment) and
every worksheet; the pack every worksheet, each from a new sheet. The same content gives the same
bytes.
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from builder.build import build, check
from builder.cli import main
from builder.formats import ALL, pdf
from tests.project import CONTENT

COURSE = check(CONTENT).course
CANVAS_ACTIVITIES = [a.id for a in COURSE.activities if a.canvas]
A4 = (595.28, 841.89)  # points, portrait
# What a worksheet prints at its top (and nothing else prints).
IDENTITY = ("Ime in priimek:", "Skupina:", "Datum:")
# The screen's words that must not reach paper.
SCREEN_ONLY = (
    "Polja, označena z",
    "Odgovori se shranjujejo sproti",
    "Oddaj kanvas",
    "Natisni",
    "Prenesi odgovore",
    "Dodaj vrstico",
    "izberite",
    "Preskoči na vsebino",
    "Na delovni list",
    "Aktivnost je opravljena, ko",
)
SCREEN_ONLY_SELECTORS = (
    ".skip-link",
    ".jump-link",
    ".save-notice",
    ".canvas-note",
    ".canvas-actions",
    ".canvas-status",
    "[data-add-row]",
    ".completion",
    ".pager",
    ".canvas .required",
)


def pdf_reader(data: bytes):
    try:
        from pypdf import PdfReader
    except ImportError:
        pytest.fail("pypdf is missing: pip install -e '.[test]' (see README)", pytrace=False)
    return PdfReader(io.BytesIO(data))


def words(text: str) -> str:
    """Text as one line of single spaces: a PDF breaks lines where the page is full."""
    return " ".join(text.split())


def page_texts(reader) -> list[str]:
    return [words(page.extract_text()) for page in reader.pages]


def size(page) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def is_a4(page, landscape: bool) -> bool:
    width, height = size(page)
    expected = A4[::-1] if landscape else A4
    return abs(width - expected[0]) < 1 and abs(height - expected[1]) < 1


def worksheet_runs(reader) -> list[list[int]]:
    """The page numbers of each printed worksheet: from a page with the name line to the next."""
    runs: list[list[int]] = []
    for number, page in enumerate(reader.pages):
        text = words(page.extract_text())
        if IDENTITY[0] in text:
            runs.append([number])
        elif runs and size(page)[0] > size(page)[1] and runs[-1][-1] == number - 1:
            runs[-1].append(number)
    return runs


def canvas_heading(canvas) -> str:
    return f"Kanvas{' ' + canvas.code if canvas.code else ''}: {canvas.title}"


# ---- the pdf format ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_pdfs(tmp_path_factory):
    """The pdf format built twice from the same content: (first, second) as {name: bytes}."""
    builds = []
    for name in ("a", "b"):
        out = tmp_path_factory.mktemp(f"pdf-{name}")
        written = build(CONTENT, out, ["pdf"])
        assert written == [out / "pdf"]
        builds.append({path.name: path.read_bytes() for path in sorted((out / "pdf").iterdir())})
    return builds


@pytest.fixture(scope="module")
def guide(built_pdfs):
    return pdf_reader(built_pdfs[0][pdf.GUIDE])


@pytest.fixture(scope="module")
def pack(built_pdfs):
    return pdf_reader(built_pdfs[0][pdf.PACK])


def test_the_pdf_format_writes_the_guide_and_the_pack_and_they_open(built_pdfs, guide, pack):
    assert sorted(built_pdfs[0]) == [pdf.GUIDE, pdf.PACK]
    assert all(data.startswith(b"%PDF-") for data in built_pdfs[0].values())
    assert guide.metadata.title == f"{COURSE.title} – Priročnik za mentorje"
    assert pack.metadata.title.startswith("Delovni listi")
    assert len(guide.pages) > 20 and len(pack.pages) >= len(COURSE.canvases)


def test_the_same_content_gives_the_same_bytes(built_pdfs, guide):
    first, second = built_pdfs
    assert first == second
    assert "/CreationDate" not in guide.metadata and "/ModDate" not in guide.metadata


def test_the_guide_has_every_activity_as_the_seed_structures_it(guide):
    text = " ".join(page_texts(guide))
    for heading in ("Vsebina", COURSE.introduction_title, COURSE.curriculum_title, COURSE.overview_title):
        assert heading in text
    for row in COURSE.overview:
        assert words(row.title) in text and row.duration_text in text
    for activity in COURSE.activities:
        assert words(f"Aktivnost {activity.number} {activity.title}") in text, activity.id
        for part in (
            activity.organisational_requirements,
            *activity.assessment,
            *(s.paragraphs[0] for s in activity.steps if s.paragraphs),
            *(use.material.name if use.material else use.text for use in activity.materials),
        ):
            assert words(part) in text, (activity.id, part)
        for step in activity.steps:
            if step.marker:
                assert words(f"{step.marker} {step.paragraphs[0]}") in text, (activity.id, step.marker)
    # Diacritics come back as the letters they are (č š ž), not as look-alikes or gaps.
    assert "Načrti učnih enot" in text and "Priročnik za mentorje" in text and "Čas za vajo" in text


def test_the_guide_appends_every_worksheet_blank_on_landscape_sheets(guide):
    texts = page_texts(guide)
    runs = worksheet_runs(guide)
    assert len(runs) == len(COURSE.canvases)
    for canvas in COURSE.canvases:
        run = next(run for run in runs if words(canvas_heading(canvas)) in texts[run[0]])
        assert len(run) <= 2 and all(is_a4(guide.pages[n], landscape=True) for n in run), (canvas.id, run)
    assert is_a4(guide.pages[0], landscape=False)
    # The contents and the overview point at the worksheets' pages.
    assert re.search(r"U3/C1 \(str\. \d+\)", " ".join(texts))


def test_the_pack_has_every_worksheet_each_on_at_most_two_landscape_sheets(pack):
    texts = page_texts(pack)
    runs = worksheet_runs(pack)
    assert len(runs) == len(COURSE.canvases)
    assert [n for run in runs for n in run] == list(range(len(pack.pages)))  # nothing else in it
    for canvas in COURSE.canvases:
        run = next(run for run in runs if words(canvas_heading(canvas)) in texts[run[0]])
        assert len(run) <= 2, (canvas.id, run)
        assert all(label in texts[run[0]] for label in IDENTITY)
    assert all(is_a4(page, landscape=True) for page in pack.pages)
    text = " ".join(texts)
    assert not [hint for hint in SCREEN_ONLY if hint in text]
    # Blank choices print their options to tick: Bloom's levels and the EQF's.
    assert "Pomnjenje" in text and "EOK 8" in text


def test_all_formats_leave_pdf_to_be_asked_for_by_name():
    assert "pdf" not in ALL and "html" in ALL


def test_without_pango_the_pdf_format_fails_in_one_line_and_changes_nothing(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    pdf._weasyprint.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_pango)
    try:
        result = CliRunner().invoke(
            main, ["build", "--content", str(CONTENT), "--format", "pdf", "--out", str(tmp_path)]
        )
    finally:
        pdf._weasyprint.cache_clear()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: the pdf format needs Pango (cannot load library 'libpango-1.0-0'")
    assert "apt-get install libpango-1.0-0" in lines[0] and lines[0].endswith("was not changed")
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []


# ---- a worksheet printed from its page -----------------------------------------------------


def print_activity(page, built_site, activity_id: str, fill=None):
    page.goto((built_site / "activities" / f"{activity_id}.html").as_uri())
    page.wait_for_load_state("load")
    if fill:
        fill(page)
    page.emulate_media(media="print")
    return pdf_reader(page.pdf(prefer_css_page_size=True))


@pytest.mark.parametrize("activity_id", CANVAS_ACTIVITIES)
def test_a_blank_worksheet_prints_on_at_most_two_landscape_sheets(page, built_site, activity_id):
    activity = next(a for a in COURSE.activities if a.id == activity_id)
    reader = print_activity(page, built_site, activity_id)
    texts = page_texts(reader)
    landscape = [n for n, p in enumerate(reader.pages) if size(p)[0] > size(p)[1]]
    assert 1 <= len(landscape) <= 2, landscape
    assert landscape == list(range(landscape[0], landscape[0] + len(landscape)))
    assert all(is_a4(reader.pages[n], landscape=n in landscape) for n in range(len(reader.pages)))
    first = texts[landscape[0]]
    assert first.startswith(words(canvas_heading(activity.canvas)))
    assert all(label in first for label in IDENTITY)
    text = " ".join(texts[n] for n in landscape)
    assert not [hint for hint in SCREEN_ONLY if hint in text]
    # Room to write: every empty answer box is several centimetres high (3 cm = 85 pt).
    heights = page.locator("form.canvas-form .field:not(.field-table) textarea + .print-value").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert all(height >= 3 * 96 / 2.54 - 1 for height in heights), heights
    assert not [s for s in SCREEN_ONLY_SELECTORS if page.locator(s).first.is_visible()]


def test_the_print_only_parts_stay_off_the_screen(page, built_site):
    page.goto((built_site / "activities" / "u4-a1.html").as_uri())
    assert page.locator(".print-only").count() > 0
    assert not [
        n
        for n, visible in enumerate(
            page.locator(".print-only").evaluate_all("els => els.map(e => e.getClientRects().length > 0)")
        )
        if visible
    ]


# Longer than a sheet holds: it runs on to the next, and every sentence of it prints.
LONG_ANSWER = "Čebelarji in šivilje na Žirovskem: ključne kompetence. " * 80 + "Konec odgovora."


def fill_worksheet(page):
    page.locator("form.canvas-form textarea[name=people-networks]").fill(LONG_ANSWER)
    row = page.locator("form.canvas-form table tbody tr").first
    row.locator("input").first.fill("Digitalna pismenost")
    row.locator("select").first.select_option("analyse")


def test_a_filled_worksheet_prints_every_answer_whole(page, built_site):
    reader = print_activity(page, built_site, "u4-a1", fill_worksheet)
    landscape = [n for n, p in enumerate(reader.pages) if size(p)[0] > size(p)[1]]
    text = " ".join(page_texts(reader)[n] for n in landscape)
    assert text.count("Žirovskem") == 80 and "Konec odgovora." in text  # nothing cut at the box
    assert "Digitalna pismenost" in text and "Analiza" in text
    # A chosen level prints as itself, and an answered table prints no empty rows to tick.
    assert "Pomnjenje" not in text
