"""`microquest report`: each learner's progress and award state, from the ledger.

As a terminal table, a CSV file, and a self-contained HTML page (inline CSS and
SVG chart, no script, no external request). The ledger's progress snapshot is
the one the last `microquest award` run saved.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from xapi.agents import agent_of_key
from xapi.award.ledger import Award, Ledger, LedgerError

from .awarding import AwardError, course_credential, course_criteria
from .model import Course
from .render import environment


@dataclass(frozen=True)
class Column:
    label: str  # the requirement's label in the ledger: "activity:u3-a1"
    heading: str  # what a provider reads: "3.1", "canvas U3/C1"
    title: str


@dataclass(frozen=True)
class Row:
    person: str
    name: str
    identifier: str
    met: tuple[bool, ...]
    award: Award | None

    @property
    def done(self) -> int:
        return sum(self.met)

    @property
    def state(self) -> str:
        if self.award is None:
            return "eligible" if all(self.met) else "in progress"
        return f"revoked ({self.award.revoked})" if self.award.revoked else "awarded"


@dataclass(frozen=True)
class ProviderReport:
    title: str
    credential: str
    version: int
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state.startswith(state))

    def met_per_column(self) -> list[int]:
        return [sum(r.met[i] for r in self.rows) for i in range(len(self.columns))]


def columns_of(course: Course, labels: list[str]) -> tuple[Column, ...]:
    activities = {a.id: a for a in course.activities}
    canvases = {c.id: c for c in course.canvases}
    units = {u.id: u for u in course.units}
    columns = []
    for label in labels:
        kind, _, id_ = label.partition(":")
        if kind == "activity" and id_ in activities:
            columns.append(Column(label, activities[id_].number, f"{activities[id_].number} {activities[id_].title}"))
        elif kind == "canvas" and id_ in canvases:
            canvas = canvases[id_]
            columns.append(Column(label, canvas.code or id_, f"{canvas.code} {canvas.title}".strip()))
        elif kind == "unit" and id_ in units:
            columns.append(Column(label, f"U{units[id_].number}", units[id_].title))
        else:
            columns.append(Column(label, id_, label))
    return tuple(columns)


def provider_report(content_dir: Path, ledger_path: Path) -> ProviderReport:
    """The report of the content's credential from the ledger (AwardError if there is no ledger)."""
    course, credential = course_credential(content_dir)
    labels = [r.label for r in course_criteria(course, credential).requirements]
    if not Path(ledger_path).is_file():
        raise AwardError(f"{ledger_path}: no ledger yet; run `microquest award` first")
    try:
        with Ledger(ledger_path) as ledger:
            progress = ledger.progress(credential.id, credential.version)
            awards = {a.person: a for a in ledger.awards(credential.id, credential.version)}
            agents = ledger.agents()
    except LedgerError as error:
        raise AwardError(str(error)) from None
    rows = []
    for person in sorted(set(progress) | set(awards)):
        agent = agents.get(person) or agent_of_key(person)
        met = progress.get(person, {})
        rows.append(
            Row(
                person,
                agent.get("name", ""),
                person.partition(":")[2],
                tuple(met.get(label, False) for label in labels),
                awards.get(person),
            )
        )
    return ProviderReport(
        credential.elements.get("title", course.title),
        credential.id,
        credential.version,
        columns_of(course, labels),
        tuple(rows),
    )


def as_table(report: ProviderReport) -> str:
    """A terminal table: one line per learner, ✓ per requirement met, then the legend of the columns."""
    numbers = [str(i + 1) for i in range(len(report.columns))]
    name_width = max([len("learner"), *(len(r.name or r.identifier) for r in report.rows)])
    cell = max(len(n) for n in numbers) if numbers else 1
    header = f"{'learner':<{name_width}}  " + " ".join(f"{n:>{cell}}" for n in numbers) + "  done   state"
    lines = [header, "-" * len(header)]
    for row in report.rows:
        marks = " ".join(f"{'✓' if met else '·':>{cell}}" for met in row.met)
        lines.append(
            f"{(row.name or row.identifier):<{name_width}}  {marks}  {row.done:>2}/{len(row.met):<2}  {row.state}"
        )
    lines.append("")
    lines += [f"{n:>{cell}} {c.title}" for n, c in zip(numbers, report.columns, strict=True)]
    lines.append("")
    lines.append(
        f"{len(report.rows)} learners: {report.count('awarded')} awarded, {report.count('eligible')} eligible, "
        f"{report.count('in progress')} in progress, {report.count('revoked')} revoked"
    )
    return "\n".join(lines) + "\n"


def as_csv(report: ProviderReport) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["learner", "name", "done", "total", *(c.label for c in report.columns), "state", "credential id", "awarded at"]
    )
    for row in report.rows:
        writer.writerow(
            [
                row.identifier,
                row.name,
                row.done,
                len(row.met),
                *(int(m) for m in row.met),
                row.state,
                row.award.id if row.award else "",
                row.award.awarded_at if row.award else "",
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class ChartBar:
    heading: str
    title: str
    count: int
    y: int
    text_y: int
    width: int
    count_x: int


@dataclass(frozen=True)
class Cell:
    css_class: str  # "met" or "missing"
    mark: str


@dataclass(frozen=True)
class RowView:
    name: str
    identifier: str
    cells: tuple[Cell, ...]
    done: str  # "21/22"
    state: str
    state_class: str  # "awarded", "eligible", "in", "revoked": the state's first word
    awarded_at: str


def chart(report: ProviderReport, label_width: int = 120, bar_space: int = 360) -> dict[str, object]:
    """The SVG bar chart's geometry: one bar per requirement, as long as the share of learners who met it."""
    most = max([1, len(report.rows)])
    bars = []
    for index, (column, count) in enumerate(zip(report.columns, report.met_per_column(), strict=True)):
        y, width = 8 + index * 22, round(bar_space * count / most)
        bars.append(ChartBar(column.heading, column.title, count, y, y + 13, width, label_width + width + 4))
    return {
        "bars": bars,
        "label_width": label_width,
        "heading_x": label_width - 6,
        "width": label_width + bar_space + 40,
        "height": 16 + 22 * len(bars),
    }


def row_view(row: Row) -> RowView:
    cells = tuple(Cell("met", "✓") if met else Cell("missing", "·") for met in row.met)
    awarded_at = row.award.awarded_at if row.award else ""
    return RowView(
        row.name, row.identifier, cells, f"{row.done}/{len(row.met)}", row.state, row.state.split(" ")[0], awarded_at
    )


def as_html(report: ProviderReport) -> str:
    """A self-contained page: inline CSS and SVG, no script, nothing fetched."""
    counts = {
        "learners": len(report.rows),
        "awarded": report.count("awarded"),
        "eligible": report.count("eligible"),
        "in_progress": report.count("in progress"),
        "revoked": report.count("revoked"),
    }
    return (
        environment()
        .get_template("report/report.html.j2")
        .render(report=report, counts=counts, chart=chart(report), rows=[row_view(r) for r in report.rows])
    )
