"""`microquest award` and `microquest report` as library calls: the content's credential, the sources, the ledger.

The content gives the criteria, the base IRI, the SCO titles of the Moodle report
and which activity hosts which canvas; xapi/ does the rest and never sees the
model. Errors from sources, the people file, the LRS and the ledger become
AwardError, which the command line prints as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TYPE_CHECKING

from xapi.agents import Identities, People, PeopleFileError, load_people
from xapi.award.criteria import Criteria, CriteriaError, compile_criteria
from xapi.award.ledger import Issue, LedgerError, read_position
from xapi.award.moodle_report import MoodleCourse, read_moodle_report
from xapi.award.run import AwardRun, InputWarnings, evaluate_sources, record_award
from xapi.award.sources import Batch, SourceReadError, lrs_source_key, read_lrs, read_statements_file
from xapi.iris import Iris

from .build import check
from .errors import MicroquestError
from .formats.scorm import sco_title, unit_title
from .model import Course, Credential

if TYPE_CHECKING:
    from .credential_files import CredentialViews

DEFAULT_LEDGER = Path("microquest-ledger.sqlite")
DEFAULT_WAIT = 30.0  # seconds a run waits while another holds the ledger's write lock


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
    """SCO titles as Moodle shows them (and the ids themselves) -> the activities they play; each activity's canvas.

    The single-SCO SCORM 2004 package's one SCO is titled as the course (or, split, as the unit).
    """
    titles: dict[str, tuple[str, ...]] = {}
    for activity in course.activities:
        titles[sco_title(activity)] = (activity.id,)
        titles.setdefault(activity.id, (activity.id,))
    titles.setdefault(course.title, tuple(a.id for a in course.activities))
    for unit in course.units:
        titles.setdefault(unit_title(unit), tuple(a.id for a in unit.activities))
    canvases = {a.id: a.canvas_id for a in course.activities if a.canvas_id}
    return MoodleCourse(Iris(course.base_iri), titles, canvases)


class IssuerIdentityError(AwardError):
    """No usable provider identity beside the issuer key: nothing is signed until the provider sets one."""


def signed_issue(
    course: Course,
    credential: Credential,
    keys: Path | None,
    revocation_list: str | None,
    status_list: str | None = None,
) -> Issue:
    """The ledger's `issue`: a signed Open Badges 3.0 credential, with the issuer key of `keys` and the
    provider's identity kept beside it; AwardError (IssuerIdentityError without an identity) before anything is read."""
    from credentials.issue import issuer_function
    from credentials.issuer import IssuerError, load_identity
    from credentials.keys import KeyFileError, load_key

    try:
        key = load_key(keys)
    except KeyFileError as error:
        raise AwardError(str(error)) from None
    try:
        identity = load_identity(keys)
    except IssuerError as error:
        raise IssuerIdentityError(str(error)) from None
    try:
        return issuer_function(
            course, credential, key, identity=identity, revocation_list=revocation_list, status_list=status_list
        )
    except ValueError as error:
        raise AwardError(str(error)) from None


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


@dataclass(frozen=True)
class ContentAwardRun(AwardRun):
    """An award run of the content's credential, with the credential files it wrote."""

    restored: tuple[str, ...] = ()  # ids of earlier awards whose missing files this run wrote first
    written: tuple[str, ...] = ()  # ids of this run's new awards whose files it wrote


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
    status_list: str | None = None,
    credentials_out: Path | None = None,
    now: str | None = None,
    strict: bool = False,
    wait: float = DEFAULT_WAIT,
) -> ContentAwardRun:
    """Read the sources, evaluate the content's criteria, and award in the ledger (one short transaction).

    Each new credential is signed with the issuer key of `keys`, in the name of the
    provider's identity kept beside it (unless `issue` is given), outside the ledger's
    write lock; none is signed without that identity (IssuerIdentityError). With
    `status_list` (a URL), each names its own index in the W3C Bitstring Status List
    published there; with `revocation_list` (a URL), the 1EdTech Revocation List. With `credentials_out`, the files are
    views of the ledger: first every earlier award whose files are missing there is
    written, then, once the ledger holds them, the new ones (JSON and a baked SVG).
    Warnings (a Moodle column that is no SCO of the course, people sets that share an
    identifier, two different statements with one id) are returned in the run; with
    `strict` they stop it before anything is written. `wait`: seconds to wait while
    another run holds the ledger.
    """
    from .credential_files import prepare_folder, restore_credentials, write_credentials

    course, credential = course_credential(content_dir)
    issue = issue or signed_issue(course, credential, keys, revocation_list, status_list)
    criteria = course_criteria(course, credential)
    try:
        people_file = load_people(people) if people else People(Identities())
    except PeopleFileError as error:
        raise AwardError(str(error)) from None
    batches = read_sources(
        course, statements=statements, moodle_reports=moodle_reports, moodle_site=moodle_site, lrs=lrs, ledger=ledger
    )
    try:
        evaluated = evaluate_sources(criteria, batches, people_file.identities, people_file.warnings)
        if strict and evaluated.warnings:
            raise InputWarnings(evaluated.warnings)
        restored: list[str] = []
        if credentials_out is not None:
            views = credential_views(course, credential, keys)
            prepare_folder(Path(credentials_out))
            if Path(ledger).is_file():
                restored = restore_credentials(ledger, Path(credentials_out), views, wait=wait).written
        run = record_award(
            ledger, evaluated, credential.id, credential.version, issue, now=now, strict=strict, wait=wait
        )
    except InputWarnings as error:
        raise AwardWarnings(error.warnings) from None
    except (SourceReadError, LedgerError) as error:
        raise AwardError(str(error)) from None
    written: list[str] = []
    if credentials_out is not None and run.outcome.new:
        try:
            written = write_credentials(Path(credentials_out), run.outcome.new, views)
        except AwardError as error:
            count = len(run.outcome.new)
            error.changed = (
                f"{count} new award{'s are' if count != 1 else ' is'} recorded in {ledger}: "
                "the next award run writes the missing files"
            )
            raise
    fields = {f.name: getattr(run, f.name) for f in dataclass_fields(AwardRun)}
    return ContentAwardRun(**fields, restored=tuple(restored), written=tuple(written))


class AwardWarnings(AwardError):
    """A strict run's warnings: each is one problem; nothing was written."""

    def __init__(self, warnings: Sequence[object]) -> None:
        self.problems = [str(w) for w in warnings]
        super().__init__("; ".join(self.problems))


def credential_views(course: Course, credential: Credential, keys: Path | None) -> CredentialViews:
    """The files of each award: with the learner's page, and the Europass export when the provider's identity
    (beside the key) has its legal identifier."""
    from credentials.issuer import IssuerError, load_identity

    from .credential_files import CredentialViews

    try:
        identity = load_identity(keys)
    except IssuerError:
        identity = None
    return CredentialViews(course, credential, identity)
