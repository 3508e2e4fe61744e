"""The LRS client (xapi/lrs/client.py) against the session's real LRS (microquest's own), and against no LRS at all."""

from __future__ import annotations

import base64
import socket
import uuid

import pytest
import requests

from tests.samples import AU_IRI, SECOND_AU_IRI, statement
from xapi.lrs.client import LrsClient, LrsError, client_from_environment

ENDPOINT = r"http://127\.0\.0\.1:\d+/xapi/"


@pytest.fixture
def client(lrs) -> LrsClient:
    return LrsClient(lrs.endpoint, lrs.auth)


def secrets_of(auth: str) -> set[str]:
    token = auth.split(" ", 1)[1]
    user, password = base64.b64decode(token).decode().split(":", 1)
    return {auth, token, password}


def test_wrong_credentials_raise_an_lrs_error_saying_they_were_refused(lrs):
    client = LrsClient(lrs.endpoint, "Basic " + base64.b64encode(b"nobody:wrong").decode())
    with pytest.raises(LrsError, match=rf"^LRS at {ENDPOINT} refused the credentials \(401\)$"):
        next(client.statements(limit=1))
    with pytest.raises(LrsError, match=r"refused the credentials \(401\)"):
        client.put_statement(statement())


def test_no_credentials_are_refused_the_same_way(lrs):
    with pytest.raises(LrsError, match=r"refused the credentials \(401\)"):
        LrsClient(lrs.endpoint, None).put_statement(statement())


def test_250_statements_come_back_exactly_once_over_several_pages(client, lrs):
    """The LRS pages by 100 and `more` is a path from the origin (/xapi/…), not from the endpoint."""
    registration = str(uuid.uuid4())
    made = [statement(registration, timestamp=f"2026-04-01T10:{i // 60:02d}:{i % 60:02d}.000Z") for i in range(250)]
    assert client.post_statements(made) == [s["id"] for s in made]
    first = requests.get(
        lrs.endpoint + "statements",
        params={"registration": registration},
        headers={"Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3"},
    ).json()
    assert len(first["statements"]) == 100 and first["more"].startswith("/xapi/statements?")
    read = [s["id"] for s in client.statements(registration=registration)]
    assert len(read) == 250
    assert set(read) == {s["id"] for s in made}


def test_an_identical_resend_is_stored_once_and_other_content_under_the_id_counts_as_already_there(client):
    untimed = statement(str(uuid.uuid4()), timestamp=None)
    assert [client.put_statement(untimed), client.put_statement(untimed)] == ["stored", "stored"]  # 204 twice
    assert client.put_statement({**untimed, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}) == "already-there"
    assert [s["id"] for s in client.statements(registration=untimed["context"]["registration"])] == [untimed["id"]]


def test_posting_statements_the_lrs_already_holds_answers_their_ids_and_stores_nothing_twice(client):
    made = [statement(), statement()]
    assert client.post_statements(made) == [s["id"] for s in made]
    assert client.post_statements(made) == [s["id"] for s in made]


def test_filters_by_verb_activity_agent_and_registration_reach_the_lrs(client):
    registration = str(uuid.uuid4())
    completed = statement(registration)
    passed = statement(
        registration,
        verb={"id": "http://adlnet.gov/expapi/verbs/passed"},
        object={"objectType": "Activity", "id": SECOND_AU_IRI},
        actor={"objectType": "Agent", "mbox": "mailto:bojan@example.si"},
    )
    passed["context"]["contextActivities"] = {"grouping": [{"id": AU_IRI}]}
    client.post_statements([completed, passed])

    def ids(**filters) -> list[str]:
        return sorted(s["id"] for s in client.statements(registration=registration, **filters))

    assert ids(verb="http://adlnet.gov/expapi/verbs/passed") == [passed["id"]]
    assert ids(activity=AU_IRI) == [completed["id"]]
    assert ids(activity=AU_IRI, related_activities=True) == sorted([completed["id"], passed["id"]])
    assert ids(agent={"mbox": "mailto:bojan@example.si"}) == [passed["id"]]


def test_an_lrs_that_is_down_is_reported_as_not_reachable(lrs):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LrsClient(f"http://127.0.0.1:{port}/xapi/", lrs.auth)
    with pytest.raises(
        LrsError, match=rf"^LRS at http://127\.0\.0\.1:{port}/xapi/ is not reachable: connection refused$"
    ):
        list(client.statements())


def test_an_lrs_that_never_answers_is_reported_after_the_timeout(lrs):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, answers nothing
        client = LrsClient(f"http://127.0.0.1:{silent.getsockname()[1]}/xapi/", lrs.auth, timeout=0.5)
        with pytest.raises(LrsError, match=r"did not answer within 0\.5 s$"):
            client.put_statement(statement())


def test_an_error_answer_gives_its_status_and_the_start_of_its_body(client):
    invalid = statement(actor={"objectType": "Agent", "mbox": "ana@example.si"})
    with pytest.raises(LrsError, match=rf"^LRS at {ENDPOINT} answered 400: .") as raised:
        client.put_statement(invalid)
    assert len(str(raised.value).split(": ", 1)[1]) <= 200 + len("answered 400")


def test_about_lists_the_xapi_versions_the_lrs_speaks(client):
    assert "1.0.3" in client.about()["version"]


def test_a_voided_statement_is_found_only_by_voided_statement_id(client):
    voided = statement(str(uuid.uuid4()))
    client.put_statement(voided)
    client.put_statement(
        statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": voided["id"]},
        )
    )
    assert client.voided_statement(voided["id"])["id"] == voided["id"]
    assert client.voided_statement(str(uuid.uuid4())) is None
    assert voided["id"] not in {s["id"] for s in client.statements(registration=voided["context"]["registration"])}


def test_credentials_never_appear_in_a_message_or_a_repr(lrs):
    wrong = "Basic " + base64.b64encode(b"nobody:sesame-wrong").decode()
    messages = [repr(LrsClient(lrs.endpoint, lrs.auth))]
    for auth in (wrong, lrs.auth):
        client = LrsClient(lrs.endpoint, auth)
        for action in (
            lambda client=client: client.put_statement(statement(actor={"mbox": "a@example.si"})),
            lambda client=client: next(client.statements(agent={"mbox": "ana@example.si"})),
        ):
            with pytest.raises(LrsError) as raised:
                action()
            messages.append(str(raised.value))
    for secret in secrets_of(lrs.auth) | secrets_of(wrong):
        assert all(secret not in message for message in messages), secret


def test_the_client_is_made_from_the_two_environment_variables(monkeypatch, lrs):
    monkeypatch.setenv("MICROQUEST_LRS_ENDPOINT", lrs.endpoint)
    monkeypatch.setenv("MICROQUEST_LRS_AUTH", lrs.auth)
    client = client_from_environment()
    assert client.endpoint == lrs.endpoint
    made = statement()
    assert client.put_statement(made) == "stored"


def test_without_an_endpoint_variable_the_error_names_it(monkeypatch):
    monkeypatch.delenv("MICROQUEST_LRS_ENDPOINT", raising=False)
    with pytest.raises(LrsError, match="set MICROQUEST_LRS_ENDPOINT and MICROQUEST_LRS_AUTH"):
        client_from_environment()


def test_an_endpoint_that_is_not_an_http_address_is_refused_at_once():
    with pytest.raises(LrsError, match=r"^LRS endpoint 'lrs\.example\.si/xapi' is not an http\(s\) address"):
        LrsClient("lrs.example.si/xapi", None)


def test_the_endpoint_gets_its_trailing_slash(lrs):
    client = LrsClient(lrs.endpoint.rstrip("/"), lrs.auth)
    assert client.endpoint == lrs.endpoint
    made = statement(str(uuid.uuid4()))
    assert client.put_statement(made) == "stored"
    assert [s["id"] for s in client.statements(registration=made["context"]["registration"])] == [made["id"]]
