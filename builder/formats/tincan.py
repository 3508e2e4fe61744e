"""xAPI packages (tincan.xml), for Moodle's mod_tincanlaunch and any LMS that launches with Rustici's parameters.

One launch for the whole course: the first <activity> is the course (the only one
mod_tincanlaunch reads) and carries the launch; units, activities and canvases
follow so an LRS can show their names. The hierarchy travels in each statement's
context, not in tincan.xml (which is a flat list).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from lxml import etree

from xapi.profile import profile_document

from ..model import Course
from . import html
from .scorm import check_package, render_manifest
from .statement_plan import activity_entry, canvas_entries, course_entry, iris, unit_entry

MANIFEST = "tincan.xml"
NAMESPACE = "http://projecttincan.com/tincan.xsd"
LAUNCH = "index.html"


def tincan_activities(course: Course) -> list:
    entries = [course_entry(course, launch=LAUNCH)]
    for unit in course.units:
        entries.append(unit_entry(course, unit))
        # Only the course launches: an activity's page is reached from the course's index page.
        entries += [replace(activity_entry(course, a), launch=None) for a in unit.activities]
    return entries + canvas_entries(course)


def tincan_xml(course: Course) -> bytes:
    return render_manifest("xapi/tincan.xml.j2", activities=tincan_activities(course), language=course.language)


def is_absolute_iri(value: str | None) -> bool:
    parts = urlsplit(value or "")
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in (value or "")


def tincan_problems(files: dict[str, bytes]) -> list[str]:
    """The XSD of tincan.xml is not published: its rules, checked here."""
    root = etree.fromstring(files[MANIFEST])
    ns = {"t": NAMESPACE}
    problems = []
    if root.tag != f"{{{NAMESPACE}}}tincan":
        problems.append(f"root element is {root.tag!r}, expected tincan in {NAMESPACE}")
    activities = root.findall("t:activities/t:activity", ns)
    if not activities:
        return problems + ["tincan.xml lists no activity"]
    ids = [a.get("id") for a in activities]
    problems += [f"activity id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"activity id {i!r} is not an absolute IRI" for i in ids if not is_absolute_iri(i)]
    launches = [a for a in activities if a.find("t:launch", ns) is not None]
    if launches != activities[:1]:
        problems.append("exactly one activity, the first (the course), must have <launch>")
    for activity in activities:
        if not is_absolute_iri(activity.get("type")):
            problems.append(f"activity {activity.get('id')!r}: type is not an absolute IRI")
        names = activity.findall("t:name", ns)
        if not names or any(not (n.text or "").strip() or not n.get("lang") for n in names):
            problems.append(f"activity {activity.get('id')!r}: needs a non-empty <name lang=…>")
    for launch in launches:
        href = launch.find("t:launch", ns).text or ""
        if href not in files:
            problems.append(f"launch {href!r} is not in the package")
    return problems


def site_package(
    course: Course,
    standard: str,
    manifest: tuple[str, bytes],
    problems: Callable[[dict[str, bytes]], list[str]],
) -> dict[str, bytes]:
    """The course site with the runtime of `standard` and its manifest, checked before any zip exists."""
    files = html.files(course, standard)
    files[manifest[0]] = manifest[1]
    check_package(f"{course.id}-{standard}.zip", problems(files))
    return files


def package(course: Course) -> dict[str, bytes]:
    return site_package(course, "xapi", (MANIFEST, tincan_xml(course)), tincan_problems)


def profile_bytes(course: Course) -> bytes:
    author = course.project.split(":")[0] if course.project else course.title
    document = profile_document(iris(course), course.title, course.introduction[0], author, course.language)
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def profile_output(course: Course) -> dict[str, dict[str, bytes]]:
    name = f"{course.id}-xapi-profile.jsonld"
    return {name: {name: profile_bytes(course)}}


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    """One package whatever the split: xAPI has one launch for the course."""
    return {f"{course.id}-xapi.zip": package(course), **profile_output(course)}
