"""W3C Bitstring Status List v1.0: the entry a credential carries, the signed list the provider publishes,
and `verify` reading the credential's bit only from a list whose own proof and issuer it has verified."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from credentials.contexts import CREDENTIALS_V2, bundled
from credentials.status_list import (
    MIN_LIST_BITS,
    bit,
    bitstring,
    decode_list,
    encode_list,
    status_entry,
    status_list_credential,
)
from credentials.verify import VerificationError, verify_bytes
from tests.credentials.conftest import (
    AWARDED_AT,
    IDENTITY,
    STATUS_LIST_URL,
    WEB_IDENTITY,
    agents_credential,
    flipped,
    status_list,
)


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _verify(credential, listed, write_json, **options):
    return verify_bytes(_json(credential), revocations=str(write_json("list.json", listed)), **options)


# -- the bitstring ---------------------------------------------------------------------------------


def test_bit_order_is_the_specs_index_0_is_the_leftmost_bit_of_the_first_byte():
    bits = bitstring([0, 7], MIN_LIST_BITS)
    assert bits[0] == 0b10000001
    assert bits[1:] == bytes(len(bits) - 1)
    assert [i for i in range(16) if bit(bits, i)] == [0, 7]
    assert bitstring([8, 15], MIN_LIST_BITS)[1] == 0b10000001


def test_encoded_list_is_multibase_base64url_of_gzip_of_at_least_16_kb():
    encoded = encode_list(bitstring([0, 7, 131_071], MIN_LIST_BITS))
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16 * 1024 == MIN_LIST_BITS // 8
    assert raw[0] == 0b10000001 and raw[-1] == 0b00000001
    assert decode_list(encoded) == raw
    assert encode_list(raw) == encoded  # the same list, the same bytes (mtime 0)


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("zabc", "must be multibase base64url, starting with 'u'"),
        ("uab+c", "is not base64url"),
        ("u" + base64.urlsafe_b64encode(b"not gzip at all").decode().rstrip("="), "is not GZIP-compressed data"),
        (encode_list(bytes(1024)), "the spec requires at least 131072"),
        (encode_list(bytes(16 * 1024 * 1024 + 1)), "inflates to more than 16 MB"),
        (encode_list(bytes(16 * 1024))[:-8], "is not one complete GZIP stream"),
    ],
    ids=["prefix", "alphabet", "not gzip", "too short", "bomb", "truncated"],
)
def test_decoding_refuses_what_is_no_status_list_and_inflates_within_a_limit(encoded, message):
    with pytest.raises(ValueError, match=message):
        decode_list(encoded)


def test_a_16_mb_bomb_is_refused_after_inflating_no_more_than_the_limit():
    bomb = encode_list(bytes(256 * 1024 * 1024))  # 256 MB of zeros: some 250 kB compressed
    assert len(bomb) < 400_000
    with pytest.raises(ValueError, match="inflates to more than 16 MB"):
        decode_list(bomb)


# -- the entry and the list credential -------------------------------------------------------------


def test_the_credential_names_its_own_bit_as_the_spec_shapes_it(on_status_list):
    assert on_status_list["credentialStatus"] == {
        "id": f"{STATUS_LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": STATUS_LIST_URL,
    }


def test_the_vc2_context_defines_every_term_so_no_other_context_is_needed():
    context = bundled()[CREDENTIALS_V2]["@context"]
    for term in ("BitstringStatusListEntry", "BitstringStatusListCredential", "BitstringStatusList"):
        assert context[term], term
    entry = context["BitstringStatusListEntry"]["@context"]
    assert {"statusPurpose", "statusListIndex", "statusListCredential"} <= set(entry)
    assert {"statusPurpose", "encodedList"} <= set(context["BitstringStatusList"]["@context"])


@pytest.mark.parametrize("url", ["urn:x:list", "https://x.si/status#1", "ftp://x.si/s", ""])
def test_a_status_list_url_is_an_http_address_without_fragment(url):
    with pytest.raises(ValueError, match="the status list URL"):
        status_entry(url, 1)


def test_the_list_credential_is_a_signed_vc2_bitstring_status_list_credential(issuer_key):
    listed = status_list(issuer_key, IDENTITY, [42])
    assert listed["@context"] == [CREDENTIALS_V2]
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"] == issuer_key.did
    assert listed["credentialSubject"]["id"] == f"{STATUS_LIST_URL}#list"
    assert listed["credentialSubject"]["type"] == "BitstringStatusList"
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    assert [i for i in range(MIN_LIST_BITS) if bit(decode_list(listed["credentialSubject"]["encodedList"]), i)] == [42]
    assert listed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_a_list_grows_in_steps_of_16_kb_to_hold_its_indexes():
    listed = status_list_credential(STATUS_LIST_URL, "did:key:z6Mkx", [200_000], AWARDED_AT)
    assert len(decode_list(listed["credentialSubject"]["encodedList"])) * 8 == 2 * MIN_LIST_BITS


# -- verify ----------------------------------------------------------------------------------------


def test_issued_on_a_list_where_its_bit_is_0_it_is_not_revoked(on_status_list, issuer_key, write_json):
    verified = _verify(on_status_list, status_list(issuer_key, IDENTITY, [0, 41, 43]), write_json)
    assert verified.revocation.startswith(f"not revoked according to the status list {STATUS_LIST_URL} (index 42,")


def test_its_bit_set_it_is_revoked(on_status_list, issuer_key, write_json):
    with pytest.raises(VerificationError) as caught:
        _verify(on_status_list, status_list(issuer_key, IDENTITY, [42]), write_json)
    assert caught.value.reason == "revoked"
    assert str(caught.value).startswith(f"revoked: {on_status_list['id']} is revoked according to the status list")


def test_a_tampered_list_credential_is_refused(on_status_list, issuer_key, write_json):
    revoked = status_list(issuer_key, IDENTITY, [42])
    with pytest.raises(VerificationError) as caught:
        _verify(on_status_list, flipped(revoked, 42), write_json)  # "un-revoked", the proof kept
    assert caught.value.reason == "status-list"
    assert "does not verify: proof: the signature does not match" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, other: {**d, "issuer": other.did}, "is issued by 'did:key:"),
        (lambda d, other: {**d, "id": "https://credentials.primer.si/status/2"}, "is the status list '"),
        (lambda d, other: {**d, "type": ["VerifiableCredential"]}, "is no BitstringStatusListCredential"),
        (
            lambda d, other: {**d, "credentialSubject": {**d["credentialSubject"], "statusPurpose": "suspension"}},
            "is a list for 'suspension'",
        ),
        (lambda d, other: {**d, "validUntil": "2025-01-01T00:00:00Z"}, "expired on 2025-01-01T00:00:00Z"),
    ],
    ids=["another issuer", "another list", "not a list", "another purpose", "expired"],
)
def test_a_list_that_is_not_the_credentials_is_refused(
    on_status_list, issuer_key, other_key, write_json, change, message
):
    listed = status_list(issuer_key, IDENTITY, [], change=lambda document: change(document, other_key))
    with pytest.raises(VerificationError) as caught:
        _verify(on_status_list, listed, write_json)
    assert caught.value.reason == "status-list"
    assert message in str(caught.value)


def test_a_list_signed_by_another_key_is_refused(on_status_list, other_key, write_json):
    with pytest.raises(VerificationError, match="is issued by 'did:key:.*not by the credential's issuer"):
        _verify(on_status_list, status_list(other_key, IDENTITY, []), write_json)


def test_an_index_outside_the_list_is_refused(course, issuer_key, write_json):

    far = agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        status_list=STATUS_LIST_URL,
        status_index=MIN_LIST_BITS,
    )
    with pytest.raises(VerificationError, match="index 131072 is outside the list of 131072 entries"):
        _verify(far, status_list(issuer_key, IDENTITY, []), write_json)


def test_a_did_web_list_is_verified_against_the_did_document_too(web_signed, issuer_key, did_document, write_json):
    listed = status_list(issuer_key, WEB_IDENTITY, [7])
    did_json = str(write_json("did.json", did_document))
    with pytest.raises(VerificationError, match="^revoked: "):
        _verify(web_signed, listed, write_json, did_document=did_json)


def test_verify_reads_the_list_the_credential_names_after_its_proof(course, issuer_key, served, write_json):

    folder, base = served
    url = base + "status/1"
    credential = agents_credential(
        course,
        issuer_key,
        identity=IDENTITY,
        status_list=url,
        status_index=3,
    )
    (folder / "status").mkdir()
    (folder / "status" / "1").write_bytes(_json(status_list(issuer_key, IDENTITY, [], url=url)))
    assert verify_bytes(_json(credential)).revocation.startswith(f"not revoked according to the status list {url}")
    (folder / "status" / "1").write_bytes(_json(status_list(issuer_key, IDENTITY, [3], url=url)))
    with pytest.raises(VerificationError, match="^revoked: "):
        verify_bytes(_json(credential))


# -- the independent verifier ----------------------------------------------------------------------


def test_the_js_verifier_verifies_the_proof_with_a_bitstring_entry_present(js_results):
    # @digitalbazaar/vc 7.3 checks no status itself: with a checkStatus that accepts, the proof, shape and
    # dates verify with the BitstringStatusListEntry present …
    assert js_results["status list, proof only"] == {"verified": True, "errors": []}
    # … and it refuses to guess: with no list to load, Digital Bazaar's status check fails.
    unserved = js_results["status list, no list served"]
    assert unserved["verified"] is False
    assert any('Could not load "BitstringStatusListCredential"' in e for e in unserved["errors"])


def test_the_js_verifiers_bitstring_status_check_agrees(js_results):
    """@digitalbazaar/vc-bitstring-status-list verifies the list's proof and issuer and reads the same bit."""
    assert js_results["status list, not revoked"] == {"verified": True, "errors": []}
    revoked = js_results["status list, revoked"]
    assert revoked["verified"] is False
    assert any("revoked (its bit in the Bitstring Status List is set)" in e for e in revoked["errors"])
    tampered = js_results["status list, tampered list"]
    assert tampered["verified"] is False
    assert any('"BitstringStatusListCredential" not verified' in e for e in tampered["errors"])
    another = js_results["status list, another issuer's list"]
    assert another["verified"] is False
    assert any(
        "Issuers of the status list credential and verifiable credential do not match" in e for e in another["errors"]
    )
