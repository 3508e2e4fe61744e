"""xapi/lrs/validation.py: what a strict xAPI 1.0.3 LRS accepts and rejects.

The cases follow the checks of ADL's LRS conformance suite (lrs-conformance-test-suite,
test/v1_0_3/configs: formatting, actors, agents, groups, ifis, accountobjects, verbs, objects,
activities, substatements, statementrefs, results, durations, contexts, contextactivities,
timestamps, uuids, languages, extensions, attachments, authorities, version, voiding) and the
xAPI 1.0.3 Data text, with our own data. A rejected case names the property the error must
point at, so each case fails for the reason it is about.

Where the suite and the text part, these tests pin the choice:
- empty objects (language maps, definition, result, score, context, contextActivities) are
  rejected, as the suite's XAPI-00001 says; the text only says providers SHOULD NOT send them
  (Data §2.2.s2.b1). An empty extensions object is accepted, as the suite requires.
- an authority Group must be anonymous with two members (suite XAPI-00098); the text says "a
  Group with two Agents" (§2.4.9.s3.b1).
- the interaction properties need an interactionType (suite XAPI-00064) and component lists must
  suit it (§2.4.4.1.s13.b3 allows the LRS to refuse them).
- context.language is an RFC 5646 tag (§2.4.6 table); an early suite revision expected a
  50-letter "tag" to pass, the current one rejects "something".
- score.min must be less than max, as the text says ("less than"), so min == max is rejected.
- "P16559.14S" in the text's duration examples lacks the "T" ISO 8601 needs; it is rejected
  (the suite uses "PT16559.14S").

Choices where neither says enough: "MAILTO:" is rejected ("the required format is 'mailto:email
address'"); a timestamp without a time zone is accepted and read as UTC (§4.5.s1.b4 is a SHOULD*);
extended and basic ISO 8601 forms may not be mixed; UUIDs of any version or variant are accepted
(the text's own example id is not RFC 4122 variant 2).
"""

from __future__ import annotations

import copy
import json
import re
import time
import timeit
from datetime import UTC, datetime, timedelta, timezone

import pytest

from xapi.lrs.validation import (
    StatementError,
    check_agent,
    check_language_map,
    check_statement,
    check_statements,
    is_duration,
    is_iri,
    is_uuid,
    parse_agent_parameter,
    parse_timestamp,
)

AGENT = {"objectType": "Agent", "name": "Ana Novak", "mbox": "mailto:ana.novak@example.si"}
OTHER_AGENT = {"account": {"homePage": "https://moodle.example.si", "name": "bkovac"}}
VERB = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended", "sl": "obiskal"}}
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
ACTIVITY = {"objectType": "Activity", "id": "https://example.si/activities/meeting-7"}
STATEMENT_REF = {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}
SUBSTATEMENT = {"objectType": "SubStatement", "actor": AGENT, "verb": VERB, "object": ACTIVITY}
ANONYMOUS_GROUP = {"objectType": "Group", "name": "Team", "member": [AGENT, OTHER_AGENT]}
IDENTIFIED_GROUP = {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.si"}
SHA1 = "cd9b00a5611f94eaa7b1661edab976068e364975"
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "description": {"en-US": "A test attachment (description)"},
    "contentType": "text/plain; charset=ascii",
    "length": 27,
    "sha2": SHA256,
    "fileUrl": "http://over.there.com/file.txt",
}
RESULT = {
    "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
    "success": True,
    "completion": True,
    "response": "We agreed on some example actions.",
    "duration": "PT1H0M0S",
    "extensions": {"http://example.com/result/minutes": "X:\\meetings\\minutes.one"},
}
CONTEXT = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    "revision": "rev_10_3_2",
    "platform": "Example virtual meeting software",
    "language": "tlh",
    "statement": STATEMENT_REF,
    "extensions": {"http://example.com/context/pilot": {"name": "Thomas", "id": "http://openid.com/342"}},
}
DROP = object()  # a value meaning "leave this property out"


def statement(**properties: object) -> dict:
    """A fresh, valid minimal statement with `properties` set (or DROPped)."""
    result = {"actor": AGENT, "verb": VERB, "object": ACTIVITY, **properties}
    return copy.deepcopy({key: value for key, value in result.items() if value is not DROP})


def merged(base: dict, **properties: object) -> dict:
    """A copy of `base` with `properties` set (or DROPped)."""
    result = {**base, **properties}
    return {key: value for key, value in result.items() if value is not DROP}


def substatement(**properties: object) -> dict:
    return merged(SUBSTATEMENT, **properties)


def definition(**properties: object) -> dict:
    return merged(ACTIVITY, definition=properties)


def sample(items, everything: bool) -> list:
    """All of `items` at the first place a rule is tried, every fourth at the others.

    The same check runs at every place, so the other places only need to show that it is wired in.
    """
    return list(items) if everything else list(items)[::4]


def rejected(error_path: str, case: dict, name: str):
    return pytest.param(case, error_path, id=name)


def accepted(case: dict, name: str):
    return pytest.param(case, id=name)


# --- agents and groups, wherever they appear ----------------------------------------------------

# Where an Agent may stand, and the path of that place in an error.
AGENT_PLACES = {
    "actor": (lambda agent: statement(actor=agent), "statement.actor"),
    "authority": (lambda agent: statement(authority=agent), "statement.authority"),
    "context instructor": (lambda agent: statement(context={"instructor": agent}), "statement.context.instructor"),
    "object": (lambda agent: statement(object={"objectType": "Agent", **agent}), "statement.object"),
    "substatement actor": (lambda agent: statement(object=substatement(actor=agent)), "statement.object.actor"),
    "substatement instructor": (
        lambda agent: statement(object=substatement(context={"instructor": agent})),
        "statement.object.context.instructor",
    ),
    "group member": (
        lambda agent: statement(actor={"objectType": "Group", "member": [agent]}),
        "statement.actor.member[0]",
    ),
}
GOOD_AGENTS = {
    "mbox": {"objectType": "Agent", "mbox": "mailto:xapi@adlnet.gov"},
    "mbox_sha1sum": {"mbox_sha1sum": SHA1},
    "upper-case mbox_sha1sum": {"mbox_sha1sum": SHA1.upper()},
    "openid": {"openid": "http://openid.example.org/12345"},
    "account": {"account": {"homePage": "http://www.example.com", "name": "1625378"}},
    "name and mbox": {"name": "Ana Novak", "mbox": "mailto:ana.novak@example.si"},
    "plus-addressed mbox": {"mbox": "mailto:ana+xapi@mail.example.si"},
}
# (agent, the error's path below the agent's place)
BAD_AGENTS = {
    "no identifier": ({"objectType": "Agent", "name": "Ana"}, ""),
    "mbox with account": ({**AGENT, "account": {"homePage": "http://www.example.com", "name": "x"}}, ""),
    "mbox with mbox_sha1sum": ({**AGENT, "mbox_sha1sum": SHA1}, ""),
    "mbox with openid": ({**AGENT, "openid": "http://openid.example.org/12345"}, ""),
    "openid with account": ({"openid": "http://openid.example.org/1", **OTHER_AGENT}, ""),
    "mbox_sha1sum with openid": ({"mbox_sha1sum": SHA1, "openid": "http://openid.example.org/1"}, ""),
    "lower-case objectType": ({**AGENT, "objectType": "agent"}, ".objectType"),
    "numeric objectType": ({**AGENT, "objectType": 123}, ".objectType"),
    "object objectType": ({**AGENT, "objectType": {"key": "value"}}, ".objectType"),
    "null objectType": ({**AGENT, "objectType": None}, ".objectType"),
    "numeric name": ({**AGENT, "name": 123}, ".name"),
    "object name": ({**AGENT, "name": {"key": "value"}}, ".name"),
    "null name": ({**AGENT, "name": None}, ".name"),
    "mbox that is an http IRI": ({"mbox": "http://should.fail.com"}, ".mbox"),
    "mbox without an address": ({"mbox": "mailto:should.fail.com"}, ".mbox"),
    "mbox without mailto": ({"mbox": "ana@example.si"}, ".mbox"),
    "mbox with upper-case MAILTO": ({"mbox": "MAILTO:ana@example.si"}, ".mbox"),
    "mbox with a space": ({"mbox": "mailto:ana novak@example.si"}, ".mbox"),
    "empty mbox": ({"mbox": ""}, ".mbox"),
    "null mbox": ({"mbox": None}, ".mbox"),
    "mbox_sha1sum object": ({"mbox_sha1sum": {"key": "value"}}, ".mbox_sha1sum"),
    "mbox_sha1sum of 39 digits": ({"mbox_sha1sum": SHA1[:-1]}, ".mbox_sha1sum"),
    "mbox_sha1sum not hex": ({"mbox_sha1sum": "z" * 40}, ".mbox_sha1sum"),
    "openid without a scheme": ({"openid": "ab=c://should.fail.com"}, ".openid"),
    "openid of words": ({"openid": "not a uri"}, ".openid"),
    "account without homePage": ({"account": {"name": "x"}}, ".account.homePage"),
    "account without name": ({"account": {"homePage": "http://www.example.com"}}, ".account.name"),
    "account homePage not an IRL": (
        {"account": {"homePage": "ab=c://should.fail.com", "name": "x"}},
        ".account.homePage",
    ),
    "account object name": ({"account": {"homePage": "http://x.example", "name": {"key": "value"}}}, ".account.name"),
    "account numeric name": ({"account": {"homePage": "http://x.example", "name": 1625378}}, ".account.name"),
    "account with an extra property": (
        {"account": {"homePage": "http://x.example", "name": "x", "id": 1}},
        ".account.id",
    ),
    "account that is a string": ({"account": "http://x.example/ana"}, ".account"),
    "extra property": ({**AGENT, "age": 30}, ".age"),
    "property in the wrong case": ({"objectType": "Agent", "Mbox": "mailto:ana@example.si"}, ".Mbox"),
    "member list": ({**AGENT, "member": [OTHER_AGENT]}, ".member"),
}


def agent_cases():
    for place, (build, path) in AGENT_PLACES.items():
        for name, agent in sample(GOOD_AGENTS.items(), place == "actor"):
            yield accepted(build(agent), f"{place} with {name} is accepted")
        for name, (agent, below) in sample(BAD_AGENTS.items(), place == "actor"):
            yield rejected(path + below, build(agent), f"{place} with {name} is rejected")
    yield rejected("statement.actor", statement(actor="mailto:ana@example.si"), "actor that is a string is rejected")
    yield rejected("statement.actor", statement(actor=None), "null actor is rejected")


# Where a Group may stand.
GROUP_PLACES = {
    "actor": (lambda group: statement(actor=group), "statement.actor"),
    "context instructor": (lambda group: statement(context={"instructor": group}), "statement.context.instructor"),
    "context team": (lambda group: statement(context={"team": group}), "statement.context.team"),
    "object": (lambda group: statement(object=group), "statement.object"),
    "substatement actor": (lambda group: statement(object=substatement(actor=group)), "statement.object.actor"),
    "substatement team": (
        lambda group: statement(object=substatement(context={"team": group})),
        "statement.object.context.team",
    ),
}
GOOD_GROUPS = {
    "anonymous group": ANONYMOUS_GROUP,
    "group identified by mbox": IDENTIFIED_GROUP,
    "group identified by mbox_sha1sum": {"objectType": "Group", "mbox_sha1sum": SHA1},
    "group identified by openid": {"objectType": "Group", "openid": "http://openid.example.org/team"},
    "group identified by account": {"objectType": "Group", **OTHER_AGENT},
    "identified group with members": {**IDENTIFIED_GROUP, "member": [AGENT]},
    "identified group with no members": {**IDENTIFIED_GROUP, "member": []},
}
BAD_GROUPS = {
    "anonymous group without member": ({"objectType": "Group", "name": "Team"}, ".member"),
    "anonymous group with no members": ({"objectType": "Group", "member": []}, ".member"),
    "member that is an Agent, not an array": ({"objectType": "Group", "member": AGENT}, ".member"),
    "group in its members": ({"objectType": "Group", "member": [IDENTIFIED_GROUP]}, ".member[0].objectType"),
    "member without identifier": ({"objectType": "Group", "member": [{"name": "Ana"}]}, ".member[0]"),
    "member with numeric name": ({"objectType": "Group", "member": [{**AGENT, "name": 1}]}, ".member[0].name"),
    "two identifiers": ({**IDENTIFIED_GROUP, "openid": "http://openid.example.org/team"}, ""),
    "mbox and account": ({**IDENTIFIED_GROUP, **OTHER_AGENT}, ""),
    "lower-case objectType": ({**IDENTIFIED_GROUP, "objectType": "group"}, ".objectType"),
    "mbox without mailto": ({**IDENTIFIED_GROUP, "mbox": "http://should.fail.com"}, ".mbox"),
    "account without name": ({"objectType": "Group", "account": {"homePage": "http://x.example"}}, ".account.name"),
    "extra property": ({**IDENTIFIED_GROUP, "members": [AGENT]}, ".members"),
    "numeric name": ({**IDENTIFIED_GROUP, "name": 7}, ".name"),
}


def group_cases():
    for place, (build, path) in GROUP_PLACES.items():
        for name, group in sample(GOOD_GROUPS.items(), place == "actor"):
            yield accepted(build(group), f"{place} as {name} is accepted")
        for name, (group, below) in sample(BAD_GROUPS.items(), place == "actor"):
            yield rejected(path + below, build(group), f"{place} group with {name} is rejected")
    yield rejected(
        "statement.context.team.objectType", statement(context={"team": AGENT}), "team that is an Agent is rejected"
    )
    yield rejected("statement.context.team", statement(context={"team": "Team"}), "team that is a string is rejected")
    yield rejected(
        "statement.context.instructor",
        statement(context={"instructor": "Ana"}),
        "instructor that is a string is rejected",
    )
    yield rejected(
        "statement.object.objectType",
        statement(object={"mbox": "mailto:ana@example.si"}),
        "agent object without objectType is rejected",
    )
    yield rejected(
        "statement.object.objectType",
        statement(object={"member": [AGENT]}),
        "group object without objectType is rejected",
    )


def authority_cases():
    yield accepted(statement(authority=AGENT), "authority Agent is accepted")
    yield accepted(
        statement(authority={"objectType": "Group", "member": [OTHER_AGENT, AGENT]}),
        "authority of OAuth consumer and user is accepted",
    )
    two = {"objectType": "Group", "member": [OTHER_AGENT, AGENT]}
    for key, value in (
        ("mbox", "mailto:bob@example.com"),
        ("mbox_sha1sum", SHA1),
        ("openid", "http://openid.example.org/1"),
    ):
        yield rejected(
            "statement.authority",
            statement(authority={**two, key: value}),
            f"authority group identified by {key} is rejected",
        )
    yield rejected(
        "statement.authority",
        statement(authority={**two, **OTHER_AGENT}),
        "authority group identified by account is rejected",
    )
    yield rejected(
        "statement.authority.member",
        statement(authority={"objectType": "Group", "member": [AGENT]}),
        "authority group of one is rejected",
    )
    three = {"objectType": "Group", "member": [OTHER_AGENT, AGENT, {"mbox": "mailto:james@example.com"}]}
    yield rejected("statement.authority.member", statement(authority=three), "authority group of three is rejected")
    yield rejected(
        "statement.authority.member",
        statement(authority={"objectType": "Group"}),
        "authority group without members is rejected",
    )
    yield rejected(
        "statement.authority", statement(authority={"objectType": "Agent"}), "authority without identifier is rejected"
    )


# --- verbs and language maps ------------------------------------------------------------------------

GOOD_TAGS = [
    "de", "en-US", "EN-us", "sl", "tlh", "ine", "i-enochian", "zh-Hant", "sr-Latn", "zh-cmn-Hans-CN", "sr-Latn-RS",
    "sl-rozaj-biske", "de-CH-1901", "hy-Latn-IT-arevela", "de-DE", "az-Arab-x-AZE-derbend", "x-whatever", "es-419",
    "zh-min-nan", "en-GB-oed", "qaa-Qaaa-QM-x-southern", "de-Latn-DE-1996", "en-a-bbb-x-a-ccc", "es-MX", "ja", "ase",
]  # fmt: skip
BAD_TAGS = [
    "de-419-DE", "a-DE", "ar-a-aaa-b-bbb-a-ccc", "zh-z-aaa-z-bbb-c-ccc", "a12345", "a12345678", "something", "",
    "not a tag!", "en_US", "en-", "-en", "de-DE-1901-1901", "supercalifragilisticexpialidociouswhatabouthhhhhhh",
    "x", "en-x", "en--US", "123",
]  # fmt: skip
# Where a Language Map may stand.
LANGUAGE_MAP_PLACES = {
    "verb display": (lambda value: statement(verb={**VERB, "display": value}), "statement.verb.display"),
    "activity name": (lambda value: statement(object=definition(name=value)), "statement.object.definition.name"),
    "activity description": (
        lambda value: statement(object=definition(description=value)),
        "statement.object.definition.description",
    ),
    "attachment display": (
        lambda value: statement(attachments=[{**ATTACHMENT, "display": value}]),
        "statement.attachments[0].display",
    ),
    "attachment description": (
        lambda value: statement(attachments=[{**ATTACHMENT, "description": value}]),
        "statement.attachments[0].description",
    ),
    "interaction choice description": (
        lambda value: statement(
            object=definition(interactionType="choice", choices=[{"id": "a", "description": value}])
        ),
        "statement.object.definition.choices[0].description",
    ),
    "substatement verb display": (
        lambda value: statement(object=substatement(verb={**VERB, "display": value})),
        "statement.object.verb.display",
    ),
    "substatement activity name": (
        lambda value: statement(object=substatement(object=definition(name=value))),
        "statement.object.object.definition.name",
    ),
}
BAD_LANGUAGE_MAPS = {
    "a string": ("should error", ""),
    "a number": (12345, ""),
    "no entry": ({}, ""),
    "an invalid tag": ({"a12345": "should error"}, '["a12345"]'),
    "two region subtags": ({"de-419-DE": "besucht"}, '["de-419-DE"]'),
    "a null value": ({"en-US": None}, '["en-US"]'),
    "a numeric value": ({"en-US": 1}, '["en-US"]'),
}


def language_cases():
    for tag in GOOD_TAGS:
        yield accepted(statement(verb={**VERB, "display": {tag: "attended"}}), f"language tag {tag} is accepted")
    for tag in BAD_TAGS:
        path = f'statement.verb.display["{tag}"]'
        yield rejected(
            path, statement(verb={**VERB, "display": {tag: "attended"}}), f"language tag {tag!r} is rejected"
        )
    for place, (build, path) in LANGUAGE_MAP_PLACES.items():
        yield accepted(build({"en": "x", "sl-SI": "y", "zh-Hans-CN": "z"}), f"{place} in three languages is accepted")
        for name, (value, below) in BAD_LANGUAGE_MAPS.items():
            yield rejected(path + below, build(value), f"{place} with {name} is rejected")


def verb_cases():
    for place, build, path in (
        ("statement", lambda verb: statement(verb=verb), "statement.verb"),
        ("substatement", lambda verb: statement(object=substatement(verb=verb)), "statement.object.verb"),
    ):
        yield accepted(build({"id": VERB["id"]}), f"{place} verb without display is accepted")
        yield accepted(
            build({"id": "http://example.com/فعل/خواندن", "display": {"fa": "خواندن"}}),
            f"{place} verb with a unicode IRI is accepted",
        )
        yield rejected(f"{path}.id", build({"display": {"en-US": "attended"}}), f"{place} verb without id is rejected")
        yield rejected(
            f"{path}.id", build({"id": "ab=c://should.fail.com"}), f"{place} verb id without a scheme is rejected"
        )
        yield rejected(f"{path}.id", build({"id": ""}), f"{place} verb with an empty id is rejected")
        yield rejected(f"{path}.id", build({"id": "attended"}), f"{place} verb id that is a word is rejected")
        yield rejected(f"{path}.id", build({"id": None}), f"{place} verb with a null id is rejected")
        yield rejected(
            f"{path}.Display",
            build({**VERB, "Display": {"en": "x"}}),
            f"{place} verb with Display in the wrong case is rejected",
        )
        yield rejected(
            path, build("http://adlnet.gov/expapi/verbs/attended"), f"{place} verb that is a string is rejected"
        )


# --- objects and activities ------------------------------------------------------------------------------

INTERACTIONS = {
    "true-false": {"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    "choice": {
        "interactionType": "choice",
        "correctResponsesPattern": ["golf[,]tetris"],
        "choices": [{"id": "golf", "description": {"en-US": "Golf Example"}}, {"id": "tetris"}],
    },
    "fill-in": {"interactionType": "fill-in", "correctResponsesPattern": ["{case_matters=false}Bob's your uncle"]},
    "long-fill-in": {"interactionType": "long-fill-in", "correctResponsesPattern": ["{lang=en}It's a long story"]},
    "matching": {
        "interactionType": "matching",
        "correctResponsesPattern": ["ben[.]3[,]chris[.]2"],
        "source": [{"id": "ben"}, {"id": "chris"}],
        "target": [{"id": "2"}, {"id": "3", "description": {"en-US": "Team 3"}}],
    },
    "performance": {
        "interactionType": "performance",
        "correctResponsesPattern": ["pong[.]1:[,]dg[.]:10"],
        "steps": [{"id": "pong"}, {"id": "dg"}],
    },
    "sequencing": {"interactionType": "sequencing", "choices": [{"id": "tim"}, {"id": "ben"}]},
    "likert": {"interactionType": "likert", "correctResponsesPattern": ["likert_3"], "scale": [{"id": "likert_3"}]},
    "numeric": {"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]},
    "other": {"interactionType": "other", "correctResponsesPattern": ["(35.937432,-86.868896)"]},
}
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"


def activity_cases():
    yield accepted(statement(object={"id": ACTIVITY["id"]}), "activity without objectType is accepted")
    full = {
        "name": {"en-GB": "example meeting", "en-US": "example meeting"},
        "description": {"en-US": "An example meeting."},
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "moreInfo": "http://virtualmeeting.example.com/345256",
        "extensions": {"http://example.com/ext/location": "X:\\meetings\\one", "http://example.com/ext/null": None},
    }
    yield accepted(statement(object=definition(**full)), "activity with every definition property is accepted")
    yield accepted(statement(object=definition()), "activity with an empty definition is accepted (ADL verify.js)")
    for key, value in full.items():
        yield accepted(statement(object=definition(**{key: value})), f"definition with only {key} is accepted")
    for kind, interaction in INTERACTIONS.items():
        yield accepted(
            statement(object=definition(type=INTERACTION_TYPE, **interaction)), f"{kind} interaction is accepted"
        )
        yield accepted(
            statement(object=substatement(object=definition(**interaction))),
            f"{kind} interaction in a substatement is accepted",
        )
        yield accepted(
            statement(object=definition(interactionType=kind)), f"{kind} interaction with no other property is accepted"
        )
        wrong_case = kind[:-1] + kind[-1].upper()
        yield rejected(
            "statement.object.definition.interactionType",
            statement(object=definition(**{**interaction, "interactionType": wrong_case})),
            f"interactionType {wrong_case} in the wrong case is rejected",
        )
        without_type = {key: value for key, value in interaction.items() if key != "interactionType"}
        yield rejected(
            "statement.object.definition.interactionType",
            statement(object=definition(**without_type)),
            f"{kind} interaction properties without interactionType are rejected",
        )
    yield accepted(
        statement(object=definition(interactionType="choice", correctResponsesPattern=[])),
        "empty correctResponsesPattern is accepted",
    )
    for value, name in (
        ("ab=c://should.fail.com", "an IRI"),
        (12345, "a number"),
        ({"key": "value"}, "an object"),
        ("should error", "a phrase"),
    ):
        yield rejected(
            "statement.object.definition.interactionType",
            statement(object=definition(interactionType=value)),
            f"interactionType that is {name} is rejected",
        )
    # component lists that the interactionType does not use (Data §2.4.4.1.s15 table 2)
    for kind, key in (("likert", "choices"), ("true-false", "choices"), ("matching", "scale"), ("choice", "scale"),
                      ("performance", "choices"), ("sequencing", "steps"), ("numeric", "source"), ("other", "target"),
                      ("fill-in", "steps"), ("choice", "source")):  # fmt: skip
        yield rejected(
            f"statement.object.definition.{key}",
            statement(object=definition(interactionType=kind, **{key: [{"id": "a"}]})),
            f"{key} with a {kind} interaction is rejected",
        )
    component_path = "statement.object.definition.choices"
    for components, below, name in (
        ({"id": "valid"}, "", "choices that are not an array"),
        (["should error"], "[0]", "a choice that is a string"),
        ([{"id": {"test": "value"}}], "[0].id", "a choice whose id is an object"),
        ([{"id": 7}], "[0].id", "a choice whose id is a number"),
        ([{"description": {"en-US": "valid"}}], "[0].id", "a choice without id"),
        ([{"id": "valid", "description": "should error"}], "[0].description", "a choice whose description is a string"),
        ([{"id": "a"}, {"id": "a"}], "[1].id", "two choices with one id"),
        ([{"id": "a", "text": "A"}], "[0].text", "a choice with an extra property"),
    ):
        yield rejected(
            component_path + below,
            statement(object=definition(interactionType="choice", choices=components)),
            f"{name} is rejected",
        )
    yield rejected(
        "statement.object.definition.target[1].id",
        statement(object=definition(interactionType="matching", target=[{"id": "1"}, {"id": "1"}])),
        "two matching targets with one id are rejected",
    )
    yield rejected(
        "statement.object.definition.correctResponsesPattern",
        statement(object=definition(interactionType="fill-in", correctResponsesPattern="Bob")),
        "correctResponsesPattern that is a string is rejected",
    )
    yield rejected(
        "statement.object.definition.correctResponsesPattern[0]",
        statement(object=definition(interactionType="numeric", correctResponsesPattern=[4])),
        "correctResponsesPattern with a number is rejected",
    )

    for case, path, name in (
        (merged(ACTIVITY, id=DROP), "statement.object.id", "activity without id"),
        (merged(ACTIVITY, id="ab=c://should.fail.com"), "statement.object.id", "activity id without a scheme"),
        (merged(ACTIVITY, id="#fragment"), "statement.object.id", "activity id that is a fragment"),
        (merged(ACTIVITY, id=""), "statement.object.id", "activity with an empty id"),
        (
            merged(ACTIVITY, objectType="activity"),
            "statement.object.objectType",
            "activity with objectType in lower case",
        ),
        (merged(ACTIVITY, definition="should error"), "statement.object.definition", "definition that is a string"),
        (merged(ACTIVITY, Definition={}), "statement.object.Definition", "Definition in the wrong case"),
        (merged(ACTIVITY, name={"en": "x"}), "statement.object.name", "name outside the definition"),
        (definition(type="should error"), "statement.object.definition.type", "definition type that is not an IRI"),
        (definition(moreInfo="should error"), "statement.object.definition.moreInfo", "moreInfo that is not an IRL"),
        (definition(moreInfo=None), "statement.object.definition.moreInfo", "null moreInfo"),
        (
            definition(extensions="should error"),
            "statement.object.definition.extensions",
            "extensions that are a string",
        ),
        (
            definition(extensions={"id": "valid"}),
            'statement.object.definition.extensions["id"]',
            "extension key that is not an IRI",
        ),
        (
            definition(extensions={"should fail": True}),
            'statement.object.definition.extensions["should fail"]',
            "extension key with a space",
        ),
        (
            definition(interaction="choice"),
            "statement.object.definition.interaction",
            "definition with an unknown property",
        ),
        ("http://example.com/activity", "statement.object", "object that is a string"),
        (None, "statement.object", "null object"),
    ):
        yield rejected(path, statement(object=case), f"{name} is rejected")
        if type(case) is dict:
            sub_path = path.replace("statement.object", "statement.object.object", 1)
            yield rejected(
                sub_path, statement(object=substatement(object=case)), f"{name} in a substatement is rejected"
            )


def object_cases():
    yield accepted(statement(object=STATEMENT_REF), "StatementRef object is accepted")
    yield accepted(
        statement(object={**STATEMENT_REF, "id": STATEMENT_REF["id"].upper()}),
        "StatementRef with an upper-case UUID is accepted",
    )
    for wrong in ("activity", "agent", "group", "statementref", "substatement", "Statement", 1):
        obj = {**ACTIVITY, "objectType": wrong}
        yield rejected(
            "statement.object.objectType", statement(object=obj), f"object with objectType {wrong!r} is rejected"
        )
        yield rejected(
            "statement.object.object.objectType",
            statement(object=substatement(object=obj)),
            f"substatement object with objectType {wrong!r} is rejected",
        )
    yield rejected(
        "statement.object.objectType",
        statement(object={**SUBSTATEMENT, "objectType": "substatement"}),
        "substatement objectType in lower case is rejected",
    )
    for ref, path, name in (
        ({"objectType": "StatementRef"}, "statement.object.id", "without id"),
        ({**STATEMENT_REF, "id": "should fail"}, "statement.object.id", "with an id that is no UUID"),
        ({**STATEMENT_REF, "id": 12345}, "statement.object.id", "with a numeric id"),
        ({**STATEMENT_REF, "id": {"key": "should fail"}}, "statement.object.id", "with an object id"),
        ({**STATEMENT_REF, "definition": {"name": {"en": "x"}}}, "statement.object.definition", "with a definition"),
    ):
        yield rejected(path, statement(object=ref), f"StatementRef {name} is rejected")
        yield rejected(
            path.replace("object", "object.object", 1),
            statement(object=substatement(object=ref)),
            f"substatement StatementRef {name} is rejected",
        )


def substatement_cases():
    for name, obj in (
        ("an Activity", ACTIVITY),
        ("an Agent", AGENT),
        ("a Group", ANONYMOUS_GROUP),
        ("a StatementRef", STATEMENT_REF),
    ):
        yield accepted(statement(object=substatement(object=obj)), f"substatement about {name} is accepted")
    future = (datetime.now(UTC) + timedelta(days=5 * 365)).isoformat()
    yield accepted(statement(object=substatement(timestamp=future)), "substatement with a future timestamp is accepted")
    yield accepted(statement(timestamp=future), "statement with a future timestamp is accepted")
    yield accepted(
        statement(object=substatement(result=RESULT, context=CONTEXT, attachments=[ATTACHMENT])),
        "substatement with result, context and attachments is accepted",
    )
    for key, value in (
        ("id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
        ("stored", "2013-05-18T05:32:34.804Z"),
        ("version", "1.0.0"),
        ("authority", AGENT),
    ):
        yield rejected(
            f"statement.object.{key}",
            statement(object=substatement(**{key: value})),
            f"substatement with {key} is rejected",
        )
    for key in ("actor", "verb", "object"):
        yield rejected(
            f"statement.object.{key}",
            statement(object=substatement(**{key: DROP})),
            f"substatement without {key} is rejected",
        )
    nested = substatement(object=SUBSTATEMENT)
    yield rejected(
        "statement.object.object.objectType", statement(object=nested), "substatement inside a substatement is rejected"
    )
    yield rejected(
        "statement.object.objectType",
        statement(object=merged(SUBSTATEMENT, objectType="substatement")),
        "substatement objectType in lower case is rejected",
    )
    yield rejected(
        "statement.object.object.objectType",
        statement(object=substatement(verb=VOIDED)),
        "voiding substatement about an Activity is rejected",
    )


def voiding_cases():
    yield accepted(statement(verb=VOIDED, object=STATEMENT_REF), "voiding statement with a StatementRef is accepted")
    yield accepted(
        statement(verb={"id": VOIDED["id"]}, object=STATEMENT_REF), "voiding statement without display is accepted"
    )
    for name, obj in (("an Activity", ACTIVITY), ("an Agent", AGENT), ("a SubStatement", SUBSTATEMENT)):
        yield rejected(
            "statement.object.objectType",
            statement(verb=VOIDED, object=obj),
            f"voiding statement about {name} is rejected",
        )


# --- result, context, attachments --------------------------------------------------------------------


GOOD_SCORES = [
    {"scaled": 0.6767676}, {"scaled": 1.0}, {"scaled": -1}, {"raw": 0.6767676}, {"min": 0.6767676}, {"max": 100.6767676},
    {"raw": 0, "min": 0, "max": 10}, {"raw": 10, "min": 0, "max": 10}, {"raw": -5},
]  # fmt: skip
GOOD_EXTENSIONS = [
    {}, {"http://example.com/ex": True}, {"http://example.com/ex": 12345}, {"http://example.com/ex": None},
    {"http://example.com/ex": {"key": "valid"}}, {"http://example.com/ex": "valid"},
]  # fmt: skip
# (result, the error's path below the result, what is wrong)
BAD_RESULTS = [
    ({}, "", "an empty result"),
    ("passed", "", "a result that is a string"),
    ({"score": 12345}, ".score", "a numeric score"),
    ({"score": "should fail"}, ".score", "a string score"),
    ({"score": {}}, ".score", "an empty score"),
    ({"score": {"scaled": 1.01}}, ".score.scaled", "scaled above 1"),
    ({"score": {"scaled": -1.00001}}, ".score.scaled", "scaled below -1"),
    ({"score": {"scaled": "0.5"}}, ".score.scaled", "scaled as a string"),
    ({"score": {"max": "one hundred"}}, ".score.max", "max in words"),
    ({"score": {"max": "100"}}, ".score.max", "max as a string of digits"),
    ({"score": {"raw": True}}, ".score.raw", "raw as a boolean"),
    ({"score": {"raw": None}}, ".score.raw", "null raw"),
    ({"score": {"raw": float("nan")}}, ".score.raw", "raw NaN"),
    ({"score": {"max": float("inf")}}, ".score.max", "infinite max"),
    ({"score": {"raw": 0.6767676, "max": 0.6567676}}, ".score.raw", "raw above max"),
    ({"score": {"raw": 0.6767676, "min": 1.4067676}}, ".score.raw", "raw below min"),
    ({"score": {"min": 0.6767676, "max": 0.6767355, "raw": 0.6767643}}, ".score.min", "min above max"),
    ({"score": {"min": 104.67, "max": 100.67, "raw": 101.67}}, ".score.min", "min above max with raw between"),
    ({"score": {"min": 5, "max": 5}}, ".score.min", "min equal to max"),
    ({"score": {"scaled": 0.5, "percent": 50}}, ".score.percent", "a score with an extra property"),
    (
        {"success": "We regret to inform you that your effort was unsuccessful."},
        ".success",
        "success as a sentence",
    ),
    ({"success": "true"}, ".success", "success as the string true"),
    ({"success": 1}, ".success", "success as a number"),
    ({"completion": "false"}, ".completion", "completion as the string false"),
    ({"completion": None}, ".completion", "null completion"),
    ({"response": 12345}, ".response", "a numeric response"),
    ({"response": {"key": "invalid"}}, ".response", "an object response"),
    ({"duration": "should fail"}, ".duration", "a duration in words"),
    ({"duration": "PA1H0M0S"}, ".duration", "a malformed duration"),
    ({"duration": 12345}, ".duration", "a numeric duration"),
    ({"duration": {"key": "invalid"}}, ".duration", "an object duration"),
    ({"extensions": 12345}, ".extensions", "numeric extensions"),
    ({"extensions": "should fail"}, ".extensions", "string extensions"),
    (
        {"extensions": {"should fail": True}},
        '.extensions["should fail"]',
        "an extension key that is not an IRI",
    ),
    ({"Success": True}, ".Success", "Success in the wrong case"),
]


def result_cases():
    for place, build, path in (
        ("statement", lambda result: statement(result=result), "statement.result"),
        ("substatement", lambda result: statement(object=substatement(result=result)), "statement.object.result"),
    ):
        everything = place == "statement"
        yield accepted(build(RESULT), f"{place} result with every property is accepted")
        yield accepted(build({"success": False, "completion": False}), f"{place} result of false success is accepted")
        for score in sample(GOOD_SCORES, everything):
            yield accepted(build({"score": score}), f"{place} score {score} is accepted")
        for extensions in sample(GOOD_EXTENSIONS, everything):
            yield accepted(build({"extensions": extensions}), f"{place} result extensions {extensions} are accepted")
        for result, below, name in sample(BAD_RESULTS, everything):
            yield rejected(path + below, build(result), f"{place} result with {name} is rejected")


# (context, the error's path below the context, what is wrong)
BAD_CONTEXTS = [
    ({}, "", "an empty context"),
    ("context", "", "a context that is a string"),
    ({"registration": None}, ".registration", "a null registration"),
    ({"registration": {"key": "should fail"}}, ".registration", "an object registration"),
    ({"registration": "should fail"}, ".registration", "a registration that is no UUID"),
    (
        {"registration": "AA97B177-9383-4934-8543-0F91A7A028368"},
        ".registration",
        "a registration with too many digits",
    ),
    ({"registration": "MA97B177-9383-4934-8543-0F91A7A02836"}, ".registration", "a registration with an M"),
    ({"instructor": {"key": "should fail"}}, ".instructor.key", "an instructor that is some other object"),
    ({"instructor": {"name": "Ana"}}, ".instructor", "an instructor without identifier"),
    ({"team": {"key": "should fail"}}, ".team.objectType", "a team without objectType"),
    ({"contextActivities": "should fail"}, ".contextActivities", "contextActivities that are a string"),
    ({"contextActivities": {}}, ".contextActivities", "empty contextActivities"),
    (
        {"contextActivities": {"consequences": ACTIVITY}},
        ".contextActivities.consequences",
        "a contextActivities key not in the spec",
    ),
    (
        {"contextActivities": {"Parent": ACTIVITY}},
        ".contextActivities.Parent",
        "a contextActivities key in the wrong case",
    ),
    (
        {"contextActivities": {"other": [ACTIVITY, {"key": "should fail"}]}},
        ".contextActivities.other[1].key",
        "an invalid second context activity",
    ),
    (
        {"contextActivities": {"other": [{"key": "should fail"}, ACTIVITY]}},
        ".contextActivities.other[0].key",
        "an invalid first context activity",
    ),
    (
        {"contextActivities": {"parent": "http://example.com/p"}},
        ".contextActivities.parent",
        "a context activity that is a string",
    ),
    (
        {"contextActivities": {"parent": {"objectType": "Agent", **AGENT}}},
        ".contextActivities.parent.objectType",
        "a context activity that is an Agent",
    ),
    ({"revision": 12345}, ".revision", "a numeric revision"),
    ({"revision": {"key": "should fail"}}, ".revision", "an object revision"),
    ({"platform": 12345}, ".platform", "a numeric platform"),
    ({"platform": {"key": "should fail"}}, ".platform", "an object platform"),
    ({"language": 12345}, ".language", "a numeric language"),
    ({"language": {"a12345": "should fail"}}, ".language", "an object language"),
    ({"language": "something"}, ".language", "a language that is no tag"),
    ({"language": "de-419-DE"}, ".language", "a language with two regions"),
    (
        {"statement": {"objectType": "statementref", "id": STATEMENT_REF["id"]}},
        ".statement.objectType",
        "a statement reference in lower case",
    ),
    (
        {"statement": {"id": STATEMENT_REF["id"]}},
        ".statement.objectType",
        "a statement reference without objectType",
    ),
    (
        {"statement": {**STATEMENT_REF, "id": "should fail"}},
        ".statement.id",
        "a statement reference that is no UUID",
    ),
    ({"statement": {**STATEMENT_REF, "id": 12345}}, ".statement.id", "a statement reference with a numeric id"),
    ({"statement": SUBSTATEMENT}, ".statement.objectType", "a SubStatement as the context statement"),
    ({"extensions": "should fail"}, ".extensions", "string extensions"),
    (
        {"extensions": {"should fail": True}},
        '.extensions["should fail"]',
        "an extension key that is not an IRI",
    ),
    ({"Registration": CONTEXT["registration"]}, ".Registration", "Registration in the wrong case"),
    (
        {"contextAgents": [{"objectType": "contextAgent", "agent": AGENT}]},
        ".contextAgents",
        "xAPI 2.0 contextAgents",
    ),
    (
        {"contextGroups": [{"objectType": "contextGroup", "group": ANONYMOUS_GROUP}]},
        ".contextGroups",
        "xAPI 2.0 contextGroups",
    ),
]


def context_cases():
    places = (
        ("statement", lambda context, obj=ACTIVITY: statement(context=context, object=obj), "statement.context"),
        (
            "substatement",
            lambda context, obj=ACTIVITY: statement(object=substatement(context=context, object=obj)),
            "statement.object.context",
        ),
    )
    for place, build, path in places:
        yield accepted(build(CONTEXT), f"{place} context with every property is accepted")
        yield accepted(
            build({"instructor": ANONYMOUS_GROUP, "team": IDENTIFIED_GROUP}),
            f"{place} context with a group instructor and team is accepted",
        )
        for key in ("parent", "grouping", "category", "other"):
            yield accepted(
                build({"contextActivities": {key: ACTIVITY}}),
                f"{place} contextActivities {key} as one activity is accepted",
            )
            yield accepted(
                build({"contextActivities": {key: [ACTIVITY, {"id": "https://example.si/c"}]}}),
                f"{place} contextActivities {key} as an array is accepted",
            )
        all_keys = dict.fromkeys(("parent", "grouping", "category", "other"), [ACTIVITY])
        yield accepted(
            build({"contextActivities": all_keys}), f"{place} contextActivities with all four keys is accepted"
        )
        for name, obj in (("an Agent", AGENT), ("a Group", ANONYMOUS_GROUP), ("a StatementRef", STATEMENT_REF)):
            yield accepted(
                build({"registration": CONTEXT["registration"]}, obj),
                f"{place} context without revision about {name} is accepted",
            )
            for key in ("revision", "platform"):
                yield rejected(
                    f"{path}.{key}", build({key: "x"}, obj), f"{place} context {key} about {name} is rejected"
                )
        for context, below, name in sample(BAD_CONTEXTS, place == "statement"):
            yield rejected(path + below, build(context), f"{place} context with {name} is rejected")
        for language in ("de", "cmn", "fr-CA", "zh-Hans-CN", "sr-Cyrl", "i-klingon"):
            yield accepted(build({"language": language}), f"{place} context language {language} is accepted")


CONTEXT_AGENT = {"objectType": "contextAgent", "agent": AGENT, "relevantTypes": ["https://example.com/roles/mentor"]}
CONTEXT_GROUP = {
    "objectType": "contextGroup",
    "group": ANONYMOUS_GROUP,
    "relevantTypes": ["https://example.com/roles/cohort"],
}


def xapi_2_cases():
    """Statements checked with version="2.0.0"."""
    yield accepted(
        statement(context={"contextAgents": [CONTEXT_AGENT], "contextGroups": [CONTEXT_GROUP]}),
        "context agents and groups are accepted in 2.0",
    )
    yield accepted(
        statement(context={"contextAgents": [merged(CONTEXT_AGENT, relevantTypes=DROP)]}),
        "context agent without relevantTypes is accepted in 2.0",
    )
    yield accepted(statement(version="2.0.0"), "statement version 2.0.0 is accepted in 2.0")
    yield accepted(statement(version="1.0.3", context=CONTEXT), "statement version 1.0.3 is accepted in 2.0")
    for case, path, name in (
        (
            statement(version="1.0.0", context={"contextAgents": [CONTEXT_AGENT]}),
            "statement.context.contextAgents",
            "context agents in a 1.0.0 statement",
        ),
        (
            statement(context={"contextAgents": CONTEXT_AGENT}),
            "statement.context.contextAgents",
            "context agents that are not an array",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, objectType="Agent")]}),
            "statement.context.contextAgents[0].objectType",
            "a context agent of objectType Agent",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, objectType=DROP)]}),
            "statement.context.contextAgents[0].objectType",
            "a context agent without objectType",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, agent=DROP)]}),
            "statement.context.contextAgents[0].agent",
            "a context agent without agent",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, agent=ANONYMOUS_GROUP)]}),
            "statement.context.contextAgents[0].agent.objectType",
            "a context agent that is a Group",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, relevantTypes=[])]}),
            "statement.context.contextAgents[0].relevantTypes",
            "empty relevantTypes",
        ),
        (
            statement(context={"contextAgents": [merged(CONTEXT_AGENT, relevantTypes=["mentor"])]}),
            "statement.context.contextAgents[0].relevantTypes[0]",
            "a relevant type that is not an IRI",
        ),
        (
            statement(context={"contextGroups": [merged(CONTEXT_GROUP, group=AGENT)]}),
            "statement.context.contextGroups[0].group.objectType",
            "a context group that is an Agent",
        ),
        (
            statement(context={"contextGroups": [merged(CONTEXT_GROUP, role="x")]}),
            "statement.context.contextGroups[0].role",
            "a context group with an extra property",
        ),
        (statement(version="2.1.0"), "statement.version", "statement version 2.1.0"),
    ):
        yield rejected(path, case, f"{name} is rejected in 2.0")


def attachment_cases():
    yield accepted(statement(attachments=[ATTACHMENT]), "attachment with every property is accepted")
    yield accepted(
        statement(attachments=[merged(ATTACHMENT, description=DROP, fileUrl=DROP)]),
        "attachment without description and fileUrl is accepted",
    )
    yield accepted(statement(attachments=[]), "empty attachments array is accepted")
    yield accepted(
        statement(attachments=[merged(ATTACHMENT, sha2="ab" * 64, contentType="application/octet-stream")]),
        "signature-like attachment with a SHA-512 is accepted",
    )
    yield accepted(
        statement(attachments=[merged(ATTACHMENT, contentType='multipart/mixed; boundary="abc ABC"', length=0)]),
        "attachment with a quoted parameter and no octets is accepted",
    )
    yield rejected(
        "statement.attachments", statement(attachments=ATTACHMENT), "attachments that are not an array are rejected"
    )
    yield rejected(
        "statement.attachments[0]", statement(attachments=[12345]), "attachment that is a number is rejected"
    )
    yield rejected(
        "statement.attachments[0]", statement(attachments=["should fail"]), "attachment that is a string is rejected"
    )
    yield rejected(
        'statement.attachments[0].display["de-419-DE"]',
        statement(attachments=[{**ATTACHMENT, "display": {"de-419-DE": "x"}}]),
        "attachment display with two regions is rejected",
    )
    yield rejected(
        "statement.attachmentS", statement(attachmentS=[ATTACHMENT]), "attachmentS in the wrong case is rejected"
    )
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        yield rejected(
            f"statement.attachments[0].{key}",
            statement(attachments=[merged(ATTACHMENT, **{key: DROP})]),
            f"attachment without {key} is rejected",
        )
    for key, value, name in (
        ("usageType", "should fail", "a usageType that is not an IRI"),
        ("contentType", "should fail", "a contentType that is no media type"),
        ("contentType", "text/", "a contentType without subtype"),
        ("contentType", 12345, "a numeric contentType"),
        ("length", "should fail", "a length in words"),
        ("length", "27", "a length as a string"),
        ("length", -1, "a negative length"),
        ("length", 27.5, "a fractional length"),
        ("length", True, "a boolean length"),
        ("sha2", 12345, "a numeric sha2"),
        ("sha2", "should fail", "a sha2 that is not hex"),
        ("sha2", SHA1, "a sha2 of 40 digits (a SHA-1)"),
        ("fileUrl", "should fail", "a fileUrl that is not an IRL"),
        ("description", 12345, "a numeric description"),
        ("fileURL", "http://over.there.com/file.txt", "fileURL in the wrong case"),
    ):
        yield rejected(
            f"statement.attachments[0].{key}",
            statement(attachments=[{**ATTACHMENT, key: value}]),
            f"attachment with {name} is rejected",
        )


# --- statement properties ---------------------------------------------------------------------------------


def statement_cases():
    yield accepted(statement(), "minimal statement is accepted")
    yield accepted(
        statement(id="fd41c918-b88b-4b20-a0a5-a4c32391aaa0", timestamp="2013-05-18T05:32:34.804Z"),
        "statement with id and timestamp is accepted",
    )
    yield accepted(statement(id="12345678-1234-5678-1234-567812345678"), "the spec's example id is accepted")
    yield accepted(statement(id="FD41C918-B88B-4B20-A0A5-A4C32391AAA0"), "upper-case id is accepted")
    yield accepted(
        statement(stored="2011-07-15T00:00:00.000Z", authority=AGENT), "client-sent stored and authority are accepted"
    )
    yield accepted(
        statement(actor={"name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"}), "actor without objectType is accepted"
    )
    for version in ("1.0", "1.0.0", "1.0.3", "1.0.9", "1.0.10"):
        yield accepted(statement(version=version), f"version {version} is accepted")
    for version in ("should fail", "0.9.9", "1.1.0", "2.0.0", "1.0.", " 1.0.3", "1.0.3\n", 1.0, None):
        yield rejected("statement.version", statement(version=version), f"version {version!r} is rejected")
    for key in ("actor", "verb", "object"):
        yield rejected(f"statement.{key}", statement(**{key: DROP}), f"statement without {key} is rejected")
    for wrong, right in (("iD", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"), ("Actor", AGENT), ("veRb", VERB), ("oBject", ACTIVITY),
                         ("RESULT", RESULT), ("conText", CONTEXT), ("timeStamp", "2013-05-18T05:32:34.804Z"),
                         ("STOred", "2013-05-18T05:32:34.804Z"), ("auTHORity", AGENT), ("Version", "1.0.3")):  # fmt: skip
        yield rejected(f"statement.{wrong}", statement(**{wrong: right}), f"{wrong} in the wrong case is rejected")
    yield rejected("statement.objectType", statement(objectType="Statement"), "statement with objectType is rejected")
    yield rejected("statement.signature", statement(signature="x"), "statement with an unknown property is rejected")
    for value, name in ((12345, "a number"), ({"key": "should fail"}, "an object"), ("AA97B177-9383-4934-8543-0F91A7A028368", "a UUID with too many digits"),
                        ("MA97B177-9383-4934-8543-0F91A7A02836", "a UUID with an M"), ("", "empty"),
                        ("fd41c918b88b4b20a0a5a4c32391aaa0", "a UUID without hyphens"), ("{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}", "a UUID in braces")):  # fmt: skip
        yield rejected("statement.id", statement(id=value), f"id that is {name} is rejected")
    for key in ("timestamp", "stored"):
        for value in ("should fail", "01/011/2015", "2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000",
                      "2008-09-15T15:53:00.601-00:00", "2013-05-18", 1368855154, None):  # fmt: skip
            yield rejected(f"statement.{key}", statement(**{key: value}), f"{key} {value!r} is rejected")
    yield rejected(
        "statement.object.timestamp",
        statement(object=substatement(timestamp="should fail")),
        "substatement timestamp in words is rejected",
    )
    yield rejected("statement", ["not", "a", "statement"], "statement that is an array is rejected")
    yield rejected("statement", None, "null statement is rejected")


ALL_CASES = [
    *agent_cases(), *group_cases(), *authority_cases(), *language_cases(), *verb_cases(), *activity_cases(),
    *object_cases(), *substatement_cases(), *voiding_cases(), *result_cases(), *context_cases(),
    *attachment_cases(), *statement_cases(),
]  # fmt: skip
ACCEPTED = [case for case in ALL_CASES if len(case.values) == 1]
REJECTED = [case for case in ALL_CASES if len(case.values) == 2]
XAPI_2 = list(xapi_2_cases())


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_conformant_statement_is_accepted(case):
    check_statement(case)


@pytest.mark.parametrize(("case", "path"), REJECTED)
def test_a_nonconformant_statement_is_rejected_at_the_offending_property(case, path):
    with pytest.raises(StatementError) as caught:
        check_statement(case)
    assert caught.value.path == path, str(caught.value)


@pytest.mark.parametrize("case", [case for case in XAPI_2 if len(case.values) == 1])
def test_an_xapi_2_statement_is_accepted_when_the_request_is_2_0(case):
    check_statement(case, version="2.0.0")


@pytest.mark.parametrize(("case", "path"), [case for case in XAPI_2 if len(case.values) == 2])
def test_a_nonconformant_xapi_2_statement_is_rejected(case, path):
    with pytest.raises(StatementError) as caught:
        check_statement(case, version="2.0.0")
    assert caught.value.path == path, str(caught.value)


def test_xapi_2_properties_are_rejected_in_a_1_0_3_request():
    with pytest.raises(StatementError, match=r"is xAPI 2\.0\.0"):
        check_statement(statement(context={"contextAgents": [CONTEXT_AGENT]}))
    with pytest.raises(StatementError, match=r"^statement\.version: must be 1\.0 or 1\.0\.x"):
        check_statement(statement(version="2.0.0"))


def test_the_error_names_the_path_the_reason_and_the_spec_section():
    with pytest.raises(StatementError) as caught:
        check_statement(statement(actor={"objectType": "Agent", "mbox": "http://should.fail.com"}))
    error = caught.value
    assert error.path == "statement.actor.mbox"
    assert (
        error.message
        == "must be 'mailto:' and an email address, not 'http://should.fail.com' (xAPI 1.0.3 Data §2.4.2.3.s3.table1.row1)"
    )
    assert str(error) == f"{error.path}: {error.message}"
    assert isinstance(error, ValueError)


def test_every_rejection_cites_its_source():
    cases = [(case.values[0], "1.0.3") for case in REJECTED]
    cases += [(case.values[0], "2.0.0") for case in XAPI_2 if len(case.values) == 2]
    for case, version in cases:
        with pytest.raises(StatementError) as caught:
            check_statement(case, version=version)
        assert re.search(r"\((xAPI|ADL) [^()]*§[^()]*\)$", caught.value.message), str(caught.value)


def test_an_agent_with_two_identifiers_is_rejected():
    with pytest.raises(StatementError, match=r"has mbox, account"):
        check_agent({"mbox": "mailto:ana@example.si", **OTHER_AGENT})


def test_a_key_in_the_wrong_case_is_named_with_its_right_spelling():
    with pytest.raises(StatementError, match=r"keys are case-sensitive: 'id'"):
        check_statement(statement(iD="fd41c918-b88b-4b20-a0a5-a4c32391aaa0"))


def test_null_is_accepted_only_inside_extensions():
    check_statement(
        statement(
            result={"extensions": {"http://example.com/null": None}},
            context={"extensions": {"http://example.com/null": None}},
        )
    )
    with pytest.raises(StatementError, match=r"^statement\.result\.response: must be a string, not null"):
        check_statement(statement(result={"response": None}))


def test_the_caller_chooses_the_statement_path():
    with pytest.raises(StatementError) as caught:
        check_statement(statement(verb={"id": "x"}), path="statements[3]")
    assert caught.value.path == "statements[3].verb.id"


# --- check_statements ----------------------------------------------------------------------------------


def test_one_statement_is_returned_as_a_list():
    single = statement()
    assert check_statements(single) == [single]


def test_a_list_of_statements_is_returned_as_it_is():
    batch = [statement(), statement(id="fd41c918-b88b-4b20-a0a5-a4c32391aaa0")]
    assert check_statements(batch) is batch


def test_an_error_in_a_batch_names_the_statement_by_index():
    batch = [statement(), statement(), statement(), statement(verb={"id": "should fail"})]
    with pytest.raises(StatementError) as caught:
        check_statements(batch)
    assert caught.value.path == "statements[3].verb.id"


@pytest.mark.parametrize(
    ("body", "name"), [([], "an empty array"), ("statement", "a string"), (None, "null"), (7, "a number")]
)
def test_a_body_that_is_not_statements_is_rejected(body, name):
    with pytest.raises(StatementError) as caught:
        check_statements(body)
    assert caught.value.path == "statements", name


def test_a_batch_with_one_id_twice_is_rejected():
    first = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
    with pytest.raises(StatementError, match=r"^statements\[2\]\.id: repeats statements\[0\]\.id"):
        check_statements([statement(id=first), statement(), statement(id=first.upper())])


def test_a_batch_is_checked_with_the_request_version():
    batch = [statement(context={"contextAgents": [CONTEXT_AGENT]})]
    assert check_statements(batch, version="2.0.0") is batch
    with pytest.raises(StatementError):
        check_statements(batch)


# --- parse_agent_parameter and check_agent ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"mbox": "mailto:ana@example.si"}',
        '{"objectType": "Agent", "account": {"homePage": "https://moodle.example.si", "name": "anovak"}}',
        '{"objectType": "Group", "mbox": "mailto:team@example.si"}',
        '{"objectType": "Group", "openid": "http://openid.example.org/team", "member": [{"mbox": "mailto:a@b.si"}]}',
    ],
)
def test_an_agent_parameter_is_parsed(text):
    assert parse_agent_parameter(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        pytest.param("not JSON", "agent", id="text that is not JSON"),
        pytest.param("1", "agent", id="a number"),
        pytest.param("true", "agent", id="a boolean"),
        pytest.param('"mailto:ana@example.si"', "agent", id="a JSON string"),
        pytest.param('["mailto:ana@example.si"]', "agent", id="an array"),
        pytest.param("{}", "agent", id="an empty object"),
        pytest.param('{"name": "Ana"}', "agent", id="an agent without identifier"),
        pytest.param(
            '{"mbox": "mailto:a@b.si", "openid": "http://openid.example.org/1"}', "agent", id="two identifiers"
        ),
        pytest.param(
            '{"objectType": "Group", "member": [{"mbox": "mailto:a@b.si"}]}', "agent", id="an anonymous group"
        ),
        pytest.param(
            '{"objectType": "agent", "mbox": "mailto:a@b.si"}', "agent.objectType", id="lower-case objectType"
        ),
        pytest.param('{"mbox": "ana@example.si"}', "agent.mbox", id="an mbox without mailto"),
        pytest.param('{"mbox": "mailto:ana@example.si"', "agent", id="truncated JSON"),
    ],
)
def test_an_invalid_agent_parameter_is_rejected_under_its_name(text, path):
    with pytest.raises(StatementError) as caught:
        parse_agent_parameter(text, name="agent")
    assert caught.value.path == path


def test_a_group_parameter_is_rejected_where_only_agents_are_allowed():
    with pytest.raises(StatementError) as caught:
        parse_agent_parameter('{"objectType": "Group", "mbox": "mailto:team@example.si"}', name="as", allow_group=False)
    assert caught.value.path == "as.objectType"


def test_check_agent_refuses_a_group_when_groups_are_not_allowed():
    check_agent(IDENTIFIED_GROUP)
    with pytest.raises(StatementError, match=r"^member\.objectType: must be 'Agent'"):
        check_agent(IDENTIFIED_GROUP, path="member", allow_group=False)


# --- formats ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["http://example.com/xapi/verbs#defenestrated", "https://w3id.org/xapi/adl/verbs/satisfied", "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
     "mailto:ana@example.si", "tag:example.si,2024:x", "http://example.com/فعل/خواندن", "x-custom+scheme.v1:thing"],
)  # fmt: skip
def test_an_absolute_iri_is_an_iri(value):
    assert is_iri(value)


@pytest.mark.parametrize(
    "value",
    ["ab=c://should.fail.com", "should fail", "", "http://exa mple.com", "http:", "//example.com/x", "1http://x",
     "/relative/path", "#fragment", "http://example.com/<x>", "http://example.com/\n", None, 12345],
)  # fmt: skip
def test_a_string_without_a_scheme_or_with_spaces_is_not_an_iri(value):
    assert not is_iri(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa0", True),
        ("FD41C918-B88B-4B20-A0A5-A4C32391AAA0", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("12345678-1234-5678-1234-567812345678", True),
        ("AA97B177-9383-4934-8543-0F91A7A028368", False),
        ("MA97B177-9383-4934-8543-0F91A7A02836", False),
        ("fd41c918b88b4b20a0a5a4c32391aaa0", False),
        ("fd41c918-b88b-4b20-a0a5-a4c32391aaa", False),
        ("", False),
        (12345, False),
    ],
)
def test_a_uuid_is_in_standard_string_form(value, expected):
    assert is_uuid(value) is expected


@pytest.mark.parametrize(
    "value",
    ["PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT1H0M0.1S", "PT1H0M0S", "PT0S", "P1D",
     "PT0.5S", "P0.5Y", "PT1,5S", "P1Y2M3DT4H5M6S", "PT1234S", "P1DT12H"],
)  # fmt: skip
def test_an_iso_8601_duration_is_a_duration(value):
    assert is_duration(value)


@pytest.mark.parametrize(
    "value",
    ["PA1H0M0S", "should fail", "", "P", "PT", "P1DT", "P4W1D", "P1.5Y2M", "PT1.5H30M", "P0003-06-04T12:30:05", "P16559.14S",
     "-PT1S", "pt1s", "PT1S ", "1H", "P1H", "PT1D", "P1M1Y", "PT.5S", "PT5.S", 12345, None],
)  # fmt: skip
def test_a_malformed_duration_is_not_a_duration(value):
    assert not is_duration(value)


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T05:32:34.804+00:00", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2015-11-18T12:17:00+01:00", datetime(2015, 11, 18, 11, 17, tzinfo=UTC)),
        ("2015-11-18T12:17:00-05:30", datetime(2015, 11, 18, 17, 47, tzinfo=UTC)),
        ("2015-11-18T12:17:00+01", datetime(2015, 11, 18, 11, 17, tzinfo=UTC)),
        ("2013-05-18T05:32:34.123456789Z", datetime(2013, 5, 18, 5, 32, 34, 123456, UTC)),
        ("2013-05-18T05:32:34,5Z", datetime(2013, 5, 18, 5, 32, 34, 500000, UTC)),
        ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=UTC)),
        ("2013-05-18T05:32:34", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("20130518T053234Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("20130518T053234.5+0200", datetime(2013, 5, 18, 3, 32, 34, 500000, UTC)),
        ("2016-02-29T23:59:59.999Z", datetime(2016, 2, 29, 23, 59, 59, 999000, UTC)),
    ],
)
def test_a_timestamp_is_parsed_to_its_utc_instant(value, instant):
    parsed = parse_timestamp(value)
    assert parsed == instant and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "value",
    ["should fail", "01/011/2015", "2008-09-15T15:53:00.601-00", "2008-09-15T15:53:00.601-0000",
     "2008-09-15T15:53:00.601-00:00", "2013-05-18", "05:32:34Z", "2013-05-18 05:32:34Z", "2013-05-18t05:32:34z",
     "2013-13-18T05:32:34Z", "2013-02-30T05:32:34Z", "2015-02-29T05:32:34Z", "2013-05-18T24:00:00Z", "2013-05-18T05:60:00Z",
     "2013-05-18T05:32:34+24:00", "2013-05-18T05:32:34+05:60", "2013-05-18T053234Z", "20130518T05:32:34Z",
     "2013-05-18T05:32:34+0100", "0000-01-01T00:00:00Z", "2013-05-18T05:32:34.Z", "+2013-05-18T05:32:34Z",
     "２０１３-05-18T05:32:34Z", "", 1368855154, None],
)  # fmt: skip
def test_a_malformed_timestamp_is_rejected(value):
    with pytest.raises(StatementError) as caught:
        parse_timestamp(value, path="statement.timestamp")
    assert caught.value.path == "statement.timestamp"


def test_a_timestamp_error_has_the_default_path_timestamp():
    with pytest.raises(StatementError, match=r"^timestamp: "):
        parse_timestamp("yesterday")


def test_a_timestamp_with_an_offset_keeps_its_instant():
    assert parse_timestamp("2013-05-18T07:32:34+02:00") == datetime(
        2013, 5, 18, 7, 32, 34, tzinfo=timezone(timedelta(hours=2))
    )


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"en": "x", "sl-SI": "y"}, None),
        ({}, "display"),
        ("x", "display"),
        ({"en-US": None}, 'display["en-US"]'),
        ({"": "x"}, 'display[""]'),
        ({"not a tag!": "x"}, 'display["not a tag!"]'),
    ],
)
def test_check_language_map(value, path):
    if path is None:
        check_language_map(value, "display")
        return
    with pytest.raises(StatementError) as caught:
        check_language_map(value, "display")
    assert caught.value.path == path


# --- speed ---------------------------------------------------------------------------------------------

TYPICAL = statement(
    id="fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    timestamp="2024-05-18T05:32:34.804Z",
    actor={
        "objectType": "Agent",
        "name": "Ana Novak",
        "account": {"homePage": "https://moodle.example.si", "name": "anovak"},
    },
    verb={"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed", "sl": "opravil"}},
    object=definition(
        name={"en-US": "Unit 1"}, description={"en-US": "First unit"}, type="http://adlnet.gov/expapi/activities/lesson"
    ),
    result={
        "score": {"scaled": 0.9, "raw": 9, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "duration": "PT12M30S",
    },
    context={
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities": {
            "grouping": [{"id": "https://example.si/courses/c1"}],
            "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
        },
        "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "abc"},
    },
)


def test_a_typical_statement_is_checked_in_well_under_a_millisecond():
    # Measured at about 18 µs; the bound only catches a pathological slowdown on a busy machine.
    runs = 500
    seconds = min(timeit.repeat(lambda: check_statement(TYPICAL), number=runs, repeat=3)) / runs
    assert seconds < 250e-6


def language_map_with(tag: str) -> None:
    check_language_map({tag: "x"}, "display")


def attachment_of_type(content_type: str) -> None:
    check_statement(statement(attachments=[{**ATTACHMENT, "contentType": content_type}]))


HOSTILE = {
    "IRI ending in a space": (is_iri, "http:" + "x" * 100_000 + " "),
    "duration of digits without designator": (is_duration, "P" + "1" * 100_000 + "X"),
    "duration with a bad last designator": (is_duration, "PT" + "1" * 50_000 + "H" + "1" * 50_000 + "Q"),
    "timestamp with a long bad fraction": (parse_timestamp, "2013-05-18T05:32:34." + "1" * 100_000 + "x"),
    "language tag of singletons": (language_map_with, "a-" * 50_000),
    "language tag of variants": (language_map_with, "en" + "-aaaaa" * 20_000 + "-"),
    "language tag of extensions": (language_map_with, "en" + "-a-bb" * 20_000 + "-"),
    "private-use tag with a bad end": (language_map_with, "x" + "-a" * 50_000 + "!"),
    "media type with many parameters": (attachment_of_type, "text/plain" + "; a=b" * 20_000 + ";"),
}


@pytest.mark.parametrize(("check", "value"), HOSTILE.values(), ids=HOSTILE.keys())
def test_long_hostile_strings_are_judged_in_linear_time(check, value):
    started = time.perf_counter()
    try:
        check(value)
    except StatementError:
        pass
    assert time.perf_counter() - started < 0.5
