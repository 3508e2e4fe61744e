"""The jinja2 environment and the view helpers templates use.

Templates only present: anything computed (labels, links, ids) is computed here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket

from .model import Activity, Course, Field, MaterialUse, Unit

TEMPLATES = Path(__file__).resolve().parent.parent / "scorm_templates"


class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs (compiling them is most of a cold build's time).

    Keyed by jinja2 on each template's source, so an edited template is compiled again. A
    cache that cannot be read or written (read-only home, full disk) is simply not used.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache() -> _TemplateCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "microquest" / "jinja2"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(folder))


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_template_cache(),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["field_id"] = field_dom_id
    return env


def static_file(name: str) -> bytes:
    return (TEMPLATES / "static" / name).read_bytes()


def field_dom_id(field: Field, canvas_id: str) -> str:
    return f"f-{canvas_id}-{field.id}"


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class MaterialView:
    """One line of 'Gradiva': its label, and where the file can be had."""

    prefix: str
    name: str
    href: str | None
    download: str | None
    external: bool


def material_view(use: MaterialUse, course: Course, root: str) -> MaterialView:
    if use.material is None:
        return MaterialView(use.kind_label, use.text, None, None, False)
    if use.material.package_path:
        return MaterialView(
            use.kind_label, use.material.name, root + use.material.package_path, use.material.name, False
        )
    # The file is not in content/materials/: point at the project's downloads page.
    return MaterialView(use.kind_label, use.material.name, course.downloads_url or None, None, True)


def activity_path(activity: Activity) -> str:
    return f"activities/{activity.id}.html"


def neighbours(course: Course, activity: Activity) -> tuple[Activity | None, Activity | None]:
    activities = course.activities
    index = activities.index(activity)
    before = activities[index - 1] if index > 0 else None
    after = activities[index + 1] if index + 1 < len(activities) else None
    return before, after


def unit_of(course: Course, activity: Activity) -> Unit:
    return next(u for u in course.units if u.id == activity.unit_id)


def render_activity(
    course: Course,
    activity: Activity,
    *,
    root: str = "../",
    standalone_nav: bool = True,
    standard: str = "none",
    statement_plan: dict | None = None,
) -> str:
    """One activity page. `standard` names the LMS API the runtime talks to: scorm12, scorm2004,
    xapi, cmi5 or none; xAPI and cmi5 pages carry their `statement_plan` (IRIs, verbs, definitions)."""
    before, after = neighbours(course, activity)
    return (
        environment()
        .get_template("sco/activity.html.j2")
        .render(
            course=course,
            unit=unit_of(course, activity),
            activity=activity,
            materials=[material_view(m, course, root) for m in activity.materials],
            root=root,
            standard=standard,
            statement_plan=statement_plan,
            previous=Link(root + activity_path(before), f"{before.number} {before.title}")
            if before and standalone_nav
            else None,
            next=Link(root + activity_path(after), f"{after.number} {after.title}")
            if after and standalone_nav
            else None,
            home=Link(root + "index.html", course.label or course.title) if standalone_nav else None,
        )
    )


def render_index(course: Course, standard: str = "none") -> str:
    return (
        environment()
        .get_template("html/index.html.j2")
        .render(
            course=course,
            standard=standard,
            units=[(u, [(a, activity_path(a)) for a in u.activities]) for u in course.units],
            root="",
        )
    )
