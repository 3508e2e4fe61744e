"""Credentials in the provider's own name: its identity in the issuer Profile, did:web issuers verified
against the DID document they publish (in Python and in the independent JS verifier), and the
`microquest issuer` commands."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from credentials.issuer import IDENTITY_FILE, load_identity
from credentials.keys import init_keys
from credentials.signing import public_key_multibase
from credentials.verify import VerificationError, verify_bytes
from tests.credentials.conftest import (
    IDENTITY,
    STATUS_LIST_URL,
    WEB_HOST,
    WEB_IDENTITY,
    another_keys_did_document,
    status_list,
    tampered,
)

INIT = ["issuer", "init", "--name", "Šolski center Primer", "--url", "https://www.primer.si/", "--country", "si"]


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_the_issuer_is_the_provider_with_every_field_it_stated(web_signed, issuer_key, did_document):
    key_multibase = public_key_multibase(issuer_key.private_key.public_key())
    assert web_signed["issuer"] == {
        "id": f"did:web:{WEB_HOST}",
        "type": ["Profile"],
        "name": "Šolski center Primer",
        "url": "https://www.primer.si/",
        "address": {"type": ["Address"], "addressCountry": "SI", "addressCountryCode": "SI"},
        "otherIdentifier": [
            {
                "type": "IdentifierEntry",
                "identifier": "Šolski center Primer, Ljubljana",
                "identifierType": "ext:legalName",
            },
            {"type": "IdentifierEntry", "identifier": "1234567000", "identifierType": "ext:legalIdentifier"},
        ],
    }
    # The proof names the DID document's key, as did:web §3.2 and the DID document say.
    method = f"did:web:{WEB_HOST}#{key_multibase}"
    assert web_signed["proof"][0]["verificationMethod"] == method
    assert did_document["verificationMethod"][0]["id"] == method
    assert did_document["assertionMethod"] == [method]
    # EU element 8: the level the provider states.
    alignment = web_signed["credentialSubject"]["achievement"]["alignment"]
    assert alignment[-1]["targetUrl"] == "http://data.europa.eu/snb/eqf/4"


def test_the_credential_yaml_placeholder_is_no_longer_the_issuer(signed, course):
    assert signed["issuer"]["name"] == IDENTITY.name
    assert course.credential.elements["awarding_body"]["name"] not in json.dumps(signed, ensure_ascii=False)


def test_a_did_web_credential_verifies_against_its_did_document(web_signed, did_document, issuer_key, tmp_path):
    did_json = tmp_path / "did.json"
    did_json.write_text(json.dumps(did_document), encoding="utf-8")
    lists = tmp_path / "status-1.json"
    lists.write_bytes(_json(status_list(issuer_key, WEB_IDENTITY, [])))
    verified = verify_bytes(_json(web_signed), did_document=str(did_json), revocations=str(lists))
    assert verified.issuer_id == f"did:web:{WEB_HOST}"
    assert verified.revocation.startswith(f"not revoked according to the status list {STATUS_LIST_URL} (index 7,")


def test_without_its_did_document_a_did_web_credential_says_it_needs_it(web_signed, write_json):
    result = _invoke("verify", str(write_json("c.json", web_signed)))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        f"NOT VALID: did-document: the issuer is did:web:{WEB_HOST}: its DID document, published at "
        f"https://{WEB_HOST}/.well-known/did.json, is needed to verify the signature (nothing is fetched unless "
        "you give it); give it with --did-document FILE_OR_URL"
    )


def test_against_another_keys_did_document_it_fails(web_signed, other_key, write_json):
    path = write_json("did.json", another_keys_did_document(other_key))
    with pytest.raises(VerificationError) as caught:
        verify_bytes(_json(web_signed), did_document=str(path))
    assert caught.value.reason == "issuer"
    assert "has no key" in str(caught.value) and "signed with another key" in str(caught.value)


def test_against_another_dids_document_or_a_tampered_credential_it_fails(web_signed, did_document, write_json):
    other = {**did_document, "id": "did:web:example.org"}
    with pytest.raises(VerificationError, match="the DID document given is that of 'did:web:example.org'"):
        verify_bytes(_json(web_signed), did_document=str(write_json("other.json", other)))
    good = write_json("did.json", did_document)
    with pytest.raises(VerificationError, match="^proof: the signature does not match"):
        verify_bytes(_json(tampered(web_signed, "issuer name")), did_document=str(good))


def test_a_did_document_that_does_not_list_the_key_for_assertion_is_refused(web_signed, did_document, write_json):
    path = write_json("did.json", {**did_document, "assertionMethod": []})
    with pytest.raises(VerificationError, match="does not list .* as an assertionMethod"):
        verify_bytes(_json(web_signed), did_document=str(path))


def test_the_did_document_is_read_from_a_url_within_a_size_limit(web_signed, did_document, issuer_key, served):
    folder, base = served
    (folder / "did.json").write_text(json.dumps(did_document), encoding="utf-8")
    (folder / "huge.json").write_text(" " * (256 * 1024 + 1), encoding="utf-8")
    (folder / "status-1.json").write_bytes(_json(status_list(issuer_key, WEB_IDENTITY, [])))
    verified = verify_bytes(_json(web_signed), did_document=f"{base}did.json", revocations=f"{base}status-1.json")
    assert verified.issuer_id == f"did:web:{WEB_HOST}"
    with pytest.raises(VerificationError, match=r"^did-document: .*huge.json is larger than 256 kB"):
        verify_bytes(_json(web_signed), did_document=f"{base}huge.json")


def test_the_js_verifier_verifies_a_did_web_credential_against_that_did_document_only(js_results):
    assert js_results["did:web, its DID document given"] == {"verified": True, "errors": []}
    another = js_results["did:web, another key's DID document"]
    assert another["verified"] is False
    none = js_results["did:web, no DID document"]
    assert none["verified"] is False
    assert any("refusing to load did:web:" in e for e in none["errors"])


# -- microquest issuer … -------------------------------------------------------------------------


def test_issuer_init_saves_the_identity_beside_the_key_and_show_prints_it(keys_home):
    init_keys(keys_home)
    result = _invoke(*INIT, "--legal-name", "Šolski center Primer, Ljubljana", "--id-registration", "1234567000")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"saved the provider's identity in {keys_home / IDENTITY_FILE}\n")
    identity = load_identity(keys_home)
    assert (identity.name, identity.country, identity.id_registration) == ("Šolski center Primer", "SI", "1234567000")
    assert stat.S_IMODE((keys_home / IDENTITY_FILE).stat().st_mode) == 0o600
    shown = _invoke("issuer", "show")
    assert shown.exit_code == 0
    assert "  country: SI\n" in shown.output and "  EQF level: none stated\n" in shown.output
    assert "  issues as: did:key:z6Mk" in shown.output


def test_issuer_init_with_did_web_writes_the_did_document_to_publish(keys_home, tmp_path):
    key, _ = init_keys(keys_home)
    result = _invoke(*INIT, "--did-web", WEB_HOST, "--eqf-level", "4")
    assert result.exit_code == 0, result.output
    did_json = keys_home / "did.json"
    assert f"wrote {did_json}: publish it at https://{WEB_HOST}/.well-known/did.json" in result.output
    document = json.loads(did_json.read_text(encoding="utf-8"))
    multibase = public_key_multibase(key.private_key.public_key())
    assert document["id"] == f"did:web:{WEB_HOST}"
    assert document["verificationMethod"][0]["publicKeyMultibase"] == multibase
    out = tmp_path / "site" / ".well-known" / "did.json"
    again = _invoke("issuer", "did-document", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert json.loads(out.read_text(encoding="utf-8")) == document


def test_issuer_init_refuses_a_wrong_value_in_one_line_and_changes_nothing(keys_home):
    init_keys(keys_home)
    result = _invoke("issuer", "init", "--name", "Primer", "--url", "http://primer.si/", "--country", "SI")
    assert result.exit_code == 1
    assert result.output == (
        "error: the provider's web address must start with https:// (found 'http://primer.si/'); "
        f"{keys_home / IDENTITY_FILE} was not changed\n"
    )
    assert not (keys_home / IDENTITY_FILE).exists()


def test_issuer_init_with_did_web_needs_the_key_first(keys_home):
    result = _invoke(*INIT, "--did-web", WEB_HOST)
    assert result.exit_code == 1
    assert "run `microquest keys init` first" in result.output
    assert not (keys_home / IDENTITY_FILE).exists()


def test_issuer_show_without_an_identity_names_the_command(keys_home):
    result = _invoke("issuer", "show")
    assert result.exit_code == 1
    assert result.output == (
        f"error: no issuer identity yet in {keys_home}: set the provider's name, web address and country first: "
        "run `microquest issuer init --name NAME --url URL --country CC`\n"
    )


def test_did_document_of_a_did_key_provider_says_it_needs_none(keys_home, tmp_path: Path):
    init_keys(keys_home)
    assert _invoke(*INIT).exit_code == 0
    result = _invoke("issuer", "did-document", "--out", str(tmp_path / "did.json"))
    assert result.exit_code == 1
    assert "issues as its did:key, which needs no DID document" in result.output
    assert not (tmp_path / "did.json").exists()
