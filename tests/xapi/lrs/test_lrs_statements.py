"""Writing and reading single statements (xAPI 1.0.3 Communication §2.1.1, §2.1.2, §2.1.3, §2.1.4; Data §2.3, §2.4).

PUT and POST answers, what the LRS fills in or overwrites, immutability (an identical re-send
is fine, other content under a stored id is 409 and changes nothing), whole-batch rejection,
GET by statementId / voidedStatementId, voiding, and the headers of statement answers.
"""

from __future__ import annotations

import re
import uuid
from email.utils import format_datetime

from tests.xapi.lrs.conftest import HOME_PAGE
from tests.xapi.lrs.lrs_helpers import activity, agent, body, header, ids_of, post, statement, verb, voiding
from xapi.lrs.validation import parse_timestamp

UUID_FORM = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CLIENT_AUTHORITY = {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": "tester"}}


def fetch(call, statement_id: str, **params) -> dict:
    answer = call("GET", "statements", {"statementId": statement_id, **params})
    assert answer.status == 200, answer.body
    return body(answer)


def missing(call, statement_id: str, name: str = "statementId") -> bool:
    return call("GET", "statements", {name: statement_id}).status == 404


# -- PUT and POST (Communication §2.1.1, §2.1.2)


def test_put_stores_the_statement_under_statement_id_and_answers_204_without_content(call):
    sent = statement()
    answer = call("PUT", "statements", {"statementId": sent["id"]}, sent)
    assert (answer.status, answer.body) == (204, b"")
    kept = fetch(call, sent["id"])
    assert (kept["id"], kept["actor"], kept["verb"], kept["object"]) == (
        sent["id"],
        sent["actor"],
        sent["verb"],
        sent["object"],
    )


def test_put_without_an_id_in_the_body_takes_the_statement_id_parameter(call):
    sent = statement()
    statement_id = sent.pop("id")
    assert call("PUT", "statements", {"statementId": statement_id}, sent).status == 204
    assert fetch(call, statement_id)["id"] == statement_id


def test_put_refuses_a_missing_or_malformed_statement_id_another_id_in_the_body_and_a_list(call):
    sent = statement()
    assert call("PUT", "statements", {}, sent).status == 400
    assert call("PUT", "statements", {"statementId": "not-a-uuid"}, sent).status == 400
    assert call("PUT", "statements", {"statementId": str(uuid.uuid4())}, sent).status == 400
    assert call("PUT", "statements", {"statementId": sent["id"]}, [sent]).status == 400
    assert missing(call, sent["id"])


def test_post_answers_200_with_the_ids_in_the_order_sent_and_fills_a_missing_id(call):
    first, second, third = statement(), statement(), statement()
    del second["id"]
    answer = call("POST", "statements", body=[first, second, third])
    assert answer.status == 200
    ids = body(answer)
    assert ids[0] == first["id"] and ids[2] == third["id"]
    assert ids[1] not in (first["id"], third["id"])
    assert fetch(call, ids[1])["id"] == ids[1]
    assert re.match(UUID_FORM, ids[1])
    single = statement()
    assert body(call("POST", "statements", body=single)) == [single["id"]]


def test_the_lrs_sets_stored_and_timestamp_and_version_and_overwrites_stored_and_authority(call):
    sent = statement(stored="2001-01-01T00:00:00.000Z", authority=agent("impostor"))
    del sent["id"]
    [statement_id] = post(call, sent)
    kept = fetch(call, statement_id)
    assert kept["authority"] == CLIENT_AUTHORITY
    assert kept["stored"] != "2001-01-01T00:00:00.000Z"
    assert abs((parse_timestamp(kept["stored"]) - parse_timestamp(header_time(call))).total_seconds()) < 60
    assert kept["timestamp"] == kept["stored"]
    assert kept["version"] == "1.0.0"


def header_time(call) -> str:
    return header(call("GET", "statements", {"limit": "1"}), "X-Experience-API-Consistent-Through")


def test_a_timestamp_and_a_1_0_x_version_sent_are_kept_as_sent(call):
    sent = statement(timestamp="2024-05-06T07:08:09.123+02:00", version="1.0.3")
    post(call, sent)
    kept = fetch(call, sent["id"])
    assert (kept["timestamp"], kept["version"]) == ("2024-05-06T07:08:09.123+02:00", "1.0.3")


def test_a_statement_version_other_than_1_0_x_is_refused(call):
    sent = statement(version="1.1.0")
    assert call("POST", "statements", body=sent).status == 400
    assert missing(call, sent["id"])


def test_context_activities_given_as_single_objects_come_back_as_arrays_also_in_a_substatement(call):
    parent, grouping = activity("unit"), activity("course")
    sub = {
        "objectType": "SubStatement",
        "actor": agent("ana"),
        "verb": verb("will-complete"),
        "object": activity("lesson"),
        "context": {"contextActivities": {"category": activity("profile")}},
    }
    sent = statement(target=sub, context={"contextActivities": {"parent": parent, "grouping": [grouping]}})
    post(call, sent)
    kept = fetch(call, sent["id"])
    assert kept["context"]["contextActivities"] == {"parent": [parent], "grouping": [grouping]}
    assert kept["object"]["context"]["contextActivities"] == {"category": [activity("profile")]}


# -- immutability (Communication §2.1.1 s2.b2-b4, §2.1.2 s2.b4-b6; Data §2.3.1)


def test_an_identical_re_send_is_no_conflict_and_changes_nothing(call):
    sent = statement()
    assert call("PUT", "statements", {"statementId": sent["id"]}, sent).status == 204
    before = fetch(call, sent["id"])
    assert call("PUT", "statements", {"statementId": sent["id"]}, sent).status == 204
    assert body(call("POST", "statements", body=[sent])) == [sent["id"]]
    assert fetch(call, sent["id"]) == before
    assert ids_of(call("GET", "statements")) == [sent["id"]]


def test_a_re_send_differing_only_where_comparison_ignores_is_no_conflict_and_keeps_the_first(call):
    team = {"objectType": "Group", "member": [agent("ana"), agent("bor")]}
    first = statement(
        target=activity("quiz", name={"en": "Quiz"}),
        context={"team": team},
        result={"duration": "PT1M30S"},
        timestamp="2024-01-01T00:00:00.000Z",
    )
    first["verb"]["display"] = {"en": "completed"}
    post(call, first)
    before = fetch(call, first["id"])
    again = {
        **first,
        "verb": {**first["verb"], "display": {"sl": "končal"}},
        "object": activity("quiz", name={"en": "A renamed quiz"}),
        "context": {"team": {**team, "member": [agent("bor"), agent("ana")]}},
        "timestamp": "2024-02-02T00:00:00.000Z",
        "version": "1.0.0",
        "authority": agent("someone"),
    }
    assert call("PUT", "statements", {"statementId": first["id"]}, again).status == 204
    assert fetch(call, first["id"]) == before
    # Nothing else changes either (Communication §2.1.1.s2.b2): not the activity's definition.
    shown = body(call("GET", "activities", {"activityId": activity("quiz")["id"]}))
    assert shown["definition"]["name"] == {"en": "Quiz"}


def test_other_content_under_a_stored_id_is_409_and_changes_nothing(call):
    sent = statement()
    post(call, sent)
    before = fetch(call, sent["id"])
    other = {**sent, "verb": verb("failed")}
    assert call("PUT", "statements", {"statementId": sent["id"]}, other).status == 409
    assert call("POST", "statements", body=other).status == 409
    # a duration is compared as written (Data §2.3.1): PT60S is not PT1M
    timed = statement(result={"duration": "PT1M"})
    post(call, timed)
    assert call("POST", "statements", body={**timed, "result": {"duration": "PT60S"}}).status == 409
    assert fetch(call, sent["id"]) == before


def test_a_batch_with_one_conflicting_statement_stores_none_of_it(call):
    sent = statement()
    post(call, sent)
    new = statement()
    answer = call("POST", "statements", body=[new, {**sent, "result": {"success": True}}])
    assert answer.status == 409
    assert missing(call, new["id"])


def test_a_batch_with_two_statements_of_one_id_is_400_and_stores_nothing(call):
    one = statement()
    twin = {**statement(), "id": one["id"].upper()}
    assert call("POST", "statements", body=[one, twin]).status == 400
    assert call("POST", "statements", body=[one, dict(one)]).status == 400
    assert missing(call, one["id"])


def test_one_invalid_statement_rejects_the_whole_batch(call):
    good, bad = statement(), statement()
    bad["verb"] = {"id": "not an iri"}
    answer = call("POST", "statements", body=[good, bad])
    assert answer.status == 400
    assert body(answer)["error"]["message"]
    assert missing(call, good["id"])
    assert ids_of(call("GET", "statements")) == []


def test_a_body_that_is_not_json_or_not_declared_json_is_400(call):
    assert call("POST", "statements", raw=b"{not json", headers={"Content-Type": "application/json"}).status == 400
    sent = statement()
    # Communication §3.2.s3.b6, ADL suite: content type must say what the content is
    form = call("POST", "statements", body=sent, headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert form.status == 400
    assert missing(call, sent["id"])


# -- GET one statement (Communication §2.1.3)


def test_get_by_statement_id_answers_the_statement_404_if_unknown_and_400_if_not_a_uuid(call):
    sent = statement()
    post(call, sent)
    assert fetch(call, sent["id"].upper())["id"] == sent["id"]
    assert missing(call, str(uuid.uuid4()))
    assert call("GET", "statements", {"statementId": "42"}).status == 400


def test_statement_id_goes_only_with_format_and_attachments(call):
    sent = statement()
    post(call, sent)
    assert fetch(call, sent["id"], format="ids", attachments="false")["id"] == sent["id"]
    for other in (
        {"verb": verb("completed")["id"]},
        {"limit": "1"},
        {"ascending": "true"},
        {"voidedStatementId": sent["id"]},
    ):
        assert call("GET", "statements", {"statementId": sent["id"], **other}).status == 400, other
    assert call("GET", "statements", {"voidedStatementId": sent["id"], "since": "2020-01-01T00:00:00Z"}).status == 400


def test_a_single_statement_answer_has_last_modified_at_its_stored_time(call):
    sent = statement()
    post(call, sent)
    answer = call("GET", "statements", {"statementId": sent["id"]})
    stored = parse_timestamp(body(answer)["stored"]).replace(microsecond=0)
    assert header(answer, "Last-Modified") == format_datetime(stored, usegmt=True)
    assert answer.content_type == "application/json"


def test_every_statement_answer_carries_consistent_through_at_or_after_the_newest_stored(call):
    sent = statement()
    answers = [
        call("PUT", "statements", {"statementId": sent["id"]}, sent),
        call("POST", "statements", body=statement()),
        call("GET", "statements", {"statementId": sent["id"]}),
        call("HEAD", "statements"),
        call("GET", "statements", {"verb": "not an iri"}),
        call("GET", "statements", {"statementId": str(uuid.uuid4())}),
        call("GET", "statements"),
    ]
    values = [header(answer, "X-Experience-API-Consistent-Through") for answer in answers]
    assert None not in values, [answer.status for answer in answers]
    times = [parse_timestamp(value) for value in values]
    assert times == sorted(times)
    newest = max(parse_timestamp(found["stored"]) for found in body(answers[-1])["statements"])
    assert times[-1] >= newest


def test_statement_answers_say_version_1_0_3(call):
    answer = call("GET", "statements")
    assert header(answer, "X-Experience-API-Version") == "1.0.3"


# -- voiding (Data §2.3.2, Communication §2.1.4)


def test_a_voided_statement_leaves_queries_and_statement_id_but_voided_statement_id_finds_it(call):
    target, other = statement(verb_name="passed"), statement()
    post(call, target, other)
    [voider] = post(call, voiding(target["id"]))
    assert set(ids_of(call("GET", "statements"))) == {other["id"], voider}
    assert missing(call, target["id"])
    found = call("GET", "statements", {"voidedStatementId": target["id"]})
    assert found.status == 200 and body(found)["id"] == target["id"]
    assert header(found, "Last-Modified")
    # only a voided statement is found by voidedStatementId
    assert missing(call, other["id"], "voidedStatementId")
    assert missing(call, voider, "voidedStatementId")


def test_the_voiding_statement_is_found_by_the_filters_of_the_statement_it_voids(call):
    target = statement(actor="ben", verb_name="passed", target="explosives")
    post(call, target, statement(actor="eva", verb_name="failed", target="chemistry"))
    [voider] = post(call, voiding(target["id"], actor="admin"))
    for params in (
        {"verb": verb("passed")["id"]},
        {"agent": agent("ben")},
        {"activity": activity("explosives")["id"]},
    ):
        assert ids_of(call("GET", "statements", params)) == [voider], params


def test_voiding_a_voiding_statement_does_nothing(call):
    target = statement()
    post(call, target)
    [first] = post(call, voiding(target["id"]))
    [second] = post(call, voiding(first))
    assert fetch(call, first)["id"] == first
    assert missing(call, first, "voidedStatementId")
    assert set(ids_of(call("GET", "statements"))) == {first, second}
    assert missing(call, target["id"])


def test_a_voiding_statement_needs_a_statement_ref_and_may_target_an_unknown_statement(call):
    wrong = statement(verb_name="voided")
    wrong["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    assert call("POST", "statements", body=wrong).status == 400
    # Data §2.3.2.s2.b5: the LRS SHOULD NOT reject it for the target not being there
    assert call("POST", "statements", body=voiding(str(uuid.uuid4()))).status == 200
