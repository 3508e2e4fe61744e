"""xAPI (tincan.xml) and cmi5 packages: structure, the official cmi5 XSD, golden manifests, the profile."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from builder.build import build, check
from builder.errors import BuildError
from builder.formats import cmi5, tincan
from tests.project import CONTENT, PROJECT
from xapi.iris import Iris
from xapi.profile import templates

OFFICIAL_CMI5_XSD = PROJECT / "scorm_templates" / "cmi5" / "xsd" / "CourseStructure.xsd"  # checked against SHA256SUMS
COURSE = check(CONTENT).course
IRIS = Iris(COURSE.base_iri)
TINCAN = {"t": "http://projecttincan.com/tincan.xsd"}
CMI5 = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}


def read(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture(scope="module")
def xapi_built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xapi")
    build(CONTENT, out, ["xapi", "cmi5"])
    return out


def test_tincan_xml_leads_the_zip_at_its_root(xapi_built):
    with zipfile.ZipFile(xapi_built / "mq-pr3-xapi.zip") as archive:
        assert archive.namelist()[0] == "tincan.xml"
        assert "index.html" in archive.namelist()


def test_the_first_tincan_activity_is_the_course_and_the_only_one_that_launches(xapi_built):
    root = etree.fromstring(read(xapi_built / "mq-pr3-xapi.zip")["tincan.xml"])
    activities = root.findall("t:activities/t:activity", TINCAN)
    assert activities[0].get("id") == IRIS.course("mq-pr3")
    assert activities[0].get("type") == "http://adlnet.gov/expapi/activities/course"
    assert activities[0].findtext("t:launch", namespaces=TINCAN) == "index.html"
    assert [a for a in activities if a.find("t:launch", TINCAN) is not None] == activities[:1]


def test_tincan_xml_lists_every_unit_activity_and_canvas_by_its_stable_iri(xapi_built):
    root = etree.fromstring(read(xapi_built / "mq-pr3-xapi.zip")["tincan.xml"])
    ids = [a.get("id") for a in root.findall("t:activities/t:activity", TINCAN)]
    expected = {IRIS.unit(u.id) for u in COURSE.units} | {IRIS.activity(a.id) for a in COURSE.activities}
    expected |= {IRIS.canvas(a.canvas.id) for a in COURSE.activities if a.canvas}
    assert expected <= set(ids)
    assert len(ids) == len(set(ids)) == 1 + len(expected)


def test_tincan_xml_matches_the_golden_file(xapi_built, golden):
    golden("xapi/tincan.xml", read(xapi_built / "mq-pr3-xapi.zip")["tincan.xml"])


def test_cmi5_xml_validates_against_the_official_xsd(xapi_built):
    schema = etree.XMLSchema(etree.parse(str(OFFICIAL_CMI5_XSD)))
    manifest = etree.fromstring(read(xapi_built / "mq-pr3-cmi5.zip")["cmi5.xml"])
    assert schema.validate(manifest), schema.error_log


def test_cmi5_xml_is_a_block_per_unit_and_an_au_per_activity(xapi_built):
    files = read(xapi_built / "mq-pr3-cmi5.zip")
    root = etree.fromstring(files["cmi5.xml"])
    assert next(iter(files)) == "cmi5.xml"
    blocks = root.findall("c:block", CMI5)
    assert [b.get("id") for b in blocks] == [IRIS.unit(u.id) for u in COURSE.units]
    aus = root.findall("c:block/c:au", CMI5)
    assert [a.get("id") for a in aus] == [IRIS.activity(a.id) for a in COURSE.activities]
    for au in aus:
        assert au.get("moveOn") == "Completed"
        assert au.get("launchMethod") == "AnyWindow"
        assert au.findtext("c:url", namespaces=CMI5) in files


def test_cmi5_xml_matches_the_golden_file(xapi_built, golden):
    golden("cmi5/cmi5.xml", read(xapi_built / "mq-pr3-cmi5.zip")["cmi5.xml"])


def test_the_builder_refuses_a_cmi5_xml_the_xsd_rejects():
    files = cmi5.package(COURSE)
    files["cmi5.xml"] = files["cmi5.xml"].replace(b'moveOn="Completed"', b'moveOn="Done"', 1)
    assert any("moveOn" in problem for problem in cmi5.cmi5_problems(files))


def test_the_builder_refuses_duplicate_ids_and_missing_launch_files():
    files = tincan.package(COURSE)
    text = files["tincan.xml"].replace(IRIS.unit("u2").encode(), IRIS.unit("u1").encode())
    problems = tincan.tincan_problems({**files, "tincan.xml": text})
    assert any("used twice" in p for p in problems)
    del files["index.html"]
    assert any("index.html" in p for p in tincan.tincan_problems(files))
    with pytest.raises(BuildError):
        tincan.check_package("x.zip", tincan.tincan_problems(files))


def test_xapi_and_cmi5_builds_are_byte_identical(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build(CONTENT, first, ["xapi", "cmi5"])
    build(CONTENT, second, ["xapi", "cmi5"])
    for name in ("mq-pr3-xapi.zip", "mq-pr3-cmi5.zip", "mq-pr3-xapi-profile.jsonld"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_packages_carry_no_credentials_or_lrs_address(xapi_built):
    for name in ("mq-pr3-xapi.zip", "mq-pr3-cmi5.zip"):
        for path, data in read(xapi_built / name).items():
            text = data.decode("utf-8", "replace")
            assert not re.search(r"Basic [A-Za-z0-9+/=]{8,}", text), (name, path)
            for needle in ("127.0.0.1", "localhost", "password", "secret"):
                assert needle not in text, (name, path, needle)


def test_every_page_of_a_package_carries_its_statement_plan(xapi_built):
    files = read(xapi_built / "mq-pr3-cmi5.zip")
    page = files["activities/u3-a1.html"].decode()
    plan = json.loads(page.split('id="mq-statements">', 1)[1].split("</script>", 1)[0])
    assert plan["activity"]["id"] == IRIS.activity("u3-a1")
    assert plan["canvas"]["id"].startswith(IRIS.canvas(""))
    assert plan["cmi5"]["extensions"]["sessionid"] == "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
    assert "static/lms.js" not in page and "static/xapi.js" in page


def test_the_profile_is_a_json_ld_xapi_profile_with_a_template_per_statement(xapi_built):
    profile = json.loads((xapi_built / "mq-pr3-xapi-profile.jsonld").read_text(encoding="utf-8"))
    assert profile["@context"] == "https://w3id.org/xapi/profiles/context"
    assert profile["type"] == "Profile"
    assert profile["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    assert profile["versions"][0]["id"] == IRIS.profile_version
    assert {t["id"].rsplit("/", 1)[1] for t in profile["templates"]} == {t.name for t in templates(IRIS)}
    for item in profile["concepts"] + profile["templates"] + profile["patterns"]:
        assert item["inScheme"] == IRIS.profile_version
    ids = {t["id"] for t in profile["templates"]} | {p["id"] for p in profile["patterns"]}
    for pattern in profile["patterns"]:
        members = [pattern[k] for k in ("alternates", "sequence") if k in pattern]
        members = [m for group in members for m in group]
        members += [pattern[k] for k in ("optional", "zeroOrMore", "oneOrMore") if k in pattern]
        assert members and set(members) <= ids, pattern["id"]
        assert not pattern.get("primary") or ("prefLabel" in pattern and "definition" in pattern)
