"""SCORM 1.2 and 2004 packages: official XSD, golden manifests, the Moodle rules that bite."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from builder.build import check
from builder.formats import scorm, scorm12, scorm2004
from tests.project import CONTENT, PROJECT

OFFICIAL_XSD = PROJECT / "scorm_templates" / "scorm12" / "xsd"  # checked against SHA256SUMS
COURSE = check(CONTENT).course
CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
CP2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"


def read(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture(scope="module")
def official_scorm12_schema():
    return etree.XMLSchema(etree.parse(str(OFFICIAL_XSD / "adlcp_rootv1p2.xsd")))


def all_packages(folder: Path, version: str) -> list[Path]:
    return sorted(folder.glob(f"*-{version}.zip"))


def test_every_scorm12_manifest_validates_against_the_official_xsd(built_packages, official_scorm12_schema):
    packages = all_packages(built_packages, "scorm12")
    assert len(packages) == 8
    for package in packages:
        manifest = etree.fromstring(read(package)["imsmanifest.xml"])
        assert official_scorm12_schema.validate(manifest), (package.name, official_scorm12_schema.error_log)


def test_the_official_xsd_rejects_what_moodle_would_mistrack(official_scorm12_schema, built_packages):
    text = read(built_packages / "mq-pr3-scorm12.zip")["imsmanifest.xml"]
    wrong_case = text.replace(b'adlcp:scormtype="sco"', b'adlcp:scormtype="SCO"', 1)
    assert not official_scorm12_schema.validate(etree.fromstring(wrong_case))


def test_scorm12_manifest_matches_the_golden_file(built_packages, golden):
    golden("scorm12/imsmanifest.xml", read(built_packages / "mq-pr3-scorm12.zip")["imsmanifest.xml"])


def test_split_scorm12_manifest_matches_the_golden_file(built_packages, golden):
    golden("scorm12/split-u3-imsmanifest.xml", read(built_packages / "mq-pr3-u3-scorm12.zip")["imsmanifest.xml"])


def test_scorm2004_manifest_matches_the_golden_file(built_packages, golden):
    golden("scorm2004/imsmanifest.xml", read(built_packages / "mq-pr3-scorm2004.zip")["imsmanifest.xml"])


def test_multi_sco_scorm2004_manifest_matches_the_golden_file(built_packages, golden):
    golden("scorm2004-multi/imsmanifest.xml", read(built_packages / "mq-pr3-scorm2004-multi.zip")["imsmanifest.xml"])


def test_the_default_scorm2004_package_is_one_sco_playing_the_course_with_its_own_navigation(built_packages):
    files = read(built_packages / "mq-pr3-scorm2004.zip")
    root = etree.fromstring(files["imsmanifest.xml"])
    items = list(root.iter(f"{{{CP2004}}}item"))
    assert [(i.get("identifier"), i.get("identifierref")) for i in items] == [("sco_mq-pr3", "res_course")]
    scos = [r for r in root.iter(f"{{{CP2004}}}resource") if "sco" in r.attrib.values()]
    assert len(scos) == 1 and scos[0].get("href") == "launch.html"
    launch = files["launch.html"].decode()
    assert " ".join(a.id for a in COURSE.activities) in launch and 'src="static/course.js"' in launch
    page = files["activities/u3-a1.html"].decode()
    assert 'data-standard="scorm2004"' in page and 'class="pager"' in page and "../index.html" in page
    unit = read(built_packages / "mq-pr3-u3-scorm2004.zip")
    assert sorted(n for n in unit if n.startswith("activities/")) == ["activities/u3-a1.html", "activities/u3-a2.html"]


@pytest.mark.parametrize("version", ["scorm12", "scorm2004", "scorm2004-multi"])
def test_manifest_follows_the_moodle_rules(built_packages, version):
    for package in all_packages(built_packages, version):
        files = read(package)
        names = list(files)
        # imsmanifest.xml at the zip root, first; Moodle rejects a nested one.
        assert names[0] == "imsmanifest.xml"
        raw = files["imsmanifest.xml"]
        root = etree.fromstring(raw)
        # Unprefixed elements: a prefixed <imscp:manifest> gives an activity with no SCOs.
        assert root.tag == f"{{{CP12 if version == 'scorm12' else CP2004}}}manifest" and root.prefix is None
        assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns=')
        expected_version = (
            b"<schemaversion>1.2</schemaversion>"
            if version == "scorm12"
            else b"<schemaversion>2004 4th Edition</schemaversion>"
        )
        assert expected_version in raw
        attribute = b"adlcp:scormtype" if version == "scorm12" else b"adlcp:scormType"
        assert raw.count(attribute + b'="sco"') == len(re.findall(rb"<item identifier=\"[^\"]+\" identifierref=", raw))
        assert b"&#" not in raw  # Moodle stores character references literally
        for title in root.iter("{*}title"):
            assert title.text == title.text.strip() and "\n" not in title.text and 0 < len(title.text) <= 200
        assert (
            scorm.package_problems(
                files,
                scorm12.NAMESPACES if version == "scorm12" else scorm2004.NAMESPACES,
                "scormtype" if version == "scorm12" else "scormType",
            )
            == []
        )


def test_sco_identifiers_are_the_content_ids(built_packages):
    root = etree.fromstring(read(built_packages / "mq-pr3-scorm12.zip")["imsmanifest.xml"])
    scos = [i.get("identifier") for i in root.iter(f"{{{CP12}}}item") if i.get("identifierref")]
    units = [i.get("identifier") for i in root.iter(f"{{{CP12}}}item") if not i.get("identifierref")]
    assert scos == [a.id for a in COURSE.activities]
    assert units == [u.id for u in COURSE.units]


def test_titles_are_slovenian_and_intact(built_packages):
    root = etree.fromstring(read(built_packages / "mq-pr3-scorm12.zip")["imsmanifest.xml"])
    titles = [t.text for t in root.iter(f"{{{CP12}}}title")]
    assert titles[0] == COURSE.title
    assert "Učna enota 4: Čas za vajo – preizkušanje mikrodokazil" in titles
    assert "3.2 Kdo je vaša ciljna skupina – persona?" in titles


def test_scorm12_package_carries_the_four_official_xsds_unchanged(built_packages):
    files = read(built_packages / "mq-pr3-scorm12.zip")
    for name in scorm12.XSD_FILES:
        assert files[name] == (OFFICIAL_XSD / name).read_bytes()


def test_scorm2004_organization_sequences_linearly_with_choice_and_flow(built_packages):
    root = etree.fromstring(read(built_packages / "mq-pr3-scorm2004-multi.zip")["imsmanifest.xml"])
    modes = root.findall(".//{http://www.imsglobal.org/xsd/imsss}controlMode")
    assert len(modes) == 1 + len(COURSE.units)
    assert all(m.get("choice") == "true" and m.get("flow") == "true" for m in modes)
    assert scorm2004.structure_problems(etree.tostring(root)) == []


def test_zip_entries_have_fixed_dates_and_permissions(built_packages):
    with zipfile.ZipFile(built_packages / "mq-pr3-scorm12.zip") as archive:
        infos = archive.infolist()
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all(i.external_attr == 0o100644 << 16 and i.create_system == 3 for i in infos)
    assert [i.filename for i in infos][1:] == sorted(i.filename for i in infos[1:])


def test_package_checks_catch_a_dangling_identifierref_and_a_missing_file(built_packages):
    files = read(built_packages / "mq-pr3-scorm12.zip")
    broken = dict(files)
    broken["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b'identifierref="res_u1-a1"', b'identifierref="res_u9"'
    )
    del broken["sco/u2-a1.html"]
    problems = scorm.package_problems(broken, scorm12.NAMESPACES, "scormtype")
    assert "item 'u1-a1': identifierref 'res_u9' names no resource" in problems
    assert "resource 'res_u2-a1': href 'sco/u2-a1.html' is not in the package" in problems


@pytest.mark.parametrize("name", ["mq-pr3-scorm2004", "mq-pr3-scorm2004-multi"])
def test_every_file_is_listed_in_a_resource(built_packages, name):
    files = read(built_packages / f"{name}.zip")
    root = etree.fromstring(files["imsmanifest.xml"])
    listed = {f.get("href") for f in root.iter(f"{{{CP2004}}}file")}
    assert listed == set(files) - {"imsmanifest.xml"}


def test_sco_pages_talk_to_their_standards_api(built_packages):
    page12 = read(built_packages / "mq-pr3-scorm12.zip")["sco/u3-a1.html"].decode()
    page2004 = read(built_packages / "mq-pr3-scorm2004-multi.zip")["sco/u3-a1.html"].decode()
    assert 'data-standard="scorm12"' in page12 and 'data-standard="scorm2004"' in page2004
    assert '<script src="../static/lms.js"></script>' in page12
