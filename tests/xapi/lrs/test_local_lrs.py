"""The local LRS (xapi/local_lrs.py): ralph-malph 5.1.0 as LocalLrs starts it, and what ralph really does.

The ralph tests pin the behaviour the module docstring records, with raw HTTP, so a new
ralph that changes it fails here first.
"""

from __future__ import annotations

import base64
import stat
import uuid
from importlib.metadata import version
from urllib.parse import urlsplit

import pytest
import requests

from tests.samples import statement
from xapi.lrs import local as local_lrs
from xapi.lrs.client import LrsClient, LrsError
from xapi.lrs.local import RALPH_VERSION, LocalLrs, LocalLrsError

pytestmark = pytest.mark.lrs

VERSION = {"X-Experience-API-Version": "1.0.3"}


def put(lrs, made: dict) -> requests.Response:
    headers = {**VERSION, "Authorization": lrs.auth}
    return requests.put(lrs.endpoint + "statements", params={"statementId": made["id"]}, json=made, headers=headers)


def get(lrs, resource: str, **params) -> requests.Response:
    return requests.get(lrs.endpoint + resource, params=params, headers={**VERSION, "Authorization": lrs.auth})


def test_the_installed_ralph_is_the_version_the_facts_are_about():
    assert version("ralph-malph") == RALPH_VERSION


def test_the_session_lrs_started_in_seconds_on_its_xapi_endpoint(lrs):
    assert urlsplit(lrs.endpoint).hostname == "127.0.0.1"
    assert lrs.endpoint.endswith("/xAPI/")
    assert lrs.auth.startswith("Basic ")
    assert lrs.startup_seconds < 10  # about 1 s on two cores
    assert lrs.auth not in repr(lrs)


def test_ralph_refuses_missing_and_wrong_credentials_with_401(lrs):
    wrong = "Basic " + base64.b64encode(b"nobody:wrong").decode()
    assert requests.get(lrs.endpoint + "statements", headers=VERSION).status_code == 401
    assert requests.get(lrs.endpoint + "statements", headers={**VERSION, "Authorization": wrong}).status_code == 401


def test_ralph_answers_an_identical_resend_with_204_if_it_has_a_timestamp_and_409_if_not(lrs):
    timed, untimed = statement(), statement(timestamp=None)
    assert [put(lrs, timed).status_code, put(lrs, timed).status_code] == [204, 204]
    # ralph fills the missing timestamp with `stored`, so the re-send differs from what it holds.
    assert [put(lrs, untimed).status_code, put(lrs, untimed).status_code] == [204, 409]


def test_ralph_answers_409_for_other_content_under_a_stored_id(lrs):
    made = statement()
    assert put(lrs, made).status_code == 204
    other = {**made, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    answer = put(lrs, other)
    assert answer.status_code == 409 and "already exists" in answer.text


def test_ralph_filters_since_on_timestamp_not_on_stored(lrs):
    registration = str(uuid.uuid4())
    old = statement(registration, timestamp="2020-01-01T00:00:00.000Z")
    assert put(lrs, old).status_code == 204  # stored now
    assert get(lrs, "statements", registration=registration, since="2021-01-01T00:00:00Z").json()["statements"] == []
    until = get(lrs, "statements", registration=registration, until="2021-01-01T00:00:00Z").json()["statements"]
    assert [s["id"] for s in until] == [old["id"]]


def test_ralph_lists_oldest_first_and_reverses_a_page_for_any_ascending_value(lrs):
    registration = str(uuid.uuid4())
    made = [statement(registration, timestamp=f"2026-03-01T10:00:0{i}.000Z") for i in range(3)]
    for each in made:
        put(lrs, each)
    ids = [s["id"] for s in made]
    assert [s["id"] for s in get(lrs, "statements", registration=registration).json()["statements"]] == ids
    for value in ("true", "false"):
        page = get(lrs, "statements", registration=registration, ascending=value).json()["statements"]
        assert [s["id"] for s in page] == ids[::-1]


def test_ralph_has_no_state_api_no_agent_profile_and_no_about(lrs):
    for resource in ("activities/state", "agents/profile", "activities/profile", "about"):
        assert get(lrs, resource).status_code == 404, resource


def test_ralph_rejects_unknown_query_parameters_and_invalid_statements(lrs):
    assert get(lrs, "statements", foo="1").status_code == 400
    invalid = statement(actor={"objectType": "Agent", "mbox": "mailto:ana@example.invalid"})
    assert put(lrs, invalid).status_code == 422


def test_statements_stay_in_the_data_folder_across_restarts_with_fresh_credentials(tmp_path):
    data = tmp_path / "lrs-data"
    first, second = statement(), statement()
    with LocalLrs(data) as run:
        auth_file, first_auth = run.auth_file, run.auth
        assert stat.S_IMODE(auth_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(auth_file.parent.stat().st_mode) == 0o700
        client = LrsClient(run.endpoint, run.auth)
        # The second write is the one ralph's file backend fails without the fix.
        assert [client.put_statement(first), client.put_statement(second)] == ["stored", "stored"]
    assert not auth_file.parent.exists()
    assert (data / "fs_lrs.jsonl").is_file()
    with LocalLrs(data) as run:
        assert run.auth != first_auth
        assert {s["id"] for s in LrsClient(run.endpoint, run.auth).statements()} == {first["id"], second["id"]}
        with pytest.raises(LrsError, match=r"refused the credentials \(401\)"):
            list(LrsClient(run.endpoint, first_auth).statements())


def test_a_busy_port_is_reported_before_ralph_starts(lrs):
    port = urlsplit(lrs.endpoint).port
    with pytest.raises(LocalLrsError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
        LocalLrs(port=port).start()


def test_a_data_folder_that_is_a_file_is_reported(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(LocalLrsError, match="cannot keep statements there"):
        LocalLrs(tmp_path / "data").start()


def test_an_lrs_that_does_not_come_up_in_time_is_reported_with_ralphs_log(monkeypatch):
    monkeypatch.setattr(local_lrs, "STARTUP_TIMEOUT", 0.01)
    server = LocalLrs()
    with pytest.raises(LocalLrsError, match=r"did not answer http://127\.0\.0\.1:\d+/__heartbeat__ within 0\.01 s"):
        server.start()
    assert "not started" in repr(server)
