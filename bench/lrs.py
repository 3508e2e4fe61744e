"""LRS figures: statements/s written (one PUT at a time, and POSTs of batches) and read (paged by `stored`).

The LRS is `microquest lrs serve` in its own process, as a provider runs it, on SQLite (a
file) and on PostgreSQL (Debian's package, started here in a temporary folder, as the
tests do); the client is xapi/lrs/client.py over HTTP on 127.0.0.1, as `microquest award
--lrs` reads. Targets (issue 12): 100,000 statements read in under 5 s.

Prints figures beside their targets; asserts nothing.
Run: python3 bench/lrs.py [--statements 100000] [--singles 1000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.postgres import PostgresServer  # noqa: E402
from xapi.lrs.client import LrsClient  # noqa: E402

READ_TARGET_SECONDS = 5.0
READ_TARGET_COUNT = 100_000
BATCH = 500
PAGE = 1000


def statement(number: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://moodle.example.si", "name": f"u{number % 300}"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"sl": "opravil"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://microquest.example.si/activity/{number % 16}",
            "definition": {"name": {"sl": f"Aktivnost {number % 16}"}},
        },
        "context": {"registration": str(uuid.UUID(int=number % 300))},
        "timestamp": "2026-12-02T08:00:00.000Z",
    }


def run_server(database: str) -> tuple[subprocess.Popen[str], str, str]:
    cli = [sys.executable, "-c", "from builder.cli import main; main()", "lrs"]
    made = subprocess.run(
        [*cli, "client", "add", "bench", "--database", database], capture_output=True, text=True, check=True
    )
    auth = re.search(r"^Authorization: (Basic \S+)$", made.stdout, re.M).group(1)
    process = subprocess.Popen(
        [*cli, "serve", "--port", "0", "--database", database], stdout=subprocess.PIPE, text=True, cwd=PROJECT
    )
    for line in process.stdout:
        found = re.search(r"LRS at (\S+/xapi/)", line)
        if found:
            return process, found.group(1), auth
    raise RuntimeError("the LRS did not start")


def measure(database: str, label: str, total: int, singles: int) -> None:
    process, endpoint, auth = run_server(database)
    client = LrsClient(endpoint, auth, timeout=120)
    try:
        started = time.perf_counter()
        for number in range(singles):
            client.put_statement(statement(number))
        single_rate = singles / (time.perf_counter() - started)

        started = time.perf_counter()
        for first in range(singles, total, BATCH):
            client.post_statements([statement(n) for n in range(first, min(first + BATCH, total))])
        batched_rate = (total - singles) / (time.perf_counter() - started)

        started = time.perf_counter()
        read = sum(1 for _ in client.statements(since="2000-01-01T00:00:00Z", ascending=True, limit=PAGE))
        read_seconds = time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    scaled = read_seconds * READ_TARGET_COUNT / max(read, 1)
    print(f"{label}:")
    print(f"  write, one PUT at a time      {single_rate:8.0f} statements/s   ({singles} statements)")
    print(f"  write, POST of {BATCH}          {batched_rate:8.0f} statements/s   ({total - singles} statements)")
    print(
        f"  read, paged by stored ({PAGE})  {read / read_seconds:8.0f} statements/s   ({read} in {read_seconds:.2f} s; "
        f"{READ_TARGET_COUNT:,} in {scaled:.2f} s, target < {READ_TARGET_SECONDS:g} s: "
        f"{'met' if scaled < READ_TARGET_SECONDS else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=READ_TARGET_COUNT)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    arguments = parser.parse_args()
    for name in arguments.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="microquest-bench-") as folder:
            if name == "sqlite":
                measure(f"sqlite:///{folder}/lrs.db", "SQLite (one file, WAL)", arguments.statements, arguments.singles)
            else:
                with PostgresServer(Path(tempfile.mkdtemp(prefix="microquest-pg-"))) as server:
                    measure(server.url, "PostgreSQL (local server)", arguments.statements, arguments.singles)


if __name__ == "__main__":
    main()
