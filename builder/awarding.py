"""`microquest award` and `microquest report` as library calls: the content's credential, the sources, the ledger.

The content gives the criteria, the base IRI, the SCO titles of the Moodle report
and which activity hosts which canvas; xapi/ does the rest and never sees the
model. Errors from sources, the people file, the LRS and the ledger become
AwardError, which the command line prints as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xapi.agents import Identities, PeopleFileError, load_people
from xapi.award.criteria import Criteria, CriteriaError, compile_criteria
from xapi.award.ledger import Issue, LedgerError, read_position
from xapi.award.moodle_report import MoodleCourse, read_moodle_report
from xapi.award.run import AwardRun, run_award
from xapi.award.sources import Batch, SourceReadError, lrs_source_key, read_lrs, read_statements_file
from xapi.iris import Iris

from .build import check
from .errors import MicroquestError
from .formats.scorm import sco_title
from .model import Course, Credential

DEFAULT_LEDGER = Path("microquest-ledger.sqlite")


class AwardError(MicroquestError):
    """Bad input for an award run or a report; the message already names file and line."""


@dataclass(frozen=True)
class LrsOptions:
    endpoint: str | None = None  # None: MICROQUEST_LRS_ENDPOINT / MICROQUEST_LRS_AUTH
    auth: str | None = None
    full: bool = False  # read everything, not from the last position
    timeout: float = 10  # seconds to wait for each answer of the LRS


def course_credential(content_dir: Path) -> tuple[Course, Credential]:
    course = check(Path(content_dir)).course
    if course.credential is None:
        raise AwardError(f"{content_dir}: no credential.yaml, so there is nothing to award")
    return course, course.credential


def course_criteria(course: Course, credential: Credential) -> Criteria:
    unit_activities = {u.id: [a.id for a in u.activities] for u in course.units}
    try:
        return compile_criteria(credential.criteria, course.base_iri, course.id, unit_activities)
    except CriteriaError as error:
        raise AwardError(f"{credential.source.path}: {error}") from None


def moodle_course(course: Course) -> MoodleCourse:
    """SCO titles as Moodle shows them (and the ids themselves) -> activity ids; each activity's canvas."""
    titles: dict[str, str] = {}
    for activity in course.activities:
        titles[sco_title(activity)] = activity.id
        titles.setdefault(activity.id, activity.id)
    canvases = {a.id: a.canvas_id for a in course.activities if a.canvas_id}
    return MoodleCourse(Iris(course.base_iri), titles, canvases)


def signed_issue(course: Course, credential: Credential, keys: Path | None, revocation_list: str | None) -> Issue:
    """The ledger's `issue`: a signed Open Badges 3.0 credential, with the issuer key of `keys`."""
    from credentials.issue import issuer_function
    from credentials.keys import KeyFileError, load_key

    try:
        key = load_key(keys)
    except KeyFileError as error:
        raise AwardError(str(error)) from None
    return issuer_function(course, credential, key, revocation_list=revocation_list)


def read_sources(
    course: Course,
    *,
    statements: Sequence[Path] = (),
    moodle_reports: Sequence[Path] = (),
    moodle_site: str | None = None,
    lrs: LrsOptions | None = None,
    ledger: Path = DEFAULT_LEDGER,
) -> list[Batch]:
    """Read every source completely (nothing is evaluated or written yet)."""
    if not statements and not moodle_reports and lrs is None:
        raise AwardError("no source of learners' records: name a statements file, a Moodle report or an LRS")
    if moodle_reports and not moodle_site:
        raise AwardError("a Moodle report needs the Moodle site's address (e.g. https://moodle.example.si)")
    try:
        batches = [read_statements_file(path) for path in statements]
        reports = moodle_course(course)
        batches += [read_moodle_report(path, moodle_site or "", reports) for path in moodle_reports]
        if lrs is not None:
            batches.append(read_lrs_source(lrs, ledger))
    except (SourceReadError, LedgerError) as error:
        raise AwardError(str(error)) from None
    return batches


def read_lrs_source(options: LrsOptions, ledger: Path) -> Batch:
    # Imported here: the client is only needed when an LRS is read.
    from xapi.lrs.client import LrsClient, LrsError, client_from_environment

    try:
        if options.endpoint:
            client = LrsClient(options.endpoint, options.auth or "", options.timeout)
        else:
            client = client_from_environment(options.timeout)
        since = None if options.full else read_position(ledger, lrs_source_key(client.endpoint))
        return read_lrs(client, since)
    except LrsError as error:
        raise AwardError(f"LRS: {error}") from None


def award_from_content(
    content_dir: Path,
    *,
    statements: Sequence[Path] = (),
    moodle_reports: Sequence[Path] = (),
    moodle_site: str | None = None,
    lrs: LrsOptions | None = None,
    people: Path | None = None,
    ledger: Path = DEFAULT_LEDGER,
    issue: Issue | None = None,
    keys: Path | None = None,
    revocation_list: str | None = None,
    credentials_out: Path | None = None,
    now: str | None = None,
) -> AwardRun:
    """Read the sources, evaluate the content's criteria, and award in the ledger (one transaction).

    Each new credential is signed with the issuer key of `keys` (unless `issue` is given)
    and, once the ledger has it, written to `credentials_out` as JSON and a baked SVG.
    """
    course, credential = course_credential(content_dir)
    issue = issue or signed_issue(course, credential, keys, revocation_list)
    criteria = course_criteria(course, credential)
    try:
        identities = load_people(people) if people else Identities()
    except PeopleFileError as error:
        raise AwardError(str(error)) from None
    batches = read_sources(
        course, statements=statements, moodle_reports=moodle_reports, moodle_site=moodle_site, lrs=lrs, ledger=ledger
    )
    try:
        run = run_award(
            ledger, criteria, credential.id, credential.version, batches, issue, identities=identities, now=now
        )
    except (SourceReadError, LedgerError) as error:
        raise AwardError(str(error)) from None
    if credentials_out is not None:
        # Written after the ledger has committed: a file never exists for an award that does not.
        from credentials.issue import write_credential

        for award in run.outcome.new:
            write_credential(Path(credentials_out), award.document)
    return run
