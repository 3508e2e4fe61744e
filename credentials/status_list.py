"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/): revocation that any
VC 2.0 verifier understands.

A credential issued with a status list URL carries one `credentialStatus`:

    {"id": "<list url>#<index>", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
     "statusListIndex": "<index>", "statusListCredential": "<list url>"}

The index is the credential's own bit in the list; the award ledger hands it out
(chosen at random, as the spec asks, so its position says nothing about when the
credential was issued; unique and never reused). The provider publishes at the URL
a signed `BitstringStatusListCredential` whose `credentialSubject.encodedList` is the
bitstring of every index, bit 1 where the credential is revoked: bit 0 is the leftmost
(most significant) bit of the first byte; GZIP-compressed, base64url without padding,
with the multibase prefix `u`; at least 16 KB (131,072 bits) uncompressed, so one list
hides each credential among at least that many.

Both type names and every property are terms of the VC 2.0 context, which the
credential already names: no other context is needed.

Checking (`check_status`, the spec's validation algorithm §3.2): the list credential
is one (`BitstringStatusListCredential`, VC 2.0, the URL the entry names), its own
proof verifies, its issuer is the credential's issuer, it is within its validity
period, its purpose is the entry's, it inflates to at most MAX_LIST_BYTES and at
least 16 KB, and the index is inside it; then the bit says revoked or not.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .contexts import CREDENTIALS_V2
from .issuer_proof import check_issuer_proof
from .verify_io import VerificationError, issuer_id, parse_datetime_z, types_of

ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
REVOCATION = "revocation"
MIN_LIST_BITS = 131_072  # 16 KB uncompressed: the spec's minimum, for group privacy
# The most a list may inflate to: 16 MB is 134 million credentials.
MAX_LIST_BYTES = 16 * 1024 * 1024
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def list_url_problem(url: Any) -> str | None:
    """Why `url` cannot be a status list's URL (None when it can): an absolute http(s) URL without a fragment."""
    if not isinstance(url, str) or not url:
        return "the status list URL is missing"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"the status list URL is not a valid URL (found {url!r})"
    if parts.scheme not in ("https", "http") or not parts.hostname or any(c.isspace() for c in url):
        return f"the status list URL must be an http(s) address such as https://www.example.si/status/1 (found {url!r})"
    if parts.fragment or url.endswith("#"):
        return f"the status list URL must have no #fragment: each credential's entry adds its own (found {url!r})"
    return None


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    """The credential's `credentialStatus`: its revocation bit `index` in the list published at `list_url`."""
    problem = list_url_problem(list_url)
    if problem:
        raise ValueError(problem)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"a status list index is a whole number from 0, found {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_entry_of(document: dict[str, Any]) -> dict[str, Any] | None:
    """The credential's BitstringStatusListEntry, if its credentialStatus is one."""
    status = document.get("credentialStatus")
    for entry in status if isinstance(status, list) else [status]:
        if isinstance(entry, dict) and ENTRY_TYPE in types_of(entry):
            return entry
    return None


def list_length(indexes: Iterable[int]) -> int:
    """Bits a list needs for these indexes: a multiple of 131,072 (16 KB), at least that."""
    highest = max(indexes, default=-1)
    return (highest // MIN_LIST_BITS + 1) * MIN_LIST_BITS


def bitstring(revoked: Iterable[int], length: int) -> bytes:
    """`length` bits (a multiple of 8), each revoked index's bit 1; bit 0 is the leftmost bit of the first byte."""
    if length % 8:
        raise ValueError(f"a bitstring's length is a multiple of 8, found {length}")
    bits = bytearray(length // 8)
    for index in revoked:
        if not 0 <= index < length:
            raise ValueError(f"index {index} is outside a list of {length} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode_list(bits: bytes) -> str:
    """`encodedList`: multibase base64url (prefix `u`, no padding) of the GZIP-compressed bitstring."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)  # mtime 0: the same list, the same bytes
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: Any, limit: int = MAX_LIST_BYTES) -> bytes:
    """The bitstring of an `encodedList`, inflated to at most `limit` bytes; ValueError saying what is wrong."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url, starting with 'u'")
    body = encoded[1:]
    if not _BASE64URL.match(body) or len(body) % 4 == 1:
        raise ValueError("encodedList is not base64url (A–Z, a–z, 0–9, '-', '_', without padding)")
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP only
    try:
        bits = inflater.decompress(compressed, limit + 1)
    except zlib.error as error:
        raise ValueError(f"encodedList is not GZIP-compressed data ({error})") from None
    if len(bits) > limit or inflater.unconsumed_tail:
        raise ValueError(f"the status list inflates to more than {limit // 2**20} MB; refusing it")
    if not inflater.eof or inflater.unused_data:
        raise ValueError("encodedList is not one complete GZIP stream")
    if len(bits) * 8 < MIN_LIST_BITS:
        raise ValueError(f"the status list has {len(bits) * 8} bits; the spec requires at least {MIN_LIST_BITS}")
    return bits


def bit(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str, issuer: str, revoked: Iterable[int], published: datetime, *, length: int = MIN_LIST_BITS
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential to publish at `list_url`, every index of `revoked` set.

    `length` (bits) is raised to cover the highest revoked index; give the ledger's
    list length so that every index handed out is inside the list.
    """
    problem = list_url_problem(list_url)
    if problem:
        raise ValueError(problem)
    indexes = sorted(set(revoked))
    length = max(length, list_length(indexes))
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": published.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": LIST_TYPE,
            "statusPurpose": REVOCATION,
            "encodedList": encode_list(bitstring(indexes, length)),
        },
    }


def _entry_index(entry: dict[str, Any]) -> int:
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not re.fullmatch(r"0|[1-9][0-9]{0,15}", index):
        raise VerificationError(
            "status-list", f"credentialStatus.statusListIndex must be a whole number written as text, found {index!r}"
        )
    if entry.get("statusSize", 1) != 1:
        raise VerificationError(
            "status-list", f"credentialStatus.statusSize {entry.get('statusSize')!r}: microquest checks 1-bit entries"
        )
    if problem := list_url_problem(entry.get("statusListCredential")):
        raise VerificationError("status-list", f"credentialStatus.statusListCredential: {problem}")
    return int(index)


def _check_list_credential(
    listed: dict[str, Any], source: str, entry: dict[str, Any], issuer: Any, did_document: dict | None, now: datetime
) -> dict[str, Any]:
    """The list credential is the one the entry names, signed by the credential's issuer, valid now."""
    url = entry["statusListCredential"]
    context = listed.get("@context")
    types = types_of(listed)
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2:
        raise VerificationError("status-list", f"{source}: @context must start with {CREDENTIALS_V2}")
    if "VerifiableCredential" not in types or LIST_CREDENTIAL_TYPE not in types:
        raise VerificationError("status-list", f"{source} is no {LIST_CREDENTIAL_TYPE} (type {listed.get('type')!r})")
    if listed.get("id") != url:
        raise VerificationError("status-list", f"{source} is the status list {listed.get('id')!r}, not {url}")
    if issuer_id(listed) != issuer:
        raise VerificationError(
            "status-list", f"{source} is issued by {issuer_id(listed)!r}, not by the credential's issuer {issuer}"
        )
    try:
        check_issuer_proof(listed, did_document)
    except VerificationError as error:
        raise VerificationError(
            "did-document" if error.reason == "did-document" else "status-list",
            f"the status list {source} does not verify: {error}",
        ) from None
    valid_from = parse_datetime_z(listed.get("validFrom"))
    if valid_from is None or valid_from > now:
        raise VerificationError("status-list", f"{source}: validFrom {listed.get('validFrom')!r} is missing or later")
    if "validUntil" in listed and (parse_datetime_z(listed["validUntil"]) or now) <= now:
        raise VerificationError("status-list", f"{source} expired on {listed['validUntil']}: get a current one")
    subject = listed.get("credentialSubject")
    if not isinstance(subject, dict) or LIST_TYPE not in types_of(subject):
        raise VerificationError("status-list", f"{source}: credentialSubject must be a {LIST_TYPE}")
    purposes = subject.get("statusPurpose")
    if entry.get("statusPurpose") not in (purposes if isinstance(purposes, list) else [purposes]):
        raise VerificationError(
            "status-list",
            f"{source} is a list for {purposes!r}, the credential's entry for {entry.get('statusPurpose')!r}",
        )
    return subject


def check_status(
    document: dict[str, Any],
    listed: dict[str, Any],
    source: str,
    *,
    did_document: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """Check the credential's BitstringStatusListEntry against the list credential read from `source`.

    Returns how it was checked, in words; raises VerificationError `revoked` when the
    credential's bit is set, `status-list` when the list cannot be trusted or read.
    """
    entry = status_entry_of(document)
    if entry is None:
        raise VerificationError(
            "status-list", f"the credential names no {ENTRY_TYPE}, so the status list {source} says nothing about it"
        )
    index = _entry_index(entry)
    subject = _check_list_credential(listed, source, entry, issuer_id(document), did_document, now or datetime.now(UTC))
    try:
        bits = decode_list(subject.get("encodedList"))
    except ValueError as error:
        raise VerificationError("status-list", f"{source}: {error}") from None
    if index >= len(bits) * 8:
        raise VerificationError(
            "status-list", f"{source}: index {index} is outside the list of {len(bits) * 8} entries"
        )
    where = f"the status list {entry['statusListCredential']} (index {index}, published {listed['validFrom']})"
    if bit(bits, index):
        raise VerificationError("revoked", f"{document.get('id')} is revoked according to {where}")
    return f"not revoked according to {where}"
