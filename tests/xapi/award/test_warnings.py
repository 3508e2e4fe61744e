"""No silent merges or drops: input used only in part is a warning naming it, and `--strict` makes it an error."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.awarding import AwardError, award_from_content
from builder.cli import main
from tests.project import CONTENT
from tests.xapi.award.helpers import SITE, completed, everything, mbox, write_array, write_jsonl
from tests.xapi.award.moodle import ACTIVITY_IDS, Attempt, Learner, report, write
from xapi.award.ledger import Ledger


def issue(agent: dict, awarded_at: str) -> dict:
    return {"id": f"urn:uuid:{uuid.uuid4()}", "learner": agent, "awardedAt": awarded_at}


def invoke(*args: str):
    return CliRunner().invoke(main, ["award", "--content", str(CONTENT), *args])


def dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


# -- two statements with one id ------------------------------------------------------------------


def test_two_different_statements_with_one_id_warn_with_both_lines_and_only_the_first_counts(tmp_path):
    ana, bojan = mbox("ana"), mbox("bojan")
    taken = completed(ana, "u1-a1")
    clash = completed(bojan, "u1-a1", id_=taken["id"])  # another learner's statement under Ana's id
    first = write_jsonl(tmp_path / "a.jsonl", everything(ana))
    second = write_array(tmp_path / "b.json", [clash, *everything(bojan)[1:]])
    run = award_from_content(CONTENT, statements=[first, second], ledger=tmp_path / "l.sqlite", issue=issue)
    assert [str(w) for w in run.warnings] == [
        f"{second}:2: id: statement {taken['id']} differs from the statement with the same id at {first}:1; "
        "only that first one counts"
    ]
    assert [a.person for a in run.outcome.new] == ["mbox:mailto:ana@example.si"]
    bojan_missing = next(e.missing for e in run.evaluations if e.person == "mbox:mailto:bojan@example.si")
    assert bojan_missing == ("activity:u1-a1",)


def test_copies_of_one_statement_as_an_lrs_stores_them_are_no_warning(tmp_path):
    statement = completed(mbox("ana"), "u1-a1")
    copy = {**statement, "stored": "2026-03-02T10:16:00Z", "authority": {"mbox": "mailto:lrs@example.si"}}
    copy["version"] = "1.0.3"
    path = write_jsonl(tmp_path / "s.jsonl", [statement, copy, statement])
    run = award_from_content(CONTENT, statements=[path], ledger=tmp_path / "l.sqlite", issue=issue)
    assert run.warnings == ()


def test_a_statement_that_reuses_an_id_the_ledger_counted_for_another_learner_warns_and_does_not_count(tmp_path):
    ledger = tmp_path / "l.sqlite"
    ana = completed(mbox("ana"), "u1-a1")
    award_from_content(CONTENT, statements=[write_jsonl(tmp_path / "a.jsonl", [ana])], ledger=ledger, issue=issue)
    clash = completed(mbox("bojan"), "u1-a1", id_=ana["id"])
    later = write_jsonl(tmp_path / "b.jsonl", [clash])
    run = award_from_content(CONTENT, statements=[later], ledger=ledger, issue=issue)
    assert [str(w) for w in run.warnings] == [
        f"{later}:1: id: statement {ana['id']} was counted in an earlier run as activity:u1-a1 of "
        "mbox:mailto:ana@example.si; this different statement with the same id does not count"
    ]
    standing = {e.person: e.met for e in run.evaluations}
    assert standing["mbox:mailto:ana@example.si"] == ("activity:u1-a1",)
    assert standing["mbox:mailto:bojan@example.si"] == ()


# -- the command line: warnings on stderr, --strict makes them errors -------------------------


@pytest.fixture
def overlapping_people(tmp_path) -> Path:
    path = tmp_path / "people.yaml"
    path.write_text(
        "- - mbox: mailto:ana@example.si\n"
        f"  - account: {{homePage: {SITE}, name: anovak}}\n"
        "- - mbox: mailto:bojan@example.si\n"
        f"  - account: {{homePage: {SITE}, name: anovak}}\n",
        encoding="utf-8",
    )
    return path


def test_the_cli_prints_each_warning_on_stderr_and_strict_refuses_with_the_ledger_unchanged(
    tmp_path, overlapping_people
):
    ana = everything(mbox("ana"))
    statements = write_jsonl(tmp_path / "s.jsonl", [*ana, completed(mbox("cvetka"), "u1-a1", id_=ana[0]["id"])])
    ledger = tmp_path / "l.sqlite"
    text = report([Learner("Ana Novak", "ana@example.si", "anovak", [Attempt({ACTIVITY_IDS[0]: "Completed"})])])
    moodle = write(tmp_path / "r.txt", text.replace("1.2 Kaj ne spada med mikrodokazila?", "Quiz 2", 1))
    args = ["--statements", str(statements), "--moodle-report", str(moodle), "--moodle-site", SITE]
    args += ["--people", str(overlapping_people), "--ledger", str(ledger)]
    warnings = [
        f"{overlapping_people}:4: [1][1]: account:{SITE} anovak is also in identifier set [0] (line 2), "
        "so the two sets are merged into one person",
        f"{moodle}:1: column 8: 'Quiz 2' is not a SCO of this course, so its completions are not counted",
        f"{statements}:{len(ana) + 1}: id: statement {ana[0]['id']} differs from the statement with the same id "
        f"at {statements}:1; only that first one counts",
    ]

    strict = invoke(*args, "--strict")
    assert strict.exit_code == 1
    assert strict.stdout == ""
    assert strict.stderr.splitlines() == [f"error: {w}" for w in warnings[:-1]] + [
        f"error: {warnings[-1]}; {ledger} was not changed"
    ]
    assert not ledger.exists()

    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"warning: {w}" for w in warnings]
    assert result.stdout.splitlines()[-1] == "1 learner seen, 1 newly awarded, 0 already awarded, 0 not yet eligible"


def test_strict_refuses_a_clash_with_the_ledger_before_writing_anything(tmp_path):
    ledger = tmp_path / "l.sqlite"
    ana = completed(mbox("ana"), "u1-a1")
    assert invoke("--statements", str(write_jsonl(tmp_path / "a.jsonl", [ana])), "--ledger", str(ledger)).exit_code == 0
    before = dump(ledger)
    later = write_jsonl(tmp_path / "b.jsonl", [completed(mbox("bojan"), "u1-a1", id_=ana["id"])])
    result = invoke("--statements", str(later), "--ledger", str(ledger), "--strict")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {later}:1: id: statement {ana['id']} was counted in an earlier run as activity:u1-a1 of "
        f"mbox:mailto:ana@example.si; this different statement with the same id does not count; "
        f"{ledger} was not changed\n"
    )
    assert dump(ledger) == before


def test_strict_without_warnings_awards_as_usual(tmp_path):
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    run = award_from_content(CONTENT, statements=[statements], ledger=tmp_path / "l.sqlite", issue=issue, strict=True)
    assert len(run.outcome.new) == 1 and run.warnings == ()
    with Ledger(tmp_path / "l.sqlite") as opened:
        assert len(opened.awards()) == 1


def test_the_library_raises_each_warning_as_a_problem_when_strict(tmp_path, overlapping_people):
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    with pytest.raises(AwardError) as raised:
        award_from_content(
            CONTENT,
            statements=[statements],
            people=overlapping_people,
            ledger=tmp_path / "l.sqlite",
            issue=issue,
            strict=True,
        )
    assert raised.value.problems == [
        f"{overlapping_people}:4: [1][1]: account:{SITE} anovak is also in identifier set [0] (line 2), "
        "so the two sets are merged into one person"
    ]
