"""The LRS's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

- `statements`: every statement in arrival order (`seq`), its JSON as stored, whether it is
  voided or voids another, and the statement it targets by a StatementRef.
- `statement_index`: what each statement is found by (statements.index_entries), as the
  SHA-1 of kind + value, so one short indexed column serves every filter, long IRIs too.
- `activities`: the canonical definition of each activity (GET activities, format=canonical).
- `attachments`: attachment content by SHA-2, stored once however many statements use it.
- `documents`: State, Activity Profile and Agent Profile documents.
- `clients`: the named clients of a real deployment: key, hashed secret, scopes.
- `schema_version`: which version of these tables the database holds.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 1
metadata = MetaData()

# SQLite makes an INTEGER PRIMARY KEY the rowid (no extra index). The LRS numbers statements
# itself, inside its write turn (store.py), so arrival order is the same on every database.
Sequence = BigInteger().with_variant(Integer(), "sqlite")

statements = Table(
    "statements",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("stored", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("voided", Boolean, nullable=False, default=False),
    Column("voiding", Boolean, nullable=False, default=False),
    Column("target_id", String(36)),
    Index("statements_by_stored", "stored"),
    Index("statements_by_target", "target_id"),
)

statement_index = Table(
    "statement_index",
    metadata,
    Column("seq", Sequence, nullable=False),
    Column("key", String(40), nullable=False),
    Column("related", Boolean, nullable=False),
    Index("statement_index_by_key", "key", "seq"),
    Index("statement_index_by_seq", "seq"),
)

activities = Table(
    "activities",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("id", Text, nullable=False),
    Column("definition", Text, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("scope", String(40), primary_key=True),
    Column("document_key", String(40), primary_key=True),
    Column("document_id", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("etag", String(40), nullable=False),
    Column("updated", String(32), nullable=False),
    Index("documents_by_scope", "kind", "scope", "updated"),
)

clients = Table(
    "clients",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("secret_hash", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created", String(32), nullable=False),
    Column("revoked", String(32)),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
)


def key_of(*parts: str) -> str:
    """A fixed-length key for a tuple of strings (NUL cannot occur in them: JSON text and IRIs)."""
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()
