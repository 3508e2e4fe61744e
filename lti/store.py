"""The LTI tool's database: SQLite (one file, the default) or PostgreSQL, the LRS's own if shared.

    database = LtiDatabase.open("sqlite:////var/lib/microquest/lrs.db")   # or postgresql://…
    platform = database.platform_by_issuer("https://moodle.example.org", client_id="abc")

The tables (tables.py) are created when missing. Writes run in `database.writing()`: on SQLite
that takes the write lock at once (`BEGIN IMMEDIATE`), so two processes never deadlock upgrading
a read lock, and WAL with `synchronous=FULL` keeps what was answered through a crash, as the
LRS's store does.

Platforms and deployments live here because registration, login and launch all read them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from xapi.lrs.database import engine_for, is_in_memory, reason

from . import tables as t


class LtiDatabaseError(Exception):
    """The database could not be opened or used."""


@dataclass(frozen=True)
class Platform:
    """A registered LMS: what the tool needs to log users in from it and call its services."""

    id: int
    issuer: str
    client_id: str
    name: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_source: str
    product: str
    scopes: str
    registered_at: float


class LtiDatabase:
    """See the module docstring."""

    def __init__(self, engine: Engine, *, owns_engine: bool = True) -> None:
        self.engine = engine
        self.owns_engine = owns_engine
        # An in-memory SQLite database is one connection shared by every thread: one at a time.
        self._turn = threading.RLock() if is_in_memory(engine) else None

    @classmethod
    def open(cls, url: str) -> LtiDatabase:
        database = cls(engine_for(url, LtiDatabaseError))
        database.create_tables()
        return database

    def create_tables(self) -> None:
        try:
            with self.writing() as connection:
                t.metadata.create_all(connection)
                if connection.execute(select(t.schema_version.c.version)).first() is None:
                    connection.execute(insert(t.schema_version).values(version=t.SCHEMA_VERSION))
        except SQLAlchemyError as error:
            raise LtiDatabaseError(f"cannot use the database {self.engine.url!r}: {reason(error)}") from None

    @classmethod
    def sharing(cls, engine: Engine) -> LtiDatabase:
        """The LTI tables in a database another part of microquest (the LRS) already has an engine for.

        Its engine must begin a write transaction on `immediate=True` as the LRS's does; an
        in-memory SQLite engine cannot be shared (each side would take turns on its own lock).
        """
        database = cls(engine, owns_engine=False)
        database.create_tables()
        return database

    def close(self) -> None:
        if self.owns_engine:
            self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        with self._turn or nullcontext(), self.engine.connect() as connection:
            connection = connection.execution_options(immediate=True)
            with connection.begin():
                yield connection

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self._turn or nullcontext(), self.engine.connect() as connection, connection.begin():
            yield connection

    def answers(self) -> bool:
        """True when the database answers a query (the health check)."""
        try:
            with self.reading() as connection:
                connection.execute(select(t.schema_version.c.version)).first()
            return True
        except SQLAlchemyError:
            return False

    # -- platforms and deployments

    def save_platform(self, values: Mapping[str, Any], deployment_ids: list[str]) -> Platform:
        """Add a platform, or update the one with the same issuer and client id; add its deployments."""
        with self.writing() as connection:
            known = connection.execute(
                select(t.platforms.c.id).where(
                    t.platforms.c.issuer == values["issuer"], t.platforms.c.client_id == values["client_id"]
                )
            ).scalar()
            row = {**values, "registered_at": time.time()}
            if known is None:
                known = connection.execute(insert(t.platforms).values(**row).returning(t.platforms.c.id)).scalar_one()
            else:
                connection.execute(update(t.platforms).where(t.platforms.c.id == known).values(**row))
            _add_deployments(connection, known, deployment_ids)
        return self.platform(known)

    def platform(self, platform_id: int) -> Platform:
        with self.reading() as connection:
            row = connection.execute(select(t.platforms).where(t.platforms.c.id == platform_id)).mappings().one()
        return Platform(**row)

    def platforms_of_issuer(self, issuer: str, client_id: str | None = None) -> list[Platform]:
        query = select(t.platforms).where(t.platforms.c.issuer == issuer)
        if client_id:
            query = query.where(t.platforms.c.client_id == client_id)
        with self.reading() as connection:
            return [Platform(**row) for row in connection.execute(query.order_by(t.platforms.c.id)).mappings()]

    def all_platforms(self) -> list[Platform]:
        with self.reading() as connection:
            rows = connection.execute(select(t.platforms).order_by(t.platforms.c.id)).mappings()
            return [Platform(**row) for row in rows]

    def deployment_ids(self, platform_id: int) -> list[str]:
        with self.reading() as connection:
            query = select(t.deployments.c.deployment_id).where(t.deployments.c.platform_id == platform_id)
            return sorted(connection.execute(query).scalars())

    def add_deployment(self, platform_id: int, deployment_id: str) -> None:
        with self.writing() as connection:
            _add_deployments(connection, platform_id, [deployment_id])

    def remove_platform(self, platform_id: int) -> None:
        with self.writing() as connection:
            for table in (t.deployments, t.login_states, t.users, t.launches, t.outbox):
                connection.execute(delete(table).where(table.c.platform_id == platform_id))
            connection.execute(delete(t.platforms).where(t.platforms.c.id == platform_id))


def _add_deployments(connection: Connection, platform_id: int, deployment_ids: list[str]) -> None:
    for deployment_id in deployment_ids:
        row = {"platform_id": platform_id, "deployment_id": deployment_id, "added_at": time.time()}
        upsert(connection, t.deployments, row, keys=("platform_id", "deployment_id"), update_columns=())


def upsert(
    connection: Connection,
    table: Any,
    values: Mapping[str, Any],
    *,
    keys: tuple[str, ...],
    update_columns: tuple[str, ...],
) -> None:
    """Insert a row, or update `update_columns` of the row with the same `keys` (nothing if none)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    if update_columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: values[name] for name in update_columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement)
