"""`microquest award`: the summary, exit codes and one-line errors."""

from __future__ import annotations

from click.testing import CliRunner

from builder.cli import main
from tests.project import CONTENT
from tests.xapi.award.helpers import SITE, everything, mbox, write_jsonl
from tests.xapi.award.moodle import ACTIVITY_IDS, Attempt, Learner, report, write


def invoke(*args: str):
    return CliRunner().invoke(main, ["award", "--content", str(CONTENT), *args])


def test_award_prints_who_was_awarded_and_a_summary(tmp_path):
    statements = write_jsonl(
        tmp_path / "s.jsonl", everything(mbox("ana")) + everything(mbox("bojan"), skip_canvases=["needs"])
    )
    ledger = tmp_path / "ledger.sqlite"
    result = invoke("--statements", str(statements), "--ledger", str(ledger))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("awarded urn:uuid:") and lines[0].endswith(" to mbox:mailto:ana@example.si")
    assert lines[-1] == "2 learners seen, 1 newly awarded, 0 already awarded, 1 not yet eligible"
    again = invoke("--statements", str(statements), "--ledger", str(ledger))
    assert again.output == "2 learners seen, 0 newly awarded, 1 already awarded, 1 not yet eligible\n"


def test_award_reads_a_moodle_report_with_the_site_address(tmp_path):
    text = report(
        [Learner("Ana Novak", "ana@example.si", "anovak", [Attempt(dict.fromkeys(ACTIVITY_IDS, "Completed"))])]
    )
    path = write(tmp_path / "report.txt", text)
    result = invoke("--moodle-report", str(path), "--moodle-site", SITE, "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 0, result.output
    assert result.output == "1 learner seen, 0 newly awarded, 0 already awarded, 1 not yet eligible\n"


def test_bad_input_exits_1_with_file_and_line_and_leaves_no_ledger(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{\n", encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite"
    result = invoke("--statements", str(bad), "--ledger", str(ledger))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {bad}:1: expected one JSON statement per line: Expecting property name enclosed in double quotes "
        "at column 2 (statements written over several lines must be in a JSON array); "
        f"{ledger} was not changed\n"
    )
    assert not ledger.exists()


def test_award_without_a_source_says_which_to_give(tmp_path):
    result = invoke("--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(
        "error: no source: give --statements FILE, --moodle-report FILE or --lrs; "
    )


def test_a_moodle_report_needs_the_site(tmp_path):
    result = invoke("--moodle-report", str(tmp_path / "r.txt"), "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 1
    assert "--moodle-report needs --moodle-site" in result.output


def test_a_missing_statements_file_is_a_one_line_error(tmp_path):
    result = invoke("--statements", str(tmp_path / "nope.jsonl"), "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path / 'nope.jsonl'}: cannot read the statements file: No such file or directory; "
        f"{tmp_path / 'l.sqlite'} was not changed\n"
    )


def test_award_writes_signed_credentials_that_verify(tmp_path):
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    result = invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"), "--out", "issued")
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "issued").iterdir())
    assert [p.suffix for p in written] == [".json", ".svg"]
    for path in written:
        check = CliRunner().invoke(main, ["verify", str(path)])
        assert check.exit_code == 0, check.output


def test_award_without_an_issuer_key_says_how_to_make_one_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROQUEST_KEYS", str(tmp_path / "no-keys"))
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    result = invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 1
    assert "microquest keys init" in result.output
    assert not (tmp_path / "l.sqlite").exists()
