"""One way to open a database for microquest's servers (the LRS, the LTI tool): SQLite or PostgreSQL.

    engine = engine_for("sqlite:////var/lib/microquest/lrs.db", DatabaseError)   # or postgresql://…

SQLite: WAL with `synchronous=FULL` (what was answered survives a crash of the process or
the machine), a 30 s busy timeout, foreign keys on, and transactions begun by SQLAlchemy:
a connection with the execution option `immediate=True` begins with `BEGIN IMMEDIATE`, so a
writer takes the write lock at once and two writers never deadlock upgrading a read lock.
`sqlite://` (no file) is one in-memory database shared by every thread (callers take turns).
PostgreSQL: psycopg 3, a pool of 8 (+8), connections checked before use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool


def engine_for(url: str, error: type[Exception]) -> Engine:
    """The engine for a database URL; `error` (a message for a person) if it is none we serve."""
    try:
        parsed = make_url(url)
    except SQLAlchemyError:
        raise error(f"{url!r} is not a database URL such as sqlite:///lrs.db or postgresql://host/db") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=8)
    raise error(f"{backend}: microquest stores to SQLite or PostgreSQL")


def is_in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def reason(error: SQLAlchemyError) -> str:
    """The database's own words for a failure, on one line."""
    text = str(getattr(error, "orig", None) or error)
    return " ".join(text.split())[:300]


def _sqlite_engine(url: Any) -> Engine:
    if url.database in (None, "", ":memory:"):
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the driver, says when a transaction begins (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(
            "BEGIN IMMEDIATE" if connection.get_execution_options().get("immediate") else "BEGIN"
        )

    return engine
