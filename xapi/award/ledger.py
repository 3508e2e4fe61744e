"""The award ledger: one SQLite file that remembers every award, the evidence, and revocations.

- `awards`: one row per issued credential, UNIQUE per (credential, version, person);
  `award_identifiers` holds every key of the person, UNIQUE per (credential, version,
  key), so a person keeps one credential per version even when the identifiers known
  to belong together change between runs (a people file added or dropped).
- `evidence`: the statements that counted (statement id, learner key, requirement),
  `voided`: statement ids voided, `aliases`: identifiers a source says are one
  person, `agents`: each learner key's agent as first seen. Together they rebuild
  every learner's progress, so an incremental LRS read only adds to them, and a
  re-read statement counts once (its id is the primary key).
- `read_positions`: the last `stored` read from each LRS endpoint.
- `progress`: per person and requirement, met or not, as of the last run (the report).
- `revocations`: credential id, reason, date; `revoked_ids()` feeds the verifier.
- `status_indexes`: every W3C Bitstring Status List index handed out, never again
  (xapi/award/status_indexes.py); `awards.status_index` is the award's. Schema 1 is migrated.

WAL journal; writes happen in `BEGIN IMMEDIATE` transactions, so two concurrent
`award` runs queue for the write lock and the second sees the first's awards.
Readers never wait for a writer (WAL), and nothing slow happens while the write
lock is held: an award run signs its credentials before it takes the lock
(xapi/award/run.py). A writer that waits longer than the ledger's `timeout` gets
LedgerBusyError and changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .criteria import Evaluation, Evidence
from .status_indexes import allocate, list_length, revoked_entries, status_index_of, uses_status_list

SCHEMA_VERSION = "2"  # 2: awards.status_index and status_indexes (W3C Bitstring Status List); 1 is migrated
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agents (learner_key TEXT PRIMARY KEY, agent TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (
    key TEXT NOT NULL, other_key TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (key, other_key));
CREATE TABLE IF NOT EXISTS evidence (
    statement_id TEXT PRIMARY KEY, learner_key TEXT NOT NULL, requirement TEXT NOT NULL,
    source TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS evidence_learner ON evidence (learner_key);
CREATE TABLE IF NOT EXISTS voided (statement_id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS read_positions (source TEXT PRIMARY KEY, position TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS progress (
    credential TEXT NOT NULL, version INTEGER NOT NULL, person TEXT NOT NULL, requirement TEXT NOT NULL,
    position INTEGER NOT NULL, met INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (credential, version, person, requirement));
CREATE TABLE IF NOT EXISTS awards (
    id TEXT PRIMARY KEY, credential TEXT NOT NULL, version INTEGER NOT NULL, person TEXT NOT NULL,
    agent TEXT NOT NULL, awarded_at TEXT NOT NULL, document TEXT NOT NULL,
    status_index INTEGER REFERENCES status_indexes (status_index),
    UNIQUE (credential, version, person));
CREATE TABLE IF NOT EXISTS status_indexes (status_index INTEGER PRIMARY KEY, allocated_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS awards_status_index ON awards (status_index);
CREATE TABLE IF NOT EXISTS award_identifiers (
    credential TEXT NOT NULL, version INTEGER NOT NULL, learner_key TEXT NOT NULL,
    award_id TEXT NOT NULL REFERENCES awards (id),
    UNIQUE (credential, version, learner_key));
CREATE TABLE IF NOT EXISTS revocations (
    id TEXT PRIMARY KEY REFERENCES awards (id), reason TEXT NOT NULL, revoked_at TEXT NOT NULL);
"""


# What brings an older ledger to this schema, before SCHEMA's CREATE … IF NOT EXISTS adds the new tables.
MIGRATIONS = {"1": ("ALTER TABLE awards ADD COLUMN status_index INTEGER REFERENCES status_indexes (status_index)",)}


class LedgerError(ValueError):
    """A ledger that cannot be used: not a microquest ledger, a newer schema, an unknown credential id."""


class LedgerBusyError(LedgerError):
    """Another process held the ledger's write lock for longer than this one would wait."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__(f"another award run is in progress: {path} stayed locked for {timeout:g} s")


_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


@dataclass(frozen=True)
class Award:
    id: str  # the issued credential's id (what verifiers and the revocation list name)
    credential: str  # credential.yaml id
    version: int
    person: str
    agent: dict[str, Any]
    awarded_at: str
    document: dict[str, Any]
    revoked: str | None = None  # the reason, when revoked


@dataclass(frozen=True)
class AwardOutcome:
    new: tuple[Award, ...]
    already: tuple[str, ...]  # persons who held an award for this version before
    not_eligible: tuple[str, ...]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Ledger:
    """An open ledger file. Use as a context manager; write inside `transaction()`."""

    def __init__(self, path: Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        if not self.path.parent.is_dir():
            raise LedgerError(f"{self.path}: the folder {self.path.parent} does not exist")
        # isolation_level=None: no implicit transactions; every write is in an explicit BEGIN IMMEDIATE.
        self._db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            if not self._current():  # a new file (or an older schema): create it under the write lock
                with self.transaction():
                    self._create()
        except LedgerError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as error:
            self._db.close()
            if _is_busy(error):
                raise LedgerBusyError(self.path, timeout) from None
            raise LedgerError(f"{self.path}: not a microquest ledger (SQLite): {error}") from None

    def _current(self) -> bool:
        """Whether the file already holds this schema: then opening it needs no write lock."""
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise
            return False  # no meta table yet
        if row is not None and row[0] != SCHEMA_VERSION and row[0] not in MIGRATIONS:
            raise LedgerError(f"{self.path}: ledger schema {row[0]}, this microquest reads {SCHEMA_VERSION}")
        return row is not None and row[0] == SCHEMA_VERSION

    def _create(self) -> None:
        """Create the tables of a new ledger, or migrate one of an older schema (under the write lock)."""
        has_meta = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() if has_meta else None
        if row is not None and row[0] not in MIGRATIONS and row[0] != SCHEMA_VERSION:
            raise LedgerError(f"{self.path}: ledger schema {row[0]}, this microquest reads {SCHEMA_VERSION}")
        if row is not None and row[0] in MIGRATIONS:
            for statement in MIGRATIONS[row[0]]:
                self._db.execute(statement)
        # executescript() would COMMIT the open transaction; run the statements one by one.
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (SCHEMA_VERSION,),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT (ROLLBACK on any error); nested calls join the open transaction.

        Waits up to the ledger's `timeout` for the write lock, then raises LedgerBusyError.
        """
        if self._db.in_transaction:
            yield self._db
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise LedgerBusyError(self.path, self.timeout) from None
            raise
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every read inside sees the ledger as of one moment, and blocks no writer."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    # -- evidence and identities -------------------------------------------------------------

    def evidence(self) -> list[Evidence]:
        rows = self._db.execute("SELECT statement_id, learner_key, requirement FROM evidence")
        return [Evidence(*row) for row in rows]

    def add_evidence(self, items: Iterable[Evidence], source: str, at: str) -> int:
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO evidence (statement_id, learner_key, requirement, source, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                ((e.statement_id, e.learner_key, e.requirement, source, at) for e in items),
            )
            return db.total_changes - before

    def voided_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT statement_id FROM voided")}

    def add_voided(self, statement_ids: Iterable[Any], at: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO voided (statement_id, recorded_at) VALUES (?, ?)",
                ((str(i), at) for i in statement_ids),
            )

    def aliases(self) -> list[tuple[str, str]]:
        return [tuple(row) for row in self._db.execute("SELECT key, other_key FROM aliases ORDER BY key, other_key")]

    def add_aliases(self, pairs: Iterable[Sequence[str]], source: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO aliases (key, other_key, source) VALUES (?, ?, ?)",
                ((a, b, source) for keys in pairs for a, b in zip(keys, keys[1:], strict=False)),
            )

    def agents(self) -> dict[str, dict[str, Any]]:
        return {key: json.loads(agent) for key, agent in self._db.execute("SELECT learner_key, agent FROM agents")}

    def add_agents(self, agents: Mapping[str, Mapping[str, Any]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO agents (learner_key, agent) VALUES (?, ?)",
                ((key, json.dumps(agent, ensure_ascii=False, sort_keys=True)) for key, agent in agents.items()),
            )

    # -- incremental reads ------------------------------------------------------------------

    def position(self, source: str) -> str | None:
        row = self._db.execute("SELECT position FROM read_positions WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def set_position(self, source: str, position: str, at: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO read_positions (source, position, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (source) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
                (source, position, at),
            )

    # -- progress ----------------------------------------------------------------------------

    def save_progress(
        self, credential: str, version: int, requirements: Sequence[str], evaluations: Iterable[Evaluation], at: str
    ) -> None:
        """Replace the progress snapshot of this credential version with these evaluations."""
        order = {label: index for index, label in enumerate(requirements)}
        with self.transaction() as db:
            db.execute("DELETE FROM progress WHERE credential = ? AND version = ?", (credential, version))
            db.executemany(
                "INSERT INTO progress (credential, version, person, requirement, position, met, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (credential, version, e.person, label, order[label], int(met), at)
                    for e in evaluations
                    for labels, met in ((e.met, True), (e.missing, False))
                    for label in labels
                ),
            )

    def progress(self, credential: str, version: int) -> dict[str, dict[str, bool]]:
        """person -> {requirement: met}, requirements in the criteria's order."""
        result: dict[str, dict[str, bool]] = {}
        rows = self._db.execute(
            "SELECT person, requirement, met FROM progress WHERE credential = ? AND version = ? ORDER BY person, position",
            (credential, version),
        )
        for person, requirement, met in rows:
            result.setdefault(person, {})[requirement] = bool(met)
        return result

    # -- awards and revocations ----------------------------------------------------------------

    def awards(self, credential: str | None = None, version: int | None = None) -> list[Award]:
        query = (
            "SELECT a.id, a.credential, a.version, a.person, a.agent, a.awarded_at, a.document, r.reason "
            "FROM awards a LEFT JOIN revocations r ON r.id = a.id WHERE (? IS NULL OR a.credential = ?) "
            "AND (? IS NULL OR a.version = ?) ORDER BY a.awarded_at, a.person"
        )
        rows = self._db.execute(query, (credential, credential, version, version))
        return [
            Award(id_, cred, ver, person, json.loads(agent), at, json.loads(document), reason)
            for id_, cred, ver, person, agent, at, document, reason in rows
        ]

    def award_ids(self) -> list[tuple[str, bool]]:
        """(credential id, revoked) of every award, without reading the documents."""
        rows = self._db.execute(
            "SELECT a.id, r.id IS NOT NULL FROM awards a LEFT JOIN revocations r ON r.id = a.id ORDER BY a.awarded_at, a.id"
        )
        return [(id_, bool(revoked)) for id_, revoked in rows]

    def award_keys(self) -> dict[str, list[str]]:
        """award id -> every learner key linked to it."""
        keys: dict[str, list[str]] = {}
        for award_id, key in self._db.execute(
            "SELECT award_id, learner_key FROM award_identifiers ORDER BY learner_key"
        ):
            keys.setdefault(award_id, []).append(key)
        return keys

    def documents(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The signed credential documents of these awards, in the order given (unknown ids are left out)."""
        found = []
        for id_ in ids:
            row = self._db.execute("SELECT document FROM awards WHERE id = ?", (id_,)).fetchone()
            if row is not None:
                found.append(json.loads(row[0]))
        return found

    def award_of(self, credential: str, version: int, keys: Iterable[str]) -> str | None:
        """The id of the award any of these keys already holds for this credential version."""
        for key in keys:
            row = self._db.execute(
                "SELECT award_id FROM award_identifiers WHERE credential = ? AND version = ? AND learner_key = ?",
                (credential, version, key),
            ).fetchone()
            if row:
                return row[0]
        return None

    def revoke(self, credential_id: str, reason: str, at: str | None = None) -> None:
        """Record that an issued credential is revoked. Raises LedgerError for an unknown id or no reason."""
        if not reason or not reason.strip():
            raise LedgerError("a revocation needs a reason")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM awards WHERE id = ?", (credential_id,)).fetchone() is None:
                raise LedgerError(f"{self.path}: no credential {credential_id!r} was awarded")
            db.execute(
                "INSERT INTO revocations (id, reason, revoked_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (credential_id, reason.strip(), at or utc_now()),
            )

    # -- the W3C Bitstring Status List ------------------------------------------------------------

    def allocate_status_indexes(self, count: int, at: str | None = None) -> list[int]:
        """`count` status list indexes never handed out before (see xapi/award/status_indexes.py), recorded at once."""
        with self.transaction() as db:
            return allocate(db, count, at or utc_now())

    def status_list_length(self) -> int:
        """Bits the published list needs so that every index handed out is inside it (a multiple of 131,072)."""
        return list_length(self._db)

    def revoked_status_entries(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(credential id, status list index, signed document) of every revoked award that has an index."""
        return revoked_entries(self._db)

    def revoked_ids(self) -> frozenset[str]:
        return frozenset(row[0] for row in self._db.execute("SELECT id FROM revocations"))

    def revocations(self) -> list[tuple[str, str, str]]:
        return [tuple(row) for row in self._db.execute("SELECT id, reason, revoked_at FROM revocations ORDER BY id")]


# issue(agent, awarded_at) -> the signed credential (a dict with an "id"); an `issue` whose
# `uses_status_list` is true is called as issue(agent, awarded_at, status_index), with an index
# of the W3C Bitstring Status List that the ledger hands out for that credential.
Issue = Callable[..., dict[str, Any]]


def sign_unawarded(
    ledger: Ledger, evaluations: Iterable[Evaluation], issue: Issue, at: str
) -> dict[str, dict[str, Any]]:
    """The credentials of these persons signed before the award's write transaction, by `signing_key`.

    When `issue` uses a status list, their indexes are handed out first, in one short
    transaction of their own; an index whose credential is never recorded (another run
    awarded that person meanwhile) is not handed out again.
    """
    people = list(evaluations)
    if not uses_status_list(issue):
        return {signing_key(e): issue(dict(e.agent), at) for e in people}
    indexes = ledger.allocate_status_indexes(len(people), at)
    return {signing_key(e): issue(dict(e.agent), at, index) for e, index in zip(people, indexes, strict=True)}


def signing_key(evaluation: Evaluation) -> str:
    """What a credential is signed for: the person and the agent it names (a pre-signed one must match both)."""
    return json.dumps([evaluation.person, evaluation.agent], ensure_ascii=False, sort_keys=True)


def unawarded(ledger: Ledger, evaluations: Iterable[Evaluation], *, credential: str, version: int) -> list[Evaluation]:
    """The eligible persons who hold no credential of this version under any of their keys."""
    return [e for e in evaluations if e.eligible and ledger.award_of(credential, version, e.keys) is None]


def award(
    ledger: Ledger,
    evaluations: Iterable[Evaluation],
    issue: Issue,
    *,
    credential: str,
    version: int,
    awarded_at: str | None = None,
    signed: Mapping[str, dict[str, Any]] | None = None,
) -> AwardOutcome:
    """Award every eligible person who holds no credential of this version yet; one transaction.

    `signed` holds credentials made before the transaction (by `signing_key`, for
    `awarded_at`), so the write lock is held only for the inserts. For a person
    missing from it, `issue(agent, awarded_at)` makes the credential document (a dict
    with an "id") inside the transaction, so a failure leaves the ledger unchanged.
    A person already awarded under any of their keys is not awarded again; their
    other keys are linked to that award.
    """
    at = awarded_at or utc_now()
    signed = signed or {}
    new: list[Award] = []
    already: list[str] = []
    not_eligible: list[str] = []
    with ledger.transaction() as db:
        for evaluation in evaluations:
            held = ledger.award_of(credential, version, evaluation.keys)
            if held is not None:
                _link_keys(db, credential, version, evaluation.keys, held)
                already.append(evaluation.person)
                continue
            if not evaluation.eligible:
                not_eligible.append(evaluation.person)
                continue
            document = signed.get(signing_key(evaluation))
            if document is None and uses_status_list(issue):
                document = issue(dict(evaluation.agent), at, ledger.allocate_status_indexes(1, at)[0])
            elif document is None:
                document = issue(dict(evaluation.agent), at)
            award_id = document.get("id") if isinstance(document, dict) else None
            if not isinstance(award_id, str) or not award_id:
                raise TypeError(f"the issuing function must return a credential with an 'id', got {document!r}")
            db.execute(
                "INSERT INTO awards (id, credential, version, person, agent, awarded_at, document, status_index) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    award_id,
                    credential,
                    version,
                    evaluation.person,
                    json.dumps(evaluation.agent, ensure_ascii=False, sort_keys=True),
                    at,
                    json.dumps(document, ensure_ascii=False, sort_keys=True),
                    status_index_of(document),
                ),
            )
            _link_keys(db, credential, version, evaluation.keys, award_id)
            new.append(Award(award_id, credential, version, evaluation.person, dict(evaluation.agent), at, document))
    return AwardOutcome(tuple(new), tuple(already), tuple(not_eligible))


def _link_keys(db: sqlite3.Connection, credential: str, version: int, keys: Iterable[str], award_id: str) -> None:
    db.executemany(
        "INSERT OR IGNORE INTO award_identifiers (credential, version, learner_key, award_id) VALUES (?, ?, ?, ?)",
        ((credential, version, key, award_id) for key in keys),
    )


def read_position(path: Path, source: str) -> str | None:
    """The read position of a source in a ledger file, without creating the file."""
    if not Path(path).is_file():
        return None
    with Ledger(path) as ledger:
        return ledger.position(source)
