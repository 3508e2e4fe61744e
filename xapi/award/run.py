"""One award run: sources in, evaluation, the ledger updated in one transaction.

Order matters for "bad input changes nothing": every batch is read (by
xapi/sources.py) and evaluated before the ledger is opened, so a malformed
statement or report stops the run with the ledger untouched. Then, inside one
`BEGIN IMMEDIATE` transaction, the evidence of earlier runs joins the evaluation
(the evaluator does not care in which order statements arrive), and the new
evidence, voids, identifiers, read positions, progress and awards are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..agents import Identities
from .criteria import Criteria, Evaluation, Evaluator, Evidence, StatementError
from .ledger import AwardOutcome, Issue, Ledger, award, utc_now
from .sources import Batch


@dataclass(frozen=True)
class AwardRun:
    """What a run found and did: every person's evaluation and the award outcome."""

    evaluations: tuple[Evaluation, ...]
    outcome: AwardOutcome
    statements: int  # statements (or report rows' completions) read in this run
    new_evidence: int  # of those, the ones that counted for the first time

    @property
    def summary(self) -> str:
        o = self.outcome
        return (
            f"{len(self.evaluations)} learner{'' if len(self.evaluations) == 1 else 's'} seen, {len(o.new)} newly awarded, "
            f"{len(o.already)} already awarded, {len(o.not_eligible)} not yet eligible"
        )


def evaluate_batches(
    criteria: Criteria, batches: Sequence[Batch], identities: Identities
) -> tuple[Evaluator, list[list[Evidence]]]:
    """Evaluate the batches; a statement that cannot be read raises the batch's SourceReadError (file:line).

    Returns the evaluator and, per batch, the evidence it added first.
    """
    evaluator = Evaluator(criteria, identities)
    per_batch: list[list[Evidence]] = []
    for batch in batches:
        start = evaluator.new_evidence_count
        for keys in batch.aliases:
            identities.same(*keys)
        for key, agent in batch.agents.items():
            evaluator.add_agent(key, agent)
        try:
            evaluator.add(batch.statements)
        except StatementError as error:
            raise batch.error(error.index, error.field, error.message) from None
        per_batch.append(evaluator.new_evidence(start))
    return evaluator, per_batch


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
) -> AwardRun:
    """Evaluate the batches with the ledger's earlier evidence and award whoever is eligible.

    `identities` carries a people file's declarations (applied to this run only; the
    ledger keeps the identifiers the sources themselves joined). Raises SourceReadError
    for bad input before the ledger is opened; LedgerError for an unusable ledger.
    """
    identities = identities if identities is not None else Identities()
    evaluator, evidence_per_batch = evaluate_batches(criteria, batches, identities)
    at = now or utc_now()
    with Ledger(ledger_path) as ledger, ledger.transaction():
        for pair in ledger.aliases():
            identities.same(*pair)
        for key, agent in ledger.agents().items():
            evaluator.add_agent(key, agent)
        evaluator.add_evidence(ledger.evidence())
        evaluator.add_voided(ledger.voided_ids())
        evaluations = tuple(evaluator.results())
        counted = 0
        for batch, evidence in zip(batches, evidence_per_batch, strict=True):
            counted += ledger.add_evidence(evidence, batch.origin, at)
            ledger.add_aliases(batch.aliases, batch.origin)
            if batch.position:
                ledger.set_position(*batch.position, at)
        ledger.add_voided(evaluator.voided_ids(), at)
        ledger.add_agents(evaluator.agents())
        labels = [r.label for r in criteria.requirements]
        ledger.save_progress(credential, version, labels, evaluations, at)
        outcome = award(ledger, evaluations, issue, credential=credential, version=version, awarded_at=at)
    return AwardRun(evaluations, outcome, sum(len(b.statements) for b in batches), counted)
