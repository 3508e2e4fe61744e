"""The Europass (ELM 3.1) export of an award, and its conformance to the official EDC SHACL shapes (offline)."""

from __future__ import annotations

import base64
import copy
import json
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from credentials import europass, europass_check
from credentials.document import assessment_types, criteria_narrative
from credentials.europass import ELM_DIR, ElmExportError, elm_json, european_credential
from credentials.europass_check import ElmExporter, check_conforms, conformance_problems
from credentials.issuer import IssuerError, IssuerIdentity
from tests.credentials.conftest import AGENT, AWARDED_AT, CREDENTIAL_ID

IDENTITY = IssuerIdentity(
    name="Šolski center Primer",
    url="https://www.primer.si/",
    country="SI",
    legal_name="Šolski center Primer, Ljubljana",
    id_registration="1234567000",
)
SAMPLE = ELM_DIR / "Sample-MC-Annex1-signed.payload.json"
TITLE_PATH = "http://purl.org/dc/terms/title"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation is offline: any attempt to open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def elm(course) -> dict[str, Any]:
    return european_credential(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, IDENTITY)


def _export(course, agent: dict[str, Any] = AGENT, identity: IssuerIdentity = IDENTITY, **kwargs: Any):
    return european_credential(course, course.credential, agent, AWARDED_AT, CREDENTIAL_ID, identity, **kwargs)


def _claim(document: dict[str, Any]) -> dict[str, Any]:
    return document["credentialSubject"]["hasClaim"]


def _spec(document: dict[str, Any]) -> dict[str, Any]:
    return _claim(document)["specifiedBy"]


# --- conformance -------------------------------------------------------------------------------


def test_the_export_of_the_real_course_conforms(elm):
    assert conformance_problems(elm) == []
    check_conforms(elm)


def test_the_official_annex_i_sample_conforms():
    """Positive control: the validator set up this way accepts the EU's own micro-credential."""
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert sample["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert conformance_problems(sample) == []


def test_an_export_without_its_title_does_not_conform(elm):
    broken = copy.deepcopy(elm)
    del _claim(broken)["title"]
    problems = conformance_problems(broken)
    assert len(problems) >= 1
    assert any(p.path == TITLE_PATH and p.shape.endswith("/LearningAchievement-dc_title") for p in problems), problems
    with pytest.raises(ElmExportError, match="LearningAchievement-dc_title"):
        check_conforms(broken)


OTHER_LANGUAGE = {
    "id": "http://example.org/languages/sl",
    "type": "Concept",
    "inScheme": {"id": "http://example.org/languages", "type": "ConceptScheme"},
}


def _drop_eidas(document: dict[str, Any]) -> None:
    # The issuer and the awarding body are one node (one id): drop it from both.
    document["issuer"].pop("eIDASIdentifier")
    _claim(document)["awardedBy"]["awardingBody"].pop("eIDASIdentifier")


@pytest.mark.parametrize(
    ("what", "edit", "path"),
    [
        ("issuer without its legal identifier", _drop_eidas, "eidasLegalIdentifier"),
        ("no date of issuing", lambda d: d.pop("issued"), "https://www.w3.org/2018/credentials#issued"),
        ("a date that is no date", lambda d: d.update(validFrom="2. 6. 2025"), "credentials#validFrom"),
        (
            "an outcome without its text",
            lambda d: _spec(d)["learningOutcome"][0].pop("title"),
            TITLE_PATH,
        ),
        (
            "a language outside the EU list",
            lambda d: _spec(d).update(language=OTHER_LANGUAGE),
            "http://www.w3.org/2004/02/skos/core#inScheme",
        ),
    ],
    ids=["no eIDAS identifier", "no issued", "bad date", "outcome without text", "language not from the NAL"],
)
def test_other_breakages_are_caught(elm, what: str, edit, path: str):
    broken = copy.deepcopy(elm)
    edit(broken)
    problems = conformance_problems(broken)
    assert any(path in p.path for p in problems), (what, problems)


@pytest.mark.parametrize(
    "agent",
    [
        {"objectType": "Agent", "account": {"homePage": "https://moodle.primer.si", "name": "anovak"}, "name": "Ana"},
        {"objectType": "Agent", "openid": "https://id.primer.si/anovak"},
        {"objectType": "Agent", "mbox_sha1sum": "a" * 40, "name": "Ana Novak"},
        {"objectType": "Agent", "mbox": "mailto:ana@primer.si"},
    ],
    ids=["account", "openid", "mbox_sha1sum", "mbox without a name"],
)
def test_every_kind_of_learner_conforms(course, agent: dict[str, Any]):
    document = _export(course, agent)
    assert conformance_problems(document) == []
    person = document["credentialSubject"]
    if "mbox" in agent:
        assert person["contactPoint"]["emailAddress"]["id"] == agent["mbox"]
    else:
        assert "contactPoint" not in person
        assert person["identifier"]["notation"] in json.dumps(agent)
    assert ("fullName" in person) == ("name" in agent)


def test_level_ects_and_expiry_conform(course_with_level_and_ects):
    """credential.yaml stating EQF 5 and 0.5 ECTS: a Qualification (the ELM 3.1 class with EQFLevel) with credit points."""
    course = course_with_level_and_ects
    document = _export(course, valid_until=AWARDED_AT + timedelta(days=365))
    spec = _spec(document)
    assert spec["type"] == "Qualification"
    assert spec["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/5"
    assert spec["eqfLevel"]["inScheme"]["id"] == "http://data.europa.eu/snb/eqf/25831c2"
    assert spec["creditPoint"]["point"] == "0.5"
    assert spec["creditPoint"]["framework"]["id"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"
    assert document["validUntil"] == document["expirationDate"] == "2026-06-02T09:30:00Z"
    assert conformance_problems(document) == []


# --- the EU elements, from the same inputs as the OB credential --------------------------------


def test_the_eleven_eu_elements(course, elm):
    credential = course.credential
    elements = credential.elements
    claim, spec, issuer = _claim(elm), _spec(elm), elm["issuer"]
    # 1 learner
    assert elm["credentialSubject"]["type"] == "Person"
    assert elm["credentialSubject"]["fullName"] == {"sl": "Ana Novak"}
    assert elm["credentialSubject"]["contactPoint"]["emailAddress"]["id"] == "mailto:Ana.Novak@example.si"
    # 2 title
    assert claim["title"] == spec["title"] == elm["displayParameter"]["title"] == {"sl": elements["title"]}
    # 3 country of the issuer, 4 awarding body: the provider's, not the curriculum's
    body = claim["awardedBy"]["awardingBody"]
    assert body == issuer
    assert body["location"]["address"]["countryCode"]["id"] == (
        "http://publications.europa.eu/resource/authority/country/SVN"
    )
    assert body["legalName"] == {"sl": "Šolski center Primer, Ljubljana"}
    assert body["altLabel"] == {"sl": "Šolski center Primer"}
    assert body["homepage"]["contentURL"] == "https://www.primer.si/"
    assert body["registration"]["notation"] == body["eIDASIdentifier"]["notation"] == "1234567000"
    assert elements["awarding_body"]["name"] not in json.dumps(elm, ensure_ascii=False)
    # 5 date of issuing
    issued = "2025-06-02T09:30:00Z"
    assert elm["issued"] == elm["issuanceDate"] == elm["validFrom"] == claim["awardedBy"]["awardingDate"] == issued
    # 6 learning outcomes: every outcome of the listed activities, in order, word for word
    activities = {a.id: a for a in course.activities}
    expected = [o for i in elements["learning_outcomes"]["activities"] for o in activities[i].outcomes]
    assert [o["title"] for o in spec["learningOutcome"]] == [{"sl": text} for text in expected]
    assert len(expected) == 36
    assert len({o["id"] for o in spec["learningOutcome"]}) == 36
    # 7 notional workload
    assert spec["volumeOfLearning"] == "PT12H"
    assert "creditPoint" not in spec  # the seed states no ECTS
    # 8 level: the seed states none and neither does this provider, so none
    assert spec["type"] == "LearningAchievementSpecification"
    assert "eqfLevel" not in spec
    # 9 type of assessment
    assessment = spec["provenBy"]
    assert assessment["type"] == "LearningAssessmentSpecification"
    assert assessment["description"] == {"sl": "\n".join(assessment_types(course, credential))}
    # 10 form of participation: blended
    assert spec["mode"]["id"] == "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
    assert spec["mode"]["prefLabel"] == {"en": "Blended"}
    # 11 quality assurance: internal, the MICRO QUEST model (unit 2)
    notes = [note["noteLiteral"]["sl"] for note in spec["additionalNote"]]
    unit_title = {u.id: u.title for u in course.units}["u2"]
    assert notes[0] == f"Vrsta zagotavljanja kakovosti: notranje zagotavljanje kakovosti ({unit_title})."
    assert notes[1] == criteria_narrative(course, credential)


def test_shape_and_language_follow_the_official_sample(elm):
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert elm["@context"] == sample["@context"]
    assert elm["type"] == sample["type"]
    assert elm["credentialSchema"] == sample["credentialSchema"]
    assert elm["credentialProfiles"]["id"] == sample["credentialProfiles"]["id"]
    slovenian = "http://publications.europa.eu/resource/authority/language/SLV"
    display = elm["displayParameter"]
    assert display["primaryLanguage"]["id"] == slovenian
    assert [language["id"] for language in display["language"]] == [slovenian]
    assert _spec(elm)["language"]["id"] == slovenian
    # Every language-tagged text is Slovenian.
    tagged = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "description", "legalName", "altLabel", "fullName", "noteLiteral"):
                    tagged.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(elm)
    assert tagged and all(list(value) == ["sl"] for value in tagged)


def test_it_names_the_open_badges_credential_of_the_same_award(elm):
    assert elm["id"] == "urn:credential:0b8f2a52-7a3c-4d55-9c1e-2f6d7e8a9b10"
    assert elm["identifier"]["notation"] == CREDENTIAL_ID


def test_the_level_the_provider_states_is_stated(course):
    provider = IssuerIdentity(
        name="Primer", url="https://primer.si/", country="SI", id_registration="1234567000", eqf_level=4
    )
    document = _export(course, identity=provider)
    assert _spec(document)["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/4"
    assert conformance_problems(document) == []


def test_the_display_picture_is_an_svg_of_the_award(elm):
    image = elm["displayParameter"]["individualDisplay"]["displayDetail"]["image"]
    assert image["contentType"]["id"] == "http://publications.europa.eu/resource/authority/file-type/SVG"
    svg = base64.b64decode(image["content"])
    root = etree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(root.itertext())
    for expected in ("MIKRODOKAZILO", "Ana Novak", "Šolski center Primer, Ljubljana", "2. 6. 2025", "12 ur"):
        assert expected in text


def test_without_a_legal_identifier_the_export_says_what_is_missing(course):
    provider = IssuerIdentity(name="Primer", url="https://primer.si/", country="SI")
    with pytest.raises(IssuerError, match="needs the provider's legal identifier"):
        _export(course, identity=provider)
    with pytest.raises(IssuerError, match="needs the provider's legal identifier"):
        ElmExporter(course, course.credential, provider)


def test_the_json_is_deterministic(course, elm):
    again = european_credential(course, course.credential, dict(AGENT), AWARDED_AT, CREDENTIAL_ID, IDENTITY)
    text = elm_json(elm)
    assert elm_json(again) == text
    assert text.endswith("}\n") and "Šolski" in text  # UTF-8, not \u escapes
    assert list(json.loads(text)) == sorted(json.loads(text))
    other = european_credential(
        course, course.credential, AGENT, AWARDED_AT, "urn:uuid:11111111-2222-4333-8444-555555555555", IDENTITY
    )
    assert other["credentialSubject"]["id"] != elm["credentialSubject"]["id"]
    assert _spec(other) == _spec(elm)  # what is certified is one node, the same in every credential


def test_an_unknown_context_is_refused_not_fetched(elm):
    document = {**elm, "@context": [*elm["@context"], "https://example.org/context.jsonld"]}
    with pytest.raises(ElmExportError, match="unknown @context"):
        conformance_problems(document)


def test_the_exporter_checks_each_variant_once(course, monkeypatch: pytest.MonkeyPatch):
    checked: list[str] = []
    real = europass_check.check_conforms

    def counting(document: dict[str, Any]) -> None:
        checked.append(document["id"])
        real(document)

    monkeypatch.setattr(europass_check, "check_conforms", counting)
    exporter = ElmExporter(course, course.credential, IDENTITY)
    moment = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    for number in range(3):
        agent = {"mbox": f"mailto:learner{number}@primer.si", "name": f"Learner {number}"}
        exporter.export(agent, moment, f"urn:uuid:00000000-0000-4000-8000-00000000000{number}")
    exporter.export({"account": {"homePage": "https://moodle.primer.si", "name": "x"}}, moment, "urn:uuid:x")
    assert len(checked) == 2  # one email learner with a name, one account without


def test_the_exporter_refuses_a_non_conforming_document(course, monkeypatch: pytest.MonkeyPatch):
    real = europass.european_credential

    def without_title(*args: Any, **kwargs: Any) -> dict[str, Any]:
        document = real(*args, **kwargs)
        del document["credentialSubject"]["hasClaim"]["title"]
        return document

    monkeypatch.setattr(europass_check, "european_credential", without_title)
    with pytest.raises(ElmExportError, match="does not conform to the EDC shapes"):
        ElmExporter(course, course.credential, IDENTITY).export(AGENT, AWARDED_AT, CREDENTIAL_ID)
