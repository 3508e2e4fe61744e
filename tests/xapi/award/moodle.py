"""Moodle SCORM report downloads, written exactly as Moodle writes them.

Layout from moodle/moodle mod/scorm/report/basic/classes/report.php and
mod/scorm/report/interactions/classes/report.php (display(), `$download == 'CSV'`,
the "Download in text format" button), strings from mod/scorm/lang/en/scorm.php and
mod/scorm/report/interactions/lang/en/scormreport_interactions.php, and the writer
lib/csvlib.class.php `csv_export_writer("tab")`, i.e. PHP fputcsv with a tab, '"'
and "\n" after each row:

    Name | identity fields | Attempt | Started on | Last accessed on | Score | <SCO title> …
    (interactions report:) … | Question 0 | Response 0 | Question 1 | Response 1 …

where each row of the interactions report follows every SCO's cell with that SCO's
interaction cells (so rows of a multi-SCO package are longer than the header).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from builder.formats.scorm import sco_title
from tests.xapi.award.helpers import COURSE

SCOS = [sco_title(a) for a in COURSE.activities]
ACTIVITY_IDS = [a.id for a in COURSE.activities]
STARTED = "Monday, 2 March 2026, 10:15 AM"  # userdate() with the default strftimedatetime
FINISHED = "Tuesday, 3 March 2026, 4:40 PM"


def fputcsv(fields: Sequence[str], delimiter: str = "\t") -> str:
    """One line as PHP's fputcsv writes it: enclosed when a field holds a delimiter, quote, space, \\, CR or LF."""
    out = []
    for value in fields:
        if any(c in value for c in (delimiter, '"', "\\", "\n", "\r", "\t", " ")):
            value = '"' + value.replace('"', '""') + '"'
        out.append(value)
    return delimiter.join(out) + "\n"


@dataclass
class Attempt:
    statuses: dict[str, str] = field(default_factory=dict)  # activity id -> status string; others "Not attempted"
    interactions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # activity id -> [(id, response)]
    number: str = "1"


@dataclass
class Learner:
    name: str
    email: str
    username: str
    attempts: list[Attempt]


def report(
    learners: Sequence[Learner],
    *,
    identity: Sequence[str] = ("Email address",),
    interactions: int = 0,
    kinds: Sequence[str] = ("Question", "Response"),
) -> str:
    """A report download: the basic report ("Track details" = Yes) or, with interactions > 0, the interactions report."""
    headers = ["Name", *identity, "Attempt", "Started on", "Last accessed on", "Score", *SCOS]
    headers += [f"{kind} {n}" for n in range(interactions) for kind in kinds]
    lines = [fputcsv(headers)]
    for learner in learners:
        for attempt in learner.attempts:
            row = [learner.name]
            row += [
                {"Email address": learner.email, "Username": learner.username, "ID number": ""}[i] for i in identity
            ]
            row += [attempt.number, STARTED, FINISHED, "0"] if attempt.statuses else ["-", "-", "-", "-"]
            for activity in ACTIVITY_IDS:
                row.append(attempt.statuses.get(activity, "Not attempted"))
                if interactions:
                    recorded = attempt.interactions.get(activity, [])
                    for n in range(interactions):
                        question, response = recorded[n] if n < len(recorded) else ("", "")
                        row += [
                            {
                                "Question": question,
                                "Response": response,
                                "Right answer": "",
                                "Result": "neutral" if question else "",
                            }[k]
                            for k in kinds
                        ]
            lines.append(fputcsv(row))
    return "".join(lines)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
