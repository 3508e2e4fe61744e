"""Strict validation of xAPI statements as a conformant LRS receives them.

Pure functions over parsed JSON (dict, list, str, int, float, bool, None); stdlib only. Each
object type is a table of its properties, each property with its checker and the spec section it
comes from; the few rules that join properties (one identifier per Agent, voiding, score ranges,
interaction component lists) follow each table. Errors name the property
(`statement.actor.mbox`) and end with the rule's source, e.g. "(xAPI 1.0.3 Data §2.4.2.3)".

Sections (xAPI 1.0.3 Data unless marked):
- §2.2 formatting: exact JSON types (no null outside extensions, no strings for numbers or
  booleans), case-exact keys and enumerations, no undefined properties, IRIs with a scheme,
  RFC 5646 language-map keys; §2.3.2 a voiding statement's object is a StatementRef
- §2.4.1 id, §2.4.2 actor (Agent, Group, inverse functional identifiers, Account), §2.4.3 verb,
  §2.4.4 object (Activity, definition, interactions, Agent/Group, StatementRef, SubStatement),
  §2.4.5 result and score, §2.4.6 context and contextActivities, §2.4.7 timestamp, §2.4.8 stored,
  §2.4.9 authority, §2.4.10 version, §2.4.11 attachments
- §4.1 extensions, §4.2 language maps, §4.3 IRIs, §4.4 UUIDs, §4.5 timestamps, §4.6 durations
- xAPI 1.0.3 Communication §2.1.1 (one id per batch), §2.1.3 and §2.3 (the `agent` parameter)
- xAPI 2.0.0 (IEEE 9274.1.1): context.contextAgents/contextGroups and statement version 2.0.x,
  accepted only when called with version="2.0.0"

Comments marked "suite:" are rules taken from ADL's lrs-conformance-test-suite (test/v1_0_3)
where the spec text alone does not demand them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
EMPTY = "Data §2.2.s2.b1; ADL XAPI-00001"  # suite: empty objects are refused, extensions excepted
Check = Callable[[object, str], None]  # checks one value found at a path


class StatementError(ValueError):
    """One reason a statement (or query parameter) is invalid."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _error(path: str, message: str, section: str) -> StatementError:
    source = section if section.startswith(("xAPI", "ADL", "RFC")) else f"xAPI 1.0.3 {section}"
    return StatementError(path, f"{message} ({source})")


# --- formats (Data §4) ----------------------------------------------------------------------------

# RFC 3987: a scheme (RFC 3986 §3.1), ":" and a non-empty rest; spaces, controls and the ASCII
# characters no IRI contains are refused. Finer checks are left out (best effort, §2.2.s4.b6).
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f-\x9f]+")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_MBOX = re.compile(r"mailto:[^@\s<>\"(),;:\\\[\]\x00-\x1f\x7f]+@[^@\s<>\"(),;:\\\[\]/?#\x00-\x1f\x7f]+")
_SHA1 = re.compile(r"[0-9A-Fa-f]{40}")
_SHA2 = re.compile(r"[0-9A-Fa-f]{56}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{96}|[0-9A-Fa-f]{128}")  # SHA-224 … SHA-512
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # RFC 2045 §5.1
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*")
_VERSION_1 = re.compile(r"1\.0(?:\.[0-9]+)?")  # Data §2.4.10.s3: "1.0" or "1.0.x"
_VERSION_2 = re.compile(r"2\.0(?:\.[0-9]+)?")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# RFC 5646 §2.1 langtag, any case: language[-extlang] [-script] [-region] *variant *extension
# [-privateuse], or private use alone. Subtags have fixed lengths between hyphens, so matching
# cannot backtrack badly. Groups: 1 the variants, 2 the extensions.
_LANGUAGE_TAG = re.compile(
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"((?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)((?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*)"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?|[Xx](?:-[A-Za-z0-9]{1,8})+"
)
_GRANDFATHERED = frozenset(
    "en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn i-tao i-tay i-tsu "
    "sgn-be-fr sgn-be-nl sgn-ch-de art-lojban cel-gaulish no-bok no-nyn zh-guoyu zh-hakka zh-min zh-min-nan "
    "zh-xiang".split()
)

# ISO 8601 date and time in extended or basic format (suite XAPI-00123 names both), each with
# its own offset form; seconds and fraction may be left out (reduced precision).
_TIMESTAMPS = (
    re.compile(
        r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
        r"(Z|[+-][0-9]{2}(?::[0-9]{2})?)?"
    ),
    re.compile(
        r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})(?:([0-9]{2})(?:[.,]([0-9]+))?)?"
        r"(Z|[+-][0-9]{2}(?:[0-9]{2})?)?"
    ),
)
# ISO 8601:2004 §4.4.3.2 (Data §4.6.s1.b1): PnYnMnDTnHnMnS or PnW; not the alternative format
# P0003-06-04T12:30:05 (§4.4.3.3). Only the last component may carry a fraction.
_N = r"[0-9]+(?:[.,][0-9]+)?"
_DURATION = re.compile(
    rf"P(?=[0-9T])(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?(?:T(?=[0-9])(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?|P{_N}W"
)
_FRACTION = re.compile(r"[.,][0-9]+[YMWDHS]")


def is_iri(value: str) -> bool:
    """An absolute IRI (RFC 3987): a scheme, ":" and a non-empty rest, no spaces or controls."""
    return type(value) is str and _IRI.fullmatch(value) is not None


def is_uuid(value: str) -> bool:
    """A UUID in RFC 4122 standard string form, any case, version or variant (Data §2.4.1, §4.4)."""
    return type(value) is str and _UUID.fullmatch(value) is not None


def is_duration(value: str) -> bool:
    """An ISO 8601:2004 §4.4.3.2 duration as Data §4.6 requires, e.g. PT4H35M59.14S, P3Y, P4W."""
    if type(value) is not str or _DURATION.fullmatch(value) is None:
        return False
    fraction = _FRACTION.search(value)
    return fraction is None or fraction.end() == len(value)


@lru_cache(maxsize=4096)  # the same few tags arrive in every statement
def _is_language_tag(tag: str) -> bool:
    """Well-formed RFC 5646, with no variant or extension singleton repeated (§2.2.5, §2.2.6)."""
    if tag.lower() in _GRANDFATHERED:
        return True
    match = _LANGUAGE_TAG.fullmatch(tag)
    if match is None:
        return False
    variants, extensions = (part.lower().split("-")[1:] if part else [] for part in match.groups())
    singletons = [subtag for subtag in extensions if len(subtag) == 1]
    return len(set(variants)) == len(variants) and len(set(singletons)) == len(singletons)


def parse_timestamp(value: str, *, path: str = "timestamp") -> datetime:
    """The aware UTC instant of an ISO 8601 timestamp (Data §4.5); no offset is read as UTC.

    A timestamp SHOULD* carry a time zone (§4.5.s1.b4), so one without is accepted. A negative
    zero offset (-00, -0000, -00:00) is refused: ISO 8601 writes zero as "+" or "Z", RFC 3339 §4.3
    means "offset unknown" by -00:00, and the suite rejects all three.
    """
    match = type(value) is str and (_TIMESTAMPS[0].fullmatch(value) or _TIMESTAMPS[1].fullmatch(value))
    if not match:
        raise _error(path, f"must be an ISO 8601 date and time, not {_show(value)}", "Data §4.5.s1.b1")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    zone = UTC
    if offset and offset != "Z":
        hours, minutes = int(offset[1:3]), int(offset[3:].lstrip(":") or 0)
        if hours > 23 or minutes > 59 or (hours == minutes == 0 and offset[0] == "-"):
            raise _error(path, f"{value!r} has no valid offset (UTC is Z or +00:00)", "Data §4.5.s1.b1; RFC 3339 §4.3")
        shift = timedelta(hours=hours, minutes=minutes)
        zone = timezone(-shift if offset[0] == "-" else shift)
    microseconds = int((fraction or "0")[:6].ljust(6, "0"))  # §4.5.s1.b7: precision may be truncated
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), microseconds, zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _error(path, f"{value!r} is not a valid date and time", "Data §4.5.s1.b1") from None


# --- JSON shapes --------------------------------------------------------------------------------

_KINDS = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array", dict: "an object"}


def _kind(value: object) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    return repr(value) if type(value) is str else _kind(value)


def _entry(path: str, key: object) -> str:
    """The path of a map entry (language map, extensions): `display["en-US"]`."""
    return f"{path}[{json.dumps(str(key), ensure_ascii=False)}]"


def _child(path: str, key: object) -> str:
    """The path of a property: `actor.mbox`, or `actor["odd key"]` when the key is not a plain name."""
    return f"{path}.{key}" if _PLAIN_KEY.fullmatch(str(key)) else _entry(path, key)


def _object(value: object, path: str, what: str, section: str, *, empty_ok: bool = True) -> dict:
    if type(value) is not dict:
        raise _error(path, f"must be {what} (a JSON object), not {_kind(value)}", section)
    if not value and not empty_ok:
        raise _error(path, f"must not be an empty object ({what})", EMPTY)
    return value


def _list(value: object, path: str, what: str, section: str) -> list:
    if type(value) is not list:
        raise _error(path, f"must be {what}, not {_kind(value)}", section)
    return value


def _properties(obj: dict, table: dict, path: str, what: str, required: tuple = (), section: str = "") -> None:
    """Check each property by its table; unknown or case-changed keys are refused (§2.2.s4.b1.b5, b7)."""
    if "objectType" in obj and "objectType" in table:  # a wrong type explains the other keys best
        table["objectType"](obj["objectType"], f"{path}.objectType")
    if not obj.keys() <= table.keys():
        key = next(key for key in obj if key not in table)
        near = [name for name in table if name.lower() == str(key).lower()]
        hint, rule = (f"; keys are case-sensitive: {near[0]!r}", "b5") if near else ("", "b7")
        raise _error(_child(path, key), f"is not a property of {what}{hint}", f"Data §2.2.s4.b1.{rule}, §2.2.s4.b8")
    for key in required:
        if key not in obj:
            raise _error(f"{path}.{key}", f"is required in {what}", section)
    for key, value in obj.items():
        table[key](value, f"{path}.{key}")


def _later(value: object, path: str) -> None:
    """A property checked after its table, because its rules involve other properties."""


def _must(test: Callable[[object], bool], what: str, section: str) -> Check:
    """A property check: `test(value)` holds, or the error says what the value must be."""

    def check(value: object, path: str) -> None:
        if not test(value):
            raise _error(path, f"must be {what}, not {_show(value)}", section)

    return check


def _string(section: str) -> Check:
    return _must(lambda value: type(value) is str, "a string", section)


def _boolean(section: str) -> Check:  # §2.2.s4.b1.b3: not even the string "true"
    return _must(lambda value: type(value) is bool, "true or false", section)


def _is_number(value: object) -> bool:  # §2.2.s4.b1.b2: not even a string of digits; nor NaN
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _iri(section: str, what: str = "an IRI") -> Check:  # §2.2.s4.b1.b4, b8: with a scheme, never ""
    return _must(is_iri, f"{what} with a scheme, like https://example.com/x", section)


def _pattern(regex: re.Pattern, what: str, section: str) -> Check:
    return _must(lambda value: type(value) is str and regex.fullmatch(value) is not None, what, section)


def _array_of(item: Check, what: str, section: str) -> Check:
    def check(value: object, path: str) -> None:
        for index, element in enumerate(_list(value, path, what, section)):
            item(element, f"{path}[{index}]")

    return check


def _table(table: dict, what: str, section: str, required: tuple = (), *, empty_ok: bool = True) -> Check:
    """The check of an object described by `table`."""

    def check(value: object, path: str) -> None:
        _properties(_object(value, path, what, section, empty_ok=empty_ok), table, path, what, required, section)

    return check


def check_language_map(value, path) -> None:
    """A Language Map (Data §4.2): RFC 5646 tags to strings; suite: at least one entry."""
    for tag, text in _object(value, path, "a Language Map", "Data §4.2", empty_ok=False).items():
        if type(tag) is not str or not _is_language_tag(tag):  # §2.2.s4.b2: at least the token lengths
            raise _error(_entry(path, tag), f"{tag!r} is not an RFC 5646 language tag", "Data §2.2.s4.b2, §4.2")
        if type(text) is not str:
            raise _error(_entry(path, tag), f"must be a string, not {_kind(text)}", "Data §4.2")


def _extensions(value: object, path: str) -> None:
    # §4.1: keys are IRIs; values are never judged (§4.1.s3.b2), null included. suite: {} is fine.
    for key in _object(value, path, "an extensions map", "Data §4.1.s2"):
        if not is_iri(key):
            raise _error(_entry(path, key), f"extension key {key!r} must be an IRI", "Data §4.1.s3.b1")


def _timestamp(value: object, path: str) -> None:
    parse_timestamp(value, path=path)


_UUID_STRING = "a UUID in standard string form"


# --- actors (Data §2.4.2) ---------------------------------------------------------------------------

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_ACCOUNT = {"homePage": _iri("Data §2.4.2.4.s2.table1.row1", "an IRL"), "name": _string("Data §2.4.2.4.s2.table1.row2")}
_AGENT = {
    "objectType": _later,
    "name": _string("Data §2.4.2.1.s2.table1.row2"),
    # "The required format is 'mailto:email address'": that scheme, in lower case
    "mbox": _pattern(_MBOX, "'mailto:' and an email address", "Data §2.4.2.3.s3.table1.row1"),
    "mbox_sha1sum": _pattern(_SHA1, "the 40 hex digits of a SHA-1 hash", "Data §2.4.2.3.s3.table1.row2"),
    "openid": _iri("Data §2.4.2.3.s3.table1.row3", "a URI"),
    "account": _table(_ACCOUNT, "an Account Object", "Data §2.4.2.4.s2.table1", ("homePage", "name")),
}


def _member(value: object, path: str) -> None:
    check_agent(value, path=path, allow_group=False)


_GROUP = {**_AGENT, "member": _array_of(_member, "an array of Agents", "Data §2.4.2.2.s2.table1.row3")}


def check_agent(value: object, *, path: str = "agent", allow_group: bool = True) -> None:
    """An Agent, or (when allowed) an identified or anonymous Group, as used in statements."""
    actor = _object(value, path, "an Agent or Group" if allow_group else "an Agent", "Data §2.4.2")
    object_type = actor.get("objectType", "Agent")
    if object_type == "Agent":
        _properties(actor, _AGENT, path, "an Agent")
        ifis = [key for key in _IFIS if key in actor]
        if len(ifis) != 1:
            found = ", ".join(ifis) or "none"
            raise _error(path, f"must have one of {', '.join(_IFIS)}; has {found}", "Data §2.4.2.1.s2.b1, b2")
    elif object_type == "Group" and allow_group:
        _properties(actor, _GROUP, path, "a Group")
        ifis = [key for key in _IFIS if key in actor]
        if len(ifis) > 1:
            raise _error(path, f"must have one identifier, not {', '.join(ifis)}", "Data §2.4.2.2.s5.b1")
        if not ifis and not actor.get("member"):
            raise _error(f"{path}.member", "must list the Agents of an anonymous Group", "Data §2.4.2.2.s4.b1")
    elif object_type == "Group":
        raise _error(f"{path}.objectType", "must be 'Agent': Groups hold Agents only", "Data §2.4.2.2.s4.b2, s5.b2")
    else:
        expected = "'Agent' or 'Group'" if allow_group else "'Agent'"
        raise _error(f"{path}.objectType", f"must be {expected}, not {_show(object_type)}", "Data §2.4.2.1.s2.table1")


def _actor(value: object, path: str) -> None:
    check_agent(value, path=path)


def _group(value: object, path: str) -> None:
    if type(value) is dict and value.get("objectType") != "Group":
        raise _error(f"{path}.objectType", "must be 'Group'", "Data §2.4.6.s3.table1.row3")
    check_agent(value, path=path)


def _authority(value: object, path: str) -> None:
    check_agent(value, path=path)
    # §2.4.9.s3.b1: an Agent, or for 3-legged OAuth a Group of two Agents (consumer and user).
    # suite (XAPI-00098): that Group is anonymous; an identifier would name neither party.
    if value.get("objectType") == "Group":
        if any(key in value for key in _IFIS):
            raise _error(path, "must be an anonymous Group", "Data §2.4.9.s3.b1; ADL XAPI-00098")
        if len(value["member"]) != 2:
            raise _error(f"{path}.member", "must be two Agents (OAuth consumer and user)", "Data §2.4.9.s3.b1")


def parse_agent_parameter(text: str, *, name: str = "agent", allow_group: bool = True) -> dict:
    """The `agent` query parameter: JSON of an Agent, or of an identified Group when allowed.

    Communication §2.1.3 and §2.3 ("Agent or identified Group Object (JSON)"); Data §2.2.s4.b4:
    parameters are validated as the same types in statements.
    """
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise _error(name, "must be the JSON of an Agent", "Communication §2.3") from None
    check_agent(value, path=name, allow_group=allow_group)
    if not any(key in value for key in _IFIS):
        raise _error(name, "must be an identified Group, not an anonymous one", "Communication §2.1.3")
    return value


# --- activities (Data §2.4.4.1) -------------------------------------------------------------------

_INTERACTION_TYPES = (
    "true-false choice fill-in long-fill-in matching performance sequencing likert numeric other".split()
)
_INTERACTION_PROPERTIES = ("correctResponsesPattern", "choices", "scale", "source", "target", "steps")
# §2.4.4.1.s15 table 2: the interaction component lists each interactionType supports.
_COMPONENT_LISTS = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}
_COMPONENT = {"id": _string("Data §2.4.4.1.s15.table1.row1"), "description": check_language_map}
_component = _table(_COMPONENT, "an interaction component", "Data §2.4.4.1.s15.table1", ("id",))
_component_list = _array_of(_component, "an array of interaction components", "Data §2.4.4.1.s8.table1.row3")


def _components(value: object, path: str) -> None:
    _component_list(value, path)
    seen: set[str] = set()
    for index, component in enumerate(value):
        if component["id"] in seen:
            raise _error(f"{path}[{index}].id", f"repeats {component['id']!r}", "Data §2.4.4.1.s16.b1")
        seen.add(component["id"])


_DEFINITION = {
    "name": check_language_map,
    "description": check_language_map,
    "type": _iri("Data §2.4.4.1.s2.table1.row3"),
    "moreInfo": _iri("Data §2.4.4.1.s2.table1.row4", "an IRL"),
    "extensions": _extensions,
    "interactionType": _must(
        lambda value: type(value) is str and value in _INTERACTION_TYPES,
        "one of " + ", ".join(_INTERACTION_TYPES),
        "Data §2.4.4.1.s13.b1, §2.2.s4.b1.b6",
    ),
    # an empty array means that no answer is correct (§2.4.4.1.s11)
    "correctResponsesPattern": _array_of(_string("Data §2.4.4.1.s8"), "an array of strings", "Data §2.4.4.1.s8"),
    **dict.fromkeys(("choices", "scale", "source", "target", "steps"), _components),
}


def _definition(value: object, path: str) -> None:
    # An empty definition is accepted: Data §2.4.4.1.s2 lists properties a definition may have, none
    # it must; the ADL suite (verify.js, "definition missing all properties") expects 200.
    definition = _object(value, path, "an Activity Definition", "Data §2.4.4.1.s2")
    _properties(definition, _DEFINITION, path, "an Activity Definition")
    interaction_type = definition.get("interactionType")
    supported = _COMPONENT_LISTS.get(interaction_type, ())
    for key in _INTERACTION_PROPERTIES:
        if key in definition and interaction_type is None:  # suite XAPI-00064
            raise _error(f"{path}.interactionType", f"is required with {key!r}", "Data §2.4.4.1.s8.table1.row1")
        if key in definition and key != "correctResponsesPattern" and key not in supported:
            # §2.4.4.1.s13.b3: the LRS may refuse properties that do not fit the interactionType
            uses = " and ".join(supported) or "no component list"
            message = f"does not go with interactionType {interaction_type!r} (it uses {uses})"
            raise _error(f"{path}.{key}", message, "Data §2.4.4.1.s15.table2, s13.b3")


_ACTIVITY = {
    "objectType": _pattern(re.compile("Activity"), "'Activity'", "Data §2.4.4.1.s1.table1.row1"),
    "id": _iri("Data §2.4.4.1.s1.table1.row2"),
    "definition": _definition,
}
_activity = _table(_ACTIVITY, "an Activity", "Data §2.4.4.1.s1.table1", ("id",))


# --- statements (Data §2.4) -----------------------------------------------------------------------


def _score(value: object, path: str) -> None:
    score = _object(value, path, "a Score Object", "Data §2.4.5.1", empty_ok=False)
    _properties(score, _SCORE, path, "a Score Object")
    scaled, raw, low, high = (score.get(key) for key in ("scaled", "raw", "min", "max"))
    if scaled is not None and not -1 <= scaled <= 1:
        raise _error(f"{path}.scaled", f"must be from -1 to 1, not {scaled}", "Data §2.4.5.1.s2.table1.row1")
    if low is not None and high is not None and not low < high:  # "min: less than max"
        raise _error(f"{path}.min", f"must be less than max ({high}), not {low}", "Data §2.4.5.1.s2.table1.row3")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        raise _error(f"{path}.raw", f"must lie from min to max, not {raw}", "Data §2.4.5.1.s2.table1.row2")


def _context_activities(value: object, path: str) -> None:
    # suite (contexts.js): an empty contextActivities object is refused
    activities = _object(value, path, "a contextActivities Object", "Data §2.4.6.2", empty_ok=False)
    for key, item in activities.items():
        if key not in ("parent", "grouping", "category", "other"):
            raise _error(_child(path, key), "must be parent, grouping, category or other", "Data §2.4.6.2.s4.b1")
        if type(item) is list:  # §2.4.6.2.s4.b2: an Activity or an array of Activities
            _array_of(_activity, "an array of Activities", "Data §2.4.6.2.s4.b2")(item, f"{path}.{key}")
        else:
            _activity(item, f"{path}.{key}")


def _context_actors(object_type: str, member: str, member_check: Check) -> Check:
    """xAPI 2.0.0 contextAgents / contextGroups: [{objectType, agent|group, relevantTypes}]."""
    section = "xAPI 2.0.0 Data §2.4.6, Context Agents and Context Groups tables"
    iris = _array_of(_iri(section), "an array of IRIs", section)

    def relevant_types(value: object, path: str) -> None:
        iris(value, path)
        if not value:
            raise _error(path, "must list at least one IRI", section)

    table = {
        "objectType": _pattern(re.compile(object_type), repr(object_type), section),
        member: member_check,
        "relevantTypes": relevant_types,
    }
    entry = _table(table, f"a {object_type} Object", section, ("objectType", member))
    return _array_of(entry, f"an array of {object_type} Objects", section)


_VERB = {"id": _iri("Data §2.4.3.s3.table1.row1"), "display": check_language_map}
_STATEMENT_REF = {
    "objectType": _pattern(re.compile("StatementRef"), "'StatementRef'", "Data §2.4.4.3.s4.b1"),
    "id": _pattern(_UUID, _UUID_STRING, "Data §2.4.4.3.s4.table1.row2"),
}
_statement_ref = _table(_STATEMENT_REF, "a Statement Reference", "Data §2.4.4.3.s4", ("objectType", "id"))
_SCORE = dict.fromkeys(("scaled", "raw", "min", "max"), _must(_is_number, "a number", "Data §2.4.5.1.s2.table1"))
_RESULT = {
    "score": _score,
    "success": _boolean("Data §2.4.5.s2.table1.row2"),
    "completion": _boolean("Data §2.4.5.s2.table1.row3"),
    "response": _string("Data §2.4.5.s2.table1.row4"),
    "duration": _must(is_duration, "an ISO 8601 duration like PT1H30M, P3Y or P4W", "Data §4.6.s1.b1"),
    "extensions": _extensions,
}
_CONTEXT = {
    "registration": _pattern(_UUID, _UUID_STRING, "Data §2.4.6.s3.table1.row1"),
    "instructor": _actor,  # "Agent (MAY be a Group)"
    "team": _group,
    "contextActivities": _context_activities,
    "revision": _string("Data §2.4.6.s3.table1.row5"),
    "platform": _string("Data §2.4.6.s3.table1.row6"),
    "language": _must(
        lambda value: type(value) is str and _is_language_tag(value), "an RFC 5646 tag", "Data §2.4.6.s3.table1.row7"
    ),
    "statement": _statement_ref,
    "extensions": _extensions,
}
_CONTEXT_2_0 = {
    **_CONTEXT,
    "contextAgents": _context_actors("contextAgent", "agent", _member),
    "contextGroups": _context_actors("contextGroup", "group", _group),
}
_ATTACHMENT = {
    "usageType": _iri("Data §2.4.11.s2.table1.row1"),
    "display": check_language_map,
    "description": check_language_map,
    "contentType": _pattern(_MEDIA_TYPE, "an Internet Media Type", "Data §2.4.11.s2.table1.row4; RFC 2046"),
    "length": _must(
        lambda value: type(value) is int and value >= 0, "a count of octets", "Data §2.4.11.s2.table1.row5"
    ),
    "sha2": _pattern(_SHA2, "the hex digits of a SHA-2 hash", "Data §2.4.11.s2.table1.row6"),
    "fileUrl": _iri("Data §2.4.11.s2.table1.row7", "an IRL"),
}
_attachment = _table(
    _ATTACHMENT, "an Attachment", "Data §2.4.11.s2.table1", tuple("usageType display contentType length sha2".split())
)
_SUBSTATEMENT = {
    "objectType": _later,
    "actor": _actor,
    "verb": _table(_VERB, "a Verb", "Data §2.4.3.s3.table1", ("id",)),
    "object": _later,
    "result": _table(_RESULT, "a Result Object", "Data §2.4.5", empty_ok=False),
    "context": _later,
    "timestamp": _timestamp,  # not rejected for being in the future (§2.4.7.s3.b5, b6)
    "attachments": _array_of(_attachment, "an array of Attachments", "Data §2.4.s1.table1.row11"),
}
_STATEMENT = {
    **{key: check for key, check in _SUBSTATEMENT.items() if key != "objectType"},
    "id": _pattern(_UUID, _UUID_STRING, "Data §2.4.1"),
    "stored": _timestamp,
    "authority": _authority,
    "version": _later,
}
_OBJECT_TYPES = ("Activity", "Agent", "Group", "SubStatement", "StatementRef")


def check_statement(statement: object, *, version: str = "1.0.3", path: str = "statement") -> None:
    """Raise StatementError for the first problem of one statement as received from a client.

    `version` is the request's xAPI version: "2.0.0" also admits xAPI 2.0 properties, unless the
    statement itself declares a 1.0.x version.
    """
    xapi_2 = version.startswith("2.")
    if xapi_2 and type(statement) is dict and str(statement.get("version", "")).startswith("1."):
        xapi_2 = False
    _statement(statement, path, xapi_2, substatement=False)


def check_statements(body: object, *, version: str = "1.0.3") -> list[dict]:
    """The body of POST statements: one statement or a non-empty array; returns the list."""
    if type(body) is dict:
        check_statement(body, version=version)
        return [body]
    statements = _list(body, "statements", "a Statement or an array of Statements", "Communication §2.1.2")
    if not statements:
        raise _error("statements", "must hold at least one Statement", "Communication §2.1.2")
    first_with_id: dict[str, int] = {}
    for index, statement in enumerate(statements):
        check_statement(statement, version=version, path=f"statements[{index}]")
        first = first_with_id.setdefault(statement["id"].lower(), index) if "id" in statement else index
        if first != index:
            raise _error(f"statements[{index}].id", f"repeats statements[{first}].id", "Communication §2.1.1.s2.b4")
    return statements


def _statement(value: object, path: str, xapi_2: bool, *, substatement: bool) -> None:
    what = "a SubStatement" if substatement else "a Statement"
    statement = _object(value, path, what, "Data §2.4")
    for key in ("id", "stored", "version", "authority") if substatement else ():
        if key in statement:
            raise _error(f"{path}.{key}", "must not be used in a SubStatement", "Data §2.4.4.3.s8.b3")
    table = _SUBSTATEMENT if substatement else _STATEMENT
    _properties(statement, table, path, what, ("actor", "verb", "object"), "Data §2.2.s2.b3")
    object_type = _object_of(statement["object"], f"{path}.object", xapi_2, substatement)
    if statement["verb"]["id"] == VOIDED and object_type != "StatementRef":
        raise _error(f"{path}.object.objectType", "must be 'StatementRef' when voiding", "Data §2.3.2.s2.b1")
    if "context" in statement:
        context = _object(statement["context"], f"{path}.context", "a Context Object", "Data §2.4.6", empty_ok=False)
        for key in ("contextAgents", "contextGroups") if not xapi_2 else ():
            if key in context:
                raise _error(f"{path}.context.{key}", "is xAPI 2.0.0, not 1.0.x", "Data §2.4.6.s3.table1")
        _properties(context, _CONTEXT_2_0 if xapi_2 else _CONTEXT, f"{path}.context", "a Context Object")
        for key, rule in (("revision", "b1"), ("platform", "b2")):
            if key in context and object_type != "Activity":
                raise _error(f"{path}.context.{key}", f"is for Activities, not {object_type}", f"Data §2.4.6.s4.{rule}")
    declared = statement.get("version", "1.0.0")
    if not (type(declared) is str and (_VERSION_1.fullmatch(declared) or xapi_2 and _VERSION_2.fullmatch(declared))):
        raise _error(f"{path}.version", f"must be 1.0 or 1.0.x, not {_show(declared)}", "Data §2.4.10.s3.b2")


def _object_of(value: object, path: str, xapi_2: bool, substatement: bool) -> str:
    obj = _object(value, path, "an Activity, Agent, Group, SubStatement or StatementRef", "Data §2.4.4")
    object_type = obj.get("objectType", "Activity")  # §2.4.4.s2: Activity when absent
    if object_type == "Activity" and "objectType" not in obj and any(key in obj for key in (*_IFIS, "member")):
        raise _error(f"{path}.objectType", "is required for an Agent or Group", "Data §2.4.4.2.s1.b1")
    if object_type == "Activity":
        _activity(obj, path)
    elif object_type == "Agent" or object_type == "Group":
        check_agent(obj, path=path)
    elif object_type == "StatementRef":
        _statement_ref(obj, path)
    elif object_type == "SubStatement" and not substatement:
        _statement(obj, path, xapi_2, substatement=True)
    elif object_type == "SubStatement":
        raise _error(f"{path}.objectType", "must not nest a SubStatement", "Data §2.4.4.3.s8.b4")
    else:
        choices = ", ".join(_OBJECT_TYPES)
        raise _error(f"{path}.objectType", f"must be one of {choices}, not {_show(object_type)}", "Data §2.4.4.s2")
    return object_type
