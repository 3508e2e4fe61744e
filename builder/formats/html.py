"""A browsable static site of the course: the preview of what every package shows.

The xAPI and cmi5 packages are this same site, its pages carrying their statement
plan and the xAPI runtime instead of the SCORM one.
"""

from __future__ import annotations

from ..model import Course
from ..render import activity_path, render_activity, render_index, static_file
from .statement_plan import STANDARDS, statement_plan

STATIC_FILES = {
    "none": ("microquest.css", "store.js", "codec.js", "lms.js", "microquest.js", "progress.js"),
    "scorm2004": ("microquest.css", "store.js", "codec.js", "lms.js", "course.js", "microquest.js", "progress.js"),
    "xapi": ("microquest.css", "store.js", "statements.js", "queue.js", "xapi.js", "microquest.js", "progress.js"),
    "cmi5": ("microquest.css", "store.js", "statements.js", "queue.js", "xapi.js", "microquest.js"),
}


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    """The site is one folder whatever the split: it previews the whole course."""
    return {"html": files(course)}


def files(course: Course, standard: str = "none") -> dict[str, bytes]:
    """The site's files. cmi5 has no index page: the LMS launches each activity (AU) itself."""
    site = {} if standard == "cmi5" else {"index.html": render_index(course, standard).encode("utf-8")}
    for activity in course.activities:
        page = render_activity(
            course,
            activity,
            standalone_nav=standard != "cmi5",
            standard=standard,
            statement_plan=statement_plan(course, activity, standard) if standard in STANDARDS else None,
        )
        site[activity_path(activity)] = page.encode("utf-8")
    for name in STATIC_FILES[standard]:
        site[f"static/{name}"] = static_file(name)
    for material in course.materials:
        if material.package_path:
            site[material.package_path] = material.file_bytes
    return site
