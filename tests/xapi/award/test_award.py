"""Award runs against a real SQLite ledger: the right learners, once each, whatever happens."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from builder.awarding import AwardError, award_from_content
from tests.project import CONTENT
from tests.xapi.award.helpers import (
    SITE,
    account,
    cmi5,
    completed,
    everything,
    mbox,
    submitted,
    voiding,
    write_jsonl,
)
from tests.xapi.award.moodle import ACTIVITY_IDS, Attempt, Learner, report, write
from xapi.agents import mbox_sha1sum
from xapi.award.ledger import Ledger, LedgerError

NOW = "2026-03-04T09:00:00Z"


def issue(agent: dict, awarded_at: str) -> dict:
    """A simple real issuing function: what the signed credential stands in for in these tests."""
    return {"id": f"urn:uuid:{uuid.uuid4()}", "learner": agent, "awardedAt": awarded_at}


def class_statements() -> list[dict]:
    """Ana: everything. Bojan: one canvas short. Cvetka: everything, but one completion voided.
    Darja: everything, sent twice. Eva: under mbox, mbox_sha1sum and (with a people file) a Moodle account."""
    ana, bojan, cvetka, darja = mbox("ana"), mbox("bojan"), mbox("cvetka"), mbox("darja")
    eva_hashed = {"objectType": "Agent", "mbox_sha1sum": mbox_sha1sum("mailto:eva@example.si")}
    statements = everything(ana) + everything(bojan, skip_canvases=["levels"]) + everything(cvetka)
    statements.append(voiding(completed(cvetka, "u4-a2")["id"]))
    statements += everything(darja) + everything(darja)
    eva = mbox("eva")
    statements += everything(eva, skip_activities=["u7-a2"], skip_canvases=["issuing"])
    statements += [submitted(eva_hashed, "issuing"), cmi5(account("evak"), "u7-a2")]
    return statements


def awarded_people(ledger_path: Path) -> list[str]:
    with Ledger(ledger_path) as ledger:
        return sorted(a.person for a in ledger.awards())


def dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


@pytest.fixture
def people(tmp_path) -> Path:
    import hashlib

    sha = hashlib.sha1(b"mailto:eva@example.si").hexdigest()
    path = tmp_path / "people.yaml"
    path.write_text(
        "# Eva reaches us under three identifiers.\n"
        "- - mbox: mailto:eva@example.si\n"
        f"  - mbox_sha1sum: {sha}\n"
        f"  - account: {{homePage: {SITE}, name: evak}}\n",
        encoding="utf-8",
    )
    return path


def test_exactly_the_learners_who_meet_the_criteria_are_awarded_once_each(tmp_path, people):
    statements = write_jsonl(tmp_path / "statements.jsonl", class_statements())
    ledger = tmp_path / "ledger.sqlite"
    run = award_from_content(CONTENT, statements=[statements], people=people, ledger=ledger, issue=issue, now=NOW)
    awarded = sorted(a.person for a in run.outcome.new)
    assert awarded == ["mbox:mailto:ana@example.si", "mbox:mailto:darja@example.si", "mbox:mailto:eva@example.si"]
    assert sorted(run.outcome.not_eligible) == ["mbox:mailto:bojan@example.si", "mbox:mailto:cvetka@example.si"]
    assert awarded_people(ledger) == awarded
    with Ledger(ledger) as opened:
        progress = opened.progress("mq-pr3-credential", 1)
        eva_award = next(a for a in opened.awards() if a.person == "mbox:mailto:eva@example.si")
    assert [r for r, met in progress["mbox:mailto:bojan@example.si"].items() if not met] == ["canvas:levels"]
    assert [r for r, met in progress["mbox:mailto:cvetka@example.si"].items() if not met] == ["activity:u4-a2"]
    assert eva_award.agent == {"objectType": "Agent", "mbox": "mailto:eva@example.si", "name": "Eva"}
    assert eva_award.document["learner"] == eva_award.agent
    assert run.summary == "5 learners seen, 3 newly awarded, 0 already awarded, 2 not yet eligible"


def test_a_rerun_awards_nobody_again(tmp_path, people):
    statements = write_jsonl(tmp_path / "statements.jsonl", class_statements())
    ledger = tmp_path / "ledger.sqlite"
    award_from_content(CONTENT, statements=[statements], people=people, ledger=ledger, issue=issue, now=NOW)
    before = dump(ledger)
    again = award_from_content(CONTENT, statements=[statements], people=people, ledger=ledger, issue=issue, now=NOW)
    assert again.outcome.new == ()
    assert len(again.outcome.already) == 3
    assert again.new_evidence == 0
    assert dump(ledger) == before


def test_without_the_people_file_a_merged_person_is_not_awarded_again_under_another_identifier(tmp_path, people):
    statements = write_jsonl(tmp_path / "statements.jsonl", class_statements())
    ledger = tmp_path / "ledger.sqlite"
    award_from_content(CONTENT, statements=[statements], people=people, ledger=ledger, issue=issue, now=NOW)
    more = write_jsonl(tmp_path / "more.jsonl", everything(account("evak")))
    run = award_from_content(CONTENT, statements=[more], ledger=ledger, issue=issue, now=NOW)
    assert run.outcome.new == ()
    assert f"account:{SITE} evak" in run.outcome.already


def test_evidence_accumulates_across_runs_and_sources(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    moodle = report(
        [Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(dict.fromkeys(ACTIVITY_IDS, "Completed"))])]
    )
    first = award_from_content(
        CONTENT,
        moodle_reports=[write(tmp_path / "report.txt", moodle)],
        moodle_site=SITE,
        ledger=ledger,
        issue=issue,
        now=NOW,
    )
    assert first.outcome.new == () and first.outcome.not_eligible == ("mbox:mailto:ana@example.si",)
    canvases = write_jsonl(tmp_path / "canvases.jsonl", everything(mbox("ana"), skip_activities=ACTIVITY_IDS))
    second = award_from_content(CONTENT, statements=[canvases], ledger=ledger, issue=issue, now=NOW)
    assert [a.person for a in second.outcome.new] == ["mbox:mailto:ana@example.si"]


def test_a_void_after_the_award_keeps_the_award_and_shows_the_gap_in_progress(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    statements = everything(mbox("ana"))
    award_from_content(CONTENT, statements=[write_jsonl(tmp_path / "a.jsonl", statements)], ledger=ledger, issue=issue)
    void = write_jsonl(tmp_path / "void.jsonl", [voiding(statements[0]["id"])])
    run = award_from_content(CONTENT, statements=[void], ledger=ledger, issue=issue)
    assert run.outcome.already == ("mbox:mailto:ana@example.si",)
    with Ledger(ledger) as opened:
        assert opened.progress("mq-pr3-credential", 1)["mbox:mailto:ana@example.si"]["activity:u1-a1"] is False


def test_bad_input_leaves_the_ledger_unchanged(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    good = write_jsonl(tmp_path / "good.jsonl", everything(mbox("ana")))
    award_from_content(CONTENT, statements=[good], ledger=ledger, issue=issue)
    before = dump(ledger)
    statements = everything(mbox("bojan"))
    statements[5]["object"] = "not an object"
    bad = write_jsonl(tmp_path / "bad.jsonl", statements)
    with pytest.raises(AwardError) as raised:
        award_from_content(CONTENT, statements=[good, bad], ledger=ledger, issue=issue)
    assert str(raised.value) == f"{bad}:6: object: expected an object, found the string 'not an object'"
    assert dump(ledger) == before


def test_bad_input_creates_no_ledger(tmp_path):
    bad = tmp_path / "bad.jsonl"
    # Statements are read as they are evaluated: the first problem in the file is the one reported.
    bad.write_text('{"id": "1", "actor": {}}\n[\n', encoding="utf-8")
    with pytest.raises(AwardError, match=r"bad\.jsonl:1: verb: expected an object, found nothing"):
        award_from_content(CONTENT, statements=[bad], ledger=tmp_path / "ledger.sqlite", issue=issue)
    assert not (tmp_path / "ledger.sqlite").exists()


def test_a_failing_issuer_writes_nothing(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    award_from_content(
        CONTENT, statements=[write_jsonl(tmp_path / "a.jsonl", everything(mbox("ana")))], ledger=ledger, issue=issue
    )
    before = dump(ledger)

    def broken(agent: dict, awarded_at: str) -> dict:
        raise RuntimeError("the signing key is missing")

    with pytest.raises(RuntimeError):
        award_from_content(
            CONTENT,
            statements=[write_jsonl(tmp_path / "b.jsonl", everything(mbox("bojan")))],
            ledger=ledger,
            issue=broken,
        )
    assert dump(ledger) == before


def test_a_file_that_is_no_ledger_is_refused(tmp_path):
    (tmp_path / "notes.sqlite").write_text("shopping list\n" * 100)
    with pytest.raises(LedgerError, match=r"notes\.sqlite: not a microquest ledger"):
        Ledger(tmp_path / "notes.sqlite")


def test_revocation_is_recorded_and_listed_and_blocks_nothing_else(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    statements = write_jsonl(tmp_path / "a.jsonl", everything(mbox("ana")) + everything(mbox("bojan")))
    run = award_from_content(CONTENT, statements=[statements], ledger=ledger, issue=issue)
    revoked = run.outcome.new[0]
    with Ledger(ledger) as opened:
        opened.revoke(revoked.id, "awarded by mistake", at="2026-03-05T10:00:00Z")
        opened.revoke(revoked.id, "again")  # the first record stands
        with pytest.raises(LedgerError, match="no credential 'urn:uuid:nope' was awarded"):
            opened.revoke("urn:uuid:nope", "typo")
        with pytest.raises(LedgerError, match="a revocation needs a reason"):
            opened.revoke(revoked.id, " ")
        assert opened.revoked_ids() == {revoked.id}
        assert opened.revocations() == [(revoked.id, "awarded by mistake", "2026-03-05T10:00:00Z")]
        assert [a.revoked for a in opened.awards() if a.id == revoked.id] == ["awarded by mistake"]
    rerun = award_from_content(CONTENT, statements=[statements], ledger=ledger, issue=issue)
    assert rerun.outcome.new == ()  # a revoked credential is not silently re-issued


# -- concurrency ---------------------------------------------------------------------------


def slow_issue(agent: dict, awarded_at: str) -> dict:
    time.sleep(0.02)  # long enough for overlapping runs to collide if the ledger let them
    return issue(agent, awarded_at)


def _award_in_process(statements: str, ledger: str, barrier, results) -> None:
    barrier.wait()
    run = award_from_content(CONTENT, statements=[Path(statements)], ledger=Path(ledger), issue=slow_issue)
    results.put(len(run.outcome.new))


def test_concurrent_award_runs_in_separate_processes_still_award_one_credential_each(tmp_path):
    learners = [mbox(f"ucenec{n}") for n in range(12)]
    statements = write_jsonl(tmp_path / "s.jsonl", [s for learner in learners for s in everything(learner)])
    ledger = tmp_path / "ledger.sqlite"
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(3), context.Queue()
    processes = [
        context.Process(target=_award_in_process, args=(str(statements), str(ledger), barrier, results))
        for _ in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in processes) == [0, 0, 12]
    assert awarded_people(ledger) == sorted(f"mbox:mailto:ucenec{n}@example.si" for n in range(12))


def test_concurrent_award_runs_in_threads_still_award_one_credential_each(tmp_path):
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")) + everything(mbox("bojan")))
    ledger = tmp_path / "ledger.sqlite"
    Ledger(ledger).close()  # the file exists, as after a first run
    counts: list[int] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        counts.append(
            len(award_from_content(CONTENT, statements=[statements], ledger=ledger, issue=slow_issue).outcome.new)
        )

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == [0, 0, 0, 2]
    assert awarded_people(ledger) == ["mbox:mailto:ana@example.si", "mbox:mailto:bojan@example.si"]
