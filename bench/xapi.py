"""xAPI figures: how fast the page's statement queue drains to a real LRS, and the package sizes.

The queue is the one the packages ship (static/xapi.js) in Debian's Chromium; the LRS
is microquest's own (xapi/lrs/local.py) behind the LMS side of builder/preview/launch.py, as in the
tests. N statements are put in the queue while the LRS is down, then the LRS comes back
and the time until the queue is empty (every statement confirmed) is measured.

Prints figures; asserts nothing. Run: python3 bench/xapi.py [--statements N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from builder.build import build  # noqa: E402
from builder.preview.launch import LaunchServer  # noqa: E402
from tests.project import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from xapi.lrs.client import LrsClient  # noqa: E402
from xapi.lrs.local import LocalLrs  # noqa: E402

QUEUE = "microquest:xapi-queue"


def queued_statements(page, count: int) -> None:
    """`count` copies of the page's own activity statement, each with a new id, put in the queue."""
    page.evaluate(
        """([key, count]) => {
            const queue = JSON.parse(localStorage.getItem(key) || '[]');
            const model = queue[0];
            const more = [];
            for (let i = 0; i < count; i++) {
                const statement = JSON.parse(JSON.stringify(model.statement));
                statement.id = crypto.randomUUID();
                more.push({endpoint: model.endpoint, statement, size: model.size});
            }
            localStorage.setItem(key, JSON.stringify(queue.concat(more)));
        }""",
        [QUEUE, count - 1],
    )


def drain_rate(count: int) -> tuple[float, int]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as out, LocalLrs() as lrs:
        build(PROJECT / "content", Path(out), ["xapi"])
        with LaunchServer([Path(out) / "mq-pr3-xapi.zip"], lrs.endpoint, lrs.auth) as lms:
            registration = str(uuid.uuid4())
            actor = {"objectType": "Agent", "account": {"homePage": "https://moodle.example.si", "name": "bench"}}
            launch = lms.launch_url("mq-pr3-xapi", actor, registration)
            page_url = launch.split("?")[0].rsplit("/", 1)[0] + "/activities/u1-a1.html?" + launch.split("?")[1]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                page = browser.new_page()
                page.goto(page_url)
                page.wait_for_selector("body[data-connected]", state="attached")
                lms.lrs_down = True
                page.get_by_role("button", name="Označi kot opravljeno").click()
                page.wait_for_function(f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length === 1")
                queued_statements(page, count)
                lms.lrs_down = False
                start = time.perf_counter()
                page.evaluate("window.dispatchEvent(new Event('online'))")
                page.wait_for_function(
                    f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length === 0", timeout=600_000
                )
                seconds = time.perf_counter() - start
                browser.close()
            stored = sum(1 for _ in LrsClient(lrs.endpoint, lrs.auth).statements(registration=registration))
    return count / seconds, stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=500)
    args = parser.parse_args()
    rate, stored = drain_rate(args.statements)
    print(
        f"queue drain to the LRS through the LMS side: {rate:.0f} statements/s "
        f"({args.statements} queued, {stored} in the LRS afterwards, one PUT per statement)"
    )
    with tempfile.TemporaryDirectory() as out:
        for path in build(PROJECT / "content", Path(out), ["xapi", "cmi5"]):
            print(f"{path.name}: {path.stat().st_size / 1024:.1f} KiB")
    print(json.dumps({"statements_per_second": round(rate, 1)}))


if __name__ == "__main__":
    main()
