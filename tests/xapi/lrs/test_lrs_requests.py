"""What every request goes through (xAPI 1.0.3 Communication §1.1, §1.3, §2.8, §3.2, §3.3, §4).

The version header, credentials (401) and scopes (403), the alternate request syntax,
parameters the LRS does not know or knows in another letter case (400), HEAD, and about.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest

from tests.xapi.lrs.lrs_helpers import activity, agent, body, header, ids_of, post, statement, verb

NO_CREDENTIALS = {"Authorization": None}
STATE = {"activityId": activity("course")["id"], "agent": agent("ana"), "stateId": "bookmark"}


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


# -- version header (Communication §3.3)


def test_a_request_without_the_version_header_is_400_except_for_about(call):
    without = {"X-Experience-API-Version": None}
    assert call("GET", "statements", headers=without).status == 400
    assert call("POST", "statements", body=statement(), headers=without).status == 400
    assert call("GET", "activities/state", STATE, headers=without).status == 400
    assert call("GET", "about", headers={**without, **NO_CREDENTIALS}).status == 200
    answer = call("PUT", "statements", {"statementId": statement()["id"]}, statement(), headers=without)
    assert answer.status == 400 and body(answer)["error"]["message"]


def test_versions_1_0_and_1_0_x_are_accepted_and_earlier_or_1_1_and_later_refused(call):
    for version in ("1.0", "1.0.0", "1.0.1", "1.0.3", "1.0.9"):
        assert call("GET", "statements", headers={"X-Experience-API-Version": version}).status == 200, version
    for version in ("0.9", "0.95", "1.1.0", "1.1", "2.1.0", "1", "1.0.x", "latest"):
        assert call("GET", "statements", headers={"X-Experience-API-Version": version}).status == 400, version


def test_every_answer_says_version_1_0_3_errors_included(call):
    answers = [
        call("GET", "statements"),
        call("GET", "statements", headers={"X-Experience-API-Version": "0.9"}),
        call("GET", "statements", headers=NO_CREDENTIALS),
        call("GET", "about", headers=NO_CREDENTIALS),
        call("GET", "nothing-here"),
        call("HEAD", "activities/state", STATE),
    ]
    assert [header(answer, "X-Experience-API-Version") for answer in answers] == ["1.0.3"] * len(answers)


# -- about (Communication §2.8)


def test_about_answers_the_versions_without_credentials_or_version_header(call):
    answer = call("GET", "about", headers={"X-Experience-API-Version": None, **NO_CREDENTIALS})
    assert answer.status == 200 and answer.content_type == "application/json"
    about = body(answer)
    assert set(about) <= {"version", "extensions"}
    assert "1.0.3" in about["version"]
    assert all(version.startswith("1.0.") for version in about["version"])
    assert call("GET", "about", {"format": "ids"}).status == 400


# -- credentials and scopes (Communication §4, §3.2.s3.b10)


def test_missing_malformed_or_unknown_credentials_are_401(call, registry):
    key, secret = registry.add("someone")
    for authorization in (
        None,
        "",
        "Basic",
        "Basic not-base64!",
        basic(key, "wrong"),
        basic("unknown", secret),
        "Bearer " + secret,
    ):
        answer = call("GET", "statements", headers={"Authorization": authorization})
        assert answer.status == 401, authorization
        assert header(answer, "X-Experience-API-Version") == "1.0.3"
    assert call("GET", "statements", headers={"Authorization": basic(key, secret)}).status == 200


def test_scopes_allow_what_they_name_and_anything_else_is_403(call, registry):
    allowed = {
        "statements/read": {"read statements", "activities", "agents"},
        "statements/write": {"write statements"},
        "all/read": {"read statements", "activities", "agents", "read state", "read profile"},
        "state": {"read state", "write state"},
        "profile": {"read profile", "write profile"},
    }
    requests = {
        "read statements": ("GET", "statements", {}, None),
        "write statements": ("POST", "statements", {}, statement()),
        "activities": ("GET", "activities", {"activityId": activity("course")["id"]}, None),
        "agents": ("GET", "agents", {"agent": agent("ana")}, None),
        "read state": ("GET", "activities/state", STATE, None),
        "write state": ("PUT", "activities/state", STATE, {"page": 1}),
        "read profile": ("GET", "agents/profile", {"agent": agent("ana")}, None),
        "write profile": ("PUT", "activities/profile", {"activityId": activity("x")["id"], "profileId": "p"}, {"n": 1}),
    }
    for scope, may in allowed.items():
        key, secret = registry.add(scope.replace("/", "-"), scopes=(scope,))
        for name, (method, resource, params, sent) in requests.items():
            # If-None-Match: a profile PUT needs a precondition; a second client's PUT then meets 412, not 403.
            answer = call(
                method, resource, params, sent, headers={"Authorization": basic(key, secret), "If-None-Match": "*"}
            )
            if name in may:
                assert answer.status in (200, 204, 404, 412), (scope, name, answer.status)
            else:
                assert answer.status == 403, (scope, name, answer.status)
                if resource == "statements":
                    assert header(answer, "X-Experience-API-Consistent-Through")
    # nothing a refused request asked for was done
    assert ids_of(call("GET", "statements")) == [requests["write statements"][3]["id"]]


# -- unknown and case-variant parameters (Communication §3.2.s3.b7, b8)


def test_parameters_the_resource_does_not_know_or_in_another_letter_case_are_400(call):
    sent = statement()
    post(call, sent)
    for method, resource, params in (
        ("GET", "statements", {"foo": "1"}),
        ("GET", "statements", {"Verb": verb("completed")["id"]}),
        ("GET", "statements", {"statementid": sent["id"]}),
        ("GET", "statements", {"statementId": sent["id"], "Format": "ids"}),
        ("GET", "statements", {"LIMIT": "1"}),
        ("GET", "statements", {"stateId": "x"}),
        ("POST", "statements", {"statementId": sent["id"]}),
        ("GET", "activities/state", {**STATE, "ActivityId": activity("course")["id"]}),
        ("GET", "activities/state", {**STATE, "profileId": "p"}),
        ("GET", "activities/profile", {"activityId": activity("course")["id"], "registration": sent["id"]}),
        ("GET", "agents/profile", {"agent": agent("ana"), "Agent": agent("ana")}),
        ("GET", "activities", {"activityId": activity("course")["id"], "since": "2020-01-01T00:00:00Z"}),
        ("GET", "agents", {"agent": agent("ana"), "activityId": activity("course")["id"]}),
    ):
        answer = call(method, resource, params, sent if method == "POST" else None)
        assert answer.status == 400, (method, resource, params)


def test_a_parameter_given_twice_is_400(call, xapi_service, auth):
    from xapi.lrs.service import XapiRequest

    query = urlencode([("verb", verb("a")["id"]), ("verb", verb("b")["id"])])
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    assert xapi_service.handle(XapiRequest.from_query("GET", "statements", query, headers)).status == 400


def test_an_unknown_resource_is_404_and_a_method_a_resource_does_not_answer_is_405(call):
    assert call("GET", "statement").status == 404
    assert call("GET", "extensions/anything").status == 404
    assert call("DELETE", "statements").status == 405
    assert call("PUT", "activities", {"activityId": activity("course")["id"]}, {}).status == 405


# -- HEAD (Communication §1.1)


@pytest.mark.parametrize(
    "resource, params",
    [
        ("statements", {}),
        ("statements", {"statementId": "STORED"}),
        ("statements", {"statementId": "00000000-0000-4000-8000-000000000000"}),
        ("activities/state", STATE),
        ("activities", {"activityId": activity("course")["id"]}),
        ("about", {}),
    ],
    ids=["statements", "one-statement", "missing-statement", "state", "activities", "about"],
)
def test_head_answers_as_get_would_without_the_body(call, resource, params):
    sent = statement()
    post(call, sent)
    call("PUT", "activities/state", STATE, {"page": 3})
    params = {name: sent["id"] if value == "STORED" else value for name, value in params.items()}
    got, head = call("GET", resource, params), call("HEAD", resource, params)
    assert head.status == got.status
    assert head.body == b""
    assert head.content_type == got.content_type
    same = ("ETag", "Last-Modified", "X-Experience-API-Version")
    assert [header(head, name) for name in same] == [header(got, name) for name in same]
    assert header(head, "Content-Length") in (None, str(len(got.body)))


# -- alternate request syntax (Communication §1.3)


def alternate(call, resource: str, method: str, form: dict, query: dict | None = None, content_type: str | None = None):
    """A POST in the alternate request syntax: only `method` in the query, headers and content in the form."""
    fields = {name: json.dumps(value) if isinstance(value, dict | list) else value for name, value in form.items()}
    return call(
        "POST",
        resource,
        {"method": method, **(query or {})},
        raw=urlencode(fields).encode(),
        headers={
            "Content-Type": content_type or "application/x-www-form-urlencoded",
            "Authorization": None,
            "X-Experience-API-Version": None,
        },
    )


def test_the_alternate_syntax_puts_and_gets_statements_with_headers_and_parameters_in_the_form(call, auth):
    sent = statement()
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    put = alternate(
        call,
        "statements",
        "PUT",
        {**headers, "Content-Type": "application/json", "statementId": sent["id"], "content": sent},
    )
    assert put.status == 204, put.body
    got = alternate(call, "statements", "GET", {**headers, "statementId": sent["id"]})
    assert got.status == 200 and body(got)["id"] == sent["id"]
    post(call, statement(verb_name="failed"))
    listed = alternate(call, "statements", "GET", {**headers, "verb": verb("completed")["id"], "limit": "5"})
    assert ids_of(listed) == [sent["id"]]
    # the credentials and version still count, in the form as in the headers
    assert alternate(call, "statements", "GET", {"X-Experience-API-Version": "1.0.3"}).status == 401
    assert alternate(call, "statements", "GET", {"Authorization": auth}).status == 400


def test_the_alternate_syntax_serves_documents_with_their_preconditions(call, auth):
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    params = {"activityId": activity("course")["id"], "profileId": "p"}
    first = alternate(
        call,
        "activities/profile",
        "PUT",
        {**headers, **params, "Content-Type": "application/json", "If-None-Match": "*", "content": {"n": 1}},
    )
    assert first.status == 204, first.body
    etag = header(call("GET", "activities/profile", params), "ETag")
    stale = alternate(
        call, "activities/profile", "PUT", {**headers, **params, "If-Match": '"' + "0" * 40 + '"', "content": {"n": 2}}
    )
    assert stale.status == 412
    fresh = alternate(
        call,
        "activities/profile",
        "PUT",
        {**headers, **params, "If-Match": etag, "Content-Type": "application/json", "content": {"n": 3}},
    )
    assert fresh.status == 204
    assert body(call("GET", "activities/profile", params)) == {"n": 3}
    assert alternate(call, "activities/profile", "DELETE", {**headers, **params}).status == 204
    assert call("GET", "activities/profile", params).status == 404


def test_the_alternate_syntax_refuses_other_query_parameters_and_a_body_that_is_not_a_form(call, auth):
    headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}
    sent = statement()
    assert alternate(call, "statements", "GET", headers, query={"statementId": sent["id"]}).status == 400
    assert alternate(call, "statements", "GET", headers, content_type="application/json").status == 400
    assert alternate(call, "statements", "PATCH", headers).status == 400
