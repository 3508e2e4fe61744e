"""The OpenBadgeCredential's form: OB 3.0 on VCDM 2.0, deterministic, the learner identified as chosen."""

from __future__ import annotations

import hashlib
import json

import pytest

from credentials.baking import credential_json
from credentials.document import credential_document, identity_salt, issuer_of, learner_identifiers
from credentials.issue import credential_id_for, issue
from credentials.signing import ProofError, sign
from credentials.verify import shape_problems
from tests.credentials.conftest import AGENT, AWARDED_AT, CREDENTIAL_ID, IDENTITY
from xapi.agents import AgentError


def test_credential_has_the_ob3_vcdm2_structure(signed):
    assert signed["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["id"] == CREDENTIAL_ID
    assert signed["credentialSubject"]["type"] == ["AchievementSubject"]
    achievement = signed["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["id"] == "https://www.micro-quest.eu/xapi/pr3/credentials/mq-pr3-credential/v1"
    assert signed["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert "issuanceDate" not in signed and "credentialStatus" not in signed
    assert shape_problems(signed) == []


def test_criteria_narrative_lists_the_criteria_activities_and_canvases(signed):
    narrative = signed["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert narrative.startswith("Mikrodokazilo prejme udeleženec/-ka, ki:")
    assert "1.1 Kaj je mikrodokazilo?" in narrative
    assert "U3/C1 Pristop, ki temelji na potrebah" in narrative
    assert narrative.endswith(".")


def test_learning_outcome_alignments_point_at_the_activity_iris(signed):
    first = signed["credentialSubject"]["achievement"]["alignment"][0]
    assert first["targetUrl"] == "https://www.micro-quest.eu/xapi/pr3/activities/u1-a1"
    assert first["targetCode"] == "u1-a1-lo1"
    assert first["targetDescription"] == "1.1 Kaj je mikrodokazilo?"


def test_same_inputs_give_byte_identical_signed_credentials(course, issuer_key, signed):
    again = issue(
        course, course.credential, AGENT, "2025-06-02T09:30:00Z", CREDENTIAL_ID, issuer_key, identity=IDENTITY
    )
    assert credential_json(again) == credential_json(signed)


def test_revocation_list_url_becomes_credential_status(revocable):
    assert revocable["credentialStatus"] == {
        "id": "https://www.micro-quest.eu/credentials/revocations.json",
        "type": "1EdTechRevocationList",
    }


@pytest.mark.parametrize(
    ("agent", "identity_type", "identity", "hashed"),
    [
        ({"account": {"homePage": "https://moodle.example.si/", "name": "anovak"}}, "ext:xapiAccount",
         "account:https://moodle.example.si anovak", True),
        ({"openid": "https://id.example.si/ana"}, "ext:xapiOpenid", "openid:https://id.example.si/ana", True),
        ({"mbox_sha1sum": "A" * 40}, "ext:xapiMboxSha1sum", "a" * 40, False),
    ],
)  # fmt: skip
def test_each_xapi_identifier_becomes_an_identity_object(agent, identity_type, identity, hashed):
    (only,) = learner_identifiers(agent, CREDENTIAL_ID)
    assert only["identityType"] == identity_type
    assert only["hashed"] is hashed
    if hashed:
        salt = identity_salt(CREDENTIAL_ID)
        assert only["identityHash"] == "sha256$" + hashlib.sha256((identity + salt).encode()).hexdigest()
    else:
        assert only["identityHash"] == identity


def test_agent_without_an_identifier_is_refused():
    with pytest.raises(AgentError, match="expected exactly one of"):
        learner_identifiers({"name": "Ana Novak"}, CREDENTIAL_ID)


def test_award_time_without_time_zone_is_refused(course, issuer_key):
    from datetime import datetime

    issuer = issuer_of(IDENTITY, issuer_key.did)
    with pytest.raises(ValueError, match="no time zone"):
        credential_document(course, course.credential, AGENT, datetime(2025, 6, 2), CREDENTIAL_ID, issuer)


def test_property_no_context_defines_is_refused_at_signing(course, issuer_key):
    issuer = issuer_of(IDENTITY, issuer_key.did)
    document = credential_document(course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer)
    document["credentialSubject"]["achievement"]["grade"] = "odlično"
    with pytest.raises(ProofError, match="terms not defined by any @context .*grade"):
        sign(document, issuer_key, "2025-06-02T09:30:00Z")


def test_credential_id_is_stable_per_learner_and_differs_between_learners(course, issuer_key, other_key):
    ana = credential_id_for(issuer_key, course, course.credential, AGENT)
    assert ana == credential_id_for(issuer_key, course, course.credential, dict(AGENT))
    assert ana.startswith("urn:uuid:")
    assert ana != credential_id_for(issuer_key, course, course.credential, {"mbox": "mailto:bor@example.si"})
    assert ana != credential_id_for(other_key, course, course.credential, AGENT)


def test_issuer_function_fits_the_ledger_and_writes_the_files(course, issuer_key, tmp_path):
    from credentials.issue import issuer_function

    issue_for = issuer_function(course, course.credential, issuer_key, identity=IDENTITY, out_dir=tmp_path)
    document = issue_for(AGENT, "2025-06-02T09:30:00Z")
    stem = document["id"].removeprefix("urn:uuid:")
    assert json.loads((tmp_path / f"{stem}.json").read_text(encoding="utf-8")) == document
    assert (tmp_path / f"{stem}.svg").read_bytes().startswith(b"<?xml")
