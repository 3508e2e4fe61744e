"""SCORM 2004 4th Edition packages, in two forms.

`scorm2004` (the default) is one SCO for the whole course: Moodle's own 2004 runtime
keeps one API object per player page and refuses every Initialize after the first
SCO's Terminate (error 104), so a package of many SCOs records only the first one a
learner opens there. The SCO's launch page (launch.html, course.js) holds the one
session and shows the course's own pages (index and activities, with their own
navigation, as the html site has them) in a frame; every answer of the course goes
into its 64000 characters of suspend_data, each activity done is an objective.

`scorm2004-multi` is one SCO per activity in an item per unit, with simple linear
sequencing (choice and flow), for LMSs that give each SCO a fresh API; every SCO also
works launched on its own, in any order. No complete public copy of the official 4th Edition XSD set
could be found (every one misses the imsss includes), so the manifest is checked
structurally here.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from ..model import Course
from ..render import environment
from . import html, scorm

NAMESPACES = {
    "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
}


def structure_problems(manifest: bytes) -> list[str]:
    """The rules of the CAM book an XSD would check for this manifest's small vocabulary."""
    root = etree.fromstring(manifest)
    ns = NAMESPACES
    problems = []
    version = root.findtext("cp:metadata/cp:schemaversion", namespaces=ns)
    if version != "2004 4th Edition":
        problems.append(f"schemaversion is {version!r}, expected '2004 4th Edition'")
    if root.findtext("cp:metadata/cp:schema", namespaces=ns) != "ADL SCORM":
        problems.append("metadata/schema must be 'ADL SCORM'")
    for resource in root.iterfind(".//cp:resource", ns):
        if resource.get("type") != "webcontent":
            problems.append(f"resource {resource.get('identifier')!r}: type must be 'webcontent'")
    for control in root.iterfind(".//imsss:controlMode", ns):
        if control.get("choice") != "true" or control.get("flow") != "true":
            problems.append("controlMode must allow choice and flow")
    for item in root.iterfind(".//cp:item", ns):
        children = [etree.QName(c).localname for c in item]
        if children[:1] != ["title"]:
            problems.append(f"item {item.get('identifier')!r}: title must come first")
        if "sequencing" in children and children.index("sequencing") < len(children) - 1:
            problems.append(f"item {item.get('identifier')!r}: imsss:sequencing must follow the items")
    return problems


LAUNCH = "launch.html"


def course_package(course: Course, units, identifier: str, title: str) -> dict[str, bytes]:
    """The single-SCO form: the course's pages as the html site has them, played from launch.html."""
    part = course if tuple(units) == course.units else replace(course, units=tuple(units))
    files = html.files(part, "scorm2004")
    launch = environment().get_template("scorm2004/launch.html.j2")
    files[LAUNCH] = launch.render(course=part, title=title).encode("utf-8")
    manifest = scorm.course_manifest_model(files, identifier, title, LAUNCH)
    files[scorm.MANIFEST] = scorm.render_manifest("scorm2004/imsmanifest.xml.j2", manifest=manifest)
    return files


def multi_sco_package(course: Course, units, identifier: str, title: str) -> dict[str, bytes]:
    manifest = scorm.manifest_model(course, units, identifier, title)
    files = {scorm.MANIFEST: scorm.render_manifest("scorm2004/imsmanifest.xml.j2", manifest=manifest)}
    files.update(scorm.sco_pages(course, units, "scorm2004"))
    files.update(scorm.shared_files(course))
    return files


def problems(files: dict[str, bytes]) -> list[str]:
    return structure_problems(files[scorm.MANIFEST]) + scorm.package_problems(files, NAMESPACES, "scormType")


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    return scorm.outputs(course, split, format_name="scorm2004", package=course_package, problems=problems)


def multi_outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    return scorm.outputs(course, split, format_name="scorm2004-multi", package=multi_sco_package, problems=problems)
