"""Issue signed micro-credentials: the library API of the award flow.

    key = load_key()                                   # the issuer key, from outside the repository
    identity = load_identity()                         # the provider's identity, beside the key
    document = issue(course, credential, agent, awarded_at, credential_id, key, identity=identity)
    write_credential(out_dir, document)                # <name>.json and <name>.svg (baked)

`issuer_function` adapts `issue` to the ledger's `Issue` callable
(`issue(agent, awarded_at[, status_index]) -> dict`), with a credential id derived from the key,
the achievement and the learner: the same learner gets the same id on every run,
and no one without the key can compute (or guess a learner's address from) it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from xapi.agents import agent_keys

from .baking import badge_svg, credential_json
from .document import (
    CourseModel,
    CredentialModel,
    achievement_id,
    credential_document,
    datetime_z,
    issuer_of,
    revocation_list_status,
)
from .issuer import IssuerIdentity, issuing_key
from .keys import load_key
from .signing import IssuerKey, sign
from .status_list import status_entry

__all__ = [
    "CredentialIssuer",
    "credential_id_for",
    "file_stem",
    "issue",
    "issue_many",
    "issuer_function",
    "load_key",
    "write_atomic",
    "write_credential",
]


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
    identity: IssuerIdentity,
    revocation_list: str | None = None,
    status_list: str | None = None,
    status_index: int | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The signed OpenBadgeCredential (eddsa-rdfc-2022 proof, created = awarded_at) for one learner.

    Issued in the name of the provider's `identity` (credentials/issuer.py), as its
    did:key, or as `did:web:<host>` when the identity names a host. `awarded_at` is a
    timezone-aware datetime or an ISO 8601 string with a zone (the ledger's form, e.g.
    2025-06-01T10:00:00Z). `credentialStatus` tells verifiers where revocations are
    published: with `status_list` (a URL) and `status_index`, the credential's bit in
    that W3C Bitstring Status List; with `revocation_list` (a URL), the provider's
    1EdTech Revocation List. One or the other, not both.
    """
    if status_list and revocation_list:
        raise ValueError("a credential names one revocation list: a status list or a 1EdTech revocation list")
    status = None
    if status_list:
        if status_index is None:
            raise ValueError("a credential on a status list needs its index in the list")
        status = status_entry(status_list, status_index)
    elif revocation_list:
        status = revocation_list_status(revocation_list)
    moment = _moment(awarded_at)
    signer = issuing_key(identity, key)
    document = credential_document(
        course,
        credential,
        learner_agent,
        moment,
        credential_id,
        issuer_of(identity, signer.did),
        credential_status=status,
        eqf_level=identity.eqf_level,
        valid_until=valid_until,
    )
    return sign(document, signer, created=datetime_z(moment))


def credential_id_for(key: IssuerKey, course: CourseModel, credential: CredentialModel, agent: dict[str, Any]) -> str:
    """`urn:uuid:` from an HMAC of the achievement and the learner's identifier under the issuer key."""
    secret = key.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    message = f"{achievement_id(course, credential)}\n{agent_keys(agent)[0]}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


@dataclass(frozen=True)
class CredentialIssuer:
    """The ledger's `issue(agent, awarded_at[, status_index])`: a signed credential, also written to out_dir when given.

    `uses_status_list` tells the ledger to hand each new credential its index in the
    status list (xapi/award/ledger.py), passed as `status_index`.
    """

    course: CourseModel
    credential: CredentialModel
    key: IssuerKey = field(repr=False)
    identity: IssuerIdentity
    out_dir: Path | None = None
    revocation_list: str | None = None
    status_list: str | None = None

    @property
    def uses_status_list(self) -> bool:
        return self.status_list is not None

    def __call__(self, agent: dict[str, Any], awarded_at: str, status_index: int | None = None) -> dict[str, Any]:
        credential_id = credential_id_for(self.key, self.course, self.credential, agent)
        document = issue(
            self.course,
            self.credential,
            agent,
            awarded_at,
            credential_id,
            self.key,
            identity=self.identity,
            revocation_list=self.revocation_list,
            status_list=self.status_list,
            status_index=status_index,
        )
        if self.out_dir is not None:
            write_credential(self.out_dir, document)
        return document


def issuer_function(
    course: CourseModel,
    credential: CredentialModel,
    key: IssuerKey,
    *,
    identity: IssuerIdentity,
    out_dir: Path | None = None,
    revocation_list: str | None = None,
    status_list: str | None = None,
) -> CredentialIssuer:
    """The ledger's `issue`: see CredentialIssuer. ValueError for a status list URL that cannot be one."""
    if status_list is not None:
        status_entry(status_list, 0)  # the URL is checked now, not when the first credential is signed
    if status_list and revocation_list:
        raise ValueError("a credential names one revocation list: a status list or a 1EdTech revocation list")
    return CredentialIssuer(course, credential, key, identity, out_dir, revocation_list, status_list)


def file_stem(credential_id: str) -> str:
    """A file name for a credential id: `urn:uuid:<uuid>` gives `<uuid>`; other ids keep [A-Za-z0-9._-]."""
    stem = credential_id.removeprefix("urn:uuid:")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "credential"


def write_atomic(path: Path, data: bytes) -> None:
    """The whole file or none: a temporary file beside it, flushed to disk, then renamed over it."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_credential(out_dir: Path, document: dict[str, Any]) -> list[Path]:
    """Write `<stem>.json` (the credential) and `<stem>.svg` (the learner's badge, credential baked in)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(document["id"])
    written = []
    for suffix, data in ((".json", credential_json(document).encode("utf-8")), (".svg", badge_svg(document))):
        path = folder / f"{stem}{suffix}"
        write_atomic(path, data)
        written.append(path)
    return written


def issue_many(
    issuer: Callable[..., dict[str, Any]],
    requests: Iterable[Sequence[Any]],
    *,
    processes: int | None = None,
) -> list[dict[str, Any]]:
    """`issuer(*request)` for each request, e.g. a CredentialIssuer's (agent, awarded_at[, status_index]): the
    signed credentials in the order of the requests, made in forked worker processes, one per CPU, when there
    are enough to pay for it (credentials/signing_pool.py). The issuer and its key reach the workers only as
    their copy of this process's memory: never written to a file or sent through a pipe."""
    from .signing_pool import parallel_map

    return parallel_map(lambda request: issuer(*request), requests, processes=processes)
