"""Issue signed micro-credentials: the library API of the award flow.

    key = load_key()                                   # the issuer key, from outside the repository
    document = issue(course, credential, agent, awarded_at, credential_id, key)
    write_credential(out_dir, document)                # <name>.json and <name>.svg (baked)

`issuer_function` adapts `issue` to the ledger's `Issue` callable
(`issue(agent, awarded_at) -> dict`), with a credential id derived from the key,
the achievement and the learner: the same learner gets the same id on every run,
and no one without the key can compute (or guess a learner's address from) it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from xapi.agents import agent_keys

from .baking import badge_svg, credential_json
from .document import CourseModel, CredentialModel, achievement_id, credential_document, datetime_z, issuer_of
from .keys import load_key
from .signing import IssuerKey, sign

__all__ = ["credential_id_for", "file_stem", "issue", "issuer_function", "load_key", "write_credential"]


def _moment(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def issue(
    course: CourseModel,
    credential: CredentialModel,
    learner_agent: dict[str, Any],
    awarded_at: datetime | str,
    credential_id: str,
    key: IssuerKey,
    *,
    revocation_list: str | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The signed OpenBadgeCredential (eddsa-rdfc-2022 proof, created = awarded_at) for one learner.

    `awarded_at` is a timezone-aware datetime or an ISO 8601 string with a zone
    (the ledger's form, e.g. 2025-06-01T10:00:00Z). With `revocation_list` (the URL
    where the provider publishes its 1EdTech Revocation List) the credential names
    it in credentialStatus, so verifiers find it.
    """
    moment = _moment(awarded_at)
    issuer = issuer_of(credential, key.did, revocation_list=revocation_list)
    document = credential_document(
        course, credential, learner_agent, moment, credential_id, issuer, valid_until=valid_until
    )
    return sign(document, key, created=datetime_z(moment))


def credential_id_for(key: IssuerKey, course: CourseModel, credential: CredentialModel, agent: dict[str, Any]) -> str:
    """`urn:uuid:` from an HMAC of the achievement and the learner's identifier under the issuer key."""
    secret = key.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    message = f"{achievement_id(course, credential)}\n{agent_keys(agent)[0]}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


def issuer_function(
    course: CourseModel,
    credential: CredentialModel,
    key: IssuerKey,
    *,
    out_dir: Path | None = None,
    revocation_list: str | None = None,
) -> Callable[[dict[str, Any], str], dict[str, Any]]:
    """The ledger's `issue(agent, awarded_at)`: a signed credential, also written to out_dir when given."""

    def issue_for(agent: dict[str, Any], awarded_at: str) -> dict[str, Any]:
        credential_id = credential_id_for(key, course, credential, agent)
        document = issue(course, credential, agent, awarded_at, credential_id, key, revocation_list=revocation_list)
        if out_dir is not None:
            write_credential(out_dir, document)
        return document

    return issue_for


def file_stem(credential_id: str) -> str:
    """A file name for a credential id: `urn:uuid:<uuid>` gives `<uuid>`; other ids keep [A-Za-z0-9._-]."""
    stem = credential_id.removeprefix("urn:uuid:")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "credential"


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def write_credential(out_dir: Path, document: dict[str, Any]) -> list[Path]:
    """Write `<stem>.json` (the credential) and `<stem>.svg` (the learner's badge, credential baked in)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(document["id"])
    written = []
    for suffix, data in ((".json", credential_json(document).encode("utf-8")), (".svg", badge_svg(document))):
        path = folder / f"{stem}{suffix}"
        _write_atomic(path, data)
        written.append(path)
    return written
