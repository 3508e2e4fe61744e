"""`microquest revocations` as a library call: the ledger's revocations, in a form verifiers read.

Two forms, one per way credentials name their revocations (`credentialStatus`):

- `bitstring` (the default): a W3C Bitstring Status List v1.0
  `BitstringStatusListCredential` for the credentials issued with a status list URL
  (each a `BitstringStatusListEntry` with its own index). Signed by the provider (its
  did:key, or did:web), as verifiers require; every index the ledger handed out is
  inside it, and each revoked credential's bit is 1. Revoked credentials that name
  another list (or none) are not in it: `Published.elsewhere` names them.
- `1edtech`: the 1EdTech Revocation List (unsigned JSON: the revoked credential ids
  and reasons) for credentials issued with a 1EdTech revocation list URL.

The issuer of either is the DID the provider issues as, from the identity kept
beside the key (credentials/issuer.py). Errors are RevocationsError, one line each.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import MicroquestError

FORMATS = ("bitstring", "1edtech")


class RevocationsError(MicroquestError):
    """The revocations cannot be published: no key or identity, a ledger that cannot be read, a URL that is none."""


@dataclass(frozen=True)
class Published:
    """A revocation list to publish at `url`, and what is in it."""

    url: str
    form: str
    document: dict[str, Any]
    revoked: tuple[str, ...]  # the revoked credential ids the list marks
    elsewhere: tuple[str, ...] = ()  # revoked credentials that name another list (or none): not in this one
    entries: int = 0  # bitstring: how many credentials the list has room for (its length in bits)

    def data(self) -> bytes:
        return (json.dumps(self.document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _issuer(keys: Path | None) -> Any:
    """The key as the provider issues with it (did:key, or did:web per its identity)."""
    from credentials.issuer import IssuerError, issuing_key, load_identity
    from credentials.keys import KeyFileError, load_key

    try:
        key = load_key(keys)
        return issuing_key(load_identity(keys), key)
    except (KeyFileError, IssuerError) as error:
        raise RevocationsError(str(error)) from None


def _read_ledger(ledger: Path, form: str) -> tuple[list[tuple[str, str, str]], list[Any], int]:
    from xapi.award.ledger import Ledger, LedgerError

    try:
        if not Path(ledger).is_file():
            raise LedgerError(f"{ledger}: no ledger here (`award` creates it)")
        with Ledger(ledger) as opened, opened.snapshot():
            rows = opened.revocations()
            entries = opened.revoked_status_entries() if form == "bitstring" else []
            length = opened.status_list_length()
    except LedgerError as error:
        raise RevocationsError(str(error)) from None
    return rows, entries, length


def revocations(
    ledger: Path, url: str, *, form: str = "bitstring", keys: Path | None = None, now: datetime | None = None
) -> Published:
    """The ledger's revocations as the list to publish at `url`, in `form` (see the module docstring)."""
    from credentials.signing import sign
    from credentials.status_list import list_length, list_url_problem, status_entry_of, status_list_credential
    from credentials.verify import revocation_list

    if form not in FORMATS:
        raise RevocationsError(f"unknown revocation list format {form!r}; the formats are {', '.join(FORMATS)}")
    key = _issuer(keys)
    if form == "bitstring" and (problem := list_url_problem(url)):
        raise RevocationsError(problem)
    rows, entries, length = _read_ledger(ledger, form)
    if form == "1edtech":
        document = revocation_list(((i, reason) for i, reason, _at in rows), list_id=url, issuer=key.did)
        return Published(url, form, document, tuple(sorted(i for i, _reason, _at in rows)))
    here = {id_: index for id_, index, document in entries if status_entry_of(document)["statusListCredential"] == url}
    moment = now or datetime.now(UTC)
    unsigned = status_list_credential(url, key.did, here.values(), moment, length=length)
    created = unsigned["validFrom"]
    elsewhere = tuple(sorted(i for i, _reason, _at in rows if i not in here))
    room = max(length, list_length(here.values()))
    return Published(url, form, sign(unsigned, key, created), tuple(sorted(here)), elsewhere, room)


def write_published(published: Published, out: Path) -> int:
    """Write the list to `out` (a temporary file beside it, then a rename); returns its size in bytes."""
    data = published.data()
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = out.with_name(f".{out.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, out)
    except OSError as error:
        raise RevocationsError(f"cannot write {out}: {error.strerror or error}") from None
    return len(data)
