"""Issuance criteria against statements: who has met which requirement.

The credential's `criteria` (credential.yaml) compile into one dict per verb that
maps an object IRI to a requirement's bit; each learner's progress is an int, one
bit per requirement. The hot loop in `Evaluator.add` does a handful of dict
look-ups per statement and allocates nothing for statements that count for
nothing, so evaluating costs less than parsing the JSON (bench/criteria.py).

What counts (SPEC §6, STANDARDS §4.3–§5.2):

- activity: `completed` or cmi5 `waived` (cmi5 §9.3.7: waived satisfies moveOn) with
  object.id = the activity IRI (xAPI package), or, in a cmi5-defined statement
  (category cmi5), the AU id = activity IRI in contextActivities.grouping, because
  cmi5's object.id is the LMS's own activityId (cmi5 §9.4). "cmi5 allowed"
  statements (no cmi5 category) never satisfy an AU (cmi5 §7.1.3).
- canvas: `submit` (Activity Streams) with object.id = the canvas IRI.
- unit (rule `units-completed`): `completed`/`waived`, or cmi5 `satisfied` (the LMS's
  statement for a block), on the unit IRI; or, when the unit's activities are
  given, every one of them completed.
- `voided` with a StatementRef removes the statement it names, whether it arrives
  before or after it; the same statement id counts once.
- Group actors are skipped: the credential is a person's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..agents import AgentError, Identities, agent_keys, clean_agent, preferred_key
from ..iris import CMI5_CATEGORY, VERBS, Iris

COMPLETED = VERBS["completed"]
SUBMITTED = VERBS["submitted"]
SATISFIED = VERBS["satisfied"]
VOIDED = VERBS["voided"]
# cmi5 §9.3.7, STANDARDS §4.3: the LMS's verb for an AU the learner need not take.
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"

RULES = {"activities-completed": "activities", "canvases-submitted": "canvases", "units-completed": "units"}
KINDS = {"activities": "activity", "canvases": "canvas", "units": "unit"}


class CriteriaError(ValueError):
    """Criteria that cannot be evaluated (an unknown rule, an id that is no id)."""


class StatementError(ValueError):
    """A statement that cannot be read: `index` in the batch, the `field` and what was expected."""

    def __init__(self, index: int, field: str, message: str) -> None:
        self.index, self.field, self.message = index, field, message
        super().__init__(f"statement {index}: {field}: {message}")


@dataclass(frozen=True)
class Requirement:
    label: str  # "activity:u3-a1", "canvas:needs", "unit:u3": what the ledger and the report show
    kind: str
    id: str
    iri: str


@dataclass(frozen=True)
class Criteria:
    """Compiled criteria: the requirements in order and the look-up tables of the hot loop."""

    requirements: tuple[Requirement, ...]
    # verb IRI -> {object IRI -> bit}
    tables: dict[str, dict[str, int]]
    # unit bit -> bits of the unit's activities that together complete it
    unit_parts: dict[int, int]

    @property
    def all_bits(self) -> int:
        return (1 << len(self.requirements)) - 1

    def bit_of(self, label: str) -> int | None:
        for index, requirement in enumerate(self.requirements):
            if requirement.label == label:
                return 1 << index
        return None

    def labels(self, mask: int) -> tuple[str, ...]:
        return tuple(r.label for i, r in enumerate(self.requirements) if mask >> i & 1)


def compile_criteria(
    criteria: Sequence[Mapping[str, Any]],
    base_iri: str,
    course_id: str,
    unit_activities: Mapping[str, Sequence[str]] | None = None,
) -> Criteria:
    """Compile the `criteria` list of credential.yaml for the course's base IRI.

    unit_activities (unit id -> its activity ids) lets a `units-completed` rule
    be met by completing every activity of the unit.
    """
    iris = Iris(base_iri)
    del course_id  # every criterion is an activity, canvas or unit; the course IRI names none
    make_iri = {"activity": iris.activity, "canvas": iris.canvas, "unit": iris.unit}
    requirements: dict[str, Requirement] = {}
    for index, rule in enumerate(criteria):
        key = RULES.get(rule.get("rule"))
        if key is None:
            raise CriteriaError(f"criteria[{index}].rule: expected one of {sorted(RULES)}, found {rule.get('rule')!r}")
        ids = rule.get(key)
        if not isinstance(ids, Sequence) or isinstance(ids, str) or not ids:
            raise CriteriaError(f"criteria[{index}].{key}: expected a list of ids")
        kind = KINDS[key]
        for id_ in ids:
            requirements.setdefault(f"{kind}:{id_}", Requirement(f"{kind}:{id_}", kind, id_, make_iri[kind](id_)))
    # A unit is also complete when all its activities are: those become requirements too.
    parts_of = {r.id: tuple((unit_activities or {}).get(r.id, ())) for r in requirements.values() if r.kind == "unit"}
    for activity_ids in parts_of.values():
        for id_ in activity_ids:
            requirements.setdefault(
                f"activity:{id_}", Requirement(f"activity:{id_}", "activity", id_, iris.activity(id_))
            )
    ordered = tuple(requirements.values())
    bits = {r.label: 1 << i for i, r in enumerate(ordered)}
    completable = {r.iri: bits[r.label] for r in ordered if r.kind in ("activity", "unit")}
    tables = {
        COMPLETED: completable,
        WAIVED: completable,
        SATISFIED: {r.iri: bits[r.label] for r in ordered if r.kind == "unit"},
        SUBMITTED: {r.iri: bits[r.label] for r in ordered if r.kind == "canvas"},
    }
    unit_parts = {
        bits[f"unit:{unit_id}"]: sum(bits[f"activity:{a}"] for a in set(activity_ids))
        for unit_id, activity_ids in parts_of.items()
        if activity_ids
    }
    return Criteria(ordered, {verb: table for verb, table in tables.items() if table}, unit_parts)


@dataclass(frozen=True)
class Evaluation:
    """One person's standing: the keys they were seen under, what is met and what is missing."""

    person: str  # the person's preferred key (an mbox if any, then account, openid, hash)
    keys: tuple[str, ...]
    agent: dict[str, Any]
    met: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Evidence:
    """A statement that counted towards a requirement: what the ledger keeps between runs."""

    statement_id: str
    learner_key: str
    requirement: str


class Evaluator:
    """Accumulates statements (and evidence from earlier runs) and says who meets the criteria.

    `add` may be called with several batches; the result does not depend on their
    order, on duplicates, or on whether a voiding statement comes before or after
    the statement it voids.
    """

    def __init__(self, criteria: Criteria, identities: Identities | None = None) -> None:
        self.criteria = criteria
        self.identities = identities if identities is not None else Identities()
        self._by_id_key: dict[Any, str] = {}  # statement id -> learner key, for counting statements
        self._by_id_bit: dict[Any, int] = {}  # statement id -> requirement bit
        self._direct: dict[str, int] = {}  # learner key -> bits from statements without an id
        self._voided: set[Any] = set()
        self._agents: dict[str, dict[str, Any]] = {}  # learner key -> agent as first seen
        self._mbox_keys: dict[str, str] = {}
        self._account_keys: dict[str, dict[str, str]] = {}
        self._other_keys: dict[tuple[str, str], str] = {}
        self._new_evidence: list[Any] = []  # statement ids first counted in this run

    # -- the hot loop --------------------------------------------------------------------

    def add(self, statements: Iterable[Any]) -> None:
        """Read a batch of statements (parsed JSON). Raises StatementError for an unreadable one."""
        tables = self.criteria.tables
        by_id_key, by_id_bit, voided = self._by_id_key, self._by_id_bit, self._voided
        new_evidence = self._new_evidence
        actor_key = self._actor_key
        # cmi5-defined statements name the AU in grouping (cmi5 §9.4); a canvas is always the object.
        grouping_table = tables.get(COMPLETED)
        index, statement = -1, None
        try:
            for index, statement in enumerate(statements):  # noqa: B007 (index names the bad statement)
                verb = statement["verb"]["id"]
                table = tables.get(verb)
                if table is None:
                    if verb == VOIDED:
                        target = statement["object"]
                        if target.get("objectType") == "StatementRef":
                            voided.add(target["id"])
                        continue
                    actor_key(statement["actor"])  # seen, with nothing met
                    continue
                target = statement["object"]
                bit = table.get(target["id"])
                if bit is None and table is grouping_table:
                    bit = _cmi5_bit(statement, table)
                if bit is None:
                    actor_key(statement["actor"])  # seen, with nothing met
                    continue
                actor = statement["actor"]
                if actor.get("objectType") == "Group":
                    continue  # the credential is a person's, even where a group shares an identifier
                key = actor_key(actor)
                statement_id = statement.get("id")
                if statement_id is None:
                    self._direct[key] = self._direct.get(key, 0) | bit
                elif statement_id not in by_id_bit:
                    by_id_key[statement_id] = key
                    by_id_bit[statement_id] = bit
                    new_evidence.append(statement_id)
        except (KeyError, TypeError, AttributeError, AgentError) as error:
            field, message = statement_problem(statement)
            if not field and isinstance(error, AgentError):
                field, message = "actor", str(error)
            if not field:
                field, message = (
                    "statement",
                    f"expected an xAPI statement, found a shape it cannot be read from ({error})",
                )
            raise StatementError(index, field, message) from None

    def _actor_key(self, actor: dict[str, Any]) -> str | None:
        mbox = actor.get("mbox")
        if mbox is not None:
            key = self._mbox_keys.get(mbox)
            return key if key is not None else self._learn(actor, ("mbox", mbox))
        account = actor.get("account")
        if account is not None:
            by_home = self._account_keys.get(account["name"])
            key = by_home.get(account["homePage"]) if by_home is not None else None
            return key if key is not None else self._learn(actor, ("account", account["homePage"], account["name"]))
        if actor.get("objectType") == "Group":
            return None
        for name in ("mbox_sha1sum", "openid"):
            value = actor.get(name)
            if value is not None:
                key = self._other_keys.get((name, value))
                return key if key is not None else self._learn(actor, (name, value))
        raise AgentError(f"expected exactly one of mbox, mbox_sha1sum, account, openid (found none) in {actor!r}")

    def _learn(self, actor: dict[str, Any], raw: tuple[str, ...]) -> str | None:
        """First sight of an identifier: check it, join an mbox to its SHA-1 sums, remember the agent."""
        if actor.get("objectType") == "Group":
            return None
        keys = agent_keys(actor)
        key = keys[0]
        self.identities.same(*keys)
        if raw[0] == "mbox":
            self._mbox_keys[raw[1]] = key
        elif raw[0] == "account":
            self._account_keys.setdefault(raw[2], {})[raw[1]] = key
        else:
            self._other_keys[raw] = key
        self._agents.setdefault(key, clean_agent(actor))
        return key

    # -- evidence from earlier runs and other sources --------------------------------------

    def add_evidence(self, evidence: Iterable[Evidence]) -> list[Evidence]:
        """Evidence the ledger kept from earlier runs (not reported again as new).

        The ledger's record wins over a statement of this run with the same id that
        counts for another learner or requirement; those records are returned.
        """
        bit_of = {r.label: 1 << i for i, r in enumerate(self.criteria.requirements)}
        by_id_key, by_id_bit = self._by_id_key, self._by_id_bit
        overruled: list[Evidence] = []
        for item in evidence:
            bit = bit_of.get(item.requirement)
            if bit is None:
                continue
            known = by_id_bit.get(item.statement_id)
            if known is not None and (known == bit and by_id_key[item.statement_id] == item.learner_key):
                continue
            if known is not None:
                overruled.append(item)
            by_id_key[item.statement_id] = item.learner_key
            by_id_bit[item.statement_id] = bit
        return overruled

    def add_voided(self, statement_ids: Iterable[Any]) -> None:
        self._voided.update(statement_ids)

    def add_agent(self, key: str, agent: Mapping[str, Any]) -> None:
        """A learner known before (or from a report), so they are listed even with nothing met."""
        self._agents.setdefault(key, dict(agent))

    def new_evidence(self, start: int = 0, end: int | None = None) -> list[Evidence]:
        """What this run counted for the first time, in the order read (voided or not: the void is kept too)."""
        requirements = self.criteria.requirements
        return [
            Evidence(str(sid), self._by_id_key[sid], requirements[self._by_id_bit[sid].bit_length() - 1].label)
            for sid in self._new_evidence[start:end]
        ]

    @property
    def new_evidence_count(self) -> int:
        return len(self._new_evidence)

    def voided_ids(self) -> set[Any]:
        return set(self._voided)

    def agents(self) -> dict[str, dict[str, Any]]:
        return dict(self._agents)

    # -- results ---------------------------------------------------------------------------

    def masks(self) -> dict[str, int]:
        """Requirement bits per learner key, voided statements left out."""
        masks = dict.fromkeys(self._agents, 0)
        masks.update(self._direct)
        voided = self._voided
        by_id_bit = self._by_id_bit
        for statement_id, key in self._by_id_key.items():
            if statement_id not in voided:
                masks[key] = masks.get(key, 0) | by_id_bit[statement_id]
        return masks

    def results(self) -> list[Evaluation]:
        """Every person seen, their keys merged through the identities, sorted by person."""
        criteria = self.criteria
        per_person: dict[str, int] = {}
        members: dict[str, list[str]] = {}
        find = self.identities.find
        for key, mask in self.masks().items():
            root = find(key)
            per_person[root] = per_person.get(root, 0) | mask
            members.setdefault(root, []).append(key)
        results = []
        for root, mask in per_person.items():
            for unit_bit, parts in criteria.unit_parts.items():
                if mask & parts == parts:
                    mask |= unit_bit
            keys = sorted(members[root])
            person = preferred_key(keys)
            agent = dict(self._agents.get(person) or {})
            name = next((self._agents[k]["name"] for k in keys if "name" in self._agents.get(k, {})), None)
            if name and "name" not in agent:
                agent["name"] = name
            results.append(
                Evaluation(
                    person, tuple(keys), agent, criteria.labels(mask), criteria.labels(~mask & criteria.all_bits)
                )
            )
        return sorted(results, key=lambda e: e.person)


def evaluate(criteria: Criteria, statements: Iterable[Any], identities: Identities | None = None) -> list[Evaluation]:
    """Every learner's standing after these statements (a pure function over Evaluator)."""
    evaluator = Evaluator(criteria, identities)
    evaluator.add(statements)
    return evaluator.results()


def _cmi5_bit(statement: dict[str, Any], table: dict[str, int]) -> int | None:
    """The AU's bit of a cmi5-defined statement: the publisher id in contextActivities.grouping."""
    context = statement.get("context")
    if context is None:
        return None
    activities = context.get("contextActivities")
    if activities is None:
        return None
    categories = activities.get("category")
    if not categories or not any(c.get("id") == CMI5_CATEGORY for c in _as_list(categories)):
        return None
    for activity in _as_list(activities.get("grouping") or ()):
        bit = table.get(activity.get("id"))
        if bit is not None:
            return bit
    return None


def _as_list(value: Any) -> list[Any]:
    # xAPI 1.0.3 §2.4.6.2: a single object is allowed where LRSs return arrays.
    return value if isinstance(value, list) else [value]


def statement_problem(statement: Any) -> tuple[str, str]:
    """What is wrong with a statement, as (field, message); ("", "") when nothing is.

    The slow path behind StatementError: the hot loop only notices that a look-up failed.
    """
    if not isinstance(statement, dict):
        return "statement", f"expected a JSON object, found {_kind(statement)}"
    for name in ("actor", "verb", "object"):
        if not isinstance(statement.get(name), dict):
            return name, f"expected an object, found {_kind(statement.get(name))}"
    if not isinstance(statement["verb"].get("id"), str):
        return "verb.id", f"expected an IRI string, found {_kind(statement['verb'].get('id'))}"
    target = statement["object"]
    if not isinstance(target.get("id"), str) and target.get("objectType") not in ("Agent", "Group", "SubStatement"):
        return "object.id", f"expected an IRI string, found {_kind(target.get('id'))}"
    actor = statement["actor"]
    if actor.get("objectType") != "Group":
        try:
            agent_keys(actor)
        except AgentError as error:
            return "actor", str(error)
    context = statement.get("context")
    if context is not None and not isinstance(context, dict):
        return "context", f"expected an object, found {_kind(context)}"
    activities = (context or {}).get("contextActivities")
    if activities is not None:
        if not isinstance(activities, dict):
            return "context.contextActivities", f"expected an object, found {_kind(activities)}"
        for name, value in activities.items():
            for position, activity in enumerate(_as_list(value)):
                if not isinstance(activity, dict):
                    return (
                        f"context.contextActivities.{name}[{position}]",
                        f"expected an activity object, found {_kind(activity)}",
                    )
    statement_id = statement.get("id")
    if statement_id is not None and not isinstance(statement_id, str):
        return "id", f"expected a UUID string, found {_kind(statement_id)}"
    return "", ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
