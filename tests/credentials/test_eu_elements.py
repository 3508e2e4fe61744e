"""Every mandatory element of the EU Council Recommendation 2022/C 243/02 (Annex I) is in the
credential, with the value credential.yaml (or, for the awarding body and its country, the
provider's identity) gives it, and inside what the signature covers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from credentials.document import credential_document, identity_salt, issuer_of
from credentials.signing import canonical_nquads
from tests.credentials.conftest import AGENT, AWARDED_AT, CREDENTIAL_ID, IDENTITY
from tests.project import CONTENT


def _learning_outcomes(document: dict[str, Any]) -> list[str]:
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    return [a["targetName"] for a in alignment if a.get("targetType") == "ext:LearningOutcome"]


def check_learner_identification(document, elements, course, key) -> list[str]:
    assert elements["learner_identification"] == {
        "source": "agent",
        "identifiers": ["mbox", "mbox_sha1sum", "account", "openid"],
    }
    email, name = document["credentialSubject"]["identifier"]
    salt = identity_salt(CREDENTIAL_ID)
    assert email == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": "sha256$" + hashlib.sha256(("ana.novak@example.si" + salt).encode()).hexdigest(),
        "salt": salt,
    }
    assert name == {"type": "IdentityObject", "identityType": "ext:name", "hashed": False, "identityHash": "Ana Novak"}
    return [email["identityHash"], "Ana Novak"]


def check_title(document, elements, course, key) -> list[str]:
    assert document["name"] == elements["title"]
    assert document["credentialSubject"]["achievement"]["name"] == elements["title"]
    assert elements["title"].startswith("Delavnice usposabljanja za izvajalce poklicnega")
    return [elements["title"]]


def check_issuer_country(document, elements, course, key) -> list[str]:
    # The provider's country, from its identity beside the key (not credential.yaml's edition country).
    assert IDENTITY.country == "SI"
    assert document["issuer"]["address"] == {"type": ["Address"], "addressCountry": "SI", "addressCountryCode": "SI"}
    return ['"SI"']


def check_awarding_body(document, elements, course, key) -> list[str]:
    # The provider who installs microquest, from its identity, never credential.yaml's generic "VET provider".
    assert document["issuer"]["type"] == ["Profile"]
    assert document["issuer"]["id"] == key.did
    assert document["issuer"]["name"] == IDENTITY.name == "Šolski center Primer"
    assert document["issuer"]["url"] == IDENTITY.url
    assert "otherIdentifier" not in document["issuer"]  # no legal name or identifier stated
    assert elements["awarding_body"]["name"] not in json.dumps(document, ensure_ascii=False)
    return [IDENTITY.name, key.did]


def check_date_of_issuing(document, elements, course, key) -> list[str]:
    assert elements["date_of_issuing"] == "on-award"
    assert document["validFrom"] == document["awardedDate"] == "2025-06-02T09:30:00Z"
    return ['"2025-06-02T09:30:00Z"']


def check_learning_outcomes(document, elements, course, key) -> list[str]:
    activities = {a.id: a for a in course.activities}
    expected = [o for i in elements["learning_outcomes"]["activities"] for o in activities[i].outcomes]
    assert len(elements["learning_outcomes"]["activities"]) == 16
    assert _learning_outcomes(document) == expected
    # The Slovenian text exactly as the content file has it, diacritics included.
    first = activities["u1-a1"].outcomes[0]
    assert first in (CONTENT / "units" / "u1.yaml").read_text(encoding="utf-8")
    assert any(ch in "".join(expected) for ch in "čšž")
    return [first, expected[-1]]


def check_notional_workload(document, elements, course, key) -> list[str]:
    assert elements["notional_workload"] == {"hours": 12}
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["volumeOfLearning"] == "PT12H"
    assert "creditsAvailable" not in achievement  # no ECTS stated: none invented
    return ['"PT12H"^^<http://www.w3.org/2001/XMLSchema#duration>']


def check_level(document, elements, course, key) -> list[str]:
    # The seed states no EQF level: the credential claims none.
    assert elements["level"] == {"eqf": None}
    alignment = document["credentialSubject"]["achievement"]["alignment"]
    assert not [a for a in alignment if "eqf" in a["targetUrl"] or "Qualifications" in a.get("targetFramework", "")]
    return []


def check_type_of_assessment(document, elements, course, key) -> list[str]:
    activities = {a.id: a for a in course.activities}
    expected: list[str] = []
    for activity_id in elements["type_of_assessment"]["activities"]:
        expected += [t for t in activities[activity_id].assessment if t not in expected]
    assert document["credentialSubject"]["achievement"]["typeOfAssessment"] == expected
    assert expected[0] == "Medsebojno učenje in samostojno učenje."
    return expected


def check_form_of_participation(document, elements, course, key) -> list[str]:
    assert elements["form_of_participation"] == "blended"
    assert document["credentialSubject"]["achievement"]["formOfParticipation"] == "blended"
    return ['"blended"']


def check_quality_assurance(document, elements, course, key) -> list[str]:
    assert elements["quality_assurance"] == {"unit": "u2", "type": "internal"}
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["qualityAssuranceType"] == "internal"
    assert achievement["qualityAssuranceModel"] == "Model zagotavljanja kakovosti mikrodokazil"
    return ['"internal"', "Model zagotavljanja kakovosti mikrodokazil"]


ELEMENTS = {
    "learner_identification": check_learner_identification,
    "title": check_title,
    "issuer_country": check_issuer_country,
    "awarding_body": check_awarding_body,
    "date_of_issuing": check_date_of_issuing,
    "learning_outcomes": check_learning_outcomes,
    "notional_workload": check_notional_workload,
    "level": check_level,
    "type_of_assessment": check_type_of_assessment,
    "form_of_participation": check_form_of_participation,
    "quality_assurance": check_quality_assurance,
}


def test_every_eu_element_of_credential_yaml_is_checked(course):
    assert set(course.credential.elements) == set(ELEMENTS)


@pytest.mark.parametrize("element", ELEMENTS)
def test_eu_element_is_in_the_credential_with_the_value_of_credential_yaml(element, course, signed, issuer_key):
    ELEMENTS[element](signed, course.credential.elements, course, issuer_key)


@pytest.mark.parametrize("element", ELEMENTS)
def test_eu_element_is_covered_by_the_signature(element, course, signed, issuer_key):
    """Each value is in the canonical N-Quads that are hashed and signed (not dropped by JSON-LD)."""
    values = ELEMENTS[element](signed, course.credential.elements, course, issuer_key)
    nquads = canonical_nquads({k: v for k, v in signed.items() if k != "proof"})
    for value in values:
        assert value in nquads


def test_the_provider_states_the_eqf_level_in_its_identity_or_none_is_claimed(course, issuer_key):
    from credentials.issuer import IssuerIdentity

    def levels(identity) -> list:
        issuer = issuer_of(identity, issuer_key.did)
        document = credential_document(
            course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer, eqf_level=identity.eqf_level
        )
        alignment = document["credentialSubject"]["achievement"]["alignment"]
        return [a["targetUrl"] for a in alignment if "eqf" in a["targetUrl"]]

    assert levels(IDENTITY) == []  # the seed states none, the provider none: explicitly absent
    stated = IssuerIdentity(**{**IDENTITY.to_json(), "eqf_level": 4})
    assert levels(stated) == ["http://data.europa.eu/snb/eqf/4"]


def test_eqf_level_stated_in_credential_yaml_becomes_an_eqf_alignment(make_content, issuer_key):
    from builder.build import check

    course = check(make_content({"credential.yaml": ("eqf: null", "eqf: 5")})).course
    issuer = issuer_of(IDENTITY, issuer_key.did)
    document = credential_document(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer)
    assert document["credentialSubject"]["achievement"]["alignment"][-1] == {
        "type": ["Alignment"],
        "targetName": "EQF 5",
        "targetCode": "5",
        "targetFramework": "European Qualifications Framework",
        "targetUrl": "http://data.europa.eu/snb/eqf/5",
    }
