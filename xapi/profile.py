"""The statements microquest packages send, as an xAPI Profile (JSON-LD), and a checker for them.

The profile is the published contract between the packages and whoever reads the
LRS (the award, a provider's dashboards): its statement templates name the verb,
the object's activity type, the context activity types and the rules each
statement follows. `statement_problems` checks a statement against the template
it claims to follow, with the rules evaluated as the profile spec says (JSONPath
locations; presence, any, all, none).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from jsonpath_ng.ext import parse as parse_jsonpath

from .iris import CMI5_CATEGORY, CMI5_MOVEON_CATEGORY, CMI5_SESSION_ID, VERBS, Iris

PROFILE_CONTEXT = "https://w3id.org/xapi/profiles/context"
PROFILES_VERSION = "https://w3id.org/xapi/profiles#1.0"
PROFILE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/profile"
# The date the current version (v1) of the templates was fixed; a change to any
# template's determining properties or rules makes a new version with a new date.
VERSION_GENERATED_AT = "2026-11-25T00:00:00Z"


@dataclass(frozen=True)
class Rule:
    location: str
    presence: str | None = None
    any: tuple = ()
    all: tuple = ()
    none: tuple = ()

    def document(self) -> dict:
        made: dict = {"location": self.location}
        if self.presence:
            made["presence"] = self.presence
        for key in ("any", "all", "none"):
            if getattr(self, key):
                made[key] = list(getattr(self, key))
        return made


@dataclass(frozen=True)
class Template:
    name: str
    label: str
    definition: str
    verb: str
    object_type: str
    parent_types: tuple[str, ...] = ()
    grouping_types: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = field(default=())


def templates(iris: Iris) -> tuple[Template, ...]:
    types = iris.activity_types
    profile_category = Rule("$.context.contextActivities.category[*].id", "included", any=(iris.profile_version,))
    registration = Rule("$.context.registration", "included")
    completion = Rule("$.result.completion", "included", all=(True,))
    duration = Rule("$.result.duration", "included")
    session = Rule(f"$.context.extensions['{CMI5_SESSION_ID}']", "included")
    cmi5_category = Rule("$.context.contextActivities.category[*].id", "included", any=(CMI5_CATEGORY,))
    common = (Rule("$.id", "included"), Rule("$.timestamp", "included"), profile_category, registration)
    return (
        Template(
            "activity-completed",
            "Aktivnost opravljena",
            "The learner finished one activity of a unit (xAPI package). Object: the activity; "
            "parent: its unit; grouping: the course.",
            VERBS["completed"],
            types["activity"],
            parent_types=(types["unit"],),
            grouping_types=(types["course"],),
            rules=(*common, completion, duration, Rule("$.result.success", "excluded")),
        ),
        Template(
            "canvas-submitted",
            "Kanvas oddan",
            "The learner submitted a worksheet (canvas). Object: the canvas; parent: the activity that "
            "holds it; grouping: its unit and the course; the full answers in the canvas-responses "
            "result extension, keyed by field IRI (a table field: a list of rows, each {column id: text}).",
            VERBS["submitted"],
            types["canvas"],
            parent_types=(types["activity"],),
            grouping_types=(types["unit"], types["course"]),
            rules=(
                *common,
                completion,
                Rule(f"$.result.extensions['{iris.responses_extension}']", "included"),
                Rule("$.context.contextActivities.category[*].id", none=(CMI5_CATEGORY, CMI5_MOVEON_CATEGORY)),
            ),
        ),
        Template(
            "course-completed",
            "Tečaj opravljen",
            "Every activity of the course is completed: sent once, by the page on which the last one was "
            "completed (what Moodle's mod_tincanlaunch completion by verb watches).",
            VERBS["completed"],
            types["course"],
            rules=(*common, completion, Rule("$.context.contextActivities.parent", "excluded")),
        ),
        Template(
            "cmi5-initialized",
            "cmi5: AU začet",
            "cmi5 defined statement: the first statement of an AU session.",
            VERBS["initialized"],
            types["activity"],
            rules=(*common, session, cmi5_category, Rule("$.result", "excluded")),
        ),
        Template(
            "cmi5-completed",
            "cmi5: AU opravljen",
            "cmi5 defined statement: the learner finished the AU (moveOn Completed); at most once per registration.",
            VERBS["completed"],
            types["activity"],
            rules=(
                *common,
                session,
                cmi5_category,
                Rule("$.context.contextActivities.category[*].id", "included", any=(CMI5_MOVEON_CATEGORY,)),
                completion,
                duration,
                Rule("$.result.score", "excluded"),
                Rule("$.result.success", "excluded"),
            ),
        ),
        Template(
            "cmi5-terminated",
            "cmi5: AU končan",
            "cmi5 defined statement: the last statement of an AU session.",
            VERBS["terminated"],
            types["activity"],
            rules=(*common, session, cmi5_category, duration),
        ),
    )


def template_id(iris: Iris, template: Template) -> str:
    return f"{iris.profile}/templates/{template.name}"


def template_document(iris: Iris, template: Template) -> dict:
    made = {
        "id": template_id(iris, template),
        "type": "StatementTemplate",
        "inScheme": iris.profile_version,
        "prefLabel": {"sl": template.label},
        "definition": {"en": template.definition},
        "verb": template.verb,
        "objectActivityType": template.object_type,
    }
    if template.parent_types:
        made["contextParentActivityType"] = list(template.parent_types)
    if template.grouping_types:
        made["contextGroupingActivityType"] = list(template.grouping_types)
    made["rules"] = [rule.document() for rule in template.rules]
    return made


def profile_document(iris: Iris, name: str, description: str, author: str, language: str) -> dict:
    """The profile: concepts this course defines, the statement templates, the patterns they form."""
    version = iris.profile_version
    ids = {t.name: template_id(iris, t) for t in templates(iris)}
    pattern = f"{iris.profile}/patterns/"
    return {
        "@context": PROFILE_CONTEXT,
        "id": iris.profile,
        "type": "Profile",
        "conformsTo": PROFILES_VERSION,
        "prefLabel": {language: f"Profil xAPI: {name}"},
        "definition": {language: description},
        "author": {"type": "Organization", "name": author},
        "versions": [{"id": version, "generatedAtTime": VERSION_GENERATED_AT}],
        "concepts": [
            {
                "id": iris.canvas_type,
                "type": "ActivityType",
                "inScheme": version,
                "prefLabel": {"sl": "Kanvas (delovni list)", "en": "Canvas (worksheet)"},
                "definition": {"en": "A worksheet of the workshop whose fields the learner fills in and submits."},
            },
            {
                "id": iris.responses_extension,
                "type": "ResultExtension",
                "inScheme": version,
                "prefLabel": {"sl": "Odgovori kanvasa", "en": "Canvas responses"},
                "definition": {"en": "The full answers of a submitted canvas, keyed by canvas field IRI."},
                "recommendedVerbs": [VERBS["submitted"]],
                "inlineSchema": json.dumps(RESPONSES_SCHEMA, sort_keys=True),
            },
        ],
        "templates": [template_document(iris, t) for t in templates(iris)],
        "patterns": [
            {
                "id": pattern + "xapi-attempt",
                "type": "Pattern",
                "inScheme": version,
                "primary": True,
                "prefLabel": {"sl": "Delo v paketu xAPI"},
                "definition": {
                    "en": "One registration of the xAPI package: activities completed and canvases "
                    "submitted in any order, the course completed once at the end."
                },
                "sequence": [pattern + "xapi-work", pattern + "xapi-course-end"],
            },
            {
                "id": pattern + "xapi-work",
                "type": "Pattern",
                "inScheme": version,
                "zeroOrMore": pattern + "xapi-step",
            },
            {
                "id": pattern + "xapi-step",
                "type": "Pattern",
                "inScheme": version,
                "alternates": [ids["activity-completed"], ids["canvas-submitted"]],
            },
            {
                "id": pattern + "xapi-course-end",
                "type": "Pattern",
                "inScheme": version,
                "optional": ids["course-completed"],
            },
            {
                "id": pattern + "cmi5-session",
                "type": "Pattern",
                "inScheme": version,
                "primary": True,
                "prefLabel": {"sl": "Seja AU cmi5"},
                "definition": {
                    "en": "One cmi5 AU session: initialized first, canvases submitted and the AU "
                    "completed in between, terminated last."
                },
                "sequence": [ids["cmi5-initialized"], pattern + "cmi5-work", ids["cmi5-terminated"]],
            },
            {
                "id": pattern + "cmi5-work",
                "type": "Pattern",
                "inScheme": version,
                "zeroOrMore": pattern + "cmi5-step",
            },
            {
                "id": pattern + "cmi5-step",
                "type": "Pattern",
                "inScheme": version,
                "alternates": [ids["canvas-submitted"], ids["cmi5-completed"]],
            },
        ],
    }


RESPONSES_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}}},
        ]
    },
}


@cache
def _path(location: str):
    return parse_jsonpath(location)


def _activity_types(statement: dict, key: str) -> list[str | None]:
    activities = statement.get("context", {}).get("contextActivities", {}).get(key, [])
    return [a.get("definition", {}).get("type") for a in activities]


def determining_problems(statement: dict, template: Template) -> list[str]:
    problems = []
    if statement.get("verb", {}).get("id") != template.verb:
        problems.append(f"verb is {statement.get('verb', {}).get('id')!r}, expected {template.verb!r}")
    object_type = statement.get("object", {}).get("definition", {}).get("type")
    if object_type != template.object_type:
        problems.append(f"object type is {object_type!r}, expected {template.object_type!r}")
    for key, wanted in (("parent", template.parent_types), ("grouping", template.grouping_types)):
        present = _activity_types(statement, key)
        problems += [f"no {key} activity of type {t!r}" for t in wanted if t not in present]
    return problems


def rule_problems(statement: dict, rule: Rule) -> list[str]:
    values = [match.value for match in _path(rule.location).find(statement)]
    where = rule.location
    if rule.presence == "included" and not values:
        return [f"{where}: missing, the template requires it"]
    if rule.presence == "excluded" and values:
        return [f"{where}: present, the template excludes it"]
    problems = []
    if rule.any and values and not any(v in rule.any for v in values):
        problems.append(f"{where}: none of {values!r} is one of {list(rule.any)!r}")
    if rule.all and values and not all(v in rule.all for v in values):
        problems.append(f"{where}: {values!r} not all in {list(rule.all)!r}")
    if rule.none and any(v in rule.none for v in values):
        problems.append(f"{where}: {values!r} contains one of the excluded {list(rule.none)!r}")
    return problems


def statement_problems(statement: dict, template: Template) -> list[str]:
    """Why `statement` does not follow `template`; empty when it does."""
    problems = determining_problems(statement, template)
    for rule in template.rules:
        problems += rule_problems(statement, rule)
    return problems


def matching_template(statement: dict, candidates: Iterable[Template]) -> Template | None:
    """The template whose determining properties (verb, object type, context types) the statement has."""
    return next((t for t in candidates if not determining_problems(statement, t)), None)
