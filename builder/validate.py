"""Checks a schema cannot make: ids, references, URLs, durations and numbering.

`check_course` returns findings; errors stop a build, warnings report what the
seed itself gets wrong (the content keeps what the seed says).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import Source, SourceError
from .model import Activity, Course, Field, Minutes, Unit
from .proofreading import proofread

Finding = SourceError


def error(source: Source, message: str) -> Finding:
    return SourceError(source, message)


def warning(source: Source, message: str) -> Finding:
    return SourceError(source, message, warning=True)


def _at(source: Source, field: str) -> Source:
    return Source(source.path, source.line, field)


# -- ids and references ---------------------------------------------------------------


def _course_ids(course: Course) -> Iterator[tuple[str, str, Source]]:
    for unit in course.units:
        yield unit.id, "unit", unit.sources["id"]
        for activity in unit.activities:
            yield activity.id, "activity", activity.sources["id"]
    for canvas in course.canvases:
        yield canvas.id, "canvas", canvas.sources["id"]
    for material in course.materials:
        yield material.id, "material", _at(material.source, material.source.field + ".id")
    for vocabulary in course.vocabularies:
        yield vocabulary.id, "vocabulary", _at(vocabulary.source, vocabulary.source.field + ".id")
    if course.credential:
        yield course.credential.id, "credential", course.credential.document.source("id")
    yield course.id, "course", course.sources["id"]


def check_unique_ids(course: Course) -> Iterator[Finding]:
    first: dict[str, tuple[str, Source]] = {}
    for id_, kind, source in _course_ids(course):
        if id_ in first:
            other_kind, other = first[id_]
            yield error(source, f"duplicate id '{id_}': already used by the {other_kind} at {other}")
        else:
            first[id_] = (kind, source)


def _check_unique_within(items, what: str) -> Iterator[Finding]:
    seen: dict[str, Source] = {}
    for item in items:
        if item.id in seen:
            yield error(
                _at(item.source, item.source.field + ".id"),
                f"duplicate {what} id '{item.id}': already used at {seen[item.id]}",
            )
        else:
            seen[item.id] = item.source


def check_canvas_fields(course: Course) -> Iterator[Finding]:
    for canvas in course.canvases:
        yield from _check_unique_within(canvas.fields, "field")
        for field in canvas.fields:
            yield from _check_field(field)
            yield from _check_unique_within(field.columns, "column")
            for column in field.columns:
                yield from _check_field(column)
    for vocabulary in course.vocabularies:
        seen: set[str] = set()
        for value in vocabulary.values:
            if value.id in seen:
                yield error(vocabulary.source, f"duplicate value id '{value.id}' in vocabulary '{vocabulary.id}'")
            seen.add(value.id)


def _known(ids) -> str:
    ids = sorted(ids)
    return ", ".join(ids) if len(ids) <= 8 else f"{ids[0]} … {ids[-1]}"


def _check_field(field: Field) -> Iterator[Finding]:
    where = field.source
    if field.type == "choice" and field.vocabulary_id is None:
        yield error(field.sources.get("vocabulary", where), "a choice field needs a vocabulary (e.g. bloom or eqf)")
    if field.vocabulary_id is not None and field.type != "choice":
        yield error(
            field.sources.get("vocabulary", where),
            f"only a choice field takes a vocabulary, this field is {field.type}",
        )
    if field.vocabulary_id is not None and field.vocabulary is None:
        yield error(field.sources.get("vocabulary", where), f"'{field.vocabulary_id}' is not a vocabulary id")
    if field.type == "table" and not field.columns:
        yield error(field.sources.get("columns", where), "a table field needs columns")
    if field.type != "table" and field.columns:
        yield error(field.sources.get("columns", where), f"only a table field has columns, this field is {field.type}")
    if field.editorial and not field.help:
        yield error(
            field.sources.get("editorial", where),
            "an editorial label keeps the seed's wording as its help, and this field has no help",
        )
    if field.rows_max is not None and field.rows_max < field.rows_min:
        yield error(
            field.sources.get("rows", where), f"rows.max {field.rows_max} is less than rows.min {field.rows_min}"
        )


# -- editorial text -------------------------------------------------------------------


@dataclass(frozen=True)
class EditorialText:
    """A string the editor wrote instead of the seed's wording. Prints as `path:line: field: "text"`."""

    source: Source
    text: str

    def __str__(self) -> str:
        return f'{self.source}: {self.source.field}: "{self.text}"'


def editorial_texts(course: Course) -> list[EditorialText]:
    """Every label marked `editorial: true`, in canvas and field order."""
    found = []
    for canvas in course.canvases:
        for field in canvas.fields:
            for item in (field, *field.columns):
                if item.editorial:
                    found.append(EditorialText(item.sources["label"], item.label))
    return found


def check_references(course: Course) -> Iterator[Finding]:
    unit_ids = {u.id for u in course.units}
    canvas_ids = {c.id for c in course.canvases}
    material_ids = {m.id for m in course.materials}
    for activity in course.activities:
        if activity.canvas_id and activity.canvas is None:
            yield error(
                activity.sources["canvas"], f"'{activity.canvas_id}' is not a canvas id (known: {_known(canvas_ids)})"
            )
        for step in activity.description:
            if step.canvas_id and step.canvas_id != activity.canvas_id:
                yield error(
                    step.sources["canvas"],
                    f"the step works on canvas '{step.canvas_id}' but the activity's canvas is '{activity.canvas_id}'",
                )
        for use in activity.materials:
            if use.material_id is not None and use.material is None:
                where = _at(use.source, use.source.field + ".material")
                yield error(where, f"'{use.material_id}' is not a material id (known: {_known(material_ids)})")
    for row in course.overview:
        if row.unit_id not in unit_ids:
            yield error(
                _at(row.source, row.source.field + ".unit"),
                f"'{row.unit_id}' is not a unit id (known: {_known(unit_ids)})",
            )
    for unit in course.units:
        if unit.overview is None:
            yield error(unit.sources["id"], f"unit '{unit.id}' has no row in the overview table of course.yaml")


def check_credential(course: Course) -> Iterator[Finding]:
    credential = course.credential
    if credential is None:
        return
    doc = credential.document
    activity_ids = {a.id for a in course.activities}
    canvas_ids = {c.id for c in course.canvases}
    unit_ids = {u.id for u in course.units}
    used_canvases = {a.canvas_id for a in course.activities if a.canvas_id}
    data = doc.data
    elements = data["eu_mandatory_elements"]
    for key in ("learning_outcomes", "type_of_assessment"):
        for index, id_ in enumerate(elements[key]["activities"]):
            if id_ not in activity_ids:
                where = doc.source(f"eu_mandatory_elements.{key}.activities[{index}]")
                yield error(where, f"'{id_}' is not an activity id (known: {_known(activity_ids)})")
    qa_unit = elements["quality_assurance"].get("unit")
    if qa_unit is not None and qa_unit not in unit_ids:
        yield error(
            doc.source("eu_mandatory_elements.quality_assurance.unit"),
            f"'{qa_unit}' is not a unit id (known: {_known(unit_ids)})",
        )
    for c_index, rule in enumerate(data["criteria"]):
        for index, id_ in enumerate(rule.get("activities", ())):
            if id_ not in activity_ids:
                where = doc.source(f"criteria[{c_index}].activities[{index}]")
                yield error(where, f"'{id_}' is not an activity id (known: {_known(activity_ids)})")
        for index, id_ in enumerate(rule.get("canvases", ())):
            where = doc.source(f"criteria[{c_index}].canvases[{index}]")
            if id_ not in canvas_ids:
                yield error(where, f"'{id_}' is not a canvas id (known: {_known(canvas_ids)})")
            elif id_ not in used_canvases:
                yield error(where, f"canvas '{id_}' belongs to no activity, so no learner can submit it")
    declared = sum(row.duration for row in course.overview) * course.learning_unit_minutes / 60
    hours = elements["notional_workload"]["hours"]
    where = doc.source("eu_mandatory_elements.notional_workload.hours")
    if hours != declared:
        yield warning(where, f"{hours} hours, but the overview table declares {declared:g} hours")
    planned = sum(a.duration for a in course.activities)
    if hours * 60 != planned:
        short = [
            f"unit {u.number}: {sum(a.duration for a in u.activities)} of {u.overview.duration * course.learning_unit_minutes:g} min"
            for u in course.units
            if u.overview
            and sum(a.duration for a in u.activities) != u.overview.duration * course.learning_unit_minutes
        ]
        yield warning(
            where,
            f"{hours} hours, but the activities add up to {planned / 60:g} hours ({planned} min"
            + "".join(f"; {s}" for s in short)
            + ")",
        )


# -- URLs -------------------------------------------------------------------------------


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "expected an http(s) URL"
    if not parts.hostname or "." not in parts.hostname:
        return "expected a host name such as example.org"
    if re.search(r"\s", url):
        return "a URL has no spaces"
    return None


def check_urls(course: Course) -> Iterator[Finding]:
    for activity in course.activities:
        seen: dict[str, int] = {}
        for index, url in enumerate(activity.resources):
            where = activity.sources[f"resources[{index}]"]
            problem = _url_problem(url)
            if problem:
                yield error(where, f"{problem}, found {url!r}")
            if url in seen:
                yield warning(where, f"the same URL is listed twice in this activity (also resources[{seen[url]}])")
            seen.setdefault(url, index)
    if course.downloads_url and _url_problem(course.downloads_url):
        yield error(
            course.sources["downloads"], f"{_url_problem(course.downloads_url)}, found {course.downloads_url!r}"
        )


# -- durations ----------------------------------------------------------------------------


def _numbers_in(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", text)}


def check_step_minutes(activity: Activity) -> Iterator[Finding]:
    low = high = 0
    unstated = False
    for step in activity.steps:
        if step.minutes is None:
            unstated = True
            continue
        stated = _numbers_in(" ".join([step.heading, *step.paragraphs]))
        for value in {step.minutes.low, step.minutes.high} - stated:
            yield error(step.sources["minutes"], f"{value} minutes are not stated in the step's text")
        low += step.minutes.low
        high += step.minutes.high
    if low == 0:
        return
    total = Minutes(low, high)
    where = activity.sources["duration"]
    if unstated and low > activity.duration:
        yield warning(
            where,
            f"the steps that state minutes add up to {total.label}, more than the activity's {activity.duration} min",
        )
    elif not unstated and not low <= activity.duration <= high:
        yield warning(where, f"the steps add up to {total.label}, the activity states {activity.duration} min")


def check_unit_duration(course: Course, unit: Unit) -> Iterator[Finding]:
    if unit.overview is None:
        return
    declared = unit.overview.duration * course.learning_unit_minutes
    planned = sum(a.duration for a in unit.activities)
    if planned != declared:
        yield warning(
            unit.sources["activities"],
            f"the activities add up to {planned} min, the overview table declares {unit.overview.duration:g} learning units ({declared:g} min)",
        )


# -- the seed's structure of steps --------------------------------------------------------------


def check_steps(activity: Activity) -> Iterator[Finding]:
    """Footnotes are the seed's '*' notes: paragraphs only, after the steps, explaining a '*' of a step."""
    seen_footnote = False
    for step in activity.description:
        first = step.paragraphs[0] if step.paragraphs else ""
        if not step.footnote:
            if seen_footnote:
                yield error(step.source, "a step after a footnote: footnotes are shown after the steps, put them last")
            if first.startswith("*"):
                yield warning(step.source, "the step starts with '*', the seed's footnote: mark it `footnote: true`")
            continue
        seen_footnote = True
        for key in ("heading", "points", "canvas", "minutes", "marker"):
            if key in step.sources:
                yield error(step.sources[key], f"a footnote has only paragraphs, not {key}")
        if not first.startswith("*"):
            yield warning(step.sources["footnote"], "a footnote starts with the '*' it explains")
        elif not any("*" in " ".join([s.heading, *s.paragraphs]) for s in activity.steps):
            yield warning(step.sources["footnote"], "no step has the '*' this footnote explains")


# -- numbering and titles ---------------------------------------------------------------------


def check_numbering(course: Course) -> Iterator[Finding]:
    for position, unit in enumerate(course.units, start=1):
        if unit.number != position:
            yield warning(unit.sources["number"], f"unit {unit.number} is unit {position} in the course order")
        if unit.overview and unit.overview.number != unit.number:
            yield warning(
                _at(unit.overview.source, unit.overview.source.field + ".number"),
                f"the overview numbers unit '{unit.id}' {unit.overview.number}, its file {unit.number}",
            )
        if unit.overview and unit.overview.title != unit.title:
            yield warning(unit.sources["title"], f"the title differs from the overview table's {unit.overview.title!r}")
        for position_in_unit, activity in enumerate(unit.activities, start=1):
            expected = f"{unit.number}.{position_in_unit}"
            if activity.number != expected:
                yield warning(
                    activity.sources["number"], f"activity {activity.number} is activity {expected} in the course order"
                )
    numbers = Counter(row.number for row in course.overview)
    for row in course.overview:
        if numbers[row.number] > 1:
            yield error(
                _at(row.source, row.source.field + ".number"),
                f"unit number {row.number} appears {numbers[row.number]} times in the overview",
            )


# -- fields the seed leaves empty or odd ---------------------------------------------------


def _one_letter_apart(a: str, b: str) -> bool:
    """True when one name is the other with one letter dropped (a typo such as Hanout/Handout).

    Names that differ in a digit (Unit 1 / Unit 2) are different files, not typos.
    """
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short and long[i].isalpha() for i in range(len(long)))


def check_materials(course: Course) -> Iterator[Finding]:
    names = [(m.name, m) for m in course.materials]
    for index, (name, material) in enumerate(names):
        for other_name, other in names[index + 1 :]:
            if _one_letter_apart(name, other_name):
                yield warning(
                    material.source,
                    f"'{name}' and '{other_name}' (material '{other.id}') differ by one letter: the same file?",
                )
        if material.kind in ("presentation", "handout") and not material.extension:
            yield warning(material.source, f"'{name}' names no file type (such as .pptx or .pdf)")
    used_by_unit = {
        (use.material.id, a.unit_id, a.number) for a in course.activities for use in a.materials if use.material
    }
    units = {u.id: u for u in course.units}
    for material_id, unit_id, number in sorted(used_by_unit):
        material = next(m for m in course.materials if m.id == material_id)
        named = re.search(r"Unit (\d+)", material.name)
        if named and int(named.group(1)) != units[unit_id].number:
            activity = next(a for a in units[unit_id].activities if a.number == number)
            yield warning(
                activity.sources["materials"],
                f"activity {number} uses '{material.name}', a file of unit {named.group(1)}",
            )
    for activity in course.activities:
        for index, use in enumerate(activity.materials):
            if use.material_id is None and not use.text:
                yield warning(activity.sources[f"materials[{index}]"], f"'{use.kind_label}:' names no file or text")


def check_empty_fields(course: Course) -> Iterator[Finding]:
    for activity in course.activities:
        if not activity.organisational_requirements.strip():
            yield warning(
                activity.sources.get("organisational_requirements", activity.source),
                "organisational requirements are empty",
            )
        if not activity.assessment:
            yield warning(
                activity.sources.get("assessment", activity.source), "the assessment of learning outcomes is empty"
            )
    for index, paragraph in enumerate(course.introduction):
        if not paragraph.rstrip().endswith((".", "!", "?", ":")):
            yield warning(
                course.sources[f"introduction[{index}]"],
                f"the sentence is cut off: ends with {paragraph.split()[-1]!r}",
            )


def check_course(course: Course) -> list[Finding]:
    findings: list[Finding] = []
    for check in (
        check_unique_ids,
        check_references,
        check_canvas_fields,
        check_credential,
        check_urls,
        check_numbering,
        check_materials,
        check_empty_fields,
    ):
        findings.extend(check(course))
    findings.extend(proofread(course))
    for unit in course.units:
        findings.extend(check_unit_duration(course, unit))
        for activity in unit.activities:
            findings.extend(check_step_minutes(activity))
            findings.extend(check_steps(activity))
    return [_named_place(course, finding) for finding in findings]


_ACTIVITY_FIELD = re.compile(r"^activities\[(\d+)\]")


def _named_place(course: Course, finding: Finding) -> Finding:
    """A warning in a unit file says which activity (by its place in the unit) or unit it is about."""
    if not finding.warning or finding.message.startswith(("aktivnost ", "učna enota ", "pregled ", "naslovnica")):
        return finding
    unit = next((u for u in course.units if u.source.path == finding.source.path), None)
    if unit is None:
        return finding
    found = _ACTIVITY_FIELD.match(finding.source.field or "")
    place = f"aktivnost {unit.number}.{int(found.group(1)) + 1}" if found else f"učna enota {unit.number}"
    return SourceError(finding.source, f"{place}: {finding.message}", warning=True)
