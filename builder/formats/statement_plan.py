"""What xAPI and cmi5 packages say about the course: activity IRIs, definitions, the plan each page sends by.

The statement plan is the one place where the content model meets the IRIs of
xapi/iris.py; the page's runtime (static/xapi.js) builds every statement from it,
and xapi/profile.py describes the same statements as templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from xapi.iris import CMI5_CATEGORY, CMI5_MOVEON_CATEGORY, CMI5_SESSION_ID, VERB_DISPLAY, VERBS, Iris

from ..model import Activity, Course, Unit
from ..render import activity_path, unit_of
from .scorm import sco_title, unit_title

STANDARDS = ("xapi", "cmi5")
# The verbs a page may send: cmi5 pages send the cmi5 defined ones as well.
PAGE_VERBS = {"xapi": ("completed", "submitted"), "cmi5": ("initialized", "completed", "terminated", "submitted")}


@dataclass(frozen=True)
class ActivityEntry:
    """One activity as tincan.xml and cmi5.xml list it."""

    id: str
    type: str
    name: str
    description: str
    launch: str | None = None


def iris(course: Course) -> Iris:
    return Iris(course.base_iri)


def course_entry(course: Course, launch: str | None = None) -> ActivityEntry:
    description = course.introduction[0] if course.introduction else course.title
    return ActivityEntry(
        iris(course).course(course.id), iris(course).activity_types["course"], course.title, description, launch
    )


def unit_entry(course: Course, unit: Unit) -> ActivityEntry:
    description = "; ".join(unit.overview.contents) if unit.overview and unit.overview.contents else unit.title
    return ActivityEntry(iris(course).unit(unit.id), iris(course).activity_types["unit"], unit_title(unit), description)


def activity_entry(course: Course, activity: Activity) -> ActivityEntry:
    description = " ".join([activity.outcomes_lead, *activity.outcomes]).strip() or activity.title
    return ActivityEntry(
        iris(course).activity(activity.id),
        iris(course).activity_types["activity"],
        sco_title(activity),
        description,
        activity_path(activity),
    )


def canvas_entries(course: Course) -> list[ActivityEntry]:
    used = {a.canvas.id: a.canvas for a in course.activities if a.canvas}
    return [
        ActivityEntry(
            iris(course).canvas(c.id), iris(course).activity_types["canvas"], c.title, " ".join(c.intro) or c.title
        )
        for c in course.canvases
        if c.id in used
    ]


def definition(entry: ActivityEntry, language: str) -> dict:
    return {"name": {language: entry.name}, "description": {language: entry.description}, "type": entry.type}


def activity_object(entry: ActivityEntry, language: str) -> dict:
    return {"objectType": "Activity", "id": entry.id, "definition": definition(entry, language)}


def statement_plan(course: Course, activity: Activity, standard: str) -> dict:
    """Everything the page's runtime needs to build its statements; no credentials, no learner."""
    course_iris = iris(course)
    language = course.language
    plan = {
        "standard": standard,
        "language": language,
        "profile": course_iris.profile_version,
        "course": activity_object(course_entry(course), language),
        "unit": activity_object(unit_entry(course, unit_of(course, activity)), language),
        "activity": activity_object(activity_entry(course, activity), language),
        "activities": [course_iris.activity(a.id) for a in course.activities],
        "verbs": {name: {"id": VERBS[name], "display": VERB_DISPLAY[name]} for name in PAGE_VERBS[standard]},
        "extensions": {"responses": course_iris.responses_extension},
        "canvas": None,
        "cmi5": None,
    }
    if activity.canvas:
        canvas = activity.canvas
        entry = next(e for e in canvas_entries(course) if e.id == course_iris.canvas(canvas.id))
        plan["canvas"] = {
            **activity_object(entry, language),
            "fields": {
                f.id: {"id": course_iris.field(canvas.id, f.id), "columns": [c.id for c in f.columns] or None}
                for f in canvas.fields
            },
        }
    if standard == "cmi5":
        plan["cmi5"] = {
            "categories": {"cmi5": CMI5_CATEGORY, "moveon": CMI5_MOVEON_CATEGORY},
            "extensions": {"sessionid": CMI5_SESSION_ID},
        }
    return plan
