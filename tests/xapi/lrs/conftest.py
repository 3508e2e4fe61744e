"""The LRS under test, on each database it supports: SQLite (a file in tmp_path) and the session's PostgreSQL.

`xapi_service` is the LRS as a function of requests (no HTTP: fast, and the same code the
server runs); `call(method, resource, params, body, headers)` sends one request to it
with this test's credentials and the version header; `lrs_url` names the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from xapi.lrs.clients import ClientRegistry
from xapi.lrs.service import XapiAnswer, XapiRequest, XapiService
from xapi.lrs.store import LrsStore
from xapi.lrs.tables import metadata

HOME_PAGE = "http://lrs.test.invalid/"


@pytest.fixture(params=["sqlite", "postgresql"])
def lrs_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lrs.db'}"
    url = request.getfixturevalue("postgres_url")
    # One database for the session: each test starts from empty tables.
    store = LrsStore.open(url)
    with store.engine.begin() as connection:
        names = ", ".join(table.name for table in metadata.sorted_tables if table.name != "schema_version")
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
    store.close()
    return url


@pytest.fixture
def lrs_store(lrs_url: str):
    store = LrsStore.open(lrs_url)
    yield store
    store.close()


@pytest.fixture
def registry(lrs_store: LrsStore) -> ClientRegistry:
    return ClientRegistry(lrs_store, home_page=HOME_PAGE)


@pytest.fixture
def xapi_service(lrs_store: LrsStore, registry: ClientRegistry) -> XapiService:
    return XapiService(lrs_store, registry.authenticate)


@pytest.fixture
def auth(registry: ClientRegistry) -> str:
    """The Authorization value of a client with every scope."""
    import base64

    key, secret = registry.add("tester")
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


@pytest.fixture
def call(xapi_service: XapiService, auth: str) -> Callable[..., XapiAnswer]:
    def send(
        method: str,
        resource: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> XapiAnswer:
        sent = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        query = urlencode(
            {name: json.dumps(value) if isinstance(value, dict) else value for name, value in (params or {}).items()}
        )
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return xapi_service.handle(
            XapiRequest.from_query(method, resource, query, {k: v for k, v in sent.items() if v is not None}, data)
        )

    return send


def body(answer: XapiAnswer) -> Any:
    return json.loads(answer.body)
