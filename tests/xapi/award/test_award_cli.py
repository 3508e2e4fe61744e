"""`microquest award`: the summary, exit codes and one-line errors."""

from __future__ import annotations

import dataclasses

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
    # The provider has no legal identifier yet, so there is no Europass export: JSON, badge, page.
    assert [p.suffix for p in written] == [".html", ".json", ".svg"]
    for path in written:
        if path.suffix != ".html":
            check = CliRunner().invoke(main, ["verify", str(path)])
            assert check.exit_code == 0, check.output
    page = written[0].read_text(encoding="utf-8")
    assert f'href="{written[1].name}"' in page and f'href="{written[2].name}"' in page


def test_award_with_the_providers_legal_identifier_writes_a_conforming_europass_export(tmp_path, issuer_keys):
    import json

    from credentials.europass_check import conformance_problems
    from credentials.issuer import save_identity
    from tests.xapi.award.conftest import PROVIDER

    save_identity(issuer_keys, dataclasses.replace(PROVIDER, id_registration="1234567000"))
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    result = invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"), "--out", "issued")
    assert result.exit_code == 0, result.output
    [europass] = (tmp_path / "issued").glob("*.europass.jsonld")
    [page] = (tmp_path / "issued").glob("*.html")
    assert f'href="{europass.name}"' in page.read_text(encoding="utf-8")
    assert conformance_problems(json.loads(europass.read_text(encoding="utf-8"))) == []


def test_a_killed_run_leaves_files_that_the_next_run_completes_page_and_europass_included(tmp_path, issuer_keys):
    from credentials.issuer import save_identity
    from tests.xapi.award.conftest import PROVIDER

    save_identity(issuer_keys, dataclasses.replace(PROVIDER, id_registration="1234567000"))
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    assert (
        invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"), "--out", "issued").exit_code
        == 0
    )
    for view in ("*.html", "*.europass.jsonld"):
        for path in (tmp_path / "issued").glob(view):
            path.unlink()
    again = invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"), "--out", "issued")
    assert again.exit_code == 0, again.output
    assert sorted(p.suffix for p in (tmp_path / "issued").iterdir()) == [".html", ".json", ".jsonld", ".svg"]


def test_award_without_an_issuer_key_says_how_to_make_one_and_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROQUEST_KEYS", str(tmp_path / "no-keys"))
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")))
    result = invoke("--statements", str(statements), "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 1
    assert "microquest keys init" in result.output
    assert not (tmp_path / "l.sqlite").exists()
