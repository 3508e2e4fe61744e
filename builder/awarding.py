"""`microquest award` and `microquest report` as library calls: the content's credential, the sources, the ledger.

The content gives the criteria, the base IRI, the SCO titles of the Moodle report
and which activity hosts which canvas; xapi/ does the rest and never sees the
model. Errors from sources, the people file, the LRS and the ledger become
AwardError, which the command line prints as one line.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path

from xapi.agents import AgentError, Identities, People, PeopleFileError, agent_keys, load_people
from xapi.award.criteria import Criteria, CriteriaError, compile_criteria
from xapi.award.ledger import Issue, Ledger, LedgerError, read_position
from xapi.award.moodle_report import MoodleCourse, read_moodle_report
from xapi.award.run import AwardRun, InputWarnings, evaluate_sources, record_award
from xapi.award.sources import Batch, SourceReadError, lrs_source_key, read_lrs, read_statements_file
from xapi.iris import Iris

from .build import check
from .errors import MicroquestError
from .formats.scorm import sco_title
from .model import Course, Credential

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
    """SCO titles as Moodle shows them (and the ids themselves) -> activity ids; each activity's canvas."""
    titles: dict[str, str] = {}
    for activity in course.activities:
        titles[sco_title(activity)] = activity.id
        titles.setdefault(activity.id, activity.id)
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
            prepare_folder(Path(credentials_out))
            if Path(ledger).is_file():
                restored = restore_credentials(ledger, Path(credentials_out), wait=wait).written
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
            written = write_credentials(Path(credentials_out), [a.document for a in run.outcome.new])
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


# -- credential files: views of the ledger -------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """What `restore_credentials` / `export_credentials` did: ids written, revoked ids left out."""

    written: list[str]
    revoked: list[str]


def credential_paths(folder: Path, credential_id: str) -> list[Path]:
    """The files `credentials.issue.write_credential` writes for a credential: `<stem>.json` and `<stem>.svg`."""
    from credentials.issue import file_stem

    stem = file_stem(credential_id)
    return [folder / f"{stem}.json", folder / f"{stem}.svg"]


def _cannot_write(folder: Path, error: OSError) -> AwardError:
    return AwardError(f"cannot write the credentials to {folder}: {error.strerror or error}")


def prepare_folder(folder: Path) -> None:
    """Create the credentials folder if needed and check that a file can be written in it; AwardError if not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".microquest-", suffix=".tmp", dir=folder)
        os.close(handle)
        os.unlink(name)
    except OSError as error:
        raise _cannot_write(folder, error) from None


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself, so two runs never write one credential's temporary file at once."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, writes are still atomic
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def write_credentials(folder: Path, documents: Sequence[dict], *, only_missing: bool = False) -> list[str]:
    """Write each credential's JSON and baked SVG (each file atomically: a temporary file, then a rename).

    With `only_missing`, a credential whose files are all there is left alone. Returns
    the ids written; AwardError when the folder cannot be written.
    """
    from credentials.issue import write_credential

    written: list[str] = []
    try:
        prepare_folder(folder)
        with _folder_lock(folder):
            _remove_stale_temporary_files(folder)
            for document in documents:
                paths = credential_paths(folder, document["id"])
                if only_missing and all(path.is_file() for path in paths):
                    continue
                write_credential(folder, document)
                written.append(document["id"])
    except OSError as error:
        raise _cannot_write(folder, error) from None
    return written


# write_credential's temporary files: `.<name>.tmp` beside `<name>`; prepare_folder's probes.
_TEMPORARY = re.compile(r"^\..+\.(json|svg)\.tmp$|^\.microquest-.+\.tmp$")


def _remove_stale_temporary_files(folder: Path) -> None:
    """Temporary files a killed run left (under the folder lock, so no other run is writing them)."""
    for entry in os.scandir(folder):
        if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)


def restore_credentials(ledger: Path, folder: Path, *, wait: float = DEFAULT_WAIT) -> Export:
    """Write every award of the ledger whose files are missing in `folder` (revoked ones are left out)."""
    try:
        with Ledger(ledger, timeout=wait) as opened, opened.snapshot():
            ids = opened.award_ids()
            missing = [
                id_
                for id_, revoked in ids
                if not revoked and not all(p.is_file() for p in credential_paths(folder, id_))
            ]
            documents = opened.documents(missing)
    except LedgerError as error:
        raise AwardError(str(error)) from None
    written = write_credentials(folder, documents, only_missing=True) if documents else []
    return Export(written, [id_ for id_, revoked in ids if revoked])


def _learner_keys(value: str) -> set[str]:
    """The keys an identifier typed by a person may mean: a key as the ledger writes it, an address, an account name."""
    keys = {value}
    address = value if value.lower().startswith("mailto:") else f"mailto:{value}"
    try:
        keys.add(agent_keys({"mbox": address})[0])
    except AgentError:
        pass
    return keys


def export_credentials(
    ledger: Path, folder: Path, *, learners: Sequence[str] = (), wait: float = DEFAULT_WAIT
) -> Export:
    """Re-write the credentials of the ledger (all, or those of `learners`) to `folder`, from the signed documents.

    A learner is named by a credential id (or its file name), an identifier key as the
    ledger keeps it (`mbox:mailto:…`, `account:<site> <name>`), an email address, or a
    Moodle user name. Revoked credentials are not written. AwardError for a learner
    with no award, a missing ledger or a folder that cannot be written.
    """
    from credentials.issue import file_stem

    try:
        if not Path(ledger).is_file():
            raise LedgerError(f"{ledger}: no ledger here (`award` creates it)")
        with Ledger(ledger, timeout=wait) as opened, opened.snapshot():
            awards = opened.awards()
            keys_of = opened.award_keys()
    except LedgerError as error:
        raise AwardError(str(error)) from None
    chosen = awards
    if learners:
        unknown = []
        chosen_ids: set[str] = set()
        for learner in learners:
            wanted = _learner_keys(learner.strip())
            matches = {
                a.id
                for a in awards
                if a.id in wanted
                or file_stem(a.id) in wanted
                or wanted & {a.person, *keys_of.get(a.id, ())}
                or any(k.startswith("account:") and k.rpartition(" ")[2] in wanted for k in keys_of.get(a.id, ()))
            }
            if not matches:
                unknown.append(learner)
            chosen_ids |= matches
        if unknown:
            raise AwardError(f"{ledger}: no award for {', '.join(repr(u) for u in unknown)}")
        chosen = [a for a in awards if a.id in chosen_ids]
    revoked = [a.id for a in chosen if a.revoked is not None]
    written = write_credentials(folder, [a.document for a in chosen if a.revoked is None])
    return Export(written, revoked)
