"""The ledger's side of the W3C Bitstring Status List: each credential's index in the list.

A credential issued with a status list URL carries a `BitstringStatusListEntry`
whose `statusListIndex` is its own bit in the list the provider publishes
(credentials/status_list.py). The ledger hands the indexes out:

- at random, as the spec asks ("Implementations SHOULD assign indexes randomly"),
  so that an index says nothing about when the credential was issued or how many
  there are: from a list kept at most half full, which grows by 131,072 entries
  (16 KB, the spec's minimum) when it would be fuller;
- each once: every index handed out is recorded in `status_indexes` before the
  credential is signed, and never handed out again, even when the credential it was
  meant for is never recorded (another run awarded that person meanwhile, or the
  run was killed); `awards.status_index` (UNIQUE) is the index of the award's credential.

Functions of an open SQLite connection, inside the caller's transaction.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

BLOCK = 131_072  # entries: the spec's minimum list (16 KB), and the step by which a list grows
ENTRY_TYPE = "BitstringStatusListEntry"


def uses_status_list(issue: Any) -> bool:
    """Whether an `issue` function wants an index: it is called as issue(agent, awarded_at, status_index)."""
    return bool(getattr(issue, "uses_status_list", False))


def status_index_of(document: dict[str, Any]) -> int | None:
    """The credential's index in a W3C Bitstring Status List (its BitstringStatusListEntry), if it names one."""
    status = document.get("credentialStatus")
    for entry in status if isinstance(status, list) else [status]:
        if isinstance(entry, dict) and entry.get("type") == ENTRY_TYPE:
            index = entry.get("statusListIndex")
            if not isinstance(index, str) or not index.isdigit():
                raise TypeError(f"the credential's statusListIndex must be a whole number as text, got {index!r}")
            return int(index)
    return None


def allocate(db: sqlite3.Connection, count: int, at: str) -> list[int]:
    """`count` indexes never handed out before, drawn at random, and recorded (in the caller's transaction)."""
    if count <= 0:
        return []
    used = db.execute("SELECT COUNT(*) FROM status_indexes").fetchone()[0]
    size = BLOCK * max(1, -(-2 * (used + count) // BLOCK))  # at most half full
    chosen: list[int] = []
    drawn: set[int] = set()
    while len(chosen) < count:
        index = secrets.randbelow(size)
        if index in drawn:
            continue
        drawn.add(index)
        if db.execute("SELECT 1 FROM status_indexes WHERE status_index = ?", (index,)).fetchone() is None:
            chosen.append(index)
    db.executemany("INSERT INTO status_indexes (status_index, allocated_at) VALUES (?, ?)", ((i, at) for i in chosen))
    return chosen


def list_length(db: sqlite3.Connection) -> int:
    """Bits the published list needs so that every index handed out is inside it: a multiple of BLOCK, at least one."""
    highest = db.execute("SELECT MAX(status_index) FROM status_indexes").fetchone()[0]
    return ((highest if highest is not None else -1) // BLOCK + 1) * BLOCK


def revoked_entries(db: sqlite3.Connection) -> list[tuple[str, int, dict[str, Any]]]:
    """(credential id, index, signed document) of every revoked award whose credential has an index."""
    rows = db.execute(
        "SELECT a.id, a.status_index, a.document FROM awards a JOIN revocations r ON r.id = a.id "
        "WHERE a.status_index IS NOT NULL ORDER BY a.status_index"
    )
    return [(id_, index, json.loads(document)) for id_, index, document in rows]
