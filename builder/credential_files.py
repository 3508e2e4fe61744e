"""Credential files: views of the ledger, never the record. The ledger keeps every signed credential.

Each award is written as `<stem>.json` (the signed Open Badges 3.0 credential), `<stem>.svg`
(the learner's badge with the credential baked in), `<stem>.html` (the learner's page) and,
when the provider's identity has a legal identifier, `<stem>.europass.jsonld` (the ELM export
for the provider's eIDAS seal in the Europass issuer). Every award run first writes the files
that are missing, so a run killed while writing loses nothing; `credentials export` writes
any or all of them again.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from credentials.issue import write_atomic
from xapi.agents import AgentError, agent_keys
from xapi.award.ledger import Award, Ledger, LedgerError

from .awarding import DEFAULT_WAIT, AwardError
from .model import Course, Credential


class CredentialViews:
    """How an award becomes files; the page and the Europass export need the course, the latter the provider."""

    def __init__(self, course: Course | None = None, credential: Credential | None = None, identity: Any = None):
        self.course, self.credential = course, credential
        self.europass = None
        if course is not None and credential is not None and identity is not None and identity.id_registration:
            from credentials.europass_check import ElmExporter

            self.europass = ElmExporter(course, credential, identity)

    def names(self, credential_id: str) -> list[str]:
        from credentials.issue import file_stem

        stem = file_stem(credential_id)
        names = [f"{stem}.json", f"{stem}.svg"]
        if self.course is not None:
            names.append(f"{stem}.html")
        if self.europass is not None:
            names.append(f"{stem}.europass.jsonld")
        return names

    def files(self, award: Award) -> dict[str, bytes]:
        from credentials.baking import badge_svg, credential_json

        names = self.names(award.id)
        files = {names[0]: credential_json(award.document).encode("utf-8"), names[1]: badge_svg(award.document)}
        europass_name = next((n for n in names if n.endswith(".europass.jsonld")), None)
        if self.europass is not None and europass_name:
            from credentials.europass import elm_json

            awarded_at = datetime.fromisoformat(award.awarded_at.replace("Z", "+00:00"))
            document = self.europass.export(award.agent, awarded_at, award.id)
            files[europass_name] = elm_json(document).encode("utf-8")
        if self.course is not None:
            from credentials.learner_page import learner_page

            from .render import environment

            page = learner_page(
                award.document,
                json_file=names[0],
                badge_file=names[1],
                europass_file=europass_name,
                environment=environment(),
            )
            files[names[2]] = page.encode("utf-8")
        return files


@dataclass(frozen=True)
class Export:
    """What `restore_credentials` / `export_credentials` did: ids written, revoked ids left out."""

    written: list[str]
    revoked: list[str]


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


def write_credentials(
    folder: Path, awards: Sequence[Award], views: CredentialViews, *, only_missing: bool = False
) -> list[str]:
    """Write each award's files (`views`), each file atomically: a temporary file, then a rename.

    With `only_missing`, an award whose files are all there is left alone. Returns the ids
    written; AwardError when the folder cannot be written.
    """
    written: list[str] = []
    try:
        prepare_folder(folder)
        with _folder_lock(folder):
            _remove_stale_temporary_files(folder)
            for award in awards:
                paths = [folder / name for name in views.names(award.id)]
                if only_missing and all(path.is_file() for path in paths):
                    continue
                for name, data in views.files(award).items():
                    write_atomic(folder / name, data)
                written.append(award.id)
    except OSError as error:
        raise _cannot_write(folder, error) from None
    return written


# write_credential's temporary files: `.<name>.tmp` beside `<name>`; prepare_folder's probes.
_TEMPORARY = re.compile(r"^\..+\.(json|svg|html|jsonld)\.tmp$|^\.microquest-.+\.tmp$")


def _remove_stale_temporary_files(folder: Path) -> None:
    """Temporary files a killed run left (under the folder lock, so no other run is writing them)."""
    for entry in os.scandir(folder):
        if _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)


def restore_credentials(ledger: Path, folder: Path, views: CredentialViews, *, wait: float = DEFAULT_WAIT) -> Export:
    """Write every award of the ledger whose files are missing in `folder` (revoked ones are left out)."""
    try:
        with Ledger(ledger, timeout=wait) as opened, opened.snapshot():
            ids = opened.award_ids()
            missing = {
                id_
                for id_, revoked in ids
                if not revoked and not all((folder / name).is_file() for name in views.names(id_))
            }
            awards = [a for a in opened.awards() if a.id in missing] if missing else []
    except LedgerError as error:
        raise AwardError(str(error)) from None
    written = write_credentials(folder, awards, views, only_missing=True) if awards else []
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
    ledger: Path, folder: Path, views: CredentialViews, *, learners: Sequence[str] = (), wait: float = DEFAULT_WAIT
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
    written = write_credentials(folder, [a for a in chosen if a.revoked is None], views)
    return Export(written, revoked)
