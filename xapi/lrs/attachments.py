"""Statements with attachments (xAPI 1.0.3 Data §2.4.11, Communication §1.5.2) and signed statements (Data §2.6).

A request carrying attachment content is `multipart/mixed`: the statements as the first
part (application/json), then one part per attachment with `X-Experience-API-Hash`
(its SHA-2) and `Content-Transfer-Encoding: binary` (assumed when absent). The LRS rejects
with 400 a part no statement declares, an attachment declared without `fileUrl` whose
content is not sent with it (content stored with an earlier statement does not count,
Communication §1.5.2.s3.b5), a part whose content does not have the hash it claims, and
a malformed signature.

A signature is an attachment of usage type `…/attachments/signature` whose content is a
JWS (compact serialization) over the statement as it was before the signature was added.
Checked as Data §2.6 requires at the least: the JWS decodes, its algorithm is RS256,
RS384 or RS512, its payload is the received statement (less the signature attachment,
ignoring what the LRS may change: id, authority, stored, timestamp, version), and, when
its header carries an X.509 certificate (`x5c`), the signature verifies with that
certificate's key (joserfc does the JWS part).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

from .statements import same_statement

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_TYPE = "application/octet-stream"
SIGNATURE_ALGORITHMS = ("RS256", "RS384", "RS512")
HASHES = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def _registry() -> JWSRegistry:
    """joserfc's JWS rules with room for an `x5c` certificate chain (its default header limit is 512 bytes)."""
    registry = JWSRegistry(algorithms=list(SIGNATURE_ALGORITHMS), strict_check_header=False)
    registry.max_header_length = 64_000
    registry.max_payload_length = 4_000_000
    registry.max_signature_length = 4_096
    return registry


JWS_REGISTRY = _registry()


class AttachmentError(ValueError):
    """A request whose attachments or signatures break Data §2.4.11 / §2.6 (HTTP 400)."""


@dataclass(frozen=True)
class Part:
    headers: Mapping[str, str]  # lower-case names
    content: bytes


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart/mixed body, in order."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise AttachmentError("the multipart/mixed body has no parts (is the boundary right?)")
    parts = []
    for part in message.iter_parts():
        content = part.get_payload(decode=True)
        parts.append(Part({name.lower(): str(value) for name, value in part.items()}, content or b""))
    if not parts:
        raise AttachmentError("the multipart/mixed body has no parts")
    return parts


def build_multipart(first: bytes, attachments: Sequence[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """(Content-Type, body): JSON `first`, then each (sha2, content type, content) as a part."""
    boundary = "microquest-" + secrets.token_hex(12)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first, b"\r\n"]
    for sha2, content_type, content in attachments:
        chunks.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        )
        chunks += [content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return f'multipart/mixed; boundary="{boundary}"', b"".join(chunks)


def attachment_parts(parts: Sequence[Part]) -> dict[str, tuple[str, bytes]]:
    """The parts after the statements, by hash, each checked against the hash it claims."""
    found: dict[str, tuple[str, bytes]] = {}
    for number, part in enumerate(parts[1:], start=2):
        sha2 = part.headers.get("x-experience-api-hash", "").strip().lower()
        if not sha2:
            raise AttachmentError(f"part {number} has no X-Experience-API-Hash header")
        # Communication §1.5.2.s3.b6: binary is assumed when the part does not say; nothing else is.
        if part.headers.get("content-transfer-encoding", "binary").strip().lower() != "binary":
            raise AttachmentError(f"part {number} needs Content-Transfer-Encoding: binary")
        digest = HASHES.get(len(sha2))
        if digest is None or digest(part.content).hexdigest() != sha2:
            raise AttachmentError(f"part {number}: its content does not have the SHA-2 hash {sha2}")
        found[sha2] = (part.headers.get("content-type", "application/octet-stream"), part.content)
    return found


def check_attachments(statements: Sequence[Mapping[str, Any]], sent: Mapping[str, tuple[str, bytes]]) -> None:
    """Every part declared, every declared attachment without fileUrl sent with it, every signature sound.

    Communication §1.5.2.s3.b5: an attachment matches "a received Attachment part" or has a
    fileUrl; content the LRS stored with an earlier statement does not stand in for it.
    """
    declared: set[str] = set()
    for number, statement in enumerate(statements):
        for attachment in statement.get("attachments") or ():
            sha2 = attachment["sha2"].lower()
            declared.add(sha2)
            if "fileUrl" not in attachment and sha2 not in sent:
                raise AttachmentError(
                    f"statements[{number}]: attachment {sha2} has no fileUrl and its content was not sent"
                )
            if attachment["usageType"] == SIGNATURE_USAGE:
                if sha2 not in sent:
                    raise AttachmentError(f"statements[{number}]: the signature's content was not sent")
                check_signature(statement, attachment, sent[sha2][1], number)
    extra = sorted(set(sent) - declared)
    if extra:
        raise AttachmentError(f"a part with hash {extra[0]} belongs to no attachment of the statements")


def check_signature(statement: Mapping[str, Any], attachment: Mapping[str, Any], token: bytes, number: int) -> None:
    """Data §2.6: see the module docstring."""
    where = f"statements[{number}]: signature"
    if attachment.get("contentType") != SIGNATURE_TYPE:
        raise AttachmentError(f"{where}: its contentType must be {SIGNATURE_TYPE}")
    try:
        signed = jws.extract_compact(token.strip(), registry=JWS_REGISTRY)
        header = signed.headers()
        payload = json.loads(signed.payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        raise AttachmentError(f"{where}: not a JWS in compact serialization with a JSON payload") from None
    if header.get("alg") not in SIGNATURE_ALGORITHMS:
        raise AttachmentError(f"{where}: algorithm {header.get('alg')!r}; expected RS256, RS384 or RS512")
    if not isinstance(payload, dict) or not same_statement(payload, _without_signature(statement)):
        raise AttachmentError(f"{where}: the signed statement is not the statement sent")
    certificates = header.get("x5c")
    if certificates:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(certificates[0]))
            key = RSAKey.import_key(certificate.public_key())
            jws.deserialize_compact(token.strip(), key, registry=JWS_REGISTRY)
        except (JoseError, ValueError, TypeError, IndexError):
            raise AttachmentError(f"{where}: does not verify with the certificate in its header") from None


def _without_signature(statement: Mapping[str, Any]) -> dict[str, Any]:
    original = dict(statement)
    kept = [a for a in statement.get("attachments") or () if a.get("usageType") != SIGNATURE_USAGE]
    if kept:
        original["attachments"] = kept
    else:
        original.pop("attachments", None)
    return original
