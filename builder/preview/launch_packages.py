"""xAPI (tincan.xml) and cmi5 (cmi5.xml) zip packages as an LMS reads them to launch them.

`read_launch_package` reads every entry of the zip into memory and what the LMS needs
from the manifest: for tincan.xml the first <activity> (its id is the tracked activity,
its <launch> the page to open, as mod_tincanlaunch reads it); for cmi5.xml the course id
and every <au> with its url, moveOn, masteryScore and launchParameters (cmi5 §13.1.4).
Manifests are parsed without entities or network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import MicroquestError
from .local_server import package_name, read_zip

TINCAN = "{http://projecttincan.com/tincan.xsd}"
CMI5 = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"


class LaunchError(MicroquestError):
    """A package cannot be launched, or the launch could not be recorded."""


@dataclass(frozen=True)
class Au:
    """One assignable unit of cmi5.xml (§13.1.4)."""

    id: str
    title: str
    url: str
    move_on: str
    mastery_score: float | None = None
    launch_parameters: str | None = None


@dataclass(frozen=True)
class LaunchPackage:
    name: str
    kind: str  # "xapi" (tincan.xml) or "cmi5" (cmi5.xml)
    title: str
    activity_id: str  # tincan.xml's first activity; cmi5.xml's course
    launch: str  # tincan.xml's first activity's <launch>; "" for cmi5
    aus: tuple[Au, ...]
    files: dict[str, bytes]

    def au(self, au_id: str) -> Au:
        found = next((au for au in self.aus if au.id == au_id), None)
        if found is None:
            raise LaunchError(f"{self.name}: no AU {au_id!r} in cmi5.xml")
        return found


def read_launch_package(path: Path) -> LaunchPackage:
    """Every entry of an xAPI or cmi5 zip, in memory, with what its tincan.xml or cmi5.xml says."""
    path = Path(path)
    files = read_zip(path, LaunchError)
    if "tincan.xml" in files:
        return _tincan_package(path, files)
    if "cmi5.xml" in files:
        return _cmi5_package(path, files)
    raise LaunchError(f"{path}: neither tincan.xml nor cmi5.xml at the root of the zip")


def _parse(path: Path, name: str, xml: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise LaunchError(f"{path}: {name}: {error}") from None


def _text(element: Any, path: str) -> str:
    return " ".join((element.findtext(path) or "").split())


def _tincan_package(path: Path, files: dict[str, bytes]) -> LaunchPackage:
    root = _parse(path, "tincan.xml", files["tincan.xml"])
    # mod_tincanlaunch reads only the first activity: the course, with the launch.
    first = root.find(f"{TINCAN}activities/{TINCAN}activity")
    if first is None or not first.get("id") or not _text(first, f"{TINCAN}launch"):
        raise LaunchError(f"{path}: tincan.xml: the first <activity> needs an id and a <launch>")
    title = _text(first, f"{TINCAN}name") or package_name(path)
    return LaunchPackage(package_name(path), "xapi", title, first.get("id"), _text(first, f"{TINCAN}launch"), (), files)


def _cmi5_package(path: Path, files: dict[str, bytes]) -> LaunchPackage:
    root = _parse(path, "cmi5.xml", files["cmi5.xml"])
    course = root.find(f"{CMI5}course")
    if course is None or not course.get("id"):
        raise LaunchError(f"{path}: cmi5.xml: no <course> with an id")
    aus = []
    for au in root.iter(f"{CMI5}au"):
        if not au.get("id") or not _text(au, f"{CMI5}url"):
            raise LaunchError(f"{path}: cmi5.xml: every <au> needs an id and a <url> (line {au.sourceline})")
        parameters = au.findtext(f"{CMI5}launchParameters")
        try:
            mastery = float(au.get("masteryScore")) if au.get("masteryScore") else None
        except ValueError:
            raise LaunchError(f"{path}: cmi5.xml: masteryScore {au.get('masteryScore')!r} is not a decimal") from None
        aus.append(
            Au(
                au.get("id").strip(),
                _text(au, f"{CMI5}title/{CMI5}langstring") or au.get("id"),
                _text(au, f"{CMI5}url"),
                au.get("moveOn") or "NotApplicable",
                mastery,
                parameters.strip() if parameters and parameters.strip() else None,
            )
        )
    if not aus:
        raise LaunchError(f"{path}: cmi5.xml has no <au>")
    title = _text(course, f"{CMI5}title/{CMI5}langstring") or package_name(path)
    return LaunchPackage(package_name(path), "cmi5", title, course.get("id").strip(), "", tuple(aus), files)
