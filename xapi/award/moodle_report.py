"""Moodle's SCORM report download as a source: completions and canvas submissions per Moodle user.

A report row is no statement; each completed SCO and each canvas whose answers the
interactions report shows becomes a statement-shaped record (a fixed id per learner,
verb and object), so the same evaluation and ledger apply and re-runs count it once.
"""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..agents import account_key, agent_keys, normal_home_page
from ..input_warning import InputWarning
from ..iris import Iris
from .criteria import COMPLETED, SUBMITTED
from .sources import Batch, SourceReadError

# -- Moodle SCORM reports -------------------------------------------------------------------
#
# The layout, from moodle/moodle mod/scorm/report/basic/classes/report.php and
# mod/scorm/report/interactions/classes/report.php (display(), $download == 'CSV'):
# "Download in text format" writes `csv_export_writer("tab")` (lib/csvlib.class.php:
# PHP fputcsv, tab-separated, '"' enclosure, "\n" after every row) to
# "<course> <activity>-<YYYYMMDD_HHMM>-tab_separated.txt". Columns, in order:
#   Name | the site's identity fields (showuseridentity: "Email address", "Username",
#   "ID number" …) | Attempt | Started on | Last accessed on | Score | one column per SCO,
#   headed by its title (basic report: only with "Track details" = Yes)
# and, in the interactions report, then for each interaction n = 0 … count-1 those of
#   Question n | Response n | Right answer n | Result n
# the report settings show (default: Response only). A SCO cell holds the raw score
# ("80" or "80/100") when there is one, else the status string (mod/scorm/lang/en:
# Passed, Completed, Incomplete, Failed, Browsed, Not attempted). In the interactions
# report every *row* puts that SCO's interaction cells right after each SCO's cell, so
# a package with several SCOs has rows longer than the header:
#   fixed + SCOs × (1 + interaction columns).
# Values pass through s() (HTML-escaped); a learner with no attempt has "-" in the four
# attempt columns. Our SCOs report no score, so their cells hold the status.

MOODLE_STATUSES = {
    "passed": True,
    "completed": True,
    "incomplete": False,
    "failed": False,
    "browsed": False,
    "not attempted": False,
    "notattempted": False,
    "unknown": False,
    "suspended": False,
}
_SCORE = re.compile(r"^-?\d+(\.\d+)?(/-?\d+(\.\d+)?)?$")
_INTERACTION_COLUMN = re.compile(r"^(Question|Response|Right answer|Result) (\d+)$")
EMAIL_HEADERS = {"email address", "email", "e-mail"}
USERNAME_HEADERS = {"username"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
FIXED_AFTER_IDENTITY = ("Attempt", "Started on", "Last accessed on", "Score")


@dataclass(frozen=True)
class MoodleCourse:
    """What a report's SCO columns mean: SCO title (or id) -> the activities it plays, and each activity's canvas.

    One activity per SCO in the SCORM 1.2 and multi-SCO 2004 packages; every activity of the
    course (or of its unit, when split) for the single-SCO 2004 package, whose one SCO is
    completed when all its activities are.
    """

    iris: Iris
    sco_activities: Mapping[str, tuple[str, ...]]
    canvas_of_activity: Mapping[str, str]


def _clean(value: str) -> str:
    # s() and format_string() HTML-escape; the table may re-wrap long titles.
    return " ".join(html.unescape(value).split())


def read_moodle_report(path: Path, site: str, course: MoodleCourse) -> Batch:
    """Completions (and canvas submissions) from a Moodle SCORM report download (basic or interactions).

    Learners are Moodle users: `account` {homePage: site, name: username} and, where
    the report has an email column, also `mbox`; both are the same person.
    """
    path = Path(path)
    if not re.match(r"^https?://[^/\s]+", site or ""):
        raise SourceReadError(str(path), 0, "", f"the Moodle site must be its address (https://…), found {site!r}")
    site = normal_home_page(site)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceReadError(str(path), 0, "", f"cannot read the report: {error.strerror or error}") from None
    if raw[:2] == b"PK":
        raise SourceReadError(
            str(path), 0, "", "this is a spreadsheet (ODS/Excel); download the report in text format instead"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceReadError(str(path), line, "", "expected UTF-8 text, as Moodle writes it") from None
    if not text.strip():
        raise SourceReadError(str(path), 1, "", "expected a Moodle SCORM report, found an empty file")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line else (";" if first_line.count(";") > first_line.count(",") else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise SourceReadError(
            str(path), reader.line_num, "", f"expected a well-formed report row: {error} (is the file cut short?)"
        ) from None
    if not text.endswith(("\n", "\r")):
        raise SourceReadError(
            str(path),
            rows[-1][0],
            "",
            "the last row has no line break: Moodle ends every row with one, so the download was cut short",
        )
    batch = Batch(str(path), [], locate=lambda index: "")
    headers = [_clean(h) for h in rows[0][1]]
    layout = _report_layout(str(path), rows[0][0], headers, [r for _, r in rows[1:]], course, batch.warnings)
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        _report_row(batch, str(path), line, row, layout, site, course)
    if not batch.agents:
        raise SourceReadError(str(path), rows[0][0], "", "the report lists no learner")
    return batch


@dataclass(frozen=True)
class _Layout:
    headers: list[str]
    first_sco: int
    activities: tuple[tuple[str, ...] | None, ...]  # the activities of each SCO column (None: not this course's)
    per_sco: int  # cells per SCO in a row: 1 + interaction cells
    interaction_kinds: tuple[str, ...]  # kind of each interaction cell, in order
    email: int | None
    username: int | None

    @property
    def row_length(self) -> int:
        return self.first_sco + len(self.activities) * self.per_sco


def _report_layout(
    path: str, line: int, headers: list[str], rows: list[list[str]], course: MoodleCourse, warnings: list[InputWarning]
) -> _Layout:
    known = {_clean(title): activity for title, activity in course.sco_activities.items()}
    first = next((i for i, h in enumerate(headers) if h in known), None)
    if first is None:
        raise SourceReadError(
            path,
            line,
            "",
            "no column is a SCO of this course: download the basic report with 'Track details' set to Yes, "
            "or the interactions report, in text format",
        )
    first = _first_sco_column(headers, rows, first)
    if first < 1 + len(FIXED_AFTER_IDENTITY):
        raise SourceReadError(
            path,
            line,
            "",
            f"expected Name, the identity fields, {', '.join(FIXED_AFTER_IDENTITY)} before the SCO columns",
        )
    activities: list[tuple[str, ...] | None] = []
    kinds: list[str] = []
    indices: set[int] = set()
    for column, header in enumerate(headers[first:], first):
        interaction = _INTERACTION_COLUMN.match(header)
        if interaction:
            kinds.append(interaction.group(1))
            indices.add(int(interaction.group(2)))
        elif kinds:
            raise SourceReadError(
                path, line, f"column {column + 1}", f"expected an interactions column, found {header!r}"
            )
        elif header in known:
            activities.append(known[header])
        else:
            # A SCO this course does not have (another package, or a title since changed): its
            # cells are read past, and the run says so instead of dropping them unseen.
            activities.append(None)
            warnings.append(
                InputWarning(
                    path,
                    line,
                    f"column {column + 1}",
                    f"{header!r} is not a SCO of this course, so its completions are not counted",
                )
            )
    if kinds and len(kinds) != len(set(kinds)) * len(indices):
        raise SourceReadError(path, line, "", "the interactions columns are incomplete (is the header cut short?)")
    identity = [h.lower() for h in headers[1 : first - len(FIXED_AFTER_IDENTITY)]]
    email = next((i + 1 for i, h in enumerate(identity) if h in EMAIL_HEADERS), None)
    username = next((i + 1 for i, h in enumerate(identity) if h in USERNAME_HEADERS), None)
    if email is None:
        # A site in another language names the column in its language: an identity column
        # holding nothing but addresses is the email column.
        email = next(
            (
                column
                for column in range(1, first - len(FIXED_AFTER_IDENTITY))
                if any(row[column].strip() for row in rows if len(row) > column)
                and all(_EMAIL.match(_clean(row[column])) for row in rows if len(row) > column and row[column].strip())
            ),
            None,
        )
    if email is None and username is None:
        raise SourceReadError(
            path,
            line,
            "",
            "expected an 'Email address' or 'Username' column to identify learners "
            "(Site administration > Users > Permissions > User policies > Show user identity)",
        )
    return _Layout(headers, first, tuple(activities), 1 + len(kinds), tuple(kinds), email, username)


def _report_row(
    batch: Batch, path: str, line: int, row: list[str], layout: _Layout, site: str, course: MoodleCourse
) -> None:
    if len(row) != layout.row_length:
        raise SourceReadError(
            path,
            line,
            "",
            f"expected {layout.row_length} columns as the header describes, found {len(row)} "
            "(is the file cut short, or not a Moodle SCORM report download?)",
        )
    name = _clean(row[0])
    email = _clean(row[layout.email]) if layout.email is not None else ""
    username = _clean(row[layout.username]) if layout.username is not None else ""
    agents: list[dict[str, Any]] = []
    if username:
        agents.append({"objectType": "Agent", "account": {"homePage": site, "name": username}})
    if email:
        agents.append({"objectType": "Agent", "mbox": f"mailto:{email}"})
    if not agents:
        raise SourceReadError(path, line, "", "expected the learner's email address or username, found neither")
    for agent in agents:
        if name:
            agent["name"] = name
        try:
            keys = agent_keys(agent)
        except ValueError as error:
            raise SourceReadError(path, line, layout.headers[layout.email or 0], str(error)) from None
        batch.agents.setdefault(keys[0], agent)
    learner = agents[0]
    if len(agents) > 1:
        batch.aliases.append((account_key(site, username), agent_keys(agents[1])[0]))
    learner_key = agent_keys(learner)[0]
    for number, played in enumerate(layout.activities):
        if played is None:
            continue  # not this course's SCO: the layout's warning names the column
        column = layout.first_sco + number * layout.per_sco
        status = _clean(row[column])
        done = MOODLE_STATUSES.get(status.lower())
        if done is None and not _SCORE.match(status) and status not in ("", "-"):
            raise SourceReadError(
                path,
                line,
                f"column {column + 1} ({layout.headers[layout.first_sco + number]})",
                "expected a SCORM status (Completed, Passed, Incomplete, Failed, Browsed, Not attempted) "
                f"or a score, found {status!r}",
            )
        interactions = row[column + 1 : column + layout.per_sco]
        for activity in played:
            if done:
                batch.statements.append(_made(learner, learner_key, COMPLETED, course.iris.activity(activity), site))
            canvas = course.canvas_of_activity.get(activity)
            # In a SCO that plays several activities, only an interaction named for the activity says whose it is.
            by_id_only = len(played) > 1
            if canvas and _has_interactions(interactions, layout.interaction_kinds, activity, by_id_only):
                batch.statements.append(_made(learner, learner_key, SUBMITTED, course.iris.canvas(canvas), site))


def _first_sco_column(headers: list[str], rows: list[list[str]], first_known: int) -> int:
    """Where the SCO columns start: after Moodle's four fixed columns, even when the first SCOs are unknown.

    A SCO whose title this course does not know, placed before the first one it
    knows, would otherwise pass for an identity field. The fixed columns are found
    by their English headers; on a site in another language, by their cells: a
    column that holds SCORM statuses (and nothing but statuses, scores or "-") is a SCO.
    """
    fixed = list(FIXED_AFTER_IDENTITY)
    starts = [i for i in range(1, first_known) if headers[i : i + len(fixed)] == fixed]
    if starts:
        return starts[-1] + len(fixed)
    column = first_known
    while column - 1 > len(fixed) and _holds_statuses(rows, column - 1):
        column -= 1
    return column


def _holds_statuses(rows: list[list[str]], column: int) -> bool:
    cells = [_clean(row[column]) for row in rows if len(row) > column]
    values = [cell for cell in cells if cell not in ("", "-")]
    return any(value.lower() in MOODLE_STATUSES for value in values) and all(
        value.lower() in MOODLE_STATUSES or _SCORE.match(value) for value in values
    )


def _has_interactions(cells: list[str], kinds: tuple[str, ...], activity: str, by_id_only: bool = False) -> bool:
    """Whether the SCO recorded this canvas's answers: ids '<activity id>-<field>' (lms.js), else any response."""
    present = [(kind, _clean(cell)) for kind, cell in zip(kinds, cells, strict=True) if cell.strip()]
    ids = [value for kind, value in present if kind == "Question"]
    if ids:
        return any(value.startswith(f"{activity}-") for value in ids)
    return bool(present) and not by_id_only


def _made(learner: dict[str, Any], learner_key: str, verb: str, object_iri: str, site: str) -> dict[str, Any]:
    # A report row is no statement: this one stands for it so that the same evaluation
    # applies. Its id is fixed by learner, verb and object, so every attempt, every
    # re-download and every re-run count it once. The actor carries no name (the batch's
    # agents do): a name changed between two downloads does not make two statements differ.
    made_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{site}|moodle-scorm-report|{learner_key}|{verb}|{object_iri}")
    actor = {key: value for key, value in learner.items() if key != "name"}
    return {"id": str(made_id), "actor": actor, "verb": {"id": verb}, "object": {"id": object_iri}}
