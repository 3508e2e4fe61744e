"""A proofreader's reading of the course's structure: titles, cross-references, canvas numbers, links.

What the course says about itself must hold: a title written the same wherever it is written, a
reference ("aktivnost 2 v Učni enoti 2", "kanvas 1", "C1 - C3") naming an activity, unit or canvas
that exists, canvases numbered without gaps once they are numbered, and a link or a video the text
speaks of among the activity's resources. Warnings, at the text's file:line, naming the activity.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from urllib.parse import urlsplit

from .course_text import Text, activity_places, canvas_users
from .errors import SourceError
from .model import Course

Finding = SourceError


def _warning(text: Text, message: str) -> Finding:
    return SourceError(text.source, f"{text.place}: {message}", warning=True)


def _normal(title: str) -> str:
    """A title without case, punctuation or spacing: what is left when two spellings are one title."""
    kept = "".join(" " if c in string.punctuation + "–—…" else c for c in title.casefold())
    return " ".join(kept.split())


# -- titles ---------------------------------------------------------------------------------------


def check_titles(course: Course, texts: list[Text]) -> Iterator[Finding]:
    """The overview table lists a unit's activities by title ("Kaj je mikrodokazilo") and a canvas
    repeats its activity's title: the same title written differently (a '?' more, a capital) is
    reported where it differs. Two rows of the overview with one title are reported too."""
    places = activity_places(course)
    by_unit = {u.id: u for u in course.units}
    for index, row in enumerate(course.overview):
        unit = by_unit.get(row.unit_id)
        for j, content in enumerate(row.contents):
            for activity in unit.activities if unit else ():
                if content != activity.title and _normal(content) == _normal(activity.title):
                    where = course.sources[f"overview.units[{index}].contents[{j}]"]
                    yield SourceError(
                        where,
                        f"{places[activity.id]}: the overview table writes its title {content!r}, "
                        f"the activity {activity.title!r}",
                        warning=True,
                    )
    for activity in course.activities:
        canvas = activity.canvas
        if canvas and canvas.title != activity.title and _normal(canvas.title) == _normal(activity.title):
            yield SourceError(
                canvas.sources["title"],
                f"{places[activity.id]}, kanvas: the title {canvas.title!r} is the activity's {activity.title!r} "
                "written differently",
                warning=True,
            )
    first: dict[str, int] = {}
    for index, row in enumerate(course.overview):
        if _normal(row.title) in first:
            yield SourceError(
                course.sources[f"overview.units[{index}].title"],
                f"pregled učnih enot, učna enota {row.number}: the same title as unit "
                f"{first[_normal(row.title)]} ({row.title!r})",
                warning=True,
            )
        first.setdefault(_normal(row.title), row.number)


# -- cross-references ------------------------------------------------------------------------------

# "aktivnost 4.1", "(aktivnost 1)", "aktivnosti 2 v Učni enoti 2"; not "aktivnost 10 minut" (a duration)
ACTIVITY_REF = re.compile(
    r"\baktivnost\w*\s+(?P<n>\d+)(?:\.(?P<m>\d+))?(?!\d|\s+min)(?:\s+v\s+učn\w+\s+enot\w+\s+(?P<u>\d+))?",
    re.IGNORECASE,
)
UNIT_REF = re.compile(r"\bučn\w+\s+enot\w+\s+(?P<u>\d+)", re.IGNORECASE)
CANVAS_REF = re.compile(r"\bkanvas\w*\s+(?P<c>\d+)\b|\bC(?P<d>\d+)\b", re.IGNORECASE)
# "Aktivnost 1:" or "Aktivnost 2." opening a text: the name of a part of the activity it is in.
PART_LABEL = re.compile(r"^Aktivnost\s+(?P<n>\d+)\s*[.:]\s")


def _canvas_numbers(course: Course) -> set[int]:
    return {int(m.group(1)) for c in course.canvases for m in [re.search(r"C(\d+)$", c.code)] if m}


def check_references(course: Course, texts: list[Text]) -> Iterator[Finding]:
    """'aktivnost 4.1', 'aktivnost 1' (of this unit), 'aktivnosti 2 v Učni enoti 2', 'Učna enota 3',
    'kanvas 1' and 'C3' must name an activity, a unit or a numbered canvas the course has."""
    units = {u.number: u for u in course.units}
    unit_of = {a.id: u for u in course.units for a in u.activities}
    canvases = _canvas_numbers(course)
    for text in texts:
        if text.kind == "kind":
            continue
        own = unit_of[text.activity.id] if text.activity else None
        for match in ACTIVITY_REF.finditer(text.text):
            if match.start() == 0 and PART_LABEL.match(text.text):
                continue
            n, m, u = match.group("n"), match.group("m"), match.group("u")
            unit = units.get(int(n)) if m else units.get(int(u)) if u else own
            position = int(m or n)
            if unit is None or not 1 <= position <= len(unit.activities):
                yield _warning(text, f"{match.group().strip()!r} names no activity of the course")
        for match in UNIT_REF.finditer(text.text):
            if int(match.group("u")) not in units:
                yield _warning(text, f"{match.group()!r} names no unit of the course")
        for match in CANVAS_REF.finditer(text.text):
            number = int(match.group("c") or match.group("d"))
            if number not in canvases:
                yield _warning(
                    text, f"{match.group()!r} names no canvas: the canvases are numbered {_numbers(canvases)}"
                )


def _numbers(numbers: set[int]) -> str:
    return ", ".join(f"C{n}" for n in sorted(numbers)) or "nowhere"


def check_part_labels(course: Course, texts: list[Text]) -> Iterator[Finding]:
    """'Aktivnost 1:' naming a part of activity 5.1, where the course's 'aktivnost N' elsewhere is
    activity N of a unit ('aktivnosti 2 v Učni enoti 2' is 2.2): one word for two things."""
    references = [
        (t, m)
        for t in texts
        for m in ACTIVITY_REF.finditer(t.text)
        if not (m.start() == 0 and PART_LABEL.match(t.text))
    ]
    if not references:
        return
    # the clearest example names its unit ("aktivnosti 2 v Učni enoti 2")
    example_text, example = next(((t, m) for t, m in references if m.group("u")), references[0])
    reported: set[str] = set()
    for text in texts:
        label = PART_LABEL.match(text.text)
        if label and text.activity is not None and text.activity.id not in reported:
            reported.add(text.activity.id)
            labels = [
                PART_LABEL.match(t.text).group().strip(" .:")
                for t in texts
                if t.activity is text.activity and PART_LABEL.match(t.text)
            ]
            yield _warning(
                text,
                f"{' and '.join(repr(x) for x in labels)} "
                f"{'name parts' if len(labels) > 1 else 'names a part'} of this activity, but elsewhere "
                f"'aktivnost N' is activity N of a unit ({example.group().strip()!r} in {example_text.place})",
            )


# -- canvases ------------------------------------------------------------------------------------------

CODE = re.compile(r"^U(?P<unit>\d+)/C(?P<n>\d+)$")


def check_canvas_numbers(course: Course) -> Iterator[Finding]:
    """Canvas codes (U3/C1) name the unit of the activity that uses the canvas and run C1, C2, …
    in course order; once the course numbers its canvases, a later canvas without a number is a gap."""
    places = activity_places(course)
    unit_number = {u.id: u.number for u in course.units}
    users = canvas_users(course)
    numbered: list[str] = []
    for activity in course.activities:
        canvas = activity.canvas
        if canvas is None or users[canvas.id] is not activity:
            continue
        where = activity.sources["canvas"]
        code = CODE.match(canvas.code)
        if code is None:
            if numbered:
                yield SourceError(
                    where,
                    f"{places[activity.id]}: its canvas has no number, the canvases before it are numbered "
                    f"({', '.join(numbered)})",
                    warning=True,
                )
            continue
        if int(code.group("unit")) != unit_number[activity.unit_id]:
            yield SourceError(
                where,
                f"{places[activity.id]}: canvas {canvas.code} is named for unit {code.group('unit')}, "
                f"the activity is in unit {unit_number[activity.unit_id]}",
                warning=True,
            )
        if int(code.group("n")) != len(numbered) + 1:
            yield SourceError(
                where,
                f"{places[activity.id]}: canvas {canvas.code} is canvas C{len(numbered) + 1} in the course order",
                warning=True,
            )
        numbered.append(canvas.code)


# -- links and videos the text speaks of ---------------------------------------------------------------------

LINK = re.compile(r"(?:\S+\s+){0,2}\bpovezav\w*", re.IGNORECASE)
VIDEO = re.compile(r"\bvide\w*", re.IGNORECASE)
VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com")


def check_links_and_videos(course: Course, texts: list[Text]) -> Iterator[Finding]:
    """An activity whose description sends the reader to a link ('s klikom na povezavo') with no
    resources, or whose materials name a video with no video among its resources."""
    for activity in course.activities:
        own = [t for t in texts if t.activity is activity]
        hosts = [_host(url) for url in activity.resources]
        link = next((t for t in own if t.kind == "prose" and LINK.search(t.text)), None)
        if link is not None and not activity.resources:
            yield _warning(
                link,
                f"the text sends the reader to a link ({LINK.search(link.text).group()!r}), but the activity lists none",
            )
        video = next(
            (t for t in own if t.kind == "note" and "materials" in t.source.field and VIDEO.search(t.text)), None
        )
        if video is not None and not any(h.endswith(VIDEO_HOSTS) for h in hosts):
            yield _warning(video, f"the materials name a video ({video.text!r}), but no resource links one")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")
