"""Statements in the shapes the packages send (the contract of issue 5), for the award tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from builder.build import check
from tests.project import CONTENT
from xapi.award.criteria import WAIVED
from xapi.iris import CMI5_CATEGORY, CMI5_MOVEON_CATEGORY, CMI5_SESSION_ID, VERBS, Iris

COURSE = check(CONTENT).course
CREDENTIAL = COURSE.credential
IRIS = Iris(COURSE.base_iri)
ACTIVITIES = [a for rule in CREDENTIAL.criteria for a in rule.get("activities", ())]
CANVASES = [c for rule in CREDENTIAL.criteria for c in rule.get("canvases", ())]
SITE = "https://moodle.example.si"
REGISTRATION = "6f1c2d0e-1111-4a4a-8b8b-000000000001"
STAMP = "2026-03-02T10:15:00.000Z"


def sid(*parts: object) -> str:
    """A fixed statement id per name, so tests can void and repeat statements."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(map(str, parts))))


def mbox(name: str) -> dict:
    return {"objectType": "Agent", "name": name.title(), "mbox": f"mailto:{name}@example.si"}


def account(name: str, site: str = SITE) -> dict:
    return {"objectType": "Agent", "name": name.title(), "account": {"homePage": site, "name": name}}


def completed(actor: dict, activity: str, *, id_: str | None = None) -> dict:
    """The xAPI package's "activity completed"."""
    unit = activity.split("-")[0]
    return {
        "id": id_ or sid(json.dumps(actor, sort_keys=True), "completed", activity),
        "actor": actor,
        "verb": {"id": VERBS["completed"], "display": {"en": "completed"}},
        "object": {"objectType": "Activity", "id": IRIS.activity(activity)},
        "result": {"completion": True},
        "context": {
            "registration": REGISTRATION,
            "contextActivities": {"parent": [{"id": IRIS.unit(unit)}], "grouping": [{"id": IRIS.course(COURSE.id)}]},
        },
        "timestamp": STAMP,
    }


def submitted(actor: dict, canvas: str, *, id_: str | None = None) -> dict:
    """The "canvas submitted" of both packages."""
    return {
        "id": id_ or sid(json.dumps(actor, sort_keys=True), "submitted", canvas),
        "actor": actor,
        "verb": {"id": VERBS["submitted"], "display": {"en": "submitted"}},
        "object": {"objectType": "Activity", "id": IRIS.canvas(canvas)},
        "result": {"extensions": {IRIS.field(canvas, "f1"): "Odgovor"}},
        "context": {"registration": REGISTRATION},
        "timestamp": STAMP,
    }


def cmi5(actor: dict, activity: str, verb: str = VERBS["completed"], *, defined: bool = True) -> dict:
    """A cmi5 AU statement: object.id is the LMS's activityId, the AU id is in grouping."""
    categories = [{"id": CMI5_CATEGORY}, {"id": CMI5_MOVEON_CATEGORY}] if defined else []
    context_activities = {"grouping": [{"id": IRIS.activity(activity)}]}
    if categories:
        context_activities["category"] = categories
    return {
        "id": sid(json.dumps(actor, sort_keys=True), "cmi5", verb, activity, defined),
        "actor": actor,
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": f"{SITE}/mod/cmi5launch/launch.php?au={activity}"},
        "result": {"completion": True, "duration": "PT5M"},
        "context": {
            "registration": REGISTRATION,
            "contextActivities": context_activities,
            "extensions": {CMI5_SESSION_ID: "session-1"},
        },
        "timestamp": STAMP,
    }


def waived(actor: dict, activity: str) -> dict:
    return cmi5(actor, activity, WAIVED)


def voiding(target_id: str) -> dict:
    return {
        "id": sid("void", target_id),
        "actor": mbox("admin"),
        "verb": {"id": VERBS["voided"]},
        "object": {"objectType": "StatementRef", "id": target_id},
        "timestamp": STAMP,
    }


def everything(actor: dict, *, skip_activities: Iterable[str] = (), skip_canvases: Iterable[str] = ()) -> list[dict]:
    """What a learner who finished the course sends, less what the test leaves out."""
    activities = [completed(actor, a) for a in ACTIVITIES if a not in set(skip_activities)]
    return activities + [submitted(actor, c) for c in CANVASES if c not in set(skip_canvases)]


def write_jsonl(path: Path, statements: Iterable[dict]) -> Path:
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements), encoding="utf-8")
    return path


def write_array(path: Path, statements: Iterable[dict]) -> Path:
    path.write_text(json.dumps(list(statements), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
