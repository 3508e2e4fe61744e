"""Criteria evaluation rate: statements/second of parsing alone vs parsing and evaluating.

Generates 1 million statements for 10 000 learners (deterministic seed) in the
shapes the packages send — xAPI package `completed`/`submit` with an mbox actor,
cmi5 `launched`/`initialized`/`completed`/`terminated`/`satisfied` with a Moodle
account, canvas submissions with full responses — plus voids and re-sent
duplicates, as JSON lines in memory. Then times `json.loads` of every line alone,
and `json.loads` feeding `Evaluator.add` plus `results()`; prints both rates and
their ratio (the target: evaluating costs at most as much again as parsing, ≤ 2.0).

    python3 bench/criteria.py [--statements 1000000] [--learners 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xapi.award.criteria import COMPLETED, SATISFIED, SUBMITTED, VOIDED, Evaluator, compile_criteria  # noqa: E402
from xapi.iris import CMI5_CATEGORY, CMI5_MOVEON_CATEGORY, CMI5_SESSION_ID, VERBS, Iris  # noqa: E402

BASE = "https://www.micro-quest.eu/xapi/pr3/"
COURSE = "mq-pr3"
SITE = "https://moodle.example.si"
UNITS = {
    "u1": ["u1-a1", "u1-a2"],
    "u2": ["u2-a1", "u2-a2"],
    "u3": ["u3-a1", "u3-a2"],
    "u4": ["u4-a1", "u4-a2", "u4-a3"],
    "u5": ["u5-a1", "u5-a2"],
    "u6": ["u6-a1", "u6-a2", "u6-a3"],
    "u7": ["u7-a1", "u7-a2"],
}
CANVASES = {
    "u2-a1": "md-elements",
    "u2-a2": "assessment-plan",
    "u3-a1": "needs",
    "u3-a2": "persona",
    "u4-a1": "competences",
    "u4-a2": "levels",
    "u4-a3": "content-elements",
    "u5-a1": "issuing",
}
CRITERIA = [
    {"rule": "activities-completed", "activities": [a for acts in UNITS.values() for a in acts]},
    {
        "rule": "canvases-submitted",
        "canvases": ["needs", "persona", "competences", "levels", "content-elements", "issuing"],
    },
]
IRIS = Iris(BASE)
PROFILE = IRIS.profile_version


def _stamp(rng: random.Random) -> str:
    return f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)}.{rng.randint(100, 999)}Z"


def _verb(iri: str, word: str) -> dict:
    return {"id": iri, "display": {"en": word}}


def _activity(iri: str, name: str, kind: str = "http://adlnet.gov/expapi/activities/lesson") -> dict:
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind, "name": {"sl": name}}}


def _statement(rng: random.Random, actor: dict, verb: dict, target: dict, **extra: object) -> dict:
    stamp = _stamp(rng)
    statement = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": actor,
        "verb": verb,
        "object": target,
    }
    statement.update(extra)
    statement.update(timestamp=stamp, stored=stamp, authority={"objectType": "Agent", "mbox": "mailto:lrs@example.si"})
    statement["version"] = "1.0.0"
    return statement


def xapi_learner(rng: random.Random, number: int, budget: int) -> Iterator[dict]:
    """An xAPI-package learner: completed per activity, submit per canvas, course completed."""
    actor = {"objectType": "Agent", "name": f"Učenec {number}", "mbox": f"mailto:ucenec{number}@example.si"}
    registration = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    done = 0
    skip = rng.random() < 0.3  # some learners are not finished
    for unit, activities in UNITS.items():
        for activity in activities:
            context = {
                "registration": registration,
                "contextActivities": {
                    "parent": [{"id": IRIS.unit(unit)}],
                    "grouping": [{"id": IRIS.course(COURSE)}],
                    "category": [{"id": PROFILE}],
                },
                "language": "sl",
            }
            if activity in CANVASES and done < budget:
                canvas = CANVASES[activity]
                responses = {
                    IRIS.field(canvas, f"f{i}"): "Odgovor " * rng.randint(5, 60) for i in range(rng.randint(2, 6))
                }
                done += 1
                yield _statement(
                    rng,
                    actor,
                    _verb(SUBMITTED, "submitted"),
                    _activity(IRIS.canvas(canvas), canvas),
                    result={"extensions": responses},
                    context=context,
                )
            if skip and rng.random() < 0.2 or done >= budget:
                continue
            done += 1
            yield _statement(
                rng,
                actor,
                _verb(COMPLETED, "completed"),
                _activity(IRIS.activity(activity), activity),
                result={"completion": True, "duration": f"PT{rng.randint(5, 90)}M"},
                context=context,
            )
    while done < budget:
        done += 1
        yield _statement(
            rng,
            actor,
            _verb(COMPLETED, "completed"),
            _activity(IRIS.course(COURSE), COURSE),
            result={"completion": True},
        )


def cmi5_learner(rng: random.Random, number: int, budget: int) -> Iterator[dict]:
    """A cmi5 learner: launched, initialized, completed, terminated per AU (sessions repeat), satisfied per block."""
    actor = {
        "objectType": "Agent",
        "name": f"Učenec {number}",
        "account": {"homePage": SITE, "name": f"ucenec{number}"},
    }
    registration = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    done = 0
    while done < budget:
        for unit, activities in UNITS.items():
            for activity in activities:
                session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                lms_id = f"{SITE}/mod/cmi5launch/au/{rng.randint(1, 10**9)}"
                au = [{"id": IRIS.activity(activity)}]
                for verb, word, defined in (
                    (VERBS["launched"], "launched", True),
                    (VERBS["initialized"], "initialized", True),
                    (SUBMITTED, "submitted", False),
                    (COMPLETED, "completed", True),
                    (VERBS["terminated"], "terminated", True),
                ):
                    if done >= budget:
                        return
                    if verb == SUBMITTED and activity not in CANVASES:
                        continue
                    categories = [{"id": CMI5_CATEGORY}] if defined else []
                    if verb == COMPLETED:
                        categories.append({"id": CMI5_MOVEON_CATEGORY})
                        if rng.random() < 0.1:
                            continue  # not completed this time
                    context = {
                        "registration": registration,
                        "contextActivities": {"grouping": au, **({"category": categories} if categories else {})},
                        "extensions": {CMI5_SESSION_ID: session},
                    }
                    target = (
                        _activity(IRIS.canvas(CANVASES[activity]), "canvas")
                        if verb == SUBMITTED
                        else _activity(lms_id, activity)
                    )
                    result = {"completion": True, "duration": "PT12M"} if verb == COMPLETED else None
                    done += 1
                    yield _statement(
                        rng, actor, _verb(verb, word), target, context=context, **({"result": result} if result else {})
                    )
            if done < budget:
                done += 1
                yield _statement(rng, actor, _verb(SATISFIED, "satisfied"), _activity(IRIS.unit(unit), unit))


def statements(count: int, learners: int, seed: int = 2026) -> list[str]:
    """`count` statements as JSON lines: learners in turn, a few re-sent and a few voided."""
    rng = random.Random(seed)
    per_learner = count // learners
    lines: list[str] = []
    for number in range(learners):
        budget = per_learner if number < learners - 1 else count - len(lines)
        make = xapi_learner if number % 2 else cmi5_learner
        made = list(make(rng, number, budget))
        for index, statement in enumerate(made):
            if rng.random() < 0.005 and index + 1 < len(made):  # re-sent by a queue: same id, same content
                made[index + 1] = statement
            if rng.random() < 0.005:  # voided by an administrator, replacing another statement
                void = _statement(
                    rng,
                    {"objectType": "Agent", "mbox": "mailto:admin@example.si"},
                    _verb(VOIDED, "voided"),
                    {"objectType": "StatementRef", "id": statement["id"]},
                )
                made[min(index + 1, len(made) - 1)] = void
        lines.extend(json.dumps(s, ensure_ascii=False) for s in made)
    return lines[:count]


def parse_only(lines: list[str]) -> None:
    loads = json.loads
    for line in lines:
        loads(line)


def parse_and_evaluate(lines: list[str]) -> int:
    loads = json.loads
    evaluator = Evaluator(compile_criteria(CRITERIA, BASE, COURSE))
    evaluator.add(loads(line) for line in lines)
    return sum(1 for e in evaluator.results() if e.eligible)


def best_of(repeat: int, run, *args) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    lines = statements(args.statements, args.learners)
    size = sum(len(line) for line in lines)
    print(
        f"generated {len(lines):,} statements for {args.learners:,} learners ({size / 1e6:.0f} MB of JSON lines) in {time.perf_counter() - start:.1f} s"
    )
    parse, _ = best_of(args.repeat, parse_only, lines)
    both, eligible = best_of(args.repeat, parse_and_evaluate, lines)
    print(f"parse only (json.loads):  {parse:6.2f} s  {len(lines) / parse:12,.0f} statements/s")
    print(
        f"parse + evaluate:         {both:6.2f} s  {len(lines) / both:12,.0f} statements/s  ({eligible:,} learners eligible)"
    )
    print(
        f"evaluation alone:         {both - parse:6.2f} s  {len(lines) / max(both - parse, 1e-9):12,.0f} statements/s"
    )
    print(f"ratio (parse + evaluate) / parse: {both / parse:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
