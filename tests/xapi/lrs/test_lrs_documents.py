"""The document resources and the Activities and Agents resources (xAPI 1.0.3 Communication §2.2-§2.7, §3.1).

State: PUT/POST-merge/GET/list with since/DELETE one/DELETE all, registration scoping, a
merge that cannot happen is 400 and changes nothing. Activity and Agent Profile: the ETag
rules of §3.1 (409 for a PUT over a stored document without a precondition, 412 for a
failed one). ETag = quoted SHA-1 of the content; the content type is kept.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tests.xapi.lrs.lrs_helpers import activity, agent, body, header, post, statement

STATE = "activities/state"
COURSE = activity("course")["id"]
REGISTRATION = "0f2b3c4d-5e6f-4a1b-8c9d-0e1f2a3b4c5d"
OTHER_REGISTRATION = "11111111-2222-4333-8444-555555555555"
PROFILES = (("activities/profile", {"activityId": COURSE}), ("agents/profile", {"agent": agent("ana")}))


def state(**extra) -> dict:
    return {"activityId": COURSE, "agent": agent("ana"), "stateId": "bookmark", **extra}


# A new profile document is PUT with If-None-Match: * (without either header: 400, ADL XAPI-00273).
NEW = {"If-None-Match": "*"}


def put(
    call,
    resource: str,
    params: dict,
    content: bytes | dict,
    content_type: str = "application/json",
    method="PUT",
    **headers,
):
    raw = json.dumps(content).encode() if isinstance(content, dict | list) else content
    return call(method, resource, params, raw=raw, headers={"Content-Type": content_type, **headers})


def get(call, resource: str, params: dict):
    return call("GET", resource, params)


def quoted_sha1(content: bytes) -> str:
    return '"' + hashlib.sha1(content).hexdigest() + '"'


# -- State (Communication §2.3, §2.2 JSON procedure)


def test_state_put_then_get_answers_the_content_its_type_a_sha1_etag_and_last_modified(call):
    assert put(call, STATE, state(), b"page=7", "text/plain; charset=utf-8").status == 204
    answer = get(call, STATE, state())
    assert (answer.status, answer.body, answer.content_type) == (200, b"page=7", "text/plain; charset=utf-8")
    assert header(answer, "ETag") == quoted_sha1(b"page=7")
    modified = parsedate_to_datetime(header(answer, "Last-Modified"))
    assert abs((datetime.now(UTC) - modified).total_seconds()) < 60


def test_state_put_replaces_a_stored_document_without_any_precondition(call):
    put(call, STATE, state(), {"page": 1})
    assert put(call, STATE, state(), b"\x00\x01binary", "application/octet-stream").status == 204
    answer = get(call, STATE, state())
    assert (answer.body, answer.content_type) == (b"\x00\x01binary", "application/octet-stream")


def test_state_post_merges_top_level_properties_and_stores_a_new_document_as_sent(call):
    assert put(call, STATE, state(), {"x": "foo", "y": "bar", "nested": {"a": 1, "b": 2}}, method="POST").status == 204
    assert put(call, STATE, state(), {"x": "bash", "z": "faz", "nested": {"a": 3}}, method="POST").status == 204
    answer = get(call, STATE, state())
    assert body(answer) == {"x": "bash", "y": "bar", "z": "faz", "nested": {"a": 3}}
    assert answer.content_type.startswith("application/json")
    assert header(answer, "ETag") == quoted_sha1(answer.body)


def test_a_post_that_cannot_merge_is_400_and_leaves_the_document_as_it_was(call):
    put(call, STATE, state(), {"x": 1})
    before = get(call, STATE, state())
    for content, content_type in (
        (b"x=2", "text/plain"),
        (b"[1, 2]", "application/json"),
        (b"{not json", "application/json"),
        (b'"text"', "application/json"),
    ):
        assert put(call, STATE, state(), content, content_type, method="POST").status == 400, content
    after = get(call, STATE, state())
    assert (after.body, header(after, "ETag")) == (before.body, header(before, "ETag"))
    put(call, STATE, state(stateId="notes"), b"plain", "text/plain")
    assert put(call, STATE, state(stateId="notes"), {"x": 1}, method="POST").status == 400
    assert get(call, STATE, state(stateId="notes")).body == b"plain"


def test_state_without_state_id_lists_the_ids_of_its_context_and_since_limits_them(call):
    put(call, STATE, state(stateId="a"), {"n": 1})
    between = datetime.now(UTC).isoformat()
    put(call, STATE, state(stateId="b"), {"n": 2})
    put(call, STATE, state(stateId="c", agent=agent("bor")), {"n": 3})
    listing = state()
    del listing["stateId"]
    answer = get(call, STATE, listing)
    assert answer.status == 200 and sorted(body(answer)) == ["a", "b"]
    assert body(get(call, STATE, {**listing, "since": between})) == ["b"]
    assert body(get(call, STATE, {**listing, "since": datetime.now(UTC).isoformat()})) == []
    assert get(call, STATE, {**listing, "since": "last week"}).status == 400


def test_state_get_with_state_id_ignores_since(call):
    # ADL suite (Communication 2.3.s4.table1.row4): `since` beside stateId is accepted, not applied.
    put(call, STATE, state(), {"n": 1})
    answer = get(call, STATE, state(since="2000-01-01T00:00:00Z"))
    assert (answer.status, body(answer)) == (200, {"n": 1})


def test_state_delete_with_state_id_deletes_one_and_without_it_every_document_of_the_context(call):
    for state_id in ("a", "b"):
        put(call, STATE, state(stateId=state_id), {"id": state_id})
    put(call, STATE, state(stateId="a", agent=agent("bor")), {"id": "bor's"})
    assert call("DELETE", STATE, state(stateId="a")).status == 204
    assert get(call, STATE, state(stateId="a")).status == 404
    assert get(call, STATE, state(stateId="b")).status == 200
    everything = state()
    del everything["stateId"]
    assert call("DELETE", STATE, everything).status == 204
    assert body(get(call, STATE, everything)) == []
    assert body(get(call, STATE, state(stateId="a", agent=agent("bor")))) == {"id": "bor's"}


def test_a_registration_scopes_state_documents(call):
    put(call, STATE, state(), {"registration": None})
    put(call, STATE, state(registration=REGISTRATION), {"registration": 1})
    put(call, STATE, state(registration=OTHER_REGISTRATION), {"registration": 2})
    assert body(get(call, STATE, state())) == {"registration": None}
    assert body(get(call, STATE, state(registration=REGISTRATION.upper()))) == {"registration": 1}
    assert body(get(call, STATE, state(registration=OTHER_REGISTRATION))) == {"registration": 2}
    listing = state(registration=REGISTRATION)
    del listing["stateId"]
    assert body(get(call, STATE, listing)) == ["bookmark"]
    assert call("DELETE", STATE, listing).status == 204
    assert get(call, STATE, state(registration=REGISTRATION)).status == 404
    assert body(get(call, STATE, state(registration=OTHER_REGISTRATION))) == {"registration": 2}
    assert body(get(call, STATE, state())) == {"registration": None}


def test_state_needs_activity_id_agent_and_for_writes_state_id_all_well_formed(call):
    for method in ("GET", "PUT", "POST", "DELETE"):
        for name in ("activityId", "agent"):
            params = state()
            del params[name]
            assert put(call, STATE, params, {"n": 1}, method=method).status == 400, (method, name)
        for bad in ({"activityId": "course"}, {"agent": "ana"}, {"agent": {"name": "Ana"}}, {"registration": "r1"}):
            assert put(call, STATE, state(**bad), {"n": 1}, method=method).status == 400, (method, bad)
    for method in ("PUT", "POST"):
        params = state()
        del params["stateId"]
        assert put(call, STATE, params, {"n": 1}, method=method).status == 400, method
    assert get(call, STATE, state(stateId="never-stored")).status == 404


def test_state_if_match_and_if_none_match_are_honoured_when_sent(call):
    put(call, STATE, state(), {"n": 1})
    assert put(call, STATE, state(), {"n": 2}, **{"If-Match": '"' + "1" * 40 + '"'}).status == 412
    assert put(call, STATE, state(), {"n": 2}, **{"If-None-Match": "*"}).status == 412
    assert body(get(call, STATE, state())) == {"n": 1}


# -- Activity Profile and Agent Profile (Communication §2.6, §2.7, §3.1)


def test_profile_put_over_a_stored_document_needs_a_matching_if_match(call):
    for resource, scope in PROFILES:
        params = {**scope, "profileId": "settings"}
        assert put(call, resource, params, {"v": 1}, **{"If-None-Match": "*"}).status == 204
        etag = header(get(call, resource, params), "ETag")
        assert etag == quoted_sha1(json.dumps({"v": 1}).encode())
        conflict = put(call, resource, params, {"v": 2})
        assert conflict.status == 409 and "If-Match" in body(conflict)["error"]["message"]
        assert put(call, resource, params, {"v": 2}, **{"If-None-Match": "*"}).status == 412
        assert put(call, resource, params, {"v": 2}, **{"If-Match": '"' + "0" * 40 + '"'}).status == 412
        assert body(get(call, resource, params)) == {"v": 1}
        assert put(call, resource, params, {"v": 3}, **{"If-Match": etag}).status == 204
        assert body(get(call, resource, params)) == {"v": 3}
        assert put(call, resource, params, {"v": 4}, **{"If-Match": "*"}).status == 204
        # If-Match on a document that is not there fails and creates nothing
        absent = {**scope, "profileId": "absent"}
        assert put(call, resource, absent, {"v": 1}, **{"If-Match": etag}).status == 412
        assert put(call, resource, absent, {"v": 1}, **{"If-Match": "*"}).status == 412
        assert get(call, resource, absent).status == 404


def test_profile_post_merges_and_post_and_delete_honour_if_match(call):
    for resource, scope in PROFILES:
        params = {**scope, "profileId": "progress"}
        assert put(call, resource, params, {"a": 1}, method="POST").status == 204
        stale = header(get(call, resource, params), "ETag")
        assert put(call, resource, params, {"b": 2}, method="POST", **{"If-Match": stale}).status == 204
        assert body(get(call, resource, params)) == {"a": 1, "b": 2}
        assert put(call, resource, params, {"c": 3}, method="POST", **{"If-Match": stale}).status == 412
        assert put(call, resource, params, {"c": 3}, method="POST", **{"If-None-Match": "*"}).status == 412
        assert call("DELETE", resource, params, headers={"If-Match": stale}).status == 412
        assert body(get(call, resource, params)) == {"a": 1, "b": 2}
        current = header(get(call, resource, params), "ETag")
        assert call("DELETE", resource, params, headers={"If-Match": current}).status == 204
        assert get(call, resource, params).status == 404


def test_profile_keeps_the_content_type_and_lists_ids_with_since(call):
    for resource, scope in PROFILES:
        put(call, resource, {**scope, "profileId": "a"}, b"<svg/>", "image/svg+xml", **NEW)
        answer = get(call, resource, {**scope, "profileId": "a"})
        assert (answer.body, answer.content_type, header(answer, "ETag")) == (
            b"<svg/>",
            "image/svg+xml",
            quoted_sha1(b"<svg/>"),
        )
        between = datetime.now(UTC).isoformat()
        put(call, resource, {**scope, "profileId": "b"}, {"n": 1}, **NEW)
        assert sorted(body(get(call, resource, scope))) == ["a", "b"]
        assert body(get(call, resource, {**scope, "since": between})) == ["b"]
        assert call("DELETE", resource, {**scope, "profileId": "a"}).status == 204
        assert body(get(call, resource, scope)) == ["b"]


def test_profiles_are_scoped_by_their_activity_or_agent(call):
    put(call, "activities/profile", {"activityId": COURSE, "profileId": "p"}, {"of": "course"}, **NEW)
    put(call, "agents/profile", {"agent": agent("ana"), "profileId": "p"}, {"of": "ana"}, **NEW)
    assert get(call, "activities/profile", {"activityId": activity("other")["id"], "profileId": "p"}).status == 404
    assert get(call, "agents/profile", {"agent": agent("bor"), "profileId": "p"}).status == 404
    # an agent is found by its identifier, whatever else the parameter says
    named = {"agent": {"mbox": "mailto:ana@example.com", "name": "Ana"}, "profileId": "p"}
    assert body(get(call, "agents/profile", named)) == {"of": "ana"}


def test_profiles_need_their_scope_and_for_writes_and_delete_a_profile_id(call):
    for resource, scope in PROFILES:
        for method in ("GET", "PUT", "POST", "DELETE"):
            assert put(call, resource, {"profileId": "p"}, {"n": 1}, method=method).status == 400, (resource, method)
        for method in ("PUT", "POST", "DELETE"):
            assert put(call, resource, scope, {"n": 1}, method=method).status == 400, (resource, method)
        assert get(call, resource, {**scope, "profileId": "never"}).status == 404
    assert get(call, "activities/profile", {"activityId": "not an iri"}).status == 400
    assert get(call, "agents/profile", {"agent": "not json"}).status == 400


# -- Activities and Agents (Communication §2.4, §2.5)


def test_activities_answers_the_canonical_definition_the_statements_gave(call):
    post(
        call,
        statement(target=activity("quiz", name={"en": "Quiz"}, description={"en": "Ten questions"})),
        statement(target=activity("quiz", name={"sl": "Kviz"}, type="http://adlnet.gov/expapi/activities/assessment")),
        statement(
            target="lesson", context={"contextActivities": {"parent": [activity("unit", name={"en": "Unit 1"})]}}
        ),
    )
    answer = call("GET", "activities", {"activityId": activity("quiz")["id"]})
    assert answer.status == 200
    assert body(answer) == {
        "objectType": "Activity",
        "id": activity("quiz")["id"],
        "definition": {
            "name": {"en": "Quiz", "sl": "Kviz"},
            "description": {"en": "Ten questions"},
            "type": "http://adlnet.gov/expapi/activities/assessment",
        },
    }
    assert body(call("GET", "activities", {"activityId": activity("unit")["id"]}))["definition"] == {
        "name": {"en": "Unit 1"}
    }
    # an activity the LRS knows nothing of is still an Activity (§2.5.s2.b1)
    assert body(call("GET", "activities", {"activityId": activity("unknown")["id"]})) == activity("unknown")
    assert call("GET", "activities", {}).status == 400
    assert call("GET", "activities", {"activityId": "quiz"}).status == 400


def test_agents_answers_a_person_object_for_an_agent(call):
    answer = call("GET", "agents", {"agent": agent("ana", name="Ana")})
    assert answer.status == 200
    assert body(answer) == {"objectType": "Person", "name": ["Ana"], "mbox": ["mailto:ana@example.com"]}
    account = {"homePage": "https://moodle.example.com/", "name": "42"}
    assert body(call("GET", "agents", {"agent": {"account": account}})) == {
        "objectType": "Person",
        "account": [account],
    }
    assert call("GET", "agents", {}).status == 400
    assert call("GET", "agents", {"agent": {"objectType": "Group", "mbox": "mailto:team@example.com"}}).status == 400
    assert call("GET", "agents", {"agent": "{"}).status == 400
