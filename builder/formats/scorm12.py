"""SCORM 1.2 packages: what Moodle certifies, and what its mobile app plays."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from ..model import Course
from ..render import TEMPLATES
from . import scorm

NAMESPACES = {
    "cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
}
XSD_FOLDER = TEMPLATES / "scorm12" / "xsd"
# Shipped beside imsmanifest.xml, byte for byte: xsi:schemaLocation names them by relative path.
XSD_FILES = ("adlcp_rootv1p2.xsd", "ims_xml.xsd", "imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd")


@cache
def schema() -> etree.XMLSchema:
    # adlcp_rootv1p2.xsd imports imscp and ims_xml; the manifests carry no inline LOM.
    return etree.XMLSchema(etree.parse(str(Path(XSD_FOLDER) / "adlcp_rootv1p2.xsd")))


def xsd_problems(manifest: bytes) -> list[str]:
    xsd = schema()
    if xsd.validate(etree.fromstring(manifest)):
        return []
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]


def package(course: Course, units, identifier: str, title: str) -> dict[str, bytes]:
    manifest = scorm.manifest_model(course, units, identifier, title)
    files = {scorm.MANIFEST: scorm.render_manifest("scorm12/imsmanifest.xml.j2", manifest=manifest)}
    files.update(scorm.sco_pages(course, units, "scorm12"))
    files.update(scorm.shared_files(course))
    files.update({name: (XSD_FOLDER / name).read_bytes() for name in XSD_FILES})
    return files


def problems(files: dict[str, bytes]) -> list[str]:
    return xsd_problems(files[scorm.MANIFEST]) + scorm.package_problems(files, NAMESPACES, "scormtype")


def outputs(course: Course, split: str | None = None) -> dict[str, dict[str, bytes]]:
    return scorm.outputs(course, split, format_name="scorm12", package=package, problems=problems)
