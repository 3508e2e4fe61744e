"""`microquest report`: progress and award state as a table, CSV and a self-contained HTML page."""

from __future__ import annotations

import csv

from click.testing import CliRunner
from lxml import html

from builder.awarding import award_from_content
from builder.cli import main
from tests.project import CONTENT
from tests.xapi.award.helpers import everything, mbox, write_jsonl
from tests.xapi.award.test_award import issue
from xapi.award.ledger import Ledger


def ledger_with_a_class(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    statements = everything(mbox("ana")) + everything(mbox("bojan"), skip_canvases=["needs"])
    statements += everything(mbox("cvetka"))
    run = award_from_content(
        CONTENT, statements=[write_jsonl(tmp_path / "s.jsonl", statements)], ledger=ledger, issue=issue
    )
    cvetka = next(a for a in run.outcome.new if a.person == "mbox:mailto:cvetka@example.si")
    with Ledger(ledger) as opened:
        opened.revoke(cvetka.id, "duplicate enrolment")
    return ledger


def invoke(*args):
    return CliRunner().invoke(main, ["report", "--content", str(CONTENT), *args])


def test_report_table_shows_each_learner_per_requirement_and_their_award_state(tmp_path):
    result = invoke("--ledger", str(ledger_with_a_class(tmp_path)))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ana = next(line for line in lines if line.startswith("Ana "))
    bojan = next(line for line in lines if line.startswith("Bojan "))
    cvetka = next(line for line in lines if line.startswith("Cvetka "))
    assert ana.count("✓") == 22 and ana.endswith("22/22  awarded")
    assert bojan.count("·") == 1 and bojan.endswith("21/22  in progress")
    assert cvetka.endswith("revoked (duplicate enrolment)")
    assert "17 U3/C1 Pristop, ki temelji na potrebah" in lines
    assert lines[-1] == "3 learners: 1 awarded, 0 eligible, 1 in progress, 1 revoked"


def test_report_csv_has_one_row_per_learner_and_a_column_per_requirement(tmp_path):
    ledger = ledger_with_a_class(tmp_path)
    assert invoke("--ledger", str(ledger), "--csv", str(tmp_path / "r.csv")).exit_code == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r["learner"] for r in rows] == [
        "mailto:ana@example.si",
        "mailto:bojan@example.si",
        "mailto:cvetka@example.si",
    ]
    assert rows[1]["canvas:needs"] == "0" and rows[1]["activity:u1-a1"] == "1"
    assert rows[0]["state"] == "awarded" and rows[0]["credential id"].startswith("urn:uuid:")


def test_report_html_is_self_contained_with_a_chart(tmp_path):
    ledger = ledger_with_a_class(tmp_path)
    assert invoke("--ledger", str(ledger), "--html", str(tmp_path / "r.html")).exit_code == 0
    page = html.fromstring((tmp_path / "r.html").read_bytes())
    assert page.xpath("//svg//rect")
    assert not page.xpath("//script | //link | //img | //iframe")
    assert not [v for v in page.xpath("//@src | //@href") if v.startswith(("http:", "https:", "//"))]
    assert len(page.xpath("//tbody/tr")) == 3


def test_report_without_a_ledger_says_to_award_first(tmp_path):
    result = invoke("--ledger", str(tmp_path / "none.sqlite"))
    assert result.exit_code == 1
    assert "no ledger yet; run `microquest award` first" in result.output


def test_report_html_escapes_what_learners_call_themselves(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    actor = {"objectType": "Agent", "name": "O'Brien & <b>Co</b>", "mbox": "mailto:obrien@example.si"}
    statements = write_jsonl(tmp_path / "s.jsonl", everything(actor))
    award_from_content(CONTENT, statements=[statements], ledger=ledger, issue=issue)
    assert invoke("--ledger", str(ledger), "--html", str(tmp_path / "r.html")).exit_code == 0
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "O&#39;Brien &amp; &lt;b&gt;Co&lt;/b&gt;" in text
    page = html.fromstring(text.encode("utf-8"))
    assert page.xpath("//tbody//td[@class='learner']")[0].text == "O'Brien & <b>Co</b>"
    assert not page.xpath("//tbody//b")
