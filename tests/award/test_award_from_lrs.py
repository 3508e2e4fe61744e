"""The award read from a real LRS (ralph, the session's `lrs` fixture): incremental, and safe with ralph's `since`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from builder.award import AwardError, LrsOptions, award_from_content
from xapi.ledger import Ledger
from xapi.lrs import LrsClient
from xapi.sources import lrs_source_key

from ..conftest import CONTENT
from .helpers import everything, mbox, submitted, voiding
from .test_award import issue


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
    # ralph filters `since` on timestamp: the overlap window re-reads the last week.
    client = LrsClient(lrs.endpoint, lrs.auth)
    late = learner()
    client.post_statements(stamped(everything(late, skip_canvases=["needs"])))
    ledger = tmp_path / "ledger.sqlite"
    options = LrsOptions(lrs.endpoint, lrs.auth)
    award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    client.post_statements(stamped([submitted(late, "needs")], datetime.now(UTC) - timedelta(days=2)))
    run = award_from_content(CONTENT, lrs=options, ledger=ledger, issue=issue)
    assert key(late) in [a.person for a in run.outcome.new]


def test_a_statement_older_than_the_overlap_needs_a_full_read(lrs, tmp_path):
    client = LrsClient(lrs.endpoint, lrs.auth)
    old = learner()
    client.post_statements(stamped(everything(old, skip_canvases=["persona"])))
    ledger = tmp_path / "ledger.sqlite"
    award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth), ledger=ledger, issue=issue)
    client.post_statements(stamped([submitted(old, "persona")], datetime.now(UTC) - timedelta(days=30)))
    missed = award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth), ledger=ledger, issue=issue)
    assert key(old) in missed.outcome.not_eligible
    full = award_from_content(CONTENT, lrs=LrsOptions(lrs.endpoint, lrs.auth, full=True), ledger=ledger, issue=issue)
    assert key(old) in [a.person for a in full.outcome.new]


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
