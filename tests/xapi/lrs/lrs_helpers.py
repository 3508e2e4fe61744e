"""Statements and small checks the LRS resource tests share (test_lrs_*.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from xapi.lrs.service import XapiAnswer

EXAMPLE = "http://example.com/"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def agent(who: str, /, **extra: Any) -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{who}@example.com", **extra}


def verb(word: str, /, **extra: Any) -> dict[str, Any]:
    return {"id": f"{EXAMPLE}verbs/{word}", **extra}


def activity(slug: str, /, **definition: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"objectType": "Activity", "id": f"{EXAMPLE}activities/{slug}"}
    if definition:
        found["definition"] = definition
    return found


def statement(
    actor: str | dict = "ana", verb_name: str = "completed", target: str | dict = "course", **extra: Any
) -> dict:
    """A valid statement with a fresh id: `actor`/`target` are names (an agent, an activity) or objects."""
    return {
        "id": str(uuid.uuid4()),
        "actor": agent(actor) if isinstance(actor, str) else actor,
        "verb": verb(verb_name),
        "object": activity(target) if isinstance(target, str) else target,
        **extra,
    }


def voiding(target_id: str, actor: str = "admin") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": agent(actor),
        "verb": {"id": VOIDED, "display": {"en": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


def body(answer: XapiAnswer) -> Any:
    return json.loads(answer.body)


def header(answer: XapiAnswer, name: str) -> str | None:
    """The value of a response header (any letter case), or None."""
    values = [value for key, value in answer.headers if key.lower() == name.lower()]
    assert len(values) <= 1, f"header {name} given {len(values)} times"
    return values[0] if values else None


def post(call: Any, *statements: dict) -> list[str]:
    """POST the statements one request each (so their `stored` times differ and order is known); their ids."""
    ids = []
    for one in statements:
        answer = call("POST", "statements", body=one)
        assert answer.status == 200, answer.body
        ids += body(answer)
    return ids


def ids_of(answer: XapiAnswer) -> list[str]:
    assert answer.status == 200, answer.body
    return [found["id"] for found in body(answer)["statements"]]
