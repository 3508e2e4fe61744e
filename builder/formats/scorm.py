"""What SCORM 1.2 and SCORM 2004 share: the manifest's content, the SCO pages, the checks.

One SCO per activity, grouped in an item per unit. Identifiers come from the
content ids, so re-importing a newer build keeps every learner's tracks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

from ..errors import BuildError
from ..model import Activity, Course, Unit
from ..render import environment, render_activity, static_file

RUNTIME_FILES = (
    "static/microquest.css",
    "static/store.js",
    "static/codec.js",
    "static/lms.js",
    "static/microquest.js",
)
MANIFEST = "imsmanifest.xml"
# Content ids never contain "_", so these prefixes cannot collide with them.
RESOURCE_PREFIX = "res_"
SHARED_RESOURCE = "res_shared"
# IMS CP 1.1.2 caps titles at 200 characters; Moodle at 255.
MAX_TITLE = 200


@dataclass(frozen=True)
class ScoEntry:
    identifier: str
    resource: str
    href: str
    title: str


@dataclass(frozen=True)
class UnitEntry:
    identifier: str
    title: str
    scos: tuple[ScoEntry, ...]


@dataclass(frozen=True)
class Manifest:
    identifier: str
    version: str
    organization: str
    title: str
    units: tuple[UnitEntry, ...]
    shared_resource: str
    shared_files: tuple[str, ...]
    # The single-SCO form (SCORM 2004's default): one SCO for the whole course, units = ().
    course_sco: ScoEntry | None = None


def sco_path(activity: Activity) -> str:
    return f"sco/{activity.id}.html"


def sco_title(activity: Activity) -> str:
    return f"{activity.number} {activity.title}"


def unit_title(unit: Unit) -> str:
    return f"Učna enota {unit.number}: {unit.title}"


def shared_files(course: Course) -> dict[str, bytes]:
    files = {name: static_file(name.removeprefix("static/")) for name in RUNTIME_FILES}
    for material in course.materials:
        if material.package_path:
            files[material.package_path] = material.file_bytes
    return files


def manifest_model(course: Course, units: Iterable[Unit], identifier: str, title: str) -> Manifest:
    entries = tuple(
        UnitEntry(
            identifier=unit.id,
            title=unit_title(unit),
            scos=tuple(ScoEntry(a.id, RESOURCE_PREFIX + a.id, sco_path(a), sco_title(a)) for a in unit.activities),
        )
        for unit in units
    )
    return Manifest(
        identifier=identifier,
        version="1",
        organization=f"org_{identifier}",
        title=title,
        units=entries,
        shared_resource=SHARED_RESOURCE,
        shared_files=tuple(sorted(shared_files(course))),
    )


def course_manifest_model(files: dict[str, bytes], identifier: str, title: str, launch: str) -> Manifest:
    """One SCO for the whole course: its launch page, every other file an asset it depends on."""
    return Manifest(
        identifier=identifier,
        version="1",
        organization=f"org_{identifier}",
        title=title,
        units=(),
        shared_resource=SHARED_RESOURCE,
        shared_files=tuple(sorted(name for name in files if name != launch)),
        course_sco=ScoEntry(f"sco_{identifier}", f"{RESOURCE_PREFIX}course", launch, title),
    )


def render_manifest(template: str, **context: object) -> bytes:
    """A manifest (imsmanifest.xml, tincan.xml, cmi5.xml), re-serialised by lxml: UTF-8 text,
    no character references (Moodle stores them literally)."""
    text = environment().get_template(template).render(**context)
    tree = etree.fromstring(text.encode("utf-8"), etree.XMLParser(remove_blank_text=False))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(tree, encoding="UTF-8") + b"\n"


def sco_pages(course: Course, units: Iterable[Unit], standard: str) -> dict[str, bytes]:
    return {
        sco_path(activity): render_activity(
            course, activity, root="../", standalone_nav=False, standard=standard
        ).encode("utf-8")
        for unit in units
        for activity in unit.activities
    }


def package_problems(files: dict[str, bytes], namespaces: dict[str, str], scorm_type: str) -> list[str]:
    """What the XSDs cannot check: references that resolve, files that exist, titles Moodle accepts."""
    root = etree.fromstring(files[MANIFEST])
    ns = {"cp": namespaces["cp"], "adlcp": namespaces["adlcp"]}
    problems = []
    ids = [e.get("identifier") for e in root.iter() if e.get("identifier") is not None]
    problems += [f"identifier {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resource", ns)}
    organizations = {o.get("identifier") for o in root.iterfind(".//cp:organization", ns)}
    default = root.find("cp:organizations", ns).get("default")
    if default not in organizations:
        problems.append(f"organizations/@default {default!r} names no organization")
    for item in root.iterfind(".//cp:item", ns):
        ref = item.get("identifierref")
        if ref is not None and ref not in resources:
            problems.append(f"item {item.get('identifier')!r}: identifierref {ref!r} names no resource")
    for element in root.iterfind(".//cp:title", ns):
        title = element.text or ""
        if title != title.strip() or "\n" in title or not title or len(title) > MAX_TITLE:
            problems.append(f"title {title!r}: expected one line of 1–{MAX_TITLE} characters without outer spaces")
    listed = set()
    for identifier, resource in resources.items():
        kind = resource.get(f"{{{ns['adlcp']}}}{scorm_type}")
        if kind not in ("sco", "asset"):
            problems.append(f"resource {identifier!r}: adlcp:{scorm_type} is {kind!r}, expected 'sco' or 'asset'")
        for file in resource.iterfind("cp:file", ns):
            listed.add(file.get("href"))
        for dependency in resource.iterfind("cp:dependency", ns):
            if dependency.get("identifierref") not in resources:
                problems.append(
                    f"resource {identifier!r}: dependency {dependency.get('identifierref')!r} names no resource"
                )
        href = resource.get("href")
        if href is not None and href not in files:
            problems.append(f"resource {identifier!r}: href {href!r} is not in the package")
    problems += [f"file {name!r} is listed but not in the package" for name in sorted(listed - set(files))]
    unlisted = {n for n in files if n != MANIFEST and not n.endswith(".xsd")} - listed
    problems += [f"file {name!r} is in the package but in no resource" for name in sorted(unlisted)]
    return problems


def check_package(name: str, problems: list[str]) -> None:
    if problems:
        # A bug in microquest, not a user's mistake: stop before any zip exists.
        raise BuildError(f"{name}: invalid package: " + "; ".join(problems))


def package_names(course: Course, format_name: str, split: str | None) -> list[tuple[str, str, tuple[Unit, ...], str]]:
    """(zip name, manifest identifier, units, title) of each package to build."""
    if split == "unit":
        return [
            (f"{course.id}-{unit.id}-{format_name}.zip", f"{course.id}-{unit.id}", (unit,), unit_title(unit))
            for unit in course.units
        ]
    return [(f"{course.id}-{format_name}.zip", course.id, course.units, course.title)]


def outputs(
    course: Course,
    split: str | None,
    *,
    format_name: str,
    package: Callable[[Course, tuple[Unit, ...], str, str], dict[str, bytes]],
    problems: Callable[[dict[str, bytes]], list[str]],
) -> dict[str, dict[str, bytes]]:
    """Every package of one SCORM version, each checked before it is returned."""
    built = {}
    for name, identifier, units, title in package_names(course, format_name, split):
        files = package(course, units, identifier, title)
        check_package(name, problems(files))
        built[name] = files
    return built
