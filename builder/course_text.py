"""Every text a reader of the course sees, in reading order, with its place and its file:line.

The proofreader's checks (proofreading.py) read the course through this list: each `Text`
says what kind of text it is (a title, a sentence of prose, an item of a list …), where it is
in the course's own words ("aktivnost 4.1", "pregled učnih enot") and where it is in the content
(its `Source`). URLs and material file names are not text to proofread and are not listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import Source
from .model import Activity, Canvas, Course, Field

# What a text is, which decides the rules that apply to it:
#   prose      sentences (paragraphs, points, details, intros): end with punctuation
#   item       an item of a list introduced by a lead ending in ':' (learning outcomes, curriculum)
#   title      a title (course, unit, activity, canvas, overview row)
#   heading    a step's heading ("Predstavitev in razprava (15 minut)")
#   label      a canvas field's label or help: a phrase, not a sentence
#   note       a short note (organisational requirements, materials, assessment, the overview's
#              contents, the project's name and number)
#   lead       a lead-in that a link, a list or a table completes
#   kind       the seed's fixed label of a material ("predstavitev PowerPoint"), shown before the file

# A web address inside a text: not words to proofread.
URL = re.compile(r"\S+://\S+|www\.\S+")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Text:
    text: str
    source: Source
    place: str
    kind: str
    activity: Activity | None = None
    # items of the same list share a list key; the position of the item in it
    list_key: str = ""
    position: int = 0
    last: bool = False


def activity_places(course: Course) -> dict[str, str]:
    """Each activity's name by its place in the course order ("aktivnost 7.2" for the second of
    unit 7, whatever number its file gives it: a wrong number has a warning of its own)."""
    return {
        activity.id: f"aktivnost {unit.number}.{position}"
        for unit in course.units
        for position, activity in enumerate(unit.activities, start=1)
    }


def canvas_users(course: Course) -> dict[str, Activity]:
    """Each canvas's first activity in course order (its place in the course)."""
    users: dict[str, Activity] = {}
    for activity in course.activities:
        if activity.canvas_id:
            users.setdefault(activity.canvas_id, activity)
    return users


def _items(texts, sources, key: str, place: str, activity: Activity | None = None) -> Iterator[Text]:
    for index, text in enumerate(texts):
        yield Text(
            text,
            sources[f"{key}[{index}]"],
            place,
            "item",
            activity,
            list_key=f"{sources[key].path}:{sources[key].field}",
            position=index,
            last=index == len(texts) - 1,
        )


def _course_texts(course: Course) -> Iterator[Text]:
    s = course.sources
    for key, kind in (("title", "title"), ("project", "note"), ("funding_notice", "prose")):
        if getattr(course, key) and key in s:
            yield Text(getattr(course, key), s[key], "naslovnica", kind)
    for index, paragraph in enumerate(course.introduction):
        yield Text(paragraph, s[f"introduction[{index}]"], "uvod", "introduction")
    if course.downloads_text:
        yield Text(course.downloads_text, s["downloads.text"], "uvod", "lead")
    if course.curriculum_lead:
        yield Text(course.curriculum_lead, s["curriculum.lead"], "učni načrt", "lead")
    yield from _items(course.curriculum_items, s, "curriculum.items", "učni načrt")
    for index, paragraph in enumerate(course.overview_paragraphs):
        yield Text(paragraph, s[f"overview.paragraphs[{index}]"], "pregled učnih enot", "prose")
    for index, row in enumerate(course.overview):
        key = f"overview.units[{index}]"
        place = f"pregled učnih enot, učna enota {row.number}"
        yield Text(row.title, s[f"{key}.title"], place, "title")
        for j, content in enumerate(row.contents):
            yield Text(content, s[f"{key}.contents[{j}]"], place, "note")


def _field_texts(field: Field, place: str, activity: Activity | None) -> Iterator[Text]:
    yield Text(field.label, field.sources["label"], place, "label", activity)
    if field.help:
        yield Text(field.help, field.sources["help"], place, "label", activity)
    for column in field.columns:
        yield from _field_texts(column, place, activity)


def canvas_texts(canvas: Canvas, activity: Activity | None, places: dict[str, str]) -> Iterator[Text]:
    place = f"{places[activity.id]}, kanvas" if activity else f"kanvas {canvas.id}"
    yield Text(canvas.title, canvas.sources["title"], place, "title", activity)
    for index, paragraph in enumerate(canvas.intro):
        yield Text(paragraph, canvas.sources[f"intro[{index}]"], place, "prose", activity)
    for field in canvas.fields:
        yield from _field_texts(field, place, activity)


def activity_texts(activity: Activity, place: str) -> Iterator[Text]:
    s = activity.sources
    yield Text(activity.title, s["title"], place, "title", activity)
    if activity.outcomes_lead:
        yield Text(activity.outcomes_lead, s["learning_outcomes.lead"], place, "lead", activity)
    yield from _items(activity.outcomes, s, "learning_outcomes.items", place, activity)
    for index, use in enumerate(activity.materials):
        if use.kind_label:
            yield Text(use.kind_label, s[f"materials[{index}]"], place, "kind", activity)
        if use.material is None and use.text:
            yield Text(use.text, s[f"materials[{index}].text"], place, "note", activity)
    if activity.organisational_requirements:
        yield Text(activity.organisational_requirements, s["organisational_requirements"], place, "note", activity)
    for step in activity.description:
        if step.heading:
            yield Text(step.heading, step.sources["heading"], place, "heading", activity)
        for index, paragraph in enumerate(step.paragraphs):
            yield Text(paragraph, step.sources[f"paragraphs[{index}]"], place, "prose", activity)
        for index, point in enumerate(step.points):
            yield Text(point.text, step.sources[f"points[{index}].text"], place, "prose", activity)
            for j, detail in enumerate(point.details):
                yield Text(detail, step.sources[f"points[{index}].details[{j}]"], place, "prose", activity)
    for index, line in enumerate(activity.assessment):
        yield Text(line, s[f"assessment[{index}]"], place, "note", activity)


def course_texts(course: Course) -> list[Text]:
    """Every text of the course in reading order: the front pages, then each unit's activities,
    each followed by the canvas it works on (where the canvas is first used)."""
    texts = list(_course_texts(course))
    users, places = canvas_users(course), activity_places(course)
    shown: set[str] = set()
    for unit in course.units:
        texts.append(Text(unit.title, unit.sources["title"], f"učna enota {unit.number}", "title"))
        for activity in unit.activities:
            texts.extend(activity_texts(activity, places[activity.id]))
            if activity.canvas is not None and activity.canvas.id not in shown:
                shown.add(activity.canvas.id)
                texts.extend(canvas_texts(activity.canvas, activity, places))
    for canvas in course.canvases:
        if canvas.id not in shown:
            texts.extend(canvas_texts(canvas, users.get(canvas.id), places))
    return texts
