"""Peak memory of `microquest award` over a large statements file: memory follows learners, not statements.

Writes a JSON-lines statements file of about --megabytes MB (every learner finishes the
course, as tests/xapi/award/helpers.py shapes it, with fresh ids, timestamps and
`stored`), then, in a fresh process, runs the award from it end to end (read,
evaluate, ledger) and prints the process's peak resident memory next to the target
(a 200 MB file under 300 MB). Signing is left out (a stand-in issuer returns an
unsigned document): bench/signing.py times it, and it does not grow with the file.

    python3 bench/award_memory.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.xapi.award.helpers import everything, mbox  # noqa: E402

RUN = """
import json, resource, sys, time
from pathlib import Path
from builder.awarding import award_from_content
from tests.project import CONTENT

def issue(agent, at):
    return {"id": "urn:uuid:" + str(abs(hash(json.dumps(agent, sort_keys=True)))), "holder": agent}

start = time.perf_counter()
run = award_from_content(CONTENT, statements=[Path(sys.argv[1])], ledger=Path(sys.argv[2]), issue=issue)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "statements": run.statements,
                  "learners": len(run.evaluations), "awarded": len(run.outcome.new)}))
"""


def write_statements(path: Path, megabytes: int) -> tuple[int, int]:
    target = megabytes * 1024 * 1024
    written = statements = learners = 0
    stamp = "2026-11-30T10:00:00.000Z"
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            for statement in everything(mbox(f"ucenec{learners}")):
                statement = dict(statement, id=str(uuid.uuid4()), timestamp=stamp, stored=stamp)
                line = json.dumps(statement, ensure_ascii=False) + "\n"
                out.write(line)
                written += len(line.encode("utf-8"))
                statements += 1
            learners += 1
    return statements, learners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microquest-bench-memory-") as folder:
        work = Path(folder)
        path = work / "statements.jsonl"
        start = time.perf_counter()
        statements, learners = write_statements(path, args.megabytes)
        size = path.stat().st_size / 1024 / 1024
        print(
            f"statements file: {size:.0f} MB, {statements:,} statements of {learners:,} learners "
            f"(written in {time.perf_counter() - start:.1f} s)"
        )
        completed = subprocess.run(
            [sys.executable, "-c", RUN, str(path), str(work / "ledger.sqlite")],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            sys.exit(completed.stderr[-3000:])
        result = json.loads(completed.stdout.splitlines()[-1])
    print(
        f"award (read, evaluate, ledger; no signing): {result['seconds']:.1f} s, "
        f"{result['statements'] / result['seconds']:,.0f} statements/s, {result['awarded']:,} awarded"
    )
    print(
        f"peak resident memory: {result['peak_mb']:.0f} MB for a {size:.0f} MB file "
        f"({result['peak_mb'] / size:.2f}x the file; target: under 300 MB for 200 MB)"
    )


if __name__ == "__main__":
    main()
