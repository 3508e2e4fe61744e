"""Verify an Open Badges 3.0 credential: shape, issuer, proof, dates, revocation.

In the order OB 3.0 §"Verification" gives: the document's structure (checked in
code: `shape_problems` checks the required types and fields of OB 3.0 on VCDM 2.0
and names each problem by its path; the official JSON Schema, vendored in
credentials/schemas/, is what the tests validate every issued credential against),
that the issuer's DID controls the proof's verification method (did:key, or did:web
with the DID document given: credentials/issuer_proof.py), the Data Integrity proof
(credentials.signing), `validFrom` ≤ now ≤ `validUntil`, then revocation.

Input is untrusted: a file over `MAX_FILE_BYTES`, a credential over
`MAX_CREDENTIAL_BYTES` (however it is compressed in a PNG) or JSON nested deeper
than `MAX_JSON_DEPTH` is refused with one line, before it can cost more memory or
stack than that. What is printed about the holder comes from the signed data: an
image's visible text is not signed, and `verify` says so.

Revocation: a W3C Bitstring Status List (`credentialStatus.type`
"BitstringStatusListEntry": credentials/status_list.py), or a 1EdTech Revocation List
(`credentialStatus.type` "1EdTechRevocationList", its `id` the list's URL): a JSON document

    {"id": URL, "issuer": did, "revokedCredentials": [{"id": credential id, "revocationReason": text}]}

that the provider publishes from the ledger (`revocation_list`). A plain JSON
array of revoked ids is read too. Every failure raises VerificationError whose
`reason` is a short word (`revoked`, `expired`, `proof` …) and whose message
says what was found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .baking import MAX_CREDENTIAL_BYTES, PNG_SIGNATURE, BakingError, is_image, svg_visible_text, unbake
from .contexts import CREDENTIALS_V2
from .document import REVOCATION_LIST_TYPE
from .issuer_proof import check_issuer_proof, load_did_document
from .status_list import ENTRY_TYPE, LIST_CREDENTIAL_TYPE, check_status, list_url_problem, status_entry_of
from .verify_io import (  # noqa: F401  (re-exported: the names callers import from here)
    FETCH_TIMEOUT_S,
    MAX_FILE_BYTES,
    MAX_JSON_DEPTH,
    VerificationError,
    is_uri,
    issuer_id,
    json_object,
    parse_datetime_z,
    parse_json,
    read_file_or_url,
    read_limited,
    types_of,
)

OB_CONTEXT_PATTERN = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
# A revocation list of 100,000 ids is some 6 MB; a status list credential of 134 million entries is under 32 MB.
MAX_REVOCATION_LIST_BYTES = 32 * 1024 * 1024
NAME_TYPES = ("ext:name", "name")


@dataclass(frozen=True)
class RevocationList:
    source: str
    revoked: dict[str, str]  # credential id -> reason ("" when none is given)
    issuer: str | None = None


@dataclass(frozen=True)
class Verified:
    """A credential that passed every check, and what was checked."""

    id: str
    name: str
    issuer_id: str
    issuer_name: str
    valid_from: str
    valid_until: str | None
    revocation: str  # how revocation was checked, in words
    holder: str = ""  # who the signed data says holds the credential, in words
    notes: tuple[str, ...] = ()  # what the reader must know besides (an image's unsigned text …)

    def summary(self) -> str:
        until = f" until {self.valid_until}" if self.valid_until else ""
        lines = [
            f"OK: {self.id} ({self.name}) issued by {self.issuer_name} ({self.issuer_id}), "
            f"valid from {self.valid_from}{until}; signature, shape and issuer verified; {self.revocation}",
        ]
        if self.holder:
            lines.append(f"holder (from the signed data): {self.holder}")
        return "\n".join([*lines, *self.notes])


def parse_credential(data: bytes) -> dict[str, Any]:
    """The credential of a .json file or of a baked PNG/SVG badge."""
    if len(data) > MAX_FILE_BYTES:
        raise VerificationError("too-large", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; refusing it")
    if is_image(data):
        try:
            text = unbake(data)
        except BakingError as error:
            raise VerificationError("image", str(error)) from None
    else:
        if len(data) > MAX_CREDENTIAL_BYTES:
            raise VerificationError(
                "too-large",
                f"the credential is larger than {MAX_CREDENTIAL_BYTES // 2**20} MB; refusing it "
                "(a credential is some tens of kB)",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise VerificationError("not-json", "the file is neither UTF-8 JSON nor a PNG or SVG badge") from None
    if text.count(".") == 2 and not text.lstrip().startswith("{"):
        raise VerificationError("unsupported", "this is a VC-JWT; microquest verifies credentials with embedded proofs")
    try:
        document = parse_json(text, "the credential")
    except json.JSONDecodeError as error:
        raise VerificationError("not-json", f"not valid JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(document, dict):
        raise VerificationError("shape", f"expected a JSON object (the credential), found a {type(document).__name__}")
    return document


def _achievement_problems(achievement: Any, path: str) -> list[str]:
    if not isinstance(achievement, dict):
        return [f"{path}: expected an Achievement object"]
    problems = []
    if not is_uri(achievement.get("id")):
        problems.append(f"{path}.id: expected a URI")
    if "Achievement" not in types_of(achievement):
        problems.append(f"{path}.type: must include 'Achievement'")
    for name in ("name", "description"):
        if not isinstance(achievement.get(name), str) or not achievement[name]:
            problems.append(f"{path}.{name}: missing")
    criteria = achievement.get("criteria")
    if not isinstance(criteria, dict) or not (criteria.get("id") or criteria.get("narrative")):
        problems.append(f"{path}.criteria: expected an object with id or narrative")
    alignments = achievement.get("alignment", [])
    if not isinstance(alignments, list):
        problems.append(f"{path}.alignment: expected a list of Alignments")
        alignments = []
    for index, alignment in enumerate(alignments):
        where = f"{path}.alignment[{index}]"
        if "Alignment" not in types_of(alignment):
            problems.append(f"{where}.type: must include 'Alignment'")
        elif not alignment.get("targetName") or not is_uri(alignment.get("targetUrl")):
            problems.append(f"{where}: targetName and targetUrl are required")
    return problems


def _subject_problems(subject: Any) -> list[str]:
    if not isinstance(subject, dict):
        return ["credentialSubject: expected one AchievementSubject object"]
    problems = []
    if "AchievementSubject" not in types_of(subject):
        problems.append("credentialSubject.type: must include 'AchievementSubject'")
    identifiers = subject.get("identifier", [])
    if "id" not in subject and not identifiers:
        problems.append("credentialSubject: needs an id or an identifier (who the credential is about)")
    for index, identity in enumerate(identifiers if isinstance(identifiers, list) else [identifiers]):
        where = f"credentialSubject.identifier[{index}]"
        if "IdentityObject" not in types_of(identity):
            problems.append(f"{where}.type: must be 'IdentityObject'")
        elif not isinstance(identity.get("hashed"), bool) or not identity.get("identityHash"):
            problems.append(f"{where}: identityHash, identityType and hashed are required")
    problems += _achievement_problems(subject.get("achievement"), "credentialSubject.achievement")
    return problems


def shape_problems(document: dict[str, Any]) -> list[str]:
    """Every way the document departs from an OB 3.0 OpenBadgeCredential (VCDM 2.0), by path."""
    problems = []
    context = document.get("@context")
    if not isinstance(context, list) or len(context) < 2:
        problems.append("@context: expected a list starting with the VC 2.0 and OB 3.0 contexts")
    else:
        if context[0] != CREDENTIALS_V2:
            problems.append(f"@context[0]: expected {CREDENTIALS_V2}, found {context[0]!r}")
        if not isinstance(context[1], str) or not OB_CONTEXT_PATTERN.match(context[1]):
            problems.append(f"@context[1]: expected an OB 3.0 context URL, found {context[1]!r}")
    types = types_of(document)
    if "VerifiableCredential" not in types or not CREDENTIAL_TYPES & set(types):
        problems.append("type: must include 'VerifiableCredential' and 'OpenBadgeCredential'")
    if not is_uri(document.get("id")):
        problems.append("id: expected a URI")
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        if not is_uri(issuer.get("id")):
            problems.append("issuer.id: expected a URI")
        if "Profile" not in types_of(issuer):
            problems.append("issuer.type: must include 'Profile'")
    elif not is_uri(issuer):
        problems.append("issuer: expected a Profile or a URI")
    if parse_datetime_z(document.get("validFrom")) is None:
        problems.append("validFrom: expected a date and time with a time zone (e.g. 2025-06-01T10:00:00Z)")
    if "validUntil" in document and parse_datetime_z(document["validUntil"]) is None:
        problems.append("validUntil: expected a date and time with a time zone")
    if "name" in document and not isinstance(document["name"], str):
        problems.append("name: expected text")
    problems += _subject_problems(document.get("credentialSubject"))
    schemas = document.get("credentialSchema", [])
    for index, schema in enumerate(schemas if isinstance(schemas, list) else [schemas]):
        if not isinstance(schema, dict) or not is_uri(schema.get("id")) or not schema.get("type"):
            problems.append(f"credentialSchema[{index}]: id and type are required")
    return problems


def check_issuer(document: dict[str, Any], did_document: dict[str, Any] | None = None) -> None:
    """The issuer's DID (did:key, or did:web with its DID document) controls the proof's key, and the proof verifies."""
    check_issuer_proof(document, did_document)


def check_dates(document: dict[str, Any], now: datetime) -> None:
    valid_from = parse_datetime_z(document["validFrom"])
    if valid_from > now:
        raise VerificationError(
            "not-yet-valid", f"validFrom {document['validFrom']} is later than now ({now:%Y-%m-%dT%H:%M:%SZ})"
        )
    if "validUntil" in document and parse_datetime_z(document["validUntil"]) < now:
        raise VerificationError(
            "expired", f"validUntil {document['validUntil']} has passed (now {now:%Y-%m-%dT%H:%M:%SZ})"
        )


def revocation_list(
    revocations: Iterable[tuple[str, str] | tuple[str, str, str]], *, list_id: str, issuer: str
) -> dict[str, Any]:
    """The 1EdTech Revocation List to publish at `list_id`, from the ledger's (id, reason[, revoked_at]) rows."""
    entries = [{"id": row[0], "revocationReason": row[1]} for row in sorted(revocations)]
    return {"id": list_id, "issuer": issuer, "revokedCredentials": entries}


def parse_revocation_list(data: bytes, source: str) -> RevocationList:
    try:
        document = parse_json(data, source)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise VerificationError("revocation-list", f"{source} is not JSON: {error}") from None
    if isinstance(document, list) and all(isinstance(i, str) for i in document):
        return RevocationList(source, dict.fromkeys(document, ""))
    if isinstance(document, dict) and isinstance(document.get("revokedCredentials"), list):
        revoked = {}
        for entry in document["revokedCredentials"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise VerificationError("revocation-list", f"{source}: each revokedCredentials entry needs an id")
            revoked[entry["id"]] = str(entry.get("revocationReason") or "")
        return RevocationList(source, revoked, document.get("issuer"))
    if isinstance(document, dict) and LIST_CREDENTIAL_TYPE in types_of(document):
        raise VerificationError(
            "revocation-list",
            f"{source} is a Bitstring Status List, but the credential names no {ENTRY_TYPE} (its index in a list)",
        )
    raise VerificationError(
        "revocation-list", f"{source}: expected a 1EdTech Revocation List (revokedCredentials) or a JSON array of ids"
    )


def load_revocation_list(source: str) -> RevocationList:
    """Read a 1EdTech revocation list (or a JSON array of ids) from a file or an http(s) URL."""
    return parse_revocation_list(read_file_or_url(source, MAX_REVOCATION_LIST_BYTES, "revocation-list"), source)


def status_list_url(document: dict[str, Any]) -> str | None:
    """The revocation list a credential names in credentialStatus; VerificationError for a kind we cannot check."""
    status = document.get("credentialStatus")
    if status is None:
        return None
    entry = status_entry_of(document)
    if entry is not None:
        problem = list_url_problem(entry.get("statusListCredential"))
        if problem:
            raise VerificationError("status-list", f"credentialStatus.statusListCredential: {problem}")
        return entry["statusListCredential"]
    if not isinstance(status, dict) or REVOCATION_LIST_TYPE not in types_of(status) or not is_uri(status.get("id")):
        raise VerificationError(
            "revocation-list",
            f"credentialStatus: only {ENTRY_TYPE} or {REVOCATION_LIST_TYPE} with an id URL can be checked, "
            f"found {status!r}",
        )
    return status["id"]


def check_credential_status(
    document: dict[str, Any],
    revocations: str | None = None,
    *,
    did_document: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """Revocation, from `revocations` (a file or URL) or the list the credential names; how it was checked, in words.

    A BitstringStatusListEntry is checked against a BitstringStatusListCredential
    (its proof and issuer verified first: see credentials/status_list.py), a
    1EdTechRevocationList against a 1EdTech Revocation List or a JSON array of ids.
    """
    source = revocations or status_list_url(document)
    if source is None:
        return check_revocation(document, None)
    if status_entry_of(document) is None:
        return check_revocation(document, load_revocation_list(source))
    data = read_file_or_url(source, MAX_REVOCATION_LIST_BYTES, "status-list")
    listed = json_object(data, source, "status-list", f"a {LIST_CREDENTIAL_TYPE}")
    return check_status(document, listed, source, did_document=did_document, now=now)


def check_revocation(document: dict[str, Any], revocations: RevocationList | None) -> str:
    if revocations is None:
        return "revocation not checked (the credential names no revocation list, and none was given)"
    listed_issuer = revocations.issuer
    if listed_issuer and listed_issuer != issuer_id(document):
        raise VerificationError(
            "revocation-list",
            f"{revocations.source} lists revocations of {listed_issuer}, not of {issuer_id(document)}",
        )
    if document["id"] in revocations.revoked:
        reason = revocations.revoked[document["id"]]
        why = f" (reason: {reason})" if reason else ""
        raise VerificationError("revoked", f"{document['id']} is on the revocation list {revocations.source}{why}")
    return f"not revoked according to {revocations.source}"


def check_signed(
    document: dict[str, Any], *, now: datetime | None = None, did_document: dict[str, Any] | None = None
) -> None:
    """Shape, issuer, proof and dates: everything but revocation. Raises VerificationError.

    A did:web issuer's key is read from `did_document` (its DID document); without
    it, VerificationError `did-document` says where the issuer publishes it.
    """
    problems = shape_problems(document)
    if problems:
        raise VerificationError("shape", "; ".join(problems))
    check_issuer_proof(document, did_document)
    check_dates(document, now or datetime.now(UTC))


def holder_name(document: dict[str, Any]) -> str | None:
    """The holder's name as the signed data gives it (an IdentityObject `ext:name`/`name`, in plain), or None."""
    identifiers = document.get("credentialSubject", {}).get("identifier", [])
    for identity in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(identity, dict) and identity.get("identityType") in NAME_TYPES and not identity.get("hashed"):
            name = identity.get("identityHash")
            if isinstance(name, str) and name.strip():
                return name
    return None


def holder(document: dict[str, Any]) -> str:
    """The holder in words: name, then each identifier (the subject's id, each IdentityObject)."""
    subject = document.get("credentialSubject", {})
    name = holder_name(document)
    found = [f"id {subject['id']}"] if isinstance(subject.get("id"), str) else []
    identifiers = subject.get("identifier", [])
    for identity in identifiers if isinstance(identifiers, list) else [identifiers]:
        if not isinstance(identity, dict):
            continue
        if identity.get("identityType") in NAME_TYPES and not identity.get("hashed"):
            continue
        hashed = (
            " (hashed with the credential's salt: hash the holder's own to compare)" if identity.get("hashed") else ""
        )
        found.append(f"{identity.get('identityType')} {identity.get('identityHash')}{hashed}")
    return f"{name or 'no name given'}; " + ("; ".join(found) or "no identifier")


def image_notes(data: bytes, document: dict[str, Any]) -> tuple[str, ...]:
    """What to tell the reader of a baked badge: its visible text is not signed (and, for an SVG,
    when that text does not show the holder's name the signed data gives)."""
    notes = [
        "note: only the credential baked into the image is signed, not the image: "
        "its visible text can say anything; trust the values printed here"
    ]
    name = holder_name(document)
    if name and not data.startswith(PNG_SIGNATURE) and name not in svg_visible_text(data):
        notes.append(f"WARNING: the image's visible text does not show the holder's name {name!r} of the signed data")
    return tuple(notes)


def _verified(document: dict[str, Any], revocation: str, notes: tuple[str, ...] = ()) -> Verified:
    issuer = document["issuer"]
    return Verified(
        id=document["id"],
        name=document.get("name") or document["credentialSubject"]["achievement"]["name"],
        issuer_id=issuer_id(document),
        issuer_name=issuer.get("name", "") if isinstance(issuer, dict) else "",
        valid_from=document["validFrom"],
        valid_until=document.get("validUntil"),
        revocation=revocation,
        holder=holder(document),
        notes=notes,
    )


def verify_credential(
    document: dict[str, Any],
    *,
    now: datetime | None = None,
    revocations: RevocationList | None = None,
    did_document: dict[str, Any] | None = None,
) -> Verified:
    """Check everything; return what was verified or raise VerificationError with the first failure."""
    check_signed(document, now=now, did_document=did_document)
    return _verified(document, check_revocation(document, revocations))


def verify_bytes(
    data: bytes, *, revocations: str | None = None, did_document: str | None = None, now: datetime | None = None
) -> Verified:
    """Verify a credential file's bytes (JSON or a baked badge).

    `did_document` (a file or URL) is the DID document of a did:web issuer; nothing
    else resolves one. Revocation is checked against `revocations` (a file or URL),
    else against the list the credential names in credentialStatus; that URL is read
    only after the proof has verified, so an unsigned document cannot make the
    verifier fetch anything.
    """
    document = parse_credential(data)
    resolved = load_did_document(did_document) if did_document else None
    check_signed(document, now=now, did_document=resolved)
    revocation = check_credential_status(document, revocations, did_document=resolved, now=now)
    return _verified(document, revocation, image_notes(data, document) if is_image(data) else ())
