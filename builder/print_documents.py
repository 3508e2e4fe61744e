"""The course on paper, as HTML for the PDF format: the facilitator guide and the worksheet pack.

The guide follows the seed, which is one: introduction, curriculum, the overview table, then
each unit's activity plans (duration, outcomes, types, materials, organisational requirements,
description, assessment, resources), with every worksheet, blank, as an appendix. The pack is
the worksheets alone. Both print each worksheet with the activity pages' own markup and print
styles (`sco/canvas.html.j2`, microquest.css), so a worksheet looks the same from a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Activity, Canvas, Course, Unit
from .render import environment, material_view, unit_of

# The documents' own words (the rest is the content's): what each is, and the seed's section headings.
GUIDE_KIND = "Priročnik za mentorje"
PACK_KIND = "Delovni listi"
PLANS_TITLE = "Načrti učnih enot"
APPENDIX_TITLE = "Priloga: delovni listi"


@dataclass(frozen=True)
class Worksheet:
    """A worksheet and the activity it is filled in (None for a canvas no activity uses)."""

    canvas: Canvas
    activity: Activity | None
    unit: Unit | None

    @property
    def context(self) -> str:
        if self.activity is None or self.unit is None:
            return ""
        return f"Učna enota {self.unit.number} · Aktivnost {self.activity.number}: {self.activity.title}"


@dataclass(frozen=True)
class ActivityPlan:
    """One activity as the guide prints it: its materials as text, its resources as addresses."""

    activity: Activity
    materials: tuple[str, ...]
    worksheet_code: str


def worksheets(course: Course) -> list[Worksheet]:
    """Every canvas once, in the order the course first uses it; any canvas no activity uses, last."""
    sheets: dict[str, Worksheet] = {}
    for activity in course.activities:
        if activity.canvas and activity.canvas.id not in sheets:
            sheets[activity.canvas.id] = Worksheet(activity.canvas, activity, unit_of(course, activity))
    for canvas in course.canvases:
        sheets.setdefault(canvas.id, Worksheet(canvas, None, None))
    return list(sheets.values())


def _material_text(course: Course, activity: Activity) -> tuple[str, ...]:
    views = (material_view(use, course, "") for use in activity.materials)
    return tuple(f"{view.prefix}: {view.name}" if view.prefix else view.name for view in views)


def _plan(course: Course, activity: Activity) -> ActivityPlan:
    canvas = activity.canvas
    code = (canvas.code or canvas.title) if canvas else ""
    return ActivityPlan(activity, _material_text(course, activity), code)


def render_guide(course: Course) -> str:
    """The facilitator guide: the whole course as the seed structures it, worksheets appended."""
    return (
        environment()
        .get_template("print/guide.html.j2")
        .render(
            course=course,
            kind=GUIDE_KIND,
            plans_title=PLANS_TITLE,
            appendix_title=APPENDIX_TITLE,
            units=[(unit, [_plan(course, a) for a in unit.activities]) for unit in course.units],
            worksheets=worksheets(course),
        )
    )


def render_worksheets(course: Course) -> str:
    """The worksheet pack: every worksheet, blank, each from a new sheet."""
    return (
        environment()
        .get_template("print/worksheets.html.j2")
        .render(course=course, kind=PACK_KIND, worksheets=worksheets(course))
    )
