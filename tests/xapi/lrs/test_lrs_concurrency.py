"""Several LRS processes on one database, as a provider runs them behind a load balancer.

Two `microquest lrs serve` processes share one SQLite file or one PostgreSQL database;
two writers POST batches to them at once while a reader follows `more` links: every
statement is stored exactly once, the reader never sees one twice, and a read after the
writers finish finds every statement.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.builder.cli.test_lrs_command import start_server
from tests.samples import statement
from xapi.lrs.client import LrsClient
from xapi.lrs.clients import ClientRegistry
from xapi.lrs.store import LrsStore

BATCHES = 15
BATCH = 40


@pytest.fixture
def two_servers(lrs_url):
    import base64

    store = LrsStore.open(lrs_url)
    key, secret = ClientRegistry(store, home_page="http://127.0.0.1/").add("writer")
    store.close()
    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    servers = [start_server("--database", lrs_url), start_server("--database", lrs_url)]
    yield [endpoint for _, endpoint, _ in servers], auth
    for process, _, _ in servers:
        process.terminate()
        process.communicate(timeout=20)


def test_two_processes_writing_at_once_store_every_statement_once_and_paging_stays_exact(two_servers):
    endpoints, auth = two_servers
    registration = str(uuid.uuid4())
    sent: list[list[str]] = [[], []]
    failures: list[BaseException] = []

    def write(number: int) -> None:
        client = LrsClient(endpoints[number], auth, timeout=60)
        try:
            for _ in range(BATCHES):
                batch = [statement(registration) for _ in range(BATCH)]
                client.post_statements(batch)
                sent[number] += [s["id"] for s in batch]
        except BaseException as error:  # noqa: BLE001 - reported by the test thread below
            failures.append(error)

    writers = [threading.Thread(target=write, args=(number,)) for number in (0, 1)]
    for writer in writers:
        writer.start()
    seen_while_writing = [
        s["id"] for s in LrsClient(endpoints[0], auth).statements(registration=registration, limit=25)
    ]
    for writer in writers:
        writer.join()
    assert not failures, failures

    everything = sent[0] + sent[1]
    assert len(set(everything)) == 2 * BATCHES * BATCH
    assert len(seen_while_writing) == len(set(seen_while_writing))  # no statement twice while others write
    assert set(seen_while_writing) <= set(everything)
    for endpoint in endpoints:
        read = [s["id"] for s in LrsClient(endpoint, auth).statements(registration=registration, limit=70)]
        assert sorted(read) == sorted(everything)
    stored = [s["stored"] for s in LrsClient(endpoints[1], auth).statements(registration=registration, ascending=True)]
    assert stored == sorted(stored) and len(set(stored)) == len(stored)  # one order, no ties
