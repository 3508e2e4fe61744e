"""The award read from a real LRS (the session's `lrs` fixture): incremental, by `stored`."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.awarding import AwardError, LrsOptions, award_from_content
from builder.cli import main
from tests.project import CONTENT
from tests.xapi.award.helpers import everything, mbox, submitted, voiding, write_jsonl
from tests.xapi.award.test_award import issue, slow_issue
from xapi.agents import mbox_sha1sum
from xapi.award.ledger import Ledger
from xapi.award.sources import lrs_source_key
from xapi.lrs.client import LrsClient


def stamped(statements: list[dict], when: datetime | None = None) -> list[dict]:
    """The statements with fresh ids (the LRS is shared by the session) and a timestamp."""
    stamp = (when or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [dict(s, id=str(uuid.uuid4()), timestamp=stamp) for s in statements]


def learner() -> dict:
    return mbox(f"lrs-{uuid.uuid4().hex[:10]}")


def key(agent: dict) -> str:
    return f"mbox:{agent['mbox']}"


def test_learners_in_the_lrs_are_awarded_and_the_next_run_reads_on_from_there(lrs, tmp_path):
    client = LrsClient(lrs.endpoint, lrs.auth)
    done, short = learner(), learner()
    client.post_statements(stamped(everything(done) + everything(short, skip_canvases=["issuing"])))
    ledger = tmp_path / "ledger.sqlite"
    options = LrsOptions(lrs.endpoint, lrs.auth)

    first = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert key(done) in [a.person for a in first.outcome.new]
    assert key(short) in first.outcome.not_eligible
    with Ledger(ledger) as opened:
        assert opened.position(lrs_source_key(lrs.endpoint)) is not None

    client.post_statements(stamped([submitted(short, "issuing")]))
    second = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert [a.person for a in second.outcome.new if a.person in (key(done), key(short))] == [key(short)]
    assert key(done) in second.outcome.already


def test_a_statement_stored_late_with_an_earlier_timestamp_still_counts(lrs, tmp_path):
    # `since` is on stored: the next incremental run finds it, whatever its timestamp.
    client = LrsClient(lrs.endpoint, lrs.auth)
    late = learner()
    client.post_statements(stamped(everything(late, skip_canvases=["needs"])))
    ledger = tmp_path / "ledger.sqlite"
    options = LrsOptions(lrs.endpoint, lrs.auth)
    award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    client.post_statements(stamped([submitted(late, "needs")], datetime.now(UTC) - timedelta(days=2)))
    run = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert key(late) in [a.person for a in run.outcome.new]


def test_a_statement_with_a_month_old_timestamp_counts_in_the_next_incremental_run(lrs, tmp_path):
    client = LrsClient(lrs.endpoint, lrs.auth)
    old = learner()
    client.post_statements(stamped(everything(old, skip_canvases=["persona"])))
    ledger = tmp_path / "ledger.sqlite"
    award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth), ledger=ledger, issue=issue)
    client.post_statements(stamped([submitted(old, "persona")], datetime.now(UTC) - timedelta(days=30)))
    run = award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth), ledger=ledger, issue=issue)
    assert key(old) in [a.person for a in run.outcome.new]
    assert run.statements < 10  # read on from the last position, not everything again


def test_a_void_stored_in_the_lrs_removes_the_statement(lrs, tmp_path):
    client = LrsClient(lrs.endpoint, lrs.auth)
    voided = learner()
    statements = stamped(everything(voided))
    client.post_statements(statements)
    client.post_statements(stamped([voiding(statements[0]["id"])]))
    run = award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth), ledger=tmp_path / "l.sqlite", issue=issue)
    assert key(voided) in run.outcome.not_eligible


def test_wrong_credentials_stop_the_run_with_the_ledger_untouched(lrs, tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    with pytest.raises(AwardError, match=r"LRS: .*refused the credentials \(401\)") as raised:
        award_from_content(
            CONTENT, lrs=LrsOptions(lrs.endpoint, "Basic bm9ib2R5Om5vdGhpbmc="), ledger=ledger, issue=issue
        )
    assert "bm9ib2R5" not in str(raised.value)
    assert not ledger.exists()


def test_an_lrs_that_does_not_answer_is_a_clear_error(tmp_path):
    with pytest.raises(AwardError, match=r"LRS: .*127\.0\.0\.1:9"):
        award_from_content(
            CONTENT, lrs=LrsOptions("http://127.0.0.1:9/xapi/", "Basic eDp5"), ledger=tmp_path / "l.sqlite", issue=issue
        )


def test_the_lrs_comes_from_the_environment_when_no_endpoint_is_given(lrs, tmp_path, monkeypatch):
    monkeypatch.setenv("MICROQUEST_LRS_ENDPOINT", lrs.endpoint)
    monkeypatch.setenv("MICROQUEST_LRS_AUTH", lrs.auth)
    client = LrsClient(lrs.endpoint, lrs.auth)
    env = learner()
    client.post_statements(stamped(everything(env)))
    run = award_from_content(CONTENT, lrs=LrsOptions(), ledger=tmp_path / "l.sqlite", issue=issue)
    assert key(env) in [a.person for a in run.outcome.new]


def awards_of(ledger: Path, people: set[str]) -> Counter:
    """How many credentials the ledger holds for each of `people` (the shared LRS holds others too)."""
    with Ledger(ledger) as opened:
        return Counter(a.person for a in opened.awards() if a.person in people)


def test_the_right_learners_in_the_lrs_get_one_credential_each_a_rerun_none_and_concurrent_runs_one(lrs, tmp_path):
    # A void stored in the LRS is test_a_void_stored_in_the_lrs_removes_the_statement's.
    client = LrsClient(lrs.endpoint, lrs.auth)
    done, short, twice, joined, newcomer = (learner() for _ in range(5))
    client.post_statements(stamped(everything(done) + everything(short, skip_canvases=["levels"])))
    resent = stamped(everything(twice))
    client.post_statements(resent)
    assert client.post_statements(resent) == [s["id"] for s in resent]  # a queue's re-send: stored once, no conflict
    hashed = {"objectType": "Agent", "mbox_sha1sum": mbox_sha1sum(joined["mbox"])}
    client.post_statements(stamped(everything(joined, skip_canvases=["issuing"]) + [submitted(hashed, "issuing")]))
    ledger = tmp_path / "ledger.sqlite"
    options = LrsOptions(lrs.endpoint, lrs.auth)
    mine = {key(a) for a in (done, short, twice, joined, newcomer)}
    complete = {key(done): 1, key(twice): 1, key(joined): 1}

    first = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert Counter(a.person for a in first.outcome.new if a.person in mine) == complete
    assert key(short) in first.outcome.not_eligible
    assert awards_of(ledger, mine) == complete

    again = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert again.outcome.new == () and again.new_evidence == 0
    assert set(complete) <= set(again.outcome.already)
    assert awards_of(ledger, mine) == complete

    client.post_statements(stamped(everything(newcomer)))
    barrier, runs, failures = threading.Barrier(2), [], []

    def run() -> None:
        barrier.wait()
        try:
            runs.append(award_from_content(CONTENT, lrs=options, ledger=ledger, issue=slow_issue))
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == [] and len(runs) == 2
    assert sorted(len(r.outcome.new) for r in runs) == [0, 1]
    assert [a.person for r in runs for a in r.outcome.new] == [key(newcomer)]
    assert awards_of(ledger, mine) == {**complete, key(newcomer): 1}


# -- an LRS that fails: `microquest award` says so in one line and leaves the ledger alone ------

AUTH = "Basic c2VjcmV0OnNlY3JldA=="


@contextmanager
def faulty_lrs(slow: bool) -> Iterator[str]:
    """A stdlib server on 127.0.0.1 whose GET statements answers 500 or, if `slow`, nothing for 5 s."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self.path.startswith("/xapi/statements"):
                self.send_error(404)
            elif slow:
                release.wait(5)  # and then no answer: the client gave up long before
            else:
                body = b"the database is down"
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/xapi/"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def award_cli(ledger: Path, *args: str):
    return CliRunner().invoke(
        main,
        ["award", "--content", str(CONTENT), "--ledger", str(ledger), "--out", str(ledger.parent / "issued"), *args],
    )


def assert_failed_in_one_line_and_changed_nothing(tmp_path: Path, endpoint: str, error: str, *options: str) -> None:
    """With no ledger yet, none is made; with one that holds awards, its bytes stay the same."""
    existing = tmp_path / "existing" / "ledger.sqlite"
    existing.parent.mkdir()
    statements = write_jsonl(tmp_path / "ana.jsonl", everything(mbox("ana")))
    assert award_cli(existing, "--statements", str(statements)).exit_code == 0
    before, issued = existing.read_bytes(), sorted((existing.parent / "issued").iterdir())
    assert len(issued) == 3  # the JSON, the baked badge and the learner's page
    fresh = tmp_path / "fresh" / "ledger.sqlite"
    fresh.parent.mkdir()
    for ledger in (fresh, existing):
        result = award_cli(ledger, "--endpoint", endpoint, "--auth", AUTH, *options)
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit)  # not an exception that escaped
        assert result.output == f"error: {error}; {ledger} was not changed\n"
        assert "Traceback" not in result.output and "c2VjcmV0" not in result.output
    assert not fresh.exists() and not (fresh.parent / "issued").exists()
    assert existing.read_bytes() == before
    assert sorted((existing.parent / "issued").iterdir()) == issued


def test_an_lrs_answering_500_is_a_one_line_error_and_changes_no_ledger(tmp_path):
    with faulty_lrs(slow=False) as endpoint:
        error = f"LRS: LRS at {endpoint} answered 500: the database is down"
        assert_failed_in_one_line_and_changed_nothing(tmp_path, endpoint, error)


def test_an_lrs_slower_than_the_timeout_is_a_one_line_error_and_changes_no_ledger(tmp_path):
    with faulty_lrs(slow=True) as endpoint:
        error = f"LRS: LRS at {endpoint} did not answer within 0.3 s"
        assert_failed_in_one_line_and_changed_nothing(tmp_path, endpoint, error, "--timeout", "0.3")
