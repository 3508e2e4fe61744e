"""The LRS's storage: statements, attachments, documents and clients on SQLite or PostgreSQL.

    store = LrsStore.open("sqlite:////var/lib/microquest/lrs.db")      # or postgresql://…
    ids = store.write_statements([statement], authority)
    page = store.query(StatementQuery(verb=…, limit=100))

One SQLAlchemy Core schema (tables.py) and the same queries on both databases.

Statement writes take turns: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's transaction-scoped
advisory lock. Inside its turn a write gives each statement a `stored` time later than
every statement before it, so arrival order (`seq`), `stored` order and commit order are
one order. That is what makes three promises of xAPI hold across processes and machines
sharing one database: a `more` link never skips or repeats a statement while others write
(it pages by `seq` below a bound fixed at the first page); `since`/`until` on `stored`
page exactly; and `X-Experience-API-Consistent-Through` is the time a reader takes in the
writers' turn, since no write before it is then still uncommitted.

SQLite runs in WAL mode with `synchronous=FULL`: a statement the LRS answered for survives
a kill of the process and of the machine. `sqlite://` (no file) is an LRS in memory, for
a preview that keeps nothing on disk.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from . import tables as t
from .database import engine_for, is_in_memory, reason
from .statements import (
    activity_definitions,
    index_entries,
    merged_definition,
    prepare,
    same_statement,
    statement_ref,
    voided_target,
)

STORED_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# Any constant: the lock PostgreSQL writers of statements take turns on.
STATEMENT_WRITE_LOCK = 0x6D71_7872  # "mqxr"


class StoreError(Exception):
    """A request the stored data does not allow; `status` is the HTTP status it means."""

    status = 400


class Conflict(StoreError):
    status = 409


class PreconditionFailed(StoreError):
    status = 412


class DatabaseError(StoreError):
    """The database could not be opened or used."""

    status = 500


def stored_text(moment: datetime) -> str:
    """A time as the LRS writes `stored`: UTC, microseconds, so text order is time order."""
    return moment.astimezone(UTC).strftime(STORED_FORMAT)


@dataclass(frozen=True)
class StatementQuery:
    """The filters of GET statements, after the request was checked (keys are tables.key_of)."""

    keys: tuple[tuple[str, bool], ...] = ()  # (key, also related) that each match must have
    since: str | None = None
    until: str | None = None
    ascending: bool = False
    limit: int = 100
    after_seq: int | None = None  # the last statement of the previous page
    upto_seq: int | None = None  # the newest statement when the first page was read


@dataclass(frozen=True)
class Page:
    statements: list[str]  # JSON texts as stored
    last_seq: int | None  # None: no more pages
    upto_seq: int


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    etag: str
    updated: str


class LrsStore:
    """See the module docstring."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        # One connection shared by threads (an in-memory database): one at a time.
        self._turn = threading.RLock() if is_in_memory(engine) else None

    @classmethod
    def open(cls, url: str) -> LrsStore:
        """The store at a database URL (sqlite:///path, sqlite://, postgresql://…), its tables made if new."""
        store = cls(engine_for(url, DatabaseError))
        store.create_tables()
        return store

    def create_tables(self) -> None:
        try:
            with self._writing() as connection:
                t.metadata.create_all(connection)
                if connection.execute(select(t.schema_version.c.version)).first() is None:
                    connection.execute(insert(t.schema_version).values(version=t.SCHEMA_VERSION))
        except SQLAlchemyError as error:
            raise DatabaseError(f"cannot use the database {self.engine.url!r}: {reason(error)}") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions

    @contextmanager
    def _writing(self, statements: bool = False) -> Iterator[Connection]:
        with self._turn or nullcontext(), self.engine.connect() as connection:
            connection = connection.execution_options(immediate=True)
            with connection.begin():
                if statements and not self.is_sqlite:
                    connection.execute(select(func.pg_advisory_xact_lock(STATEMENT_WRITE_LOCK)))
                yield connection

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._turn or nullcontext(), self.engine.connect() as connection, connection.begin():
            yield connection

    # -- statements

    def write_statements(
        self,
        received: Sequence[Mapping[str, Any]],
        authority: Mapping[str, Any],
        attachments: Mapping[str, tuple[str, bytes]] | None = None,
    ) -> list[str]:
        """Store valid statements at once or none; their ids. Conflict if an id holds another statement.

        A statement whose id is stored with the same content (Data §2.3.1) is not stored
        again and is not a conflict (Communication §2.1.2).
        """
        with self._writing(statements=True) as connection:
            stored_at = self._next_stored(connection)
            asked = [statement["id"].lower() for statement in received if statement.get("id")]
            held = {
                row.id: json.loads(row.body)
                for row in connection.execute(
                    select(t.statements.c.id, t.statements.c.body).where(t.statements.c.id.in_(asked))
                )
            }
            ids, new = [], []
            for statement in received:
                known = held.get(statement.get("id", "").lower())
                if known is None:
                    stored = stored_text(stored_at + timedelta(microseconds=len(new)))
                    new.append(prepare(statement, stored=stored, authority=authority))
                    ids.append(new[-1]["id"])
                elif same_statement(known, statement):
                    ids.append(known["id"])
                else:
                    raise Conflict(f"statement {statement['id']} is stored with other content")
            if new:
                self._insert_statements(connection, new)
            for sha2, (content_type, content) in (attachments or {}).items():
                self._insert_attachment(connection, sha2, content_type, content)
        return ids

    def _next_stored(self, connection: Connection) -> datetime:
        """Now, or just after the newest stored statement if the clock says otherwise."""
        now = datetime.now(UTC)
        newest = connection.execute(select(func.max(t.statements.c.stored))).scalar()
        if newest is not None:
            after = datetime.strptime(newest, STORED_FORMAT).replace(tzinfo=UTC) + timedelta(microseconds=1)
            now = max(now, after)
        return now

    def _insert_statements(self, connection: Connection, kept: list[dict[str, Any]]) -> None:
        """Insert new statements, their index entries, voids and definitions: a few statements in all, not per statement."""
        first = (connection.execute(select(func.max(t.statements.c.seq))).scalar() or 0) + 1
        rows, index, entries_by_id = [], [], {}
        for seq, statement in enumerate(kept, start=first):
            statement_id = statement["id"].lower()
            target = (statement_ref(statement) or "").lower() or None
            rows.append(
                {
                    "seq": seq,
                    "id": statement_id,
                    "stored": statement["stored"],
                    "body": json.dumps(statement, ensure_ascii=False, separators=(",", ":")),
                    "voided": False,
                    "voiding": voided_target(statement) is not None,
                    "target_id": target,
                }
            )
            entries = {(t.key_of(e.kind, e.value), e.related) for e in index_entries(statement)}
            if target is not None:
                # Communication §2.1.3: a statement targeting another matches the filters the target matches.
                entries |= entries_by_id.get(target) or self._entries_of(connection, target)
            entries_by_id[statement_id] = entries
            index += [{"seq": seq, "key": key, "related": related} for key, related in entries]
        connection.execute(insert(t.statements), rows)
        connection.execute(insert(t.statement_index), index)
        self._pass_entries_to_earlier_referrers(connection, entries_by_id)
        voided = [row["target_id"] for row in rows if row["voiding"]]
        # A voiding statement may arrive before the statement it voids.
        voided += connection.execute(
            select(t.statements.c.target_id).where(
                t.statements.c.voiding.is_(True), t.statements.c.target_id.in_(list(entries_by_id))
            )
        ).scalars()
        if voided:
            connection.execute(
                update(t.statements)
                .where(t.statements.c.id.in_(voided), t.statements.c.voiding.is_(False))
                .values(voided=True)
            )
        self._merge_definitions(connection, kept)

    def _pass_entries_to_earlier_referrers(
        self, connection: Connection, entries_by_id: dict[str, set[tuple[str, bool]]]
    ) -> None:
        """Statements stored before the statement they target now match what it matches, along whole chains."""
        s = t.statements.c
        waiting, done = dict(entries_by_id), set()
        while waiting:
            referrers = connection.execute(
                select(s.seq, s.id, s.target_id).where(s.target_id.in_(list(waiting)), s.id.not_in(list(done)))
            ).all()
            passed: dict[str, set[tuple[str, bool]]] = {}
            for referrer in referrers:
                entries = waiting[referrer.target_id]
                known = self._entries_of(connection, referrer.id)
                fresh = entries - known
                if fresh:
                    connection.execute(
                        insert(t.statement_index),
                        [{"seq": referrer.seq, "key": key, "related": related} for key, related in fresh],
                    )
                done.add(referrer.id)
                passed[referrer.id] = known | entries
            waiting = passed

    def _entries_of(self, connection: Connection, statement_id: str) -> set[tuple[str, bool]]:
        i = t.statement_index.c
        target_seq = select(t.statements.c.seq).where(t.statements.c.id == statement_id).scalar_subquery()
        return {
            (row.key, row.related) for row in connection.execute(select(i.key, i.related).where(i.seq == target_seq))
        }

    def _merge_definitions(self, connection: Connection, kept: list[dict[str, Any]]) -> None:
        """The canonical definitions after these statements (one read, then only what changed is written)."""
        found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for statement in kept:
            for activity_id, definition in activity_definitions(statement):
                found.setdefault(t.key_of(activity_id), (activity_id, []))[1].append(definition)
        if not found:
            return
        a = t.activities.c
        known = dict(connection.execute(select(a.key, a.definition).where(a.key.in_(list(found)))).all())
        inserts, updates = [], []
        for key, (activity_id, definitions) in found.items():
            merged: dict[str, Any] | None = json.loads(known[key]) if key in known else None
            for definition in definitions:
                merged = merged_definition(merged, definition)
            text = json.dumps(merged, ensure_ascii=False)
            if key not in known:
                inserts.append({"key": key, "id": activity_id, "definition": text})
            elif text != known[key]:
                updates.append({"k": key, "definition": text})
        if inserts:
            connection.execute(insert(t.activities), inserts)
        if updates:
            connection.execute(update(t.activities).where(a.key == bindparam("k")), updates)

    def _insert_attachment(self, connection: Connection, sha2: str, content_type: str, content: bytes) -> None:
        if connection.execute(select(t.attachments.c.sha2).where(t.attachments.c.sha2 == sha2)).first() is None:
            connection.execute(insert(t.attachments).values(sha2=sha2, content_type=content_type, content=content))

    def statement(self, statement_id: str, *, voided: bool) -> str | None:
        """The stored JSON of one statement: a voided one if `voided`, else one not voided; None if none."""
        with self._reading() as connection:
            return connection.execute(
                select(t.statements.c.body).where(
                    t.statements.c.id == statement_id.lower(), t.statements.c.voided.is_(voided)
                )
            ).scalar()

    def query(self, query: StatementQuery) -> Page:
        """One page of the statements that match, not voided, newest first unless `ascending`."""
        s = t.statements.c
        with self._reading() as connection:
            upto = query.upto_seq
            if upto is None:
                upto = connection.execute(select(func.max(s.seq))).scalar() or 0
            selection = select(s.seq, s.body).where(s.voided.is_(False), s.seq <= upto)
            for key, related in query.keys:
                matching = select(t.statement_index.c.seq).where(t.statement_index.c.key == key)
                if not related:
                    matching = matching.where(t.statement_index.c.related.is_(False))
                selection = selection.where(s.seq.in_(matching))
            if query.since is not None:
                selection = selection.where(s.stored > query.since)
            if query.until is not None:
                selection = selection.where(s.stored <= query.until)
            if query.after_seq is not None:
                selection = selection.where(s.seq > query.after_seq if query.ascending else s.seq < query.after_seq)
            selection = selection.order_by(s.seq.asc() if query.ascending else s.seq.desc()).limit(query.limit + 1)
            rows = connection.execute(selection).all()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return Page([row.body for row in rows], rows[-1].seq if more else None, upto)

    def consistent_through(self) -> str:
        """Now, taken in the statement writers' turn: every statement stored until then is committed and answered.

        A writer gives `stored` and commits inside its turn, so once this read has the turn
        no statement with an earlier `stored` is still to come. Clients (the ADL suite) wait
        for this time to pass the moment they wrote: it must move on when nothing is written.
        """
        with self._writing(statements=True) as connection:
            now = datetime.now(UTC)
            newest = connection.execute(select(func.max(t.statements.c.stored))).scalar()
        return max(stored_text(now), newest or "")

    def definitions(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The canonical definitions of these activities (those the LRS has one for)."""
        keys = {t.key_of(activity_id): activity_id for activity_id in activity_ids}
        with self._reading() as connection:
            rows = connection.execute(
                select(t.activities.c.key, t.activities.c.definition).where(t.activities.c.key.in_(keys))
            )
            return {keys[row.key]: json.loads(row.definition) for row in rows}

    def attachments(self, sha2s: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        with self._reading() as connection:
            rows = connection.execute(select(t.attachments).where(t.attachments.c.sha2.in_(list(sha2s))))
            return {row.sha2: (row.content_type, bytes(row.content)) for row in rows}

    # -- documents (State, Activity Profile, Agent Profile)

    def document(self, kind: str, scope: str, document_id: str) -> Document | None:
        with self._reading() as connection:
            return self._document(connection, kind, scope, document_id)

    def _document(self, connection: Connection, kind: str, scope: str, document_id: str) -> Document | None:
        d = t.documents.c
        row = connection.execute(
            select(d.content, d.content_type, d.etag, d.updated).where(
                d.kind == kind, d.scope == scope, d.document_key == t.key_of(document_id)
            )
        ).first()
        return None if row is None else Document(bytes(row.content), row.content_type, row.etag, row.updated)

    def document_ids(self, kind: str, scope: str, since: str | None = None) -> list[str]:
        d = t.documents.c
        selection = select(d.document_id).where(d.kind == kind, d.scope == scope)
        if since is not None:
            selection = selection.where(d.updated > since)
        with self._reading() as connection:
            return sorted(connection.execute(selection).scalars())

    @contextmanager
    def changing_document(self, kind: str, scope: str, document_id: str) -> Iterator[DocumentChange]:
        """The document as it is, to change in one transaction (`DocumentChange.save`/`.delete`)."""
        with self._writing() as connection:
            yield DocumentChange(
                connection, kind, scope, document_id, self._document(connection, kind, scope, document_id)
            )

    def delete_documents(self, kind: str, scope: str) -> None:
        d = t.documents.c
        with self._writing() as connection:
            connection.execute(delete(t.documents).where(d.kind == kind, d.scope == scope))

    # -- clients

    def add_client(self, name: str, key: str, secret_hash: str, scopes: str) -> None:
        with self._writing() as connection:
            c = t.clients.c
            if connection.execute(select(c.name).where(or_(c.name == name, c.key == key))).first() is not None:
                raise Conflict(f"a client named {name!r} exists already")
            connection.execute(
                insert(t.clients).values(
                    name=name, key=key, secret_hash=secret_hash, scopes=scopes, created=stored_text(datetime.now(UTC))
                )
            )

    def clients(self) -> list[dict[str, Any]]:
        with self._reading() as connection:
            rows = connection.execute(select(t.clients).order_by(t.clients.c.name))
            return [dict(row._mapping) for row in rows]

    def client_by_key(self, key: str) -> dict[str, Any] | None:
        with self._reading() as connection:
            row = connection.execute(
                select(t.clients).where(t.clients.c.key == key, t.clients.c.revoked.is_(None))
            ).first()
            return None if row is None else dict(row._mapping)

    def revoke_client(self, name: str) -> bool:
        """True if a client of that name was active and is revoked now."""
        with self._writing() as connection:
            c = t.clients.c
            done = connection.execute(
                update(t.clients)
                .where(c.name == name, c.revoked.is_(None))
                .values(revoked=stored_text(datetime.now(UTC)))
            )
            return done.rowcount == 1


class DocumentChange:
    """One document inside a write transaction: `current` is what is stored (None if nothing)."""

    def __init__(self, connection: Connection, kind: str, scope: str, document_id: str, current: Document | None):
        self._connection = connection
        self._where = (
            t.documents.c.kind == kind,
            t.documents.c.scope == scope,
            t.documents.c.document_key == t.key_of(document_id),
        )
        self._values = {"kind": kind, "scope": scope, "document_key": t.key_of(document_id), "document_id": document_id}
        self.current = current

    def save(self, content: bytes, content_type: str, etag: str) -> None:
        values = {
            "content": content,
            "content_type": content_type,
            "etag": etag,
            "updated": stored_text(datetime.now(UTC)),
        }
        if self.current is None:
            self._connection.execute(insert(t.documents).values(**self._values, **values))
        else:
            self._connection.execute(update(t.documents).where(*self._where).values(**values))

    def delete(self) -> None:
        self._connection.execute(delete(t.documents).where(*self._where))
