"""SCORM 1.2 and SCORM 2004 zip packages as the preview LMS reads them: imsmanifest.xml and every entry.

`read_scorm_package` reads the zip into memory and parses its imsmanifest.xml
(`parse_manifest`): the SCORM version from metadata/schemaversion, the title and the item
tree of the default organization, each launchable item's URL (its resource's href, with
xml:base and the item's parameters, as SCORM CAM 3.4.1.12 says) and the CMI values the
manifest sets for it. Manifests are parsed without entities or network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..errors import MicroquestError
from .local_server import package_name, read_zip

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class PreviewError(MicroquestError):
    """A package cannot be previewed, or the server cannot start."""


@dataclass(frozen=True)
class TocItem:
    """One item of the organization: a unit (a heading) or a launchable SCO, or both."""

    identifier: str
    title: str
    launch: str | None  # package-relative URL with the item's parameters; None: not launchable
    children: tuple[TocItem, ...] = ()
    lms_data: tuple[tuple[str, str], ...] = ()  # (dotted CMI element, value) the manifest gives the SCO


@dataclass(frozen=True)
class PackageManifest:
    version: str  # "1.2" or "2004"
    title: str
    items: tuple[TocItem, ...]

    def launchable(self) -> dict[str, TocItem]:
        found: dict[str, TocItem] = {}

        def walk(items: tuple[TocItem, ...]) -> None:
            for item in items:
                if item.launch is not None:
                    found[item.identifier] = item
                walk(item.children)

        walk(self.items)
        return found


@dataclass(frozen=True)
class ScormPackage:
    name: str
    path: Path
    files: dict[str, bytes]
    manifest: PackageManifest


def read_scorm_package(path: Path) -> ScormPackage:
    """Every entry of a SCORM zip, in memory, and its parsed imsmanifest.xml."""
    path = Path(path)
    files = read_zip(path, PreviewError)
    if "imsmanifest.xml" not in files:
        raise PreviewError(f"{path}: not a SCORM package: no imsmanifest.xml at the root of the zip")
    manifest = parse_manifest(files["imsmanifest.xml"], f"{path}:imsmanifest.xml")
    for item in manifest.launchable().values():
        entry = unquote(urlsplit(item.launch or "").path)
        if entry not in files:
            raise PreviewError(f"{path}: item {item.identifier!r} launches {entry!r}, which is not in the zip")
    return ScormPackage(package_name(path), path, files, manifest)


# ---------------------------------------------------------------- imsmanifest.xml


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child(element: Any, name: str) -> Any | None:
    return next((c for c in element if _local(c) == name), None)


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if _local(c) == name]


def _text(element: Any | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _attribute(element: Any, name: str) -> str | None:
    """An attribute by local name, in any namespace (adlcp:scormtype, adlcp:scormType …)."""
    for key, value in element.attrib.items():
        if etree.QName(key).localname == name:
            return value
    return None


def scorm_version(schemaversion: str) -> str | None:
    """ "1.2" or "2004" from metadata/schemaversion; None for anything else."""
    text = " ".join(schemaversion.split())
    if text == "1.2":
        return "1.2"
    if re.fullmatch(r"2004 \w+ Edition|CAM 1\.3", text):
        return "2004"
    return None


def launch_url(href: str, parameters: str | None) -> str:
    """The item's href with its @parameters appended as SCORM CAM 3.4.1.12 says."""
    parameters = (parameters or "").strip()
    if not parameters:
        return href
    if parameters.startswith("?"):
        return href + ("&" + parameters[1:] if "?" in href else parameters)
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return href + ("&" if "?" in href else "?") + parameters


def _lms_data(item: Any, version: str) -> tuple[tuple[str, str], ...]:
    """The CMI values the manifest sets for a SCO (launch data, mastery score, time limits …)."""
    values: list[tuple[str, str]] = []
    children = {_local(c): _text(c) for c in item if _local(c)}
    if version == "1.2":
        names = {
            "datafromlms": "cmi.launch_data",
            "masteryscore": "cmi.student_data.mastery_score",
            "maxtimeallowed": "cmi.student_data.max_time_allowed",
            "timelimitaction": "cmi.student_data.time_limit_action",
        }
    else:
        names = {
            "dataFromLMS": "cmi.launch_data",
            "timeLimitAction": "cmi.time_limit_action",
            "completionThreshold": "cmi.completion_threshold",
        }
        threshold = _child(item, "completionThreshold")
        if threshold is not None and _attribute(threshold, "minProgressMeasure"):
            children["completionThreshold"] = _attribute(threshold, "minProgressMeasure") or ""
        sequencing = _child(item, "sequencing")
        objectives = _child(sequencing, "objectives") if sequencing is not None else None
        primary = _child(objectives, "primaryObjective") if objectives is not None else None
        if primary is not None and _attribute(primary, "satisfiedByMeasure") == "true":
            measure = _text(_child(primary, "minNormalizedMeasure")) or "1.0"
            values.append(("cmi.scaled_passing_score", measure))
    values.extend((element, children[name]) for name, element in names.items() if children.get(name))
    return tuple(sorted(values))


def _resource_hrefs(root: Any) -> dict[str, str]:
    """Each resource's identifier → its href, with the xml:base of the manifest, resources and resource."""
    resources = _child(root, "resources")
    if resources is None:
        return {}
    base = (root.get(XML_BASE) or "") + (resources.get(XML_BASE) or "")
    return {
        resource.get("identifier"): base + (resource.get(XML_BASE) or "") + resource.get("href")
        for resource in _children(resources, "resource")
        if resource.get("identifier") and resource.get("href")
    }


def parse_manifest(xml: bytes, source: str = "imsmanifest.xml") -> PackageManifest:
    """The SCORM version, title and organization tree of an imsmanifest.xml."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise PreviewError(f"{source}: not well-formed XML: {error}") from None
    if _local(root) != "manifest":
        raise PreviewError(f"{source}: the root element is <{_local(root)}>, expected <manifest>")
    metadata = _child(root, "metadata")
    schemaversion = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    version = scorm_version(schemaversion)
    if version is None:
        raise PreviewError(
            f"{source}: metadata/schemaversion is {schemaversion!r}; expected '1.2' or '2004 4th Edition' (or 3rd)"
        )
    hrefs = _resource_hrefs(root)
    organizations = _child(root, "organizations")
    candidates = _children(organizations, "organization") if organizations is not None else []
    if not candidates:
        raise PreviewError(f"{source}: the manifest has no organization")
    default = organizations.get("default")
    organization = next((o for o in candidates if o.get("identifier") == default), candidates[0])

    def item_tree(element: Any) -> tuple[TocItem, ...]:
        items = []
        for item in _children(element, "item"):
            href = hrefs.get(item.get("identifierref") or "")
            items.append(
                TocItem(
                    identifier=item.get("identifier") or "",
                    title=_text(_child(item, "title")) or item.get("identifier") or "",
                    launch=launch_url(href, item.get("parameters")) if href is not None else None,
                    children=item_tree(item),
                    lms_data=_lms_data(item, version) if href is not None else (),
                )
            )
        return tuple(items)

    title = _text(_child(organization, "title")) or organization.get("identifier") or ""
    return PackageManifest(version, title, item_tree(organization))
