"""Verifiable anywhere: a credential needs no context but the two standard ones, defines every term
it uses, verifies in an independent verifier that ships only those, and validates against
1EdTech's official Open Badges 3.0 JSON Schema."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
from pyld import jsonld

from credentials.contexts import CREDENTIALS_V2, OB_V3P0, document_loader
from credentials.issue import issuer_function
from tests.credentials.conftest import AGENT, IDENTITY, PROJECT_CONTEXT
from tests.project import PROJECT

SCHEMA = PROJECT / "credentials" / "schemas" / "ob_v3p0_achievementcredential_schema.json"
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
ISSUED = ("signed", "revocable", "expired", "with_level_and_ects", "web_signed", "on_status_list")


@cache
def ob_schema_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def schema_errors(document: dict[str, Any]) -> list[str]:
    errors = ob_schema_validator().iter_errors(document)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors)


def _compact_keys(node: Any) -> int:
    """Properties of a compact JSON-LD document ("id" and "type" are @id and @type, not properties)."""
    if isinstance(node, list):
        return sum(_compact_keys(item) for item in node)
    if isinstance(node, dict):
        return sum(
            (key not in ("@context", "id", "type")) + _compact_keys(value)
            for key, value in node.items()
            if key != "@context"
        )
    return 0


def _expanded(node: Any, properties: list[str], iris: list[str]) -> None:
    """Every property of an expanded document, and every IRI it names (@id and @type values)."""
    if isinstance(node, list):
        for item in node:
            _expanded(item, properties, iris)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("@"):
                properties.append(key)
            elif key == "@id":
                iris.append(value)
            elif key == "@type" and "@value" not in node:
                iris.extend(value if isinstance(value, list) else [value])
            _expanded(value, properties, iris)


def test_context_is_vc2_ob3_and_one_inline_protected_object(signed):
    first, second, inline = signed["@context"]
    assert (first, second) == (CREDENTIALS_V2, OB_V3P0)
    assert isinstance(inline, dict) and inline["@protected"] is True
    for term, definition in inline.items():
        if term != "@protected":
            iri = definition if isinstance(definition, str) else definition["@id"]
            assert ABSOLUTE_IRI.match(iri), term
    assert inline["volumeOfLearning"]["@id"] == "http://data.europa.eu/snb/model/elm/volumeOfLearning"


@pytest.mark.parametrize("credential", ISSUED)
def test_json_ld_expansion_drops_no_property_and_leaves_no_relative_iri(credential, request):
    """What Digital Bazaar's "safe mode" checks: each property of the document becomes one absolute IRI."""
    document = request.getfixturevalue(credential)
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    properties: list[str] = []
    iris: list[str] = []
    _expanded(expanded, properties, iris)
    assert len(properties) == _compact_keys(document)
    assert [p for p in properties if not ABSOLUTE_IRI.match(p)] == []
    assert [i for i in iris if not ABSOLUTE_IRI.match(i)] == []


@pytest.mark.parametrize("credential", ISSUED)
def test_issued_credential_validates_against_the_official_ob3_json_schema(credential, request):
    assert schema_errors(request.getfixturevalue(credential)) == []


def test_credentials_the_award_writes_validate_against_the_official_ob3_json_schema(course, issuer_key, tmp_path):
    issue_for = issuer_function(
        course, course.credential, issuer_key, identity=IDENTITY, out_dir=tmp_path, revocation_list="urn:x:r"
    )
    issue_for(AGENT, "2025-06-02T09:30:00Z")
    issue_for({"account": {"homePage": "https://moodle.example.si/", "name": "bor"}}, "2025-06-03T08:00:00Z")
    written = sorted(tmp_path.glob("*.json"))
    assert len(written) == 2
    for path in written:
        assert schema_errors(json.loads(path.read_text(encoding="utf-8"))) == [], path.name


def test_the_schema_check_is_real_a_broken_credential_fails_it(signed):
    broken = json.loads(json.dumps(signed))
    del broken["credentialSubject"]["achievement"]["criteria"]
    broken["@context"] = broken["@context"][1:]
    broken["proof"] = broken["proof"][0]
    errors = schema_errors(broken)
    assert [e.partition(":")[0] for e in errors] == [
        "@context/0",
        "@context/1",
        "credentialSubject/achievement",
        "proof",
    ]
    assert "'criteria' is a required property" in errors[2]
    assert errors[3].endswith("is not of type 'array'")


def test_every_issued_credential_verifies_in_the_js_verifier_with_standard_contexts_only(js_results):
    assert js_results["signed"] == {"verified": True, "errors": []}
    assert js_results["with EQF level and ECTS"] == {"verified": True, "errors": []}
    assert js_results["revocable, not revoked"] == {"verified": True, "errors": []}


def test_js_verifier_loads_no_project_context(js_results):
    """The independent verifier's document loader is closed: a context it does not ship is refused."""
    result = js_results["naming a project context"]
    assert result["verified"] is False
    assert any("Dereferencing a URL did not result in a valid JSON-LD object" in e for e in result["errors"])
    assert any(PROJECT_CONTEXT in e for e in result["errors"])


def test_optional_eu_elements_use_native_ob3_fields(with_level_and_ects):
    achievement = with_level_and_ects["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 0.5
    assert achievement["alignment"][-1]["targetUrl"] == "http://data.europa.eu/snb/eqf/5"
    assert achievement["inLanguage"] == "sl"
