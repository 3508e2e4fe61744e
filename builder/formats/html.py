"""A browsable static site of the course: the preview of what every package shows."""

from __future__ import annotations

from ..model import Course
from ..render import activity_path, render_activity, render_index, static_file

STATIC_FILES = ("microquest.css", "lms.js", "microquest.js")


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    """The site is one folder whatever the split: it previews the whole course."""
    return {"html": files(course)}


def files(course: Course) -> dict[str, bytes]:
    site = {"index.html": render_index(course).encode("utf-8")}
    for activity in course.activities:
        site[activity_path(activity)] = render_activity(course, activity).encode("utf-8")
    for name in STATIC_FILES:
        site[f"static/{name}"] = static_file(name)
    for material in course.materials:
        if material.package_path:
            site[material.package_path] = material.file_bytes
    return site
