"""`microquest verify`: OK for a good credential in any form, else the reason and exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from credentials.baking import badge_svg, bake_png
from credentials.issue import issue, write_credential
from credentials.verify import revocation_list
from tests.credentials.conftest import AGENT, AWARDED_AT, CREDENTIAL_ID, IDENTITY, tampered
from tests.credentials.test_baking import tiny_png


def _verify(path: Path, *options: str):
    return CliRunner().invoke(main, ["verify", str(path), *options], catch_exceptions=False)


def test_verify_prints_ok_for_a_signed_credential(signed, write_json):
    result = _verify(write_json("credential.json", signed))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {CREDENTIAL_ID} (Delavnice usposabljanja")
    assert "signature, shape and issuer verified" in result.output
    assert "revocation not checked" in result.output


def test_verify_accepts_the_baked_svg_that_write_credential_writes(signed, tmp_path):
    json_path, svg_path = write_credential(tmp_path, signed)
    assert svg_path.suffix == ".svg" and json_path.name == "0b8f2a52-7a3c-4d55-9c1e-2f6d7e8a9b10.json"
    result = _verify(svg_path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_verify_accepts_a_baked_png(signed, tmp_path):
    path = tmp_path / "badge.png"
    path.write_bytes(bake_png(tiny_png(), signed))
    result = _verify(path)
    assert result.exit_code == 0, result.output


def test_verify_of_a_tampered_baked_svg_fails(signed, tmp_path):
    path = tmp_path / "badge.svg"
    path.write_bytes(badge_svg(tampered(signed, "name")))
    result = _verify(path)
    assert result.exit_code == 1
    assert "NOT VALID: proof: the signature does not match the credential" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not json", "NOT VALID: not-json: not valid JSON: Expecting value at line 1"),
        (b"[1, 2]", "NOT VALID: shape: expected a JSON object (the credential), found a list"),
        (b"\xff\xfe\x00", "NOT VALID: not-json: the file is neither UTF-8 JSON nor a PNG or SVG badge"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "NOT VALID: image: the SVG has no <openbadges:credential>"),
        (b"\x89PNG\r\n\x1a\n", "NOT VALID: image: the PNG has no iTXt chunk with keyword 'openbadgecredential'"),
    ],
    ids=["not json", "json array", "binary", "svg without credential", "png without credential"],
)
def test_verify_of_bad_input_says_why_and_exits_1(content, message, tmp_path):
    path = tmp_path / "input"
    path.write_bytes(content)
    result = _verify(path)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_verify_of_a_credential_of_the_wrong_type_names_the_field(signed, write_json):
    wrong = {**signed, "type": ["VerifiableCredential"]}
    result = _verify(write_json("wrong.json", wrong))
    assert result.exit_code == 1
    assert "NOT VALID: shape: type: must include 'VerifiableCredential' and 'OpenBadgeCredential'" in result.output


def test_verify_of_a_credential_without_proof_says_it_is_not_signed(signed, write_json):
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    result = _verify(write_json("unsigned.json", unsigned))
    assert result.exit_code == 1
    assert "NOT VALID: proof: no proof: the credential is not signed" in result.output


def test_verify_of_a_credential_missing_required_fields_lists_each(signed, write_json):
    broken = json.loads(json.dumps(signed))
    del broken["validFrom"]
    del broken["credentialSubject"]["achievement"]["criteria"]
    result = _verify(write_json("broken.json", broken))
    assert result.exit_code == 1
    assert "validFrom: expected a date and time with a time zone" in result.output
    assert "credentialSubject.achievement.criteria: expected an object with id or narrative" in result.output


def test_verify_of_a_missing_file_exits_1(tmp_path):
    result = _verify(tmp_path / "none.json")
    assert result.exit_code == 1
    assert "No such file or directory" in result.output


def test_verify_with_a_revocation_file_fails_a_revoked_credential(signed, issuer_key, write_json):
    revocations = revocation_list([(CREDENTIAL_ID, "podvojena podelitev")], list_id="urn:x", issuer=issuer_key.did)
    result = _verify(write_json("credential.json", signed), "--revocations", str(write_json("r.json", revocations)))
    assert result.exit_code == 1
    assert f"NOT VALID: revoked: {CREDENTIAL_ID} is on the revocation list" in result.output
    assert "(reason: podvojena podelitev)" in result.output
    others = write_json("others.json", ["urn:uuid:someone-else"])
    result = _verify(write_json("credential.json", signed), "--revocations", str(others))
    assert result.exit_code == 0
    assert f"not revoked according to {others}" in result.output


def test_verify_of_an_expired_credential_fails(expired, write_json):
    result = _verify(write_json("expired.json", expired))
    assert result.exit_code == 1
    assert "NOT VALID: expired: validUntil 2025-07-02T09:30:00Z has passed" in result.output


def test_verify_reads_the_revocation_list_the_credential_names(course, issuer_key, served, write_json):
    folder, base = served
    url = base + "revocations.json"
    document = issue(
        course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY, revocation_list=url
    )
    path = write_json("credential.json", document)
    (folder / "revocations.json").write_text(
        json.dumps(revocation_list([], list_id=url, issuer=issuer_key.did)), encoding="utf-8"
    )
    result = _verify(path)
    assert result.exit_code == 0, result.output
    assert f"not revoked according to {url}" in result.output
    (folder / "revocations.json").write_text(
        json.dumps(revocation_list([(CREDENTIAL_ID, "")], list_id=url, issuer=issuer_key.did)), encoding="utf-8"
    )
    result = _verify(path)
    assert result.exit_code == 1
    assert f"NOT VALID: revoked: {CREDENTIAL_ID} is on the revocation list {url}" in result.output


def test_verify_fails_when_the_named_revocation_list_cannot_be_read(course, issuer_key, served, write_json):
    _folder, base = served
    url = base + "missing.json"
    document = issue(
        course, course.credential, AGENT, AWARDED_AT, CREDENTIAL_ID, issuer_key, identity=IDENTITY, revocation_list=url
    )
    result = _verify(write_json("credential.json", document))
    assert result.exit_code == 1
    assert f"NOT VALID: revocation-list: could not read {url}: HTTP Error 404" in result.output
