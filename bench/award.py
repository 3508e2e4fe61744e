"""`microquest award` from a real LRS, end to end: statements read, criteria evaluated, credentials signed and written.

Starts a local LRS (xapi/lrs/local.py), posts the statements of 1 000 learners who
all finished the course — half as the xAPI package sends them (mbox actor, `completed`
per activity, `submitted` per canvas), half as cmi5 AUs in Moodle do (account actor,
the AU in `grouping`) with the canvases submitted — in the shapes of
tests/award/helpers.py, stamped now, in POST batches. Then times one
`award_from_content` with the LRS as its source (reading the LRS, evaluating, one
ledger transaction, signing and writing 1 000 credentials as JSON and baked SVG),
the LRS read on its own, and a second run that finds nothing new (it
reads on from the last `stored` it saw, see xapi/award/sources.py). The issuer key is made in a
temporary folder outside the repository. Prints figures only.

    python3 bench/award.py [--learners 1000] [--batch 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.awarding import LrsOptions, award_from_content  # noqa: E402
from credentials.issuer import IssuerIdentity, save_identity  # noqa: E402
from credentials.keys import init_keys  # noqa: E402
from tests.project import CONTENT  # noqa: E402
from tests.xapi.award.helpers import ACTIVITIES, CANVASES, account, cmi5, everything, mbox, submitted  # noqa: E402
from xapi.award.sources import read_lrs  # noqa: E402
from xapi.lrs.client import LrsClient  # noqa: E402
from xapi.lrs.local import LocalLrs  # noqa: E402


def learner_statements(number: int, stamp: str) -> list[dict]:
    """Everything one learner who finished sends: even numbers by the xAPI package, odd ones by cmi5."""
    if number % 2 == 0:
        made = everything(mbox(f"ucenec{number}"))
    else:
        actor = account(f"ucenec{number}")
        made = [cmi5(actor, a) for a in ACTIVITIES] + [submitted(actor, c) for c in CANVASES]
    return [dict(s, timestamp=stamp) for s in made]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=500, help="statements per POST")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="microquest-bench-award-") as folder, LocalLrs() as lrs:
        work = Path(folder)
        keys = work / "keys"
        init_keys(keys)
        save_identity(keys, IssuerIdentity(name="Šolski center Primer", url="https://www.primer.si/", country="SI"))
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        statements = [s for n in range(args.learners) for s in learner_statements(n, stamp)]
        client = LrsClient(lrs.endpoint, lrs.auth, timeout=120)
        start = time.perf_counter()
        for first in range(0, len(statements), args.batch):
            client.post_statements(statements[first : first + args.batch])
        posting = time.perf_counter() - start
        print(f"local LRS up in {lrs.startup_seconds:.2f} s")
        print(
            f"statements posted:        {len(statements):,} for {args.learners:,} learners "
            f"in {-(-len(statements) // args.batch)} POSTs of <= {args.batch}, {posting:.1f} s "
            f"({len(statements) / posting:,.0f} statements/s)"
        )

        options = LrsOptions(lrs.endpoint, lrs.auth, timeout=120)
        ledger, out = work / "ledger.sqlite", work / "credentials"
        start = time.perf_counter()
        run = award_from_content(CONTENT, lrs=options, ledger=ledger, keys=keys, credentials_out=out)
        total = time.perf_counter() - start
        awarded = len(run.outcome.new)
        start = time.perf_counter()
        read = sum(1 for _ in read_lrs(client, None).statements)
        reading = time.perf_counter() - start
        print(f"read the LRS alone:       {reading:6.2f} s  ({read:,} statements, {read / reading:,.0f} statements/s)")
        print(f"award, end to end:        {total:6.2f} s  ({awarded:,} credentials signed and written)")
        print(f"credentials/second:       {awarded / total:8,.1f}")
        print(f"files written:            {sum(1 for _ in out.iterdir()):,} (JSON, baked SVG and the learner's page)")

        start = time.perf_counter()
        again = award_from_content(CONTENT, lrs=options, ledger=ledger, keys=keys, credentials_out=out)
        second = time.perf_counter() - start
        print(
            f"second run (nothing new): {second:6.2f} s  ("
            f"{again.statements:,} statements re-read, {len(again.outcome.new)} newly awarded, "
            f"{len(again.outcome.already):,} already awarded)"
        )


if __name__ == "__main__":
    main()
