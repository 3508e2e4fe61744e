"""GET statements with filters (xAPI 1.0.3 Communication §2.1.3; Data §2.5 StatementResult).

Every filter (agent with group members and related_agents, verb, activity with
related_activities, registration, since/until on `stored`, limit, ascending), the three
formats, the StatementRef targeting rule, and `more` paging that neither skips nor repeats
while statements are written between pages.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.xapi.lrs.conftest import HOME_PAGE
from tests.xapi.lrs.lrs_helpers import EXAMPLE, activity, agent, body, ids_of, post, statement, verb
from xapi.lrs.service import XapiRequest, XapiService
from xapi.lrs.validation import parse_timestamp


def query(call, **params) -> list[str]:
    return ids_of(call("GET", "statements", params))


def sub_statement(actor="ana", verb_name="will-complete", target="lesson", **extra) -> dict:
    found = statement(actor, verb_name, target, **extra)
    del found["id"]
    return {"objectType": "SubStatement", **found}


def stored_of(call, statement_id: str) -> str:
    return body(call("GET", "statements", {"statementId": statement_id}))["stored"]


# -- agent, verb, activity, registration


def test_agent_matches_actor_object_and_groups_the_agent_is_a_member_of(call):
    ana = agent("ana", name="Ana")
    team = {"objectType": "Group", "mbox": "mailto:team@example.com", "member": [agent("eva")]}
    as_actor = statement(ana)
    as_object = statement("bor", "mentored", ana)
    in_anonymous_group = statement({"objectType": "Group", "member": [agent("bor"), agent("ana")]})
    in_identified_group = statement(team)
    group_as_object = statement("bor", "coached", {"objectType": "Group", "member": [agent("ana")]})
    unrelated = statement("bor")
    post(call, as_actor, as_object, in_anonymous_group, in_identified_group, group_as_object, unrelated)
    expected = [group_as_object["id"], in_anonymous_group["id"], as_object["id"], as_actor["id"]]
    assert query(call, agent=agent("ana")) == expected
    # Agents are equal by their identifier alone: another name does not matter
    assert query(call, agent={"mbox": "mailto:ana@example.com", "name": "Someone Else"}) == expected
    assert query(call, agent={"objectType": "Group", "mbox": "mailto:team@example.com"}) == [in_identified_group["id"]]
    assert query(call, agent=agent("eva")) == [in_identified_group["id"]]


def test_agent_matches_by_each_kind_of_identifier(call):
    account = {"account": {"homePage": "https://moodle.example.com/", "name": "42"}}
    sha1 = {"mbox_sha1sum": hashlib.sha1(b"mailto:ana@example.com").hexdigest()}
    openid = {"openid": "https://openid.example.com/ana"}
    sent = [statement(identifier) for identifier in (account, sha1, openid)]
    post(call, *sent)
    for identifier, one in zip((account, sha1, openid), sent, strict=True):
        assert query(call, agent=identifier) == [one["id"]]
    assert query(call, agent={"account": {"homePage": "https://moodle.example.com/", "name": "43"}}) == []


def test_related_agents_adds_instructor_team_authority_and_substatement_agents(call):
    by_instructor = statement("bor", context={"instructor": agent("ana")})
    by_team = statement("bor", context={"team": {"objectType": "Group", "member": [agent("ana")]}})
    by_sub_actor = statement("bor", "planned", sub_statement("ana"))
    by_sub_object = statement("bor", "planned", sub_statement("eva", "will-mentor", agent("ana")))
    by_sub_instructor = statement("bor", "planned", sub_statement("eva", context={"instructor": agent("ana")}))
    direct = statement("ana")
    post(call, by_instructor, by_team, by_sub_actor, by_sub_object, by_sub_instructor, direct)
    assert query(call, agent=agent("ana")) == [direct["id"]]
    assert query(call, agent=agent("ana"), related_agents="false") == [direct["id"]]
    related = [direct, by_sub_instructor, by_sub_object, by_sub_actor, by_team, by_instructor]
    assert query(call, agent=agent("ana"), related_agents="true") == [one["id"] for one in related]
    # the authority: every statement this client wrote
    authority = {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": "tester"}}
    assert query(call, agent=authority) == []
    assert len(query(call, agent=authority, related_agents="true")) == 6


def test_verb_filter_and_filters_combine_with_and(call):
    ana_completed, ana_failed, bor_completed = statement("ana"), statement("ana", "failed"), statement("bor")
    post(call, ana_completed, ana_failed, bor_completed)
    assert query(call, verb=verb("completed")["id"]) == [bor_completed["id"], ana_completed["id"]]
    assert query(call, verb=verb("completed")["id"], agent=agent("ana")) == [ana_completed["id"]]
    assert query(call, verb=verb("nothing")["id"]) == []


def test_activity_matches_the_object_and_related_activities_adds_context_and_substatement_activities(call):
    course = activity("course")
    as_object = statement(target=course)
    as_parent = statement(target="lesson", context={"contextActivities": {"parent": [course]}})
    as_grouping = statement(target="lesson", context={"contextActivities": {"grouping": course}})
    in_sub_object = statement(verb_name="planned", target=sub_statement(target=course))
    in_sub_context = statement(
        verb_name="planned", target=sub_statement(context={"contextActivities": {"category": [course]}})
    )
    unrelated = statement(target="other")
    post(call, as_object, as_parent, as_grouping, in_sub_object, in_sub_context, unrelated)
    assert query(call, activity=course["id"]) == [as_object["id"]]
    related = [in_sub_context, in_sub_object, as_grouping, as_parent, as_object]
    assert query(call, activity=course["id"], related_activities="true") == [one["id"] for one in related]


def test_registration_filter_matches_the_context_registration_in_any_letter_case(call):
    registration = "0f2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
    mine = statement(context={"registration": registration})
    other = statement(context={"registration": "11111111-2222-4333-8444-555555555555"})
    post(call, mine, other, statement())
    assert query(call, registration=registration) == [mine["id"]]
    assert query(call, registration=registration.upper()) == [mine["id"]]


def test_malformed_filter_values_are_400(call):
    for params in (
        {"agent": "not json"},
        {"agent": {"name": "no identifier"}},
        {"agent": {"objectType": "Group", "member": [agent("ana")]}},
        {"agent": {"mbox": "ana@example.com"}},
        {"verb": "completed"},
        {"activity": "not an iri"},
        {"registration": "not-a-uuid"},
        {"since": "yesterday"},
        {"until": "2024-13-01T00:00:00Z"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"format": "full"},
        {"ascending": "yes"},
        {"related_agents": "1"},
        {"related_activities": "True"},
        {"attachments": "maybe"},
    ):
        assert call("GET", "statements", params).status == 400, params


def test_no_match_is_200_with_an_empty_statement_result(call):
    post(call, statement())
    answer = call("GET", "statements", {"verb": verb("nothing")["id"]})
    assert (answer.status, body(answer)) == (200, {"statements": [], "more": ""})


# -- since, until, ascending, limit


def test_since_is_exclusive_and_until_inclusive_on_stored_in_any_time_zone(call):
    first, second, third = statement(), statement(), statement()
    post(call, first, second, third)
    t1, t2 = stored_of(call, first["id"]), stored_of(call, second["id"])
    assert query(call, since=t1) == [third["id"], second["id"]]
    assert query(call, until=t2) == [second["id"], first["id"]]
    assert query(call, since=t1, until=t2) == [second["id"]]
    # the same instants written with an offset (stored times are UTC)
    shifted = parse_timestamp(t1).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert query(call, since=shifted) == [third["id"], second["id"]]
    # the timestamp property does not matter, only stored
    old = statement(timestamp="2001-01-01T00:00:00Z")
    post(call, old)
    assert query(call, since=t2) == [old["id"], third["id"]]


def test_ascending_true_answers_oldest_first(call):
    ids = post(call, statement(), statement(), statement())
    assert query(call) == ids[::-1]
    assert query(call, ascending="true") == ids
    assert query(call, ascending="false") == ids[::-1]


@pytest.fixture
def small_pages(lrs_store, registry, auth):
    """GET statements from an LRS whose pages hold 2 statements by default and at most 3."""
    service = XapiService(lrs_store, registry.authenticate, page_size=2, max_page_size=3)

    def get(**params) -> dict:
        encoded = urlencode(params)
        answer = service.handle(
            XapiRequest.from_query(
                "GET", "statements", encoded, {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
            )
        )
        assert answer.status == 200, answer.body
        return body(answer)

    return get


def test_limit_caps_the_page_and_limit_0_means_the_server_maximum(call, small_pages):
    post(call, *(statement() for _ in range(5)))
    assert len(small_pages()["statements"]) == 2
    assert len(small_pages(limit="1")["statements"]) == 1
    assert len(small_pages(limit="0")["statements"]) == 3
    assert len(small_pages(limit="50")["statements"]) == 3
    assert len(query(call, limit="0")) == 5


# -- more (Data §2.5)


def follow(call, more: str) -> dict:
    assert more.startswith("/xapi/statements?"), more  # a relative IRL: path and query, no scheme or host
    params = {name: values[0] for name, values in parse_qs(urlsplit(more).query).items()}
    answer = call("GET", "statements", params)
    assert answer.status == 200, answer.body
    return body(answer)


def all_pages(call, first: dict) -> list[list[str]]:
    pages = [[found["id"] for found in first["statements"]]]
    result = first
    while result["more"]:
        result = follow(call, result["more"])
        pages.append([found["id"] for found in result["statements"]])
    return pages


def test_more_pages_through_every_match_once_and_ends_with_an_empty_more(call):
    ids = post(call, *(statement() for _ in range(5)))
    first = body(call("GET", "statements", {"limit": "2"}))
    assert all_pages(call, first) == [ids[4:2:-1], ids[2:0:-1], ids[:1]]


def test_more_keeps_the_filters_and_the_order(call):
    passed = [statement(verb_name="passed") for _ in range(3)]
    for one in passed:
        post(call, one, statement())
    first = body(call("GET", "statements", {"verb": verb("passed")["id"], "limit": "1", "ascending": "true"}))
    assert all_pages(call, first) == [[one["id"]] for one in passed]


def test_more_is_stable_while_statements_are_written_between_pages(call):
    ids = post(call, *(statement() for _ in range(5)))
    first = body(call("GET", "statements", {"limit": "2"}))
    later = post(call, statement(), statement())
    rest = all_pages(call, follow(call, first["more"]))
    pages = [[found["id"] for found in first["statements"]], *rest]
    assert [one for page in pages for one in page] == ids[::-1]
    ascending = body(call("GET", "statements", {"limit": "3", "ascending": "true"}))
    newest = post(call, statement())
    seen = [one for page in all_pages(call, ascending) for one in page]
    assert seen == ids + later
    assert newest[0] in query(call)


def test_a_more_link_the_lrs_did_not_make_is_400(call):
    assert call("GET", "statements", {"more": "bm90IGEgdG9rZW4"}).status == 400
    assert call("GET", "statements", {"more": "%%%"}).status == 400


# -- formats (Communication §2.1.3 "format", s4 language filtering)


def test_format_ids_keeps_only_what_identifies_agents_groups_activities_and_verbs(call):
    sent = statement(
        agent("ana", name="Ana"),
        target=activity("quiz", name={"en": "Quiz"}, type=f"{EXAMPLE}types/assessment"),
        context={
            "instructor": agent("bor", name="Bor"),
            "team": {"objectType": "Group", "name": "Team", "member": [agent("eva", name="Eva")]},
            "contextActivities": {"parent": [activity("course", name={"en": "Course"})]},
        },
    )
    sent["verb"]["display"] = {"en": "completed"}
    post(call, sent)
    [shown] = body(call("GET", "statements", {"format": "ids"}))["statements"]
    assert shown["actor"] == agent("ana")
    assert shown["verb"] == {"id": sent["verb"]["id"]}
    assert shown["object"] == {"id": activity("quiz")["id"]}  # the id alone (ADL XAPI-00171)
    assert shown["context"]["instructor"] == agent("bor")
    assert shown["context"]["team"] == {"objectType": "Group", "member": [agent("eva")]}
    assert shown["context"]["contextActivities"] == {"parent": [{"id": activity("course")["id"]}]}
    assert "name" not in shown["authority"]
    single = body(call("GET", "statements", {"statementId": sent["id"], "format": "ids"}))
    assert single["actor"] == agent("ana")


def test_format_exact_is_the_statement_as_received_by_default(call):
    sent = statement(agent("ana", name="Ana"), target=activity("quiz", name={"en": "Quiz", "sl": "Kviz"}))
    post(call, sent, statement(target=activity("quiz", name={"de": "Quiz"})))
    exact = body(call("GET", "statements", {"format": "exact", "ascending": "true"}))["statements"][0]
    default = body(call("GET", "statements", {"ascending": "true"}))["statements"][0]
    assert exact == default
    assert (exact["actor"], exact["object"]) == (sent["actor"], sent["object"])


def test_format_canonical_gives_the_lrs_definition_in_one_language_chosen_by_accept_language(call):
    first = statement(
        agent("ana", name="Ana"),
        target=activity("quiz", name={"en": "Quiz", "sl": "Kviz"}, description={"en": "A short quiz"}),
    )
    first["verb"]["display"] = {"en": "completed", "sl": "končal"}
    later = statement(target=activity("quiz", name={"de": "Quiz (de)"}, type=f"{EXAMPLE}types/assessment"))
    post(call, first, later)

    def shown(language: str | None) -> dict:
        headers = {"Accept-Language": language} if language else {}
        answer = call("GET", "statements", {"statementId": first["id"], "format": "canonical"}, headers=headers)
        assert answer.status == 200
        return body(answer)

    slovene = shown("sl, en;q=0.5")
    assert slovene["object"]["definition"] == {
        "name": {"sl": "Kviz"},
        "description": {"en": "A short quiz"},
        "type": f"{EXAMPLE}types/assessment",
    }
    assert slovene["verb"]["display"] == {"sl": "končal"}
    assert slovene["actor"] == agent("ana", name="Ana")  # agents as in exact
    assert shown("de-AT, en;q=0.1")["object"]["definition"]["name"] == {"de": "Quiz (de)"}
    assert shown("en;q=0.9, de;q=0.1")["object"]["definition"]["name"] == {"en": "Quiz"}
    assert len(shown(None)["object"]["definition"]["name"]) > 1  # no Accept-Language: every language (XAPI-00169)
    [page_first] = body(call("GET", "statements", {"format": "canonical", "ascending": "true", "limit": "1"}))[
        "statements"
    ]
    assert len(page_first["object"]["definition"]["name"]) == 3


# -- StatementRef targeting (Communication §2.1.3.s3)


def test_a_statement_targeting_another_matches_the_filters_the_target_matches_recursively(call):
    original = statement("ben", "passed", "explosives")
    confirmed = statement("andrew", "confirmed", {"objectType": "StatementRef", "id": original["id"]})
    liked = statement("carl", "liked", {"objectType": "StatementRef", "id": confirmed["id"]})
    # a StatementRef in context does not count
    mentions = statement(
        "dora", "noted", "notes", context={"statement": {"objectType": "StatementRef", "id": original["id"]}}
    )
    post(call, original, confirmed, liked, mentions)
    chain = [liked["id"], confirmed["id"], original["id"]]
    assert query(call, agent=agent("ben")) == chain
    assert query(call, activity=activity("explosives")["id"]) == chain
    assert query(call, verb=verb("passed")["id"]) == chain
    assert query(call, verb=verb("confirmed")["id"]) == chain[:2]
    assert query(call, agent=agent("dora")) == [mentions["id"]]
    # since/until/limit apply to the targeting statement itself
    assert query(call, agent=agent("ben"), since=stored_of(call, confirmed["id"])) == [liked["id"]]
    assert query(call, agent=agent("ben"), until=stored_of(call, original["id"])) == [original["id"]]
    assert query(call, agent=agent("ben"), limit="1") == [liked["id"]]


def test_a_statement_stored_before_the_statement_it_targets_matches_once_the_target_arrives(call):
    original = statement("ben", "passed", "explosives")
    confirmed = statement("andrew", "confirmed", {"objectType": "StatementRef", "id": original["id"]})
    post(call, confirmed, original)
    assert query(call, agent=agent("ben")) == [original["id"], confirmed["id"]]
