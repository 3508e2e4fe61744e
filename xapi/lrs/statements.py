"""What the LRS does to a valid statement before it stores it, and to a stored one before it answers: pure functions.

- `prepare()` completes a statement as xAPI 1.0.3 Data requires of an LRS: an `id` if
  it has none (§2.4.1), `timestamp` = `stored` if it has none (§2.4.7), `stored` (§2.4.8),
  `authority` from the credentials, replacing what the client sent (§2.4.9), and
  `version` "1.0.0" if it has none (§2.4.10).
- `index_entries()` lists what the statement can be found by (Communication §2.1.3):
  its actor and object agents, its object activity, its verb and registration ("direct",
  what `agent=`, `activity=`, `verb=`, `registration=` match), and the agents and
  activities `related_agents=true` / `related_activities=true` add.
- `same_statement()` says whether two statements with one id are the same statement,
  ignoring what Data §2.3.1 lets differ (so an identical re-send is no conflict).
- `in_format()` gives a stored statement as `format=ids`, `exact` or `canonical`
  (Communication §2.1.3, "format").
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
# What the comparison of Data §2.3.1 ignores at the top of a statement.
IGNORED_IN_COMPARISON = ("id", "authority", "stored", "timestamp", "version")


@dataclass(frozen=True)
class IndexEntry:
    """One thing a statement is found by: kind is agent, activity, verb or registration."""

    kind: str
    value: str
    related: bool  # True: found only with related_agents / related_activities


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """The agent's or identified group's inverse functional identifier as one string, or None (anonymous group)."""
    for name in IFIS:
        if name in agent:
            value = agent[name]
            if name == "account":
                value = [value.get("homePage"), value.get("name")]
            return json.dumps([name, value], ensure_ascii=False, separators=(",", ":"))
    return None


def prepare(statement: Mapping[str, Any], *, stored: str, authority: Mapping[str, Any]) -> dict[str, Any]:
    """The statement as the LRS keeps it (see the module docstring); the argument is not changed."""
    kept = _context_activities_as_lists(statement)
    kept["id"] = statement.get("id") or str(uuid.uuid4())
    kept.setdefault("timestamp", stored)
    kept["stored"] = stored
    kept["authority"] = dict(authority)
    kept.setdefault("version", "1.0.0")
    return kept


def _context_activities_as_lists(statement: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with every contextActivities value an array (Data §2.4.6.2: the LRS returns arrays).

    Only the dicts on the way to a changed value are copied; the argument is not changed.
    """
    kept = dict(statement)
    activities = (kept.get("context") or {}).get("contextActivities")
    if isinstance(activities, dict) and any(not isinstance(value, list) for value in activities.values()):
        kept["context"] = {**kept["context"], "contextActivities": {k: _listed(v) for k, v in activities.items()}}
    if (kept.get("object") or {}).get("objectType") == "SubStatement":
        kept["object"] = _context_activities_as_lists(kept["object"])
    return kept


def voided_target(statement: Mapping[str, Any]) -> str | None:
    """The id a voiding statement voids (Data §2.3.2), or None."""
    target = statement.get("object") or {}
    if statement.get("verb", {}).get("id") == VOIDED and target.get("objectType") == "StatementRef":
        return target.get("id")
    return None


def statement_ref(statement: Mapping[str, Any]) -> str | None:
    """The id of the statement this one targets by a StatementRef object (Communication §2.1.3), or None."""
    target = statement.get("object") or {}
    return target.get("id") if target.get("objectType") == "StatementRef" else None


def index_entries(statement: Mapping[str, Any]) -> set[IndexEntry]:
    """What queries find this statement by (see the module docstring)."""
    entries: set[IndexEntry] = set()
    entries.add(IndexEntry("verb", statement["verb"]["id"], False))
    registration = (statement.get("context") or {}).get("registration")
    if registration:
        entries.add(IndexEntry("registration", registration.lower(), False))
    entries |= _parts(statement, related=False)
    for key in ("authority",):
        if key in statement:
            entries |= {IndexEntry("agent", k, True) for k in _agent_keys(statement[key])}
    return entries


def _parts(statement: Mapping[str, Any], *, related: bool) -> set[IndexEntry]:
    """Actor, object, context (and a sub-statement's, as related): agents and activities."""
    entries: set[IndexEntry] = {IndexEntry("agent", k, related) for k in _agent_keys(statement["actor"])}
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        entries.add(IndexEntry("activity", target["id"], related))
    elif kind in ("Agent", "Group"):
        entries |= {IndexEntry("agent", k, related) for k in _agent_keys(target)}
    elif kind == "SubStatement":
        entries |= _parts(target, related=True)
    context = statement.get("context") or {}
    for name in ("instructor", "team"):
        if name in context:
            entries |= {IndexEntry("agent", k, True) for k in _agent_keys(context[name])}
    for activities in (context.get("contextActivities") or {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            entries.add(IndexEntry("activity", activity["id"], True))
    return entries


def _agent_keys(agent: Mapping[str, Any]) -> Iterator[str]:
    """The agent's key; a group's own key (if identified) and each member's."""
    key = agent_key(agent)
    if key is not None:
        yield key
    if agent.get("objectType") == "Group":
        for member in agent.get("member") or ():
            member_key = agent_key(member)
            if member_key is not None:
                yield member_key


# -- comparison (Data §2.3.1)


def comparable(statement: Mapping[str, Any]) -> Any:
    """The statement with what Data §2.3.1 ignores taken out, in a form equal for equal statements."""
    kept = _context_activities_as_lists(
        {key: value for key, value in statement.items() if key not in IGNORED_IN_COMPARISON}
    )
    return _comparable_part(kept, "")


def _comparable_part(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            where = f"{path}.{key}"
            if where in (".verb.display",) or (key == "definition" and _is_activity_definition(value)):
                continue
            result[key] = _comparable_part(item, where)
        if value.get("objectType") == "Group" and isinstance(value.get("member"), list):
            result["member"] = sorted(
                (_comparable_part(member, f"{path}.member") for member in value["member"]),
                key=lambda member: json.dumps(member, sort_keys=True),
            )
        return result
    if isinstance(value, list):
        return [_comparable_part(item, path) for item in value]
    return value


def _is_activity_definition(holder: Mapping[str, Any]) -> bool:
    return holder.get("objectType", "Activity") == "Activity" and "id" in holder


def same_statement(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """True if the two are the same statement by Data §2.3.1 (an identical re-send)."""
    return comparable(one) == comparable(other)


# -- answer formats (Communication §2.1.3 "format")


def in_format(
    statement: dict[str, Any], format_name: str, canonical: Mapping[str, Mapping[str, Any]], languages: list[str]
) -> dict[str, Any]:
    """The stored statement as `format` asks: exact (as stored), ids, or canonical.

    `canonical` maps activity ids to the LRS's canonical definition; `languages` is the
    request's Accept-Language, best first, for the language maps of `canonical`.
    """
    if format_name == "exact":
        return statement
    shown = copy.deepcopy(statement)
    if format_name == "ids":
        _to_ids(shown)
    else:
        _to_canonical(shown, canonical, languages)
    return shown


def _to_ids(statement: dict[str, Any]) -> None:
    for key in ("actor", "authority"):
        if key in statement:
            statement[key] = _agent_ids(statement[key])
    statement["verb"] = {"id": statement["verb"]["id"]}
    statement["object"] = _object_ids(statement["object"])
    context = statement.get("context")
    if context:
        for name in ("instructor", "team"):
            if name in context:
                context[name] = _agent_ids(context[name])
        for kind, activities in (context.get("contextActivities") or {}).items():
            context["contextActivities"][kind] = [{"id": activity["id"]} for activity in _listed(activities)]


def _object_ids(target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        # The id alone identifies an activity (its objectType is the default): ADL XAPI-00171 counts one key.
        return {"id": target["id"]}
    if kind in ("Agent", "Group"):
        return _agent_ids(target)
    if kind == "SubStatement":
        sub = dict(target)
        _to_ids(sub)
        return sub
    return target


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    # objectType only where it was given (a Group must have it; "Agent" is the default).
    shown: dict[str, Any] = {"objectType": agent["objectType"]} if "objectType" in agent else {}
    key = next((name for name in IFIS if name in agent), None)
    if key is not None:
        shown[key] = agent[key]
    elif agent.get("objectType") == "Group":
        shown["member"] = [_agent_ids(member) for member in agent.get("member", [])]
    return shown


def _to_canonical(statement: dict[str, Any], canonical: Mapping[str, Mapping[str, Any]], languages: list[str]) -> None:
    for part in (statement, statement["object"]):
        # The statement's verb and a sub-statement's (ADL XAPI-00169 checks both).
        verb = part.get("verb") or {}
        if "display" in verb:
            verb["display"] = best_language(verb["display"], languages)
    for activity in activities_in(statement):
        definition = canonical.get(activity["id"])
        if definition:
            activity["definition"] = canonical_definition(definition, languages)


def canonical_definition(definition: Mapping[str, Any], languages: list[str]) -> dict[str, Any]:
    """A definition with each language map cut to the request's best language."""
    shown = dict(definition)
    for name in ("name", "description"):
        if name in shown:
            shown[name] = best_language(shown[name], languages)
    for name in ("choices", "scale", "source", "target", "steps"):
        if name in shown:
            shown[name] = [
                {**component, "description": best_language(component["description"], languages)}
                if "description" in component
                else component
                for component in shown[name]
            ]
    return shown


def best_language(language_map: Mapping[str, str], languages: list[str]) -> dict[str, str]:
    """The one entry of a language map the reader asked for first (Accept-Language), else the first entry.

    A reader who names no language gets every entry (ADL XAPI-00169 compares the whole map).
    """
    if not language_map or not languages:
        return dict(language_map)
    lower = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted == "*":
            break
        if wanted in lower:
            tag = lower[wanted]
            return {tag: language_map[tag]}
        for tag_lower, tag in lower.items():
            if tag_lower.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


def activities_in(statement: dict[str, Any]) -> Iterator[dict[str, Any]]:
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        yield target
    elif kind == "SubStatement":
        yield from activities_in(target)
    for activities in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        yield from _listed(activities)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def activity_definitions(statement: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(activity id, definition) of every activity in the statement that carries a definition."""
    for activity in activities_in(dict(statement)):
        if activity.get("definition"):
            yield activity["id"], activity["definition"]


def merged_definition(known: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical definition after a statement with `new`: language maps merged, other fields replaced."""
    merged = dict(known or {})
    for name, value in new.items():
        if name in ("name", "description") and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return merged
