"""Fidelity to the seed: nothing invented, nothing dropped.

Every title, outcome, step text, assessment line and URL in content/ occurs in the
seed once the PDF's line breaks and hyphenation are undone, and every URL and
activity of the seed is in content/.
"""

from __future__ import annotations

from collections import Counter

import pytest

from builder.build import check
from tests.builder.seedtext import (
    occurs_in_seed,
    seed_activity_numbers,
    seed_url_starts,
    uncovered_text,
    url_occurs_in_seed,
)
from tests.project import CONTENT


@pytest.fixture(scope="module")
def course():
    return check(CONTENT).course


def activity_texts(course):
    for activity in course.activities:
        where = f"{activity.number} {activity.id}"
        yield where, "title", activity.title
        if activity.outcomes_lead:
            yield where, "learning_outcomes.lead", activity.outcomes_lead
        for item in activity.outcomes:
            yield where, "learning_outcomes", item
        for step in activity.description:
            for text in (step.heading, *step.paragraphs):
                if text:
                    yield where, "description", text
            if step.marker:
                # The seed's marker, right before the step's first words.
                yield where, "description.marker", f"{step.marker} {step.paragraphs[0]}"
            for point in step.points:
                for text in (point.text, *point.details):
                    yield where, "description.points", text
        for line in activity.assessment:
            yield where, "assessment", line
        if activity.organisational_requirements:
            yield where, "organisational_requirements", activity.organisational_requirements
        for use in activity.materials:
            if use.text:
                yield where, "materials", use.text


def course_texts(course):
    yield "course", "title", course.title
    if course.introduction_title:
        yield "course", "introduction_title", course.introduction_title
    for text in (*course.introduction, course.downloads_text, course.curriculum_lead, *course.curriculum_items):
        yield "course", "introduction", text
    for text in (course.overview_title, *course.overview_paragraphs):
        yield "course", "overview", text
    for row in course.overview:
        for text in (row.title, *row.contents, row.duration_text):
            yield "course", f"overview unit {row.number}", text
    for unit in course.units:
        yield unit.id, "title", unit.title
    for material in course.materials:
        yield material.id, "name", material.name


def test_every_activity_text_occurs_in_the_seed(course):
    missing = [(w, f, t) for w, f, t in activity_texts(course) if not occurs_in_seed(t)]
    assert missing == []


def test_course_unit_and_material_texts_occur_in_the_seed(course):
    missing = [(w, f, t) for w, f, t in course_texts(course) if not occurs_in_seed(t)]
    assert missing == []


def canvas_texts(canvas):
    """The canvas's texts that must be the seed's: all but the labels marked editorial."""
    yield canvas.title
    yield from canvas.intro
    for field in canvas.fields:
        for item in (field, *field.columns):
            if not item.editorial:
                yield item.label
            yield item.help


def test_canvas_labels_and_help_come_from_the_seeds_wording(course):
    missing = []
    for canvas in course.canvases:
        missing += [(canvas.id, t) for t in canvas_texts(canvas) if t and not occurs_in_seed(t, ignore_case=True)]
    assert missing == []


def test_only_the_editorial_mark_exempts_a_label_and_its_help_stays_the_seeds(course):
    fields = [item for canvas in course.canvases for field in canvas.fields for item in (field, *field.columns)]
    editorial = [f for f in fields if f.editorial]
    assert len(editorial) == 3
    for field in editorial:
        assert not occurs_in_seed(field.label, ignore_case=True)
        assert field.help and occurs_in_seed(field.help, ignore_case=True)
    # Every other label is the seed's, whatever it reads like.
    assert all(occurs_in_seed(f.label, ignore_case=True) for f in fields if not f.editorial)


def test_every_content_url_occurs_in_the_seed(course):
    urls = [url for a in course.activities for url in a.resources] + [course.downloads_url]
    assert [u for u in urls if not url_occurs_in_seed(u)] == []


def test_every_seed_url_is_in_the_content_as_often_as_in_the_seed(course):
    content_urls = [url for a in course.activities for url in a.resources] + [course.downloads_url]
    starts = seed_url_starts()
    unmatched = list(content_urls)
    for start in starts:
        match = next(
            (u for u in unmatched if u.removeprefix("https://").startswith(start.removeprefix("https://"))), None
        )
        assert match is not None, f"the seed's URL {start!r}… is not in content/"
        unmatched.remove(match)
    assert unmatched == []
    assert len(content_urls) == len(starts) == 38


def test_every_activity_of_the_seed_is_in_the_content(course):
    assert Counter(a.number for a in course.activities) == Counter(seed_activity_numbers())
    assert len(course.activities) == 16


def content_texts(course) -> list[str]:
    texts = [t for _, _, t in activity_texts(course)] + [t for _, _, t in course_texts(course)]
    texts += [course.project, course.funding_notice, course.curriculum_title]
    texts += [t for a in course.activities for t in a.activity_types]
    return [t for t in texts if t]


def test_nothing_of_the_seed_is_dropped(course):
    urls = [url for a in course.activities for url in a.resources] + [course.downloads_url]
    assert uncovered_text(content_texts(course), urls) == []


def test_dropping_a_step_is_caught(course):
    texts = [t for t in content_texts(course) if not t.startswith("Mentor udeležencem pokaže rešitev")]
    assert uncovered_text(texts, []) != []


def test_fidelity_check_catches_an_invented_sentence():
    assert occurs_in_seed("Po zaključku te aktivnosti bo udeleženec/-ka lahko:")
    assert not occurs_in_seed("Po zaključku te aktivnosti bo udeleženec lahko:")
    assert occurs_in_seed("Čas za vajo") and not occurs_in_seed("Cas za vajo")
    assert not occurs_in_seed("Kaj je mikrodokazilo!")
