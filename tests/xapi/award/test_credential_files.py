"""Nothing lost: the ledger is the record, credential files are views of it that every run completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from builder.cli import main
from credentials.baking import unbake
from credentials.issue import file_stem
from credentials.verify import verify_bytes
from tests.project import CONTENT
from tests.xapi.award.helpers import everything, mbox, write_jsonl
from xapi.award.ledger import Ledger

# The issue's case: 1,000 learners (signing ~4 ms a credential). Every file is checked for
# being whole and the ledger's; the signatures of a sample are verified (~40 ms each).
LEARNERS = 1000
VERIFIED_SAMPLE = 50
MICROQUEST = [sys.executable, "-c", "import sys; from builder.cli import main; sys.argv[0] = 'microquest'; main()"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def award(*args: str):
    return invoke("award", "--content", str(CONTENT), *args)


def dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


def award_ids(ledger: Path) -> list[str]:
    with Ledger(ledger) as opened:
        return [a.id for a in opened.awards()]


def ledger_documents(ledger: Path) -> list[tuple[str, dict]]:
    with Ledger(ledger) as opened:
        return [(a.id, a.document) for a in opened.awards()]


def credential_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".json", ".svg") and not p.name.startswith("."))


def assert_files_are_the_ledger(folder: Path, ledger: Path, *, verify: bool = True) -> None:
    ids = award_ids(ledger)
    stems = sorted(f"{file_stem(i)}{suffix}" for i in ids for suffix in (".json", ".svg"))
    assert [p.name for p in credential_files(folder)] == stems
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    if verify:
        jsons = [p for p in credential_files(folder) if p.suffix == ".json"]
        sampled = set(jsons[:: max(1, len(jsons) // VERIFIED_SAMPLE)])
        documents = {award_id: document for award_id, document in ledger_documents(ledger)}
        for path in credential_files(folder):
            if path.suffix == ".json":
                document = json.loads(path.read_bytes())  # a half-written file is no JSON
                assert document == documents[document["id"]], path  # exactly what the ledger holds
                if path in sampled:
                    verify_bytes(path.read_bytes())  # and signed as issued
            else:
                # The badge verifies as the credential baked into it does: the one verified above.
                baked = json.loads(unbake(path.read_bytes()))
                assert baked == json.loads(path.with_suffix(".json").read_bytes()), path


def test_a_run_killed_while_writing_credentials_leaves_files_that_the_next_run_completes(tmp_path):
    learners = [mbox(f"ucenec{n}") for n in range(LEARNERS)]
    statements = write_jsonl(tmp_path / "s.jsonl", [s for learner in learners for s in everything(learner)])
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "credentials"
    args = ["award", "--content", str(CONTENT), "--statements", str(statements), "--ledger", str(ledger)]
    args += ["--out", str(out)]
    process = subprocess.Popen(MICROQUEST + args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while process.poll() is None:
            # Half-way through the files (the issue's case: 460 files of 1,000 awards).
            if out.is_dir() and sum(name.endswith((".json", ".svg")) for name in os.listdir(out)) >= LEARNERS:
                process.send_signal(signal.SIGKILL)  # kill -9: no handler, no clean-up
                break
            time.sleep(0.002)
        process.wait(120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    assert len(award_ids(ledger)) == LEARNERS  # recorded before any file is written
    left = len(credential_files(out))
    assert LEARNERS <= left < 2 * LEARNERS, left  # the kill landed while the files were being written
    # A credential is whole when its JSON, badge and page are all there; the kill may split one.
    names = set(os.listdir(out))
    whole = sum(all(f"{file_stem(i)}{s}" in names for s in (".json", ".svg", ".html")) for i in award_ids(ledger))

    again = award(*args[3:])
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert lines[0] == f"wrote {LEARNERS - whole} credential(s) of earlier runs whose files were missing to {out}/"
    assert lines[-1] == f"{LEARNERS} learners seen, 0 newly awarded, {LEARNERS} already awarded, 0 not yet eligible"
    assert_files_are_the_ledger(out, ledger)


def test_an_unwritable_out_is_one_line_before_the_ledger_changes_and_a_later_run_writes_them_all(tmp_path):
    # The tests run as root, for whom mode 0o555 is no obstacle: a folder under a regular
    # file cannot be created by anyone.
    (tmp_path / "blocker").write_text("a file, not a folder\n")
    unwritable = tmp_path / "blocker" / "credentials"
    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")) + everything(mbox("bojan")))
    ledger = tmp_path / "l.sqlite"
    result = award("--statements", str(statements), "--ledger", str(ledger), "--out", str(unwritable))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: cannot write the credentials to {unwritable}: Not a directory; {ledger} was not changed\n"
    )
    assert not ledger.exists()

    later = award("--statements", str(statements), "--ledger", str(ledger), "--out", "issued")
    assert later.exit_code == 0, later.output
    assert later.stdout.splitlines()[-2:] == [
        "wrote 2 signed credential(s) to issued/",
        "2 learners seen, 2 newly awarded, 0 already awarded, 0 not yet eligible",
    ]
    assert_files_are_the_ledger(tmp_path / "issued", ledger)


def test_files_that_fail_after_the_awards_are_recorded_are_said_so_and_written_by_the_next_run(tmp_path, monkeypatch):
    import builder.credential_files

    statements = write_jsonl(tmp_path / "s.jsonl", everything(mbox("ana")) + everything(mbox("bojan")))
    ledger, out = tmp_path / "l.sqlite", tmp_path / "issued"

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(builder.credential_files, "write_atomic", disk_full)
        result = award("--statements", str(statements), "--ledger", str(ledger), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write the credentials to {out}: No space left on device; "
        f"2 new awards are recorded in {ledger}: the next award run writes the missing files\n"
    )
    assert len(award_ids(ledger)) == 2

    (out / ".0a1b.json.tmp").write_text('{"half": ')  # what a killed writer leaves behind
    again = award("--statements", str(statements), "--ledger", str(ledger), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == [
        f"wrote 2 credential(s) of earlier runs whose files were missing to {out}/",
        "2 learners seen, 0 newly awarded, 2 already awarded, 0 not yet eligible",
    ]
    assert_files_are_the_ledger(out, ledger)
    # One file lost: only that credential is written again.
    lost = credential_files(out)[1]
    lost.unlink()
    third = award("--statements", str(statements), "--ledger", str(ledger), "--out", str(out))
    assert third.stdout.splitlines()[0] == f"wrote 1 credential(s) of earlier runs whose files were missing to {out}/"
    assert_files_are_the_ledger(out, ledger, verify=False)


# -- the ledger's lock ----------------------------------------------------------------------------

HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def hold_lock(ledger: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the ledger's write lock, as an award run in its transaction does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(ledger), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


def test_a_ledger_locked_longer_than_wait_says_another_run_is_in_progress_and_changes_nothing(tmp_path):
    ledger = tmp_path / "l.sqlite"
    first = write_jsonl(tmp_path / "a.jsonl", everything(mbox("ana")))
    assert award("--statements", str(first), "--ledger", str(ledger)).exit_code == 0
    before = dump(ledger)
    second = write_jsonl(tmp_path / "b.jsonl", everything(mbox("bojan")))
    holder = hold_lock(ledger, 60)
    try:
        start = time.monotonic()
        result = award("--statements", str(second), "--ledger", str(ledger), "--wait", "1")
        waited = time.monotonic() - start
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: another award run is in progress: {ledger} stayed locked for 1 s; {ledger} was not changed\n"
    )
    assert 1 <= waited < 10
    assert dump(ledger) == before
    assert award("--statements", str(second), "--ledger", str(ledger)).exit_code == 0


def test_a_run_waits_for_a_short_lock_instead_of_failing(tmp_path):
    ledger = tmp_path / "l.sqlite"
    Ledger(ledger).close()
    statements = write_jsonl(tmp_path / "a.jsonl", everything(mbox("ana")))
    holder = hold_lock(ledger, 1.5)
    try:
        result = award("--statements", str(statements), "--ledger", str(ledger), "--wait", "20")
    finally:
        holder.wait(30)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 learner seen, 1 newly awarded, 0 already awarded, 0 not yet eligible"


def test_two_runs_that_sign_at_once_both_succeed_with_a_short_wait(tmp_path):
    # Each signs its 60 credentials (some seconds) outside the write lock, so the other
    # waits only for a transaction of inserts: far less than --wait 2.
    learners = [mbox(f"ucenec{n}") for n in range(60)]
    statements = write_jsonl(tmp_path / "s.jsonl", [s for learner in learners for s in everything(learner)])
    ledger, out = tmp_path / "ledger.sqlite", tmp_path / "credentials"
    Ledger(ledger).close()
    args = ["award", "--content", str(CONTENT), "--statements", str(statements), "--ledger", str(ledger)]
    args += ["--out", str(out), "--wait", "2"]
    runs = [
        subprocess.Popen(MICROQUEST + args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    results = [(run.returncode, stdout, stderr) for run, (stdout, stderr) in zip(runs, outputs, strict=True)]
    assert [code for code, _, _ in results] == [0, 0], results
    summaries = sorted(stdout.splitlines()[-1] for _, stdout, _ in results)
    assert summaries == [
        "60 learners seen, 0 newly awarded, 60 already awarded, 0 not yet eligible",
        "60 learners seen, 60 newly awarded, 0 already awarded, 0 not yet eligible",
    ]
    assert_files_are_the_ledger(out, ledger, verify=False)


# -- microquest credentials export ----------------------------------------------------------------


@pytest.fixture
def awarded(tmp_path) -> tuple[Path, Path]:
    """A ledger with three awards (Cvetka's revoked) and the folder the award run wrote."""
    statements = write_jsonl(
        tmp_path / "s.jsonl", everything(mbox("ana")) + everything(mbox("bojan")) + everything(mbox("cvetka"))
    )
    ledger, out = tmp_path / "l.sqlite", tmp_path / "issued"
    assert award("--statements", str(statements), "--ledger", str(ledger), "--out", str(out)).exit_code == 0
    with Ledger(ledger) as opened:
        cvetka = next(a.id for a in opened.awards() if a.person == "mbox:mailto:cvetka@example.si")
        opened.revoke(cvetka, "awarded by mistake")
    return ledger, out


def test_export_rewrites_every_credential_exactly_as_issued_but_the_revoked(tmp_path, awarded):
    ledger, issued = awarded
    with Ledger(ledger) as opened:
        revoked = next(a.id for a in opened.awards() if a.revoked)
    before = dump(ledger)
    result = invoke("credentials", "export", "--content", str(CONTENT), "--out", "again", "--ledger", str(ledger))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote 2 credential(s) to again/",
        f"1 revoked credential(s) not written: {revoked}",
    ]
    again = credential_files(tmp_path / "again")
    assert len(again) == 4
    for path in again:
        assert path.read_bytes() == (issued / path.name).read_bytes()
    assert dump(ledger) == before


@pytest.mark.parametrize("learner", ["ana@example.si", "mailto:ana@example.si", "mbox:mailto:ana@example.si"])
def test_export_of_one_learner_writes_only_theirs(tmp_path, awarded, learner):
    ledger, _ = awarded
    with Ledger(ledger) as opened:
        ana = next(a.id for a in opened.awards() if a.person == "mbox:mailto:ana@example.si")
    result = invoke(
        "credentials",
        "export",
        "--content",
        str(CONTENT),
        "--learner",
        learner,
        "--out",
        "one",
        "--ledger",
        str(ledger),
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in credential_files(tmp_path / "one")] == [
        f"{file_stem(ana)}.json",
        f"{file_stem(ana)}.svg",
    ]
    by_id = invoke(
        "credentials", "export", "--content", str(CONTENT), "--learner", ana, "--out", "by-id", "--ledger", str(ledger)
    )
    assert by_id.stdout == "wrote 1 credential(s) to by-id/\n"


def test_export_of_an_unknown_learner_or_without_a_ledger_is_one_line(tmp_path, awarded):
    ledger, _ = awarded
    result = invoke(
        "credentials",
        "export",
        "--content",
        str(CONTENT),
        "--learner",
        "nobody@example.si",
        "--out",
        "x",
        "--ledger",
        str(ledger),
    )
    assert result.exit_code == 1
    assert result.stderr == f"error: {ledger}: no award for 'nobody@example.si'\n"
    assert not (tmp_path / "x").exists()
    missing = tmp_path / "none.sqlite"
    result = invoke("credentials", "export", "--content", str(CONTENT), "--out", "x", "--ledger", str(missing))
    assert result.exit_code == 1
    assert result.stderr == f"error: {missing}: no ledger here (`award` creates it)\n"
    assert not missing.exists()
