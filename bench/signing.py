"""Signing: credentials per second for a 1,000-learner award, against the target of 200 per second.

Issues the real course's credential to 1,000 learners (a third each: e-mail address and
name, Moodle account, e-mail address alone), as the award does (credentials/issue.py: the
document, then the eddsa-rdfc-2022 proof), in one process:

- pyld, as before: JSON-LD expansion, toRdf and URDNA2015 in pyld, the proof options
  canonicalised for every credential (on the first --baseline learners; it is slow);
- one by one: pyoxigraph for the canonical N-Quads where it gives pyld's bytes
  (credentials/rdfc_fast.py), the proof options canonicalised once;
- in worker processes: the same, `issue_many` over one forked worker per CPU.

Each run starts from cold caches of its own (rdfc_fast's shapes and shared parts, the proof
options). Then checks what it made: the pooled credentials are byte for byte the one-by-one
ones, a sample verifies in Python (pyld), and the independent JavaScript verifier (Digital
Bazaar, tests/credentials/verify_credential.mjs) is given every pooled credential
(--no-js to skip it). Prints figures; asserts only that the credentials verify.

    python3 bench/signing.py [--learners 1000] [--baseline 100] [--no-js]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from builder.build import check  # noqa: E402
from credentials import rdfc_fast, signing, signing_pool  # noqa: E402
from credentials.issue import issue_many, issuer_function  # noqa: E402
from credentials.issuer import IssuerIdentity  # noqa: E402
from credentials.signing import generate_key, verify_proof  # noqa: E402
from tests.project import CONTENT  # noqa: E402

TARGET = 200.0
AWARDED_AT = "2025-06-02T09:30:00Z"
IDENTITY = IssuerIdentity(
    name="Šolski center Primer",
    url="https://www.primer.si/",
    country="SI",
    legal_name="Šolski center Primer, Ljubljana",
    id_registration="1234567000",
)


def learner(number: int) -> dict[str, Any]:
    kind = number % 3
    if kind == 0:
        return {"objectType": "Agent", "mbox": f"mailto:ucenec{number}@example.si", "name": f"Učenec {number}"}
    if kind == 1:
        return {"objectType": "Agent", "account": {"homePage": "https://moodle.primer.si", "name": f"ucenec{number}"}}
    return {"objectType": "Agent", "mbox": f"mailto:ucenka{number}@example.si"}


def cold() -> None:
    """Forget what signing remembers, as in a new process (pyld's own context cache stays warm)."""
    rdfc_fast._checked_shapes.clear()
    rdfc_fast._parts.clear()
    signing._canonical_of_json.cache_clear()


def timed(label: str, count: int, run: Callable[[], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], float]:
    cold()
    start = time.perf_counter()
    made = run()
    seconds = time.perf_counter() - start
    rate = count / seconds
    print(f"{label:<34} {rate:8.1f} credentials/s  ({seconds / count * 1000:6.2f} ms each, {seconds:6.2f} s)")
    return made, rate


def with_pyld_only(run: Callable[[], list[dict[str, Any]]]) -> Callable[[], list[dict[str, Any]]]:
    """The signing of before: pyld canonicalises the document and, for every credential, the proof options."""

    def pyld_run() -> list[dict[str, Any]]:
        fast, config = signing._canonical_fast, signing._canonical_config
        signing._canonical_fast = signing._canonical_config = signing.canonical_nquads
        try:
            return run()
        finally:
            signing._canonical_fast, signing._canonical_config = fast, config

    return pyld_run


def js_verified(documents: list[dict[str, Any]]) -> tuple[int, list[str]]:
    node = shutil.which("node")
    if node is None:
        return 0, ["node is missing"]
    cases = {str(number): {"credential": document} for number, document in enumerate(documents)}
    completed = subprocess.run(
        [node, str(PROJECT / "tests" / "credentials" / "verify_credential.mjs")],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        return 0, [completed.stderr.strip()[-500:]]
    results = json.loads(completed.stdout)
    failed = [f"{name}: {result['errors']}" for name, result in results.items() if not result["verified"]]
    return len(results) - len(failed), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100, help="learners signed the pyld way (slow)")
    parser.add_argument("--no-js", action="store_true", help="skip the independent JavaScript verifier")
    args = parser.parse_args()

    course = check(CONTENT).course
    issuer = issuer_function(course, course.credential, generate_key(), identity=IDENTITY)
    requests = [(learner(number), AWARDED_AT) for number in range(args.learners)]
    workers = signing_pool.workers_for(len(requests))
    print(f"{args.learners:,} learners, {signing_pool.cpu_count()} CPUs; target >= {TARGET:.0f} credentials/s")
    print(f"canonical N-Quads by pyoxigraph: {'yes' if rdfc_fast.available() else 'no (pyld only)'}")

    baseline = requests[: args.baseline]
    _, before = timed(
        f"pyld (before), {len(baseline)} learners",
        len(baseline),
        with_pyld_only(lambda: [issuer(*r) for r in baseline]),
    )
    sequential, one_by_one = timed("one by one", len(requests), lambda: [issuer(*r) for r in requests])
    pooled, in_pool = timed(f"{workers} worker processes", len(requests), lambda: issue_many(issuer, requests))

    best = max(one_by_one, in_pool)
    print(
        f"target {TARGET:.0f}/s: {'met' if best >= TARGET else 'NOT met'} "
        f"(one by one {one_by_one / TARGET:.2f}x, pooled {in_pool / TARGET:.2f}x the target; "
        f"{one_by_one / before:.1f}x and {in_pool / before:.1f}x pyld)"
    )

    same = pooled == sequential
    sample = random.Random(1).sample(pooled, min(20, len(pooled)))
    for document in sample:
        verify_proof(document)  # pyld: raises if the signature does not match
    print(f"pooled = one by one, byte for byte: {same}; {len(sample)} sampled verify in Python (pyld)")
    if not args.no_js:
        start = time.perf_counter()
        accepted, failed = js_verified(pooled)
        print(
            f"independent JS verifier: {accepted:,} of {len(pooled):,} accepted "
            f"({time.perf_counter() - start:.1f} s){'; ' + failed[0] if failed else ''}"
        )
        if failed:
            raise SystemExit(1)
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
