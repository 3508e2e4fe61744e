"""Statements with attachments and signed statements (xAPI 1.0.3 Communication §1.5.2, §2.1.3; Data §2.4.11, §2.6).

Requests are built here byte by byte and answers parsed with the standard library's MIME
parser; signatures are made with `cryptography` alone (RSA PKCS#1 v1.5 over the JWS
signing input, a self-signed X.509 certificate in `x5c`), so nothing of the LRS's own
multipart or JWS code checks itself.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.xapi.lrs.lrs_helpers import body, ids_of, statement

BOUNDARY = "abcABC0123'()+_,-./:=?"
NOTES = b"here is a simple attachment"
PICTURE = bytes(range(256)) * 4  # binary: every byte value, CR and LF included
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def declared(content: bytes, content_type: str = "text/plain", **extra: Any) -> dict:
    return {
        "usageType": "http://example.com/attachment-usage/test",
        "display": {"en": "A test attachment"},
        "contentType": content_type,
        "length": len(content),
        "sha2": sha256(content),
        **extra,
    }


def multipart(
    first: Any, *parts: tuple[bytes, dict[str, str]], first_type: str = "application/json"
) -> tuple[str, bytes]:
    """(Content-Type, body) of a multipart/mixed request: the statements, then each (content, part headers)."""
    chunks = [f"--{BOUNDARY}\r\nContent-Type: {first_type}\r\n\r\n".encode(), json.dumps(first).encode()]
    for content, headers in parts:
        chunks.append(f"\r\n--{BOUNDARY}\r\n".encode())
        chunks.append("".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode() + b"\r\n")
        chunks.append(content)
    chunks.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return f'multipart/mixed; boundary="{BOUNDARY}"', b"".join(chunks)


def part(content: bytes, content_type: str = "text/plain", **overrides: str | None) -> tuple[bytes, dict[str, str]]:
    headers = {
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": sha256(content),
        **overrides,
    }
    return content, {name: value for name, value in headers.items() if value is not None}


def send(call, method: str, first: Any, *parts, params: dict | None = None, first_type: str = "application/json"):
    content_type, raw = multipart(first, *parts, first_type=first_type)
    return call(method, "statements", params or {}, raw=raw, headers={"Content-Type": content_type})


def parse_answer(answer) -> tuple[Any, dict[str, tuple[str, bytes, str]]]:
    """The JSON of a multipart/mixed answer and its parts by hash: (content type, content, transfer encoding)."""
    assert answer.status == 200, answer.body
    assert answer.content_type.startswith("multipart/mixed")
    head = f"Content-Type: {answer.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + answer.body)
    first, *rest = message.iter_parts()
    assert first.get_content_type() == "application/json"
    found = {
        item["X-Experience-API-Hash"]: (
            item.get_content_type(),
            item.get_payload(decode=True),
            item["Content-Transfer-Encoding"],
        )
        for item in rest
    }
    return json.loads(first.get_payload(decode=True)), found


def stored(call, statement_id: str) -> bool:
    return call("GET", "statements", {"statementId": statement_id}).status == 200


# -- sending attachments (Communication §1.5.2, Data §2.4.11)


def test_post_multipart_stores_the_statement_and_get_attachments_true_answers_its_content(call):
    sent = statement(attachments=[declared(NOTES), declared(PICTURE, "image/png")])
    answer = send(call, "POST", sent, part(NOTES), part(PICTURE, "image/png"))
    assert (answer.status, body(answer)) == (200, [sent["id"]])
    single, found = parse_answer(call("GET", "statements", {"statementId": sent["id"], "attachments": "true"}))
    assert single["id"] == sent["id"]
    assert found == {
        sha256(NOTES): ("text/plain", NOTES, "binary"),
        sha256(PICTURE): ("image/png", PICTURE, "binary"),
    }
    plain = call("GET", "statements", {"statementId": sent["id"], "attachments": "false"})
    assert plain.content_type == "application/json" and body(plain)["attachments"] == sent["attachments"]


def test_put_multipart_answers_204(call):
    sent = statement(attachments=[declared(NOTES)])
    answer = send(call, "PUT", sent, part(NOTES), params={"statementId": sent["id"]})
    assert (answer.status, answer.body) == (204, b"")
    _, found = parse_answer(call("GET", "statements", {"statementId": sent["id"], "attachments": "true"}))
    assert found[sha256(NOTES)][1] == NOTES


def test_a_batch_may_share_one_part_and_mix_file_urls_and_statements_without_attachments(call):
    shared = [statement(attachments=[declared(NOTES)]) for _ in range(2)]
    linked = statement(attachments=[declared(PICTURE, fileUrl="https://files.example.com/picture.png")])
    batch = [*shared, linked, statement()]
    answer = send(call, "POST", batch, part(NOTES))
    assert body(answer) == [one["id"] for one in batch]
    statements, found = parse_answer(call("GET", "statements", {"attachments": "true", "ascending": "true"}))
    assert [one["id"] for one in statements["statements"]] == body(answer)
    assert list(found) == [sha256(NOTES)]  # one copy of the shared content; none for the fileUrl


def test_multipart_without_attachments_and_json_with_only_file_urls_are_accepted(call):
    assert send(call, "POST", statement()).status == 200
    linked = statement(attachments=[declared(NOTES, fileUrl="https://files.example.com/notes.txt")])
    assert call("POST", "statements", body=linked).status == 200
    assert call("GET", "statements", {"statementId": linked["id"], "attachments": "true"}).status == 200


def test_an_attachment_without_file_url_whose_content_is_not_sent_is_400(call):
    missing = statement(attachments=[declared(NOTES), declared(PICTURE)])
    assert send(call, "POST", missing, part(NOTES)).status == 400
    assert call("POST", "statements", body=statement(attachments=[declared(NOTES)])).status == 400
    assert not stored(call, missing["id"])


def test_content_stored_with_an_earlier_statement_does_not_stand_in_for_a_missing_part(call):
    # Communication §1.5.2.s3.b5: each attachment matches a part received with it, or has a fileUrl.
    first = statement(attachments=[declared(NOTES)])
    assert send(call, "POST", first, part(NOTES)).status == 200
    again = statement(attachments=[declared(NOTES)])
    assert call("POST", "statements", body=again).status == 400
    assert send(call, "POST", again).status == 400
    assert not stored(call, again["id"])


def test_a_part_no_statement_declares_is_400(call):
    sent = statement(attachments=[declared(NOTES)])
    assert send(call, "POST", sent, part(NOTES), part(PICTURE)).status == 400
    assert send(call, "POST", statement(), part(NOTES)).status == 400
    assert not stored(call, sent["id"])


def test_a_part_whose_content_does_not_have_its_hash_is_400(call):
    sent = statement(attachments=[declared(NOTES)])
    wrong_content = part(b"something else", **{"X-Experience-API-Hash": sha256(NOTES)})
    assert send(call, "POST", sent, wrong_content).status == 400
    assert send(call, "POST", sent, part(NOTES, **{"X-Experience-API-Hash": None})).status == 400
    assert not stored(call, sent["id"])


def test_the_first_part_must_be_the_statements_as_application_json(call):
    sent = statement(attachments=[declared(NOTES)])
    assert send(call, "POST", sent, part(NOTES), first_type="text/plain").status == 400
    content_type, raw = multipart(sent, part(NOTES))
    assert call("POST", "statements", raw=raw, headers={"Content-Type": "multipart/mixed"}).status == 400
    assert (
        call("POST", "statements", raw=raw, headers={"Content-Type": "multipart/form-data; boundary=x"}).status == 400
    )
    assert not stored(call, sent["id"])


def test_transfer_encoding_binary_is_assumed_when_absent_and_any_other_is_400(call):
    # Communication §1.5.2.s3.b6: the LRS SHOULD assume binary; the ADL suite refuses another encoding.
    assumed = statement(attachments=[declared(NOTES)])
    assert send(call, "POST", assumed, part(NOTES, **{"Content-Transfer-Encoding": None})).status == 200
    encoded = statement(attachments=[declared(PICTURE)])
    as_base64 = part(
        base64.b64encode(PICTURE), **{"Content-Transfer-Encoding": "base64", "X-Experience-API-Hash": sha256(PICTURE)}
    )
    assert send(call, "POST", encoded, as_base64).status == 400


def test_statement_lists_with_attachments_true_carry_every_attachment_once(call):
    with_notes = statement(attachments=[declared(NOTES)])
    with_both = statement(attachments=[declared(NOTES), declared(PICTURE, "image/png")])
    send(call, "POST", [with_notes, with_both], part(NOTES), part(PICTURE, "image/png"))
    result, found = parse_answer(call("GET", "statements", {"attachments": "true", "format": "ids"}))
    assert {one["id"] for one in result["statements"]} == {with_notes["id"], with_both["id"]}
    assert set(found) == {sha256(NOTES), sha256(PICTURE)}
    plain = call("GET", "statements", {"attachments": "false"})
    assert plain.content_type == "application/json" and NOTES not in plain.body
    assert ids_of(plain) == [with_both["id"], with_notes["id"]]


# -- signed statements (Data §2.6)


@pytest.fixture(scope="module")
def signer() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "microquest test signer")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


DIGESTS = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}


def jws(payload: Any, key: rsa.RSAPrivateKey, certificate: x509.Certificate | None, alg: str = "RS256") -> bytes:
    header: dict[str, Any] = {"alg": alg}
    if certificate is not None:
        header["x5c"] = [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()]
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}".encode()
    if alg in DIGESTS:
        signature = key.sign(signing_input, padding.PKCS1v15(), DIGESTS[alg])
    else:  # HS256, with a shared secret: an algorithm Data §2.6 does not allow
        signature = hmac.new(b"shared secret", signing_input, hashlib.sha256).digest()
    return signing_input + b"." + b64url(signature).encode()


def signed(original: dict, token: bytes, content_type: str = "application/octet-stream") -> tuple[dict, tuple]:
    """The statement with its signature attachment, and the part carrying the JWS."""
    signature = declared(token, content_type, usageType=SIGNATURE, display={"en": "Signature"})
    return {**original, "attachments": [*original.get("attachments", []), signature]}, part(token, content_type)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_statement_signed_with_an_x509_certificate_is_stored_with_its_signature(call, signer, alg):
    original = statement()
    sent, signature_part = signed(original, jws(original, *signer, alg=alg))
    answer = send(call, "POST", sent, signature_part)
    assert (answer.status, body(answer)) == (200, [original["id"]])
    kept, found = parse_answer(call("GET", "statements", {"statementId": original["id"], "attachments": "true"}))
    assert kept["attachments"][0]["usageType"] == SIGNATURE
    assert found[kept["attachments"][0]["sha2"]][1] == signature_part[0]


def test_a_signed_statement_without_a_certificate_is_checked_for_its_payload(call, signer):
    original = statement()
    sent, signature_part = signed(original, jws(original, signer[0], None))
    assert send(call, "POST", sent, signature_part).status == 200


def test_a_signature_with_an_algorithm_other_than_rs256_rs384_rs512_is_400(call, signer):
    original = statement()
    sent, signature_part = signed(original, jws(original, signer[0], None, alg="HS256"))
    assert send(call, "POST", sent, signature_part).status == 400
    assert not stored(call, original["id"])


def test_a_signature_over_another_statement_is_400(call, signer):
    original = statement()
    other = {**original, "result": {"success": True}}
    sent, signature_part = signed(original, jws(other, *signer))
    assert send(call, "POST", sent, signature_part).status == 400
    assert not stored(call, original["id"])


def test_a_signature_that_does_not_verify_with_its_certificate_is_400(call, signer):
    original = statement()
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sent, signature_part = signed(original, jws(original, impostor, signer[1]))
    assert send(call, "POST", sent, signature_part).status == 400
    assert not stored(call, original["id"])


def test_a_signature_that_is_not_a_jws_or_not_octet_stream_is_400(call, signer):
    original = statement()
    sent, signature_part = signed(original, b"this is not a JWS")
    assert send(call, "POST", sent, signature_part).status == 400
    sent, signature_part = signed(original, jws(original, *signer), content_type="text/plain")
    assert send(call, "POST", sent, signature_part).status == 400
    assert not stored(call, original["id"])
