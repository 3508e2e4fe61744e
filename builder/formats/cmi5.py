"""cmi5 packages: cmi5.xml at the zip root, a block per unit, an AU per activity.

moveOn is Completed: the workshop's activities are worked, not scored, so an AU
is satisfied when the learner completes it (no masteryScore, no passed/failed).
launchMethod is AnyWindow: the pages work in a frame or a window, so the LMS may
embed them as Moodle does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lxml import etree

from ..model import Course
from ..render import TEMPLATES
from .scorm import render_manifest
from .statement_plan import ActivityEntry, activity_entry, course_entry, unit_entry
from .tincan import is_absolute_iri, profile_output, site_package

MANIFEST = "cmi5.xml"
NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
XSD = TEMPLATES / "cmi5" / "xsd" / "CourseStructure.xsd"
MOVE_ON = "Completed"
LAUNCH_METHOD = "AnyWindow"


@dataclass(frozen=True)
class Block:
    id: str
    name: str
    description: str
    aus: tuple[ActivityEntry, ...]


def cmi5_xml(course: Course) -> bytes:
    blocks = []
    for unit in course.units:
        entry = unit_entry(course, unit)
        aus = tuple(activity_entry(course, a) for a in unit.activities)
        blocks.append(Block(entry.id, entry.name, entry.description, aus))
    return render_manifest(
        "cmi5/cmi5.xml.j2",
        course=course_entry(course),
        blocks=blocks,
        language=course.language,
        move_on=MOVE_ON,
        launch_method=LAUNCH_METHOD,
    )


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def cmi5_problems(files: dict[str, bytes]) -> list[str]:
    """The official XSD, then what it cannot check: unique IRIs, AU URLs in the package."""
    root = etree.fromstring(files[MANIFEST])
    xsd = schema()
    problems = [] if xsd.validate(root) else [f"line {e.line}: {e.message}" for e in xsd.error_log]
    ns = {"c": NAMESPACE}
    ids = [e.get("id") for e in root.iter(f"{{{NAMESPACE}}}course", f"{{{NAMESPACE}}}block", f"{{{NAMESPACE}}}au")]
    problems += [f"id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"id {i!r} is not an absolute IRI" for i in ids if not is_absolute_iri(i)]
    for element in root.iterfind(".//c:au", ns):
        url = (element.findtext("c:url", namespaces=ns) or "").strip()
        if url.split("?")[0] not in files:
            problems.append(f"au {element.get('id')!r}: url {url!r} is not in the package")
        if not is_absolute_iri(element.get("activityType")):
            problems.append(f"au {element.get('id')!r}: activityType is not an absolute IRI")
    return problems


def package(course: Course) -> dict[str, bytes]:
    return site_package(course, "cmi5", (MANIFEST, cmi5_xml(course)), cmi5_problems)


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    """One package whatever the split: the course structure holds every unit as a block."""
    return {f"{course.id}-cmi5.zip": package(course), **profile_output(course)}
