"""One award run: sources in, evaluation, credentials signed, the ledger updated in one short transaction.

Order matters for "bad input changes nothing": every batch is read (by
xapi/sources.py) and evaluated before the ledger is opened, so a malformed
statement or report stops the run with the ledger untouched; so does any warning
of a strict run. Then:

1. in a read snapshot of the ledger, the evidence of earlier runs joins the
   evaluation (the evaluator does not care in which order statements arrive), and
   the credentials of the newly eligible are signed, outside any write lock:
   signing takes ~50 ms a credential, and a concurrent run only waits for
   the short transaction below, never for the signing;
2. inside one `BEGIN IMMEDIATE` transaction the ledger is read again (another run
   may have awarded meanwhile), and the new evidence, voids, identifiers, read
   positions, progress and awards are written, with the credentials signed in
   step 1 (one that a concurrent change made necessary is signed here).

Warnings (input used only in part: see `InputWarning`) are returned with the run,
never printed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..agents import Identities
from ..input_warning import InputWarning
from .criteria import Criteria, Evaluation, Evaluator, Evidence, StatementError
from .ledger import AwardOutcome, Issue, Ledger, award, sign_unawarded, unawarded, utc_now
from .sources import Batch

# xAPI 1.0.3 Data §2.3 "Statement Comparison Requirements": these differ between copies of one statement.
NOT_COMPARED = frozenset({"id", "authority", "stored", "timestamp", "version", "attachments"})


class InputWarnings(ValueError):
    """A strict run's warnings, which stop it before the ledger is touched."""

    def __init__(self, warnings: Sequence[Any]) -> None:
        self.warnings = tuple(warnings)
        count = len(self.warnings)
        super().__init__(f"{count} warning{'' if count == 1 else 's'}: " + "; ".join(map(str, self.warnings)))


@dataclass(frozen=True)
class AwardRun:
    """What a run found and did: every person's evaluation, the award outcome, and what it warned about."""

    evaluations: tuple[Evaluation, ...]
    outcome: AwardOutcome
    statements: int  # statements (or report rows' completions) read in this run
    new_evidence: int  # of those, the ones that counted for the first time
    warnings: tuple[Any, ...] = ()  # InputWarning, InputWarning: each prints as `path:line: field: message`

    @property
    def summary(self) -> str:
        o = self.outcome
        return (
            f"{len(self.evaluations)} learner{'' if len(self.evaluations) == 1 else 's'} seen, {len(o.new)} newly awarded, "
            f"{len(o.already)} already awarded, {len(o.not_eligible)} not yet eligible"
        )


def _fingerprint(statement: dict[str, Any]) -> bytes:
    """Equal for copies of one statement: what xAPI compares, in a canonical form, hashed (8 bytes)."""
    comparable = {key: value for key, value in statement.items() if key not in NOT_COMPARED}
    text = json.dumps(comparable, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


class _Screen:
    """Statements streamed to the evaluator once, each id's first statement remembered by a fingerprint.

    A statement that reuses the id of a *different* statement read before it is left out,
    with a warning naming both places: the first one read counts. Copies of one
    statement (as an LRS re-read or a re-sent queue gives) differ at most in the
    properties xAPI leaves out of a comparison, and are no warning. Memory: one small
    entry per statement id, never the statements.
    """

    def __init__(self, batches: Sequence[Batch]) -> None:
        self.batches = batches
        self.first: dict[str, tuple[bytes, int, int]] = {}  # id -> (fingerprint, batch number, index)
        self.warnings: list[InputWarning] = []
        self.index = -1  # the batch index of the statement last handed to the evaluator

    def statements(self, number: int) -> Iterator[Any]:
        batch = self.batches[number]
        first = self.first
        for index, statement in enumerate(batch.statements):
            batch.count = index + 1
            statement_id = statement.get("id") if isinstance(statement, dict) else None
            if isinstance(statement_id, str):  # no id, or one the evaluator refuses: nothing to compare
                fingerprint = _fingerprint(statement)
                seen = first.get(statement_id)
                if seen is None:
                    first[statement_id] = (fingerprint, number, index)
                elif seen[0] != fingerprint:
                    self.warnings.append(
                        batch.warning(
                            index,
                            "id",
                            f"statement {statement_id} differs from the statement with the same id at "
                            f"{self.batches[seen[1]].place(seen[2])}; only that first one counts",
                        )
                    )
                    continue
            self.index = index
            yield statement

    def place_of(self, statement_id: str) -> tuple[Batch, int] | None:
        seen = self.first.get(statement_id)
        return (self.batches[seen[1]], seen[2]) if seen else None


def evaluate_batches(
    criteria: Criteria, batches: Sequence[Batch], identities: Identities
) -> tuple[Evaluator, list[list[Evidence]]]:
    """Evaluate the batches; a statement that cannot be read raises the batch's SourceReadError (file:line).

    Returns the evaluator and, per batch, the evidence it added first. A statement
    whose id a different, earlier statement has is left out (see `_Screen`).
    """
    evaluator, per_batch, _ = _evaluate(criteria, batches, identities)
    return evaluator, per_batch


def _evaluate(
    criteria: Criteria, batches: Sequence[Batch], identities: Identities
) -> tuple[Evaluator, list[list[Evidence]], _Screen]:
    screen = _Screen(batches)
    evaluator = Evaluator(criteria, identities)
    per_batch: list[list[Evidence]] = []
    for number, batch in enumerate(batches):
        start = evaluator.new_evidence_count
        for keys in batch.aliases:
            identities.same(*keys)
        for key, agent in batch.agents.items():
            evaluator.add_agent(key, agent)
        try:
            evaluator.add(screen.statements(number))
        except StatementError as error:
            raise batch.error(screen.index, error.field, error.message) from None
        per_batch.append(evaluator.new_evidence(start))
    return evaluator, per_batch, screen


def _join_ledger(evaluator: Evaluator, identities: Identities, ledger: Ledger) -> list[Evidence]:
    """Add what earlier runs recorded; returns the ledger's records that overrule a statement of this run."""
    for pair in ledger.aliases():
        identities.same(*pair)
    for key, agent in ledger.agents().items():
        evaluator.add_agent(key, agent)
    overruled = evaluator.add_evidence(ledger.evidence())
    evaluator.add_voided(ledger.voided_ids())
    return overruled


def _overruled_warnings(screen: _Screen, overruled: Sequence[Evidence]) -> list[InputWarning]:
    warnings = []
    for item in overruled:
        place = screen.place_of(item.statement_id)
        if place is not None:
            batch, index = place
            warnings.append(
                batch.warning(
                    index,
                    "id",
                    f"statement {item.statement_id} was counted in an earlier run as {item.requirement} of "
                    f"{item.learner_key}; this different statement with the same id does not count",
                )
            )
    return warnings


@dataclass
class Evaluated:
    """The sources evaluated, before the ledger is opened: what `record_award` needs, and the warnings so far."""

    criteria: Criteria
    batches: Sequence[Batch]
    identities: Identities
    evaluator: Evaluator
    evidence_per_batch: list[list[Evidence]]
    warnings: list[Any]
    screen: _Screen


def evaluate_sources(
    criteria: Criteria, batches: Sequence[Batch], identities: Identities | None = None, warnings: Sequence[Any] = ()
) -> Evaluated:
    """Evaluate every batch (raises SourceReadError for bad input) and gather the warnings: people, sources, ids."""
    identities = identities if identities is not None else Identities()
    evaluator, evidence_per_batch, screen = _evaluate(criteria, batches, identities)
    found = [*warnings, *(w for batch in batches for w in batch.warnings), *screen.warnings]
    return Evaluated(criteria, batches, identities, evaluator, evidence_per_batch, found, screen)


def record_award(
    ledger_path: Path,
    evaluated: Evaluated,
    credential: str,
    version: int,
    issue: Issue,
    *,
    now: str | None = None,
    strict: bool = False,
    wait: float = 60.0,
) -> AwardRun:
    """Join the ledger's earlier evidence, sign for the newly eligible, and record it all in one short transaction.

    With `strict`, any warning raises InputWarnings before the ledger is written.
    `wait`: seconds to wait for another run's write lock (then LedgerBusyError).
    """
    found = list(evaluated.warnings)
    if strict and found:
        raise InputWarnings(found)
    evaluator, identities, batches, criteria = (
        evaluated.evaluator,
        evaluated.identities,
        evaluated.batches,
        evaluated.criteria,
    )
    at = now or utc_now()
    with Ledger(ledger_path, timeout=wait) as ledger:
        with ledger.snapshot():
            overruled = _join_ledger(evaluator, identities, ledger)
            to_sign = unawarded(ledger, evaluator.results(), credential=credential, version=version)
        found += _overruled_warnings(evaluated.screen, overruled)
        if strict and found:
            raise InputWarnings(found)
        signed = sign_unawarded(ledger, to_sign, issue, at)  # status list indexes handed out first
        with ledger.transaction():
            _join_ledger(evaluator, identities, ledger)  # what a concurrent run recorded meanwhile
            evaluations = tuple(evaluator.results())
            counted = 0
            for batch, evidence in zip(batches, evaluated.evidence_per_batch, strict=True):
                counted += ledger.add_evidence(evidence, batch.origin, at)
                ledger.add_aliases(batch.aliases, batch.origin)
                if batch.position:
                    ledger.set_position(*batch.position, at)
            ledger.add_voided(evaluator.voided_ids(), at)
            ledger.add_agents(evaluator.agents())
            labels = [r.label for r in criteria.requirements]
            ledger.save_progress(credential, version, labels, evaluations, at)
            outcome = award(
                ledger, evaluations, issue, credential=credential, version=version, awarded_at=at, signed=signed
            )
    return AwardRun(evaluations, outcome, sum(b.count for b in batches), counted, tuple(found))


def run_award(
    ledger_path: Path,
    criteria: Criteria,
    credential: str,
    version: int,
    batches: Sequence[Batch],
    issue: Issue,
    *,
    identities: Identities | None = None,
    now: str | None = None,
    warnings: Sequence[Any] = (),
    strict: bool = False,
    wait: float = 60.0,
) -> AwardRun:
    """Evaluate the batches with the ledger's earlier evidence and award whoever is eligible.

    `identities` carries a people file's declarations (applied to this run only; the
    ledger keeps the identifiers the sources themselves joined), `warnings` what
    reading it warned about. Raises SourceReadError for bad input before the ledger
    is opened; InputWarnings for a strict run's warnings; LedgerError for an unusable
    ledger, LedgerBusyError when it stays locked longer than `wait` seconds.
    """
    evaluated = evaluate_sources(criteria, batches, identities, warnings)
    return record_award(ledger_path, evaluated, credential, version, issue, now=now, strict=strict, wait=wait)
