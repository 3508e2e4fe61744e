"""The LRS as LMSs use it at launch, over HTTP: Moodle's mod_tincanlaunch (via TinCanPHP) and a cmi5 LMS.

mod_tincanlaunch aborts a launch with `tincanlaunch_notavailable` unless: GET of the State
document `http://tincanapi.co.uk/stateapikeys/registrations` answers 200 or 404; its PUT,
with the ETag of that GET as `If-Match` when there was one, answers 204; each Agent
Profile document (`CMI5LearnerPreferences`, `LMSUserFields`) is read for its ETag and PUT
with it (none the first time), answering 204; and the `launched` statement PUT answers 204.
A cmi5 LMS (cmi5 §10, §11) writes `LMS.LaunchData` to the State API for the registration,
the AU reads it and `cmi5LearnerPreferences` from the Agent Profile API, then sends
`initialized` with the registration.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.samples import statement

pytestmark = pytest.mark.lrs

REGISTRATIONS = "http://tincanapi.co.uk/stateapikeys/registrations"
ACTIVITY = "https://microquest.example.si/xapi/course"
ACTOR = {"objectType": "Agent", "name": "Ana Novak", "account": {"homePage": "https://moodle.example.si", "name": "7"}}


def send(lrs, method: str, resource: str, *, params=None, body=None, headers=None, version="1.0.0"):
    sent = {"Authorization": lrs.auth, "X-Experience-API-Version": version, **(headers or {})}
    data = None
    if body is not None:
        sent["Content-Type"] = "application/json"
        data = json.dumps(body)
    return requests.request(method, lrs.endpoint + resource, params=params, data=data, headers=sent, timeout=10)


def moodle_launch(lrs, registration: str) -> None:
    """One mod_tincanlaunch launch, as launch.php and locallib.php make it; asserts what it checks."""
    state = {"activityId": ACTIVITY, "agent": json.dumps(ACTOR), "stateId": REGISTRATIONS}
    read = send(lrs, "GET", "activities/state", params=state)
    assert read.status_code in (200, 404)
    registrations = read.json() if read.status_code == 200 else {}
    registrations[registration] = {"created": "2026-12-02T08:00:00+00:00", "lastlaunched": "2026-12-02T08:00:00+00:00"}
    etag = {"If-Match": read.headers["ETag"]} if read.status_code == 200 else {}
    assert send(lrs, "PUT", "activities/state", params=state, body=registrations, headers=etag).status_code == 204
    for profile, value in (("CMI5LearnerPreferences", {"languagePreference": "sl"}), ("LMSUserFields", {})):
        where = {"agent": json.dumps(ACTOR), "profileId": profile}
        current = send(lrs, "GET", "agents/profile", params=where)
        # TinCanPHP/TinCanJS send If-Match with the ETag read, else If-None-Match: *.
        etag = {"If-Match": current.headers["ETag"]} if current.status_code == 200 else {"If-None-Match": "*"}
        assert send(lrs, "PUT", "agents/profile", params=where, body=value, headers=etag).status_code == 204
    launched = statement(registration, actor=ACTOR, verb={"id": "http://adlnet.gov/expapi/verbs/launched"})
    assert send(lrs, "PUT", "statements", params={"statementId": launched["id"]}, body=launched).status_code == 204


def test_moodle_tincanlaunch_launches_twice_and_the_registrations_document_keeps_both(lrs):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    moodle_launch(lrs, first)
    moodle_launch(lrs, second)
    state = {"activityId": ACTIVITY, "agent": json.dumps(ACTOR), "stateId": REGISTRATIONS}
    kept = send(lrs, "GET", "activities/state", params=state)
    assert set(kept.json()) >= {first, second}
    preferences = send(
        lrs, "GET", "agents/profile", params={"agent": json.dumps(ACTOR), "profileId": "CMI5LearnerPreferences"}
    )
    assert preferences.json() == {"languagePreference": "sl"}


def test_a_relaunch_with_a_stale_etag_is_refused_with_412_and_changes_nothing(lrs):
    state = {"activityId": ACTIVITY + "/stale", "agent": json.dumps(ACTOR), "stateId": REGISTRATIONS}
    assert send(lrs, "PUT", "activities/state", params=state, body={"a": 1}).status_code == 204
    stale = send(lrs, "GET", "activities/state", params=state).headers["ETag"]
    assert (
        send(lrs, "PUT", "activities/state", params=state, body={"a": 2}, headers={"If-Match": stale}).status_code
        == 204
    )
    refused = send(lrs, "PUT", "activities/state", params=state, body={"a": 3}, headers={"If-Match": stale})
    assert refused.status_code == 412
    assert send(lrs, "GET", "activities/state", params=state).json() == {"a": 2}


def test_the_cmi5_launch_sequence_runs_against_the_lrs(lrs):
    registration = str(uuid.uuid4())
    au = ACTIVITY + "/au/1"
    launch_data = {
        "contextTemplate": {"extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s-1"}},
        "launchMode": "Normal",
        "moveOn": "Completed",
    }
    state = {"activityId": au, "agent": json.dumps(ACTOR), "registration": registration, "stateId": "LMS.LaunchData"}
    # The LMS: LMS.LaunchData, learner preferences, `launched`.
    assert send(lrs, "PUT", "activities/state", params=state, body=launch_data, version="1.0.3").status_code == 204
    preferences = {"agent": json.dumps(ACTOR), "profileId": "cmi5LearnerPreferences"}
    assert (
        send(
            lrs,
            "PUT",
            "agents/profile",
            params=preferences,
            body={"languagePreference": "sl-SI"},
            headers={"If-None-Match": "*"},
        ).status_code
        == 204
    )
    # The AU: reads both, then `initialized` in the registration.
    read = send(lrs, "GET", "activities/state", params=state, version="1.0.3")
    assert read.status_code == 200 and read.json() == launch_data and read.headers["Content-Type"] == "application/json"
    assert send(lrs, "GET", "agents/profile", params=preferences).json() == {"languagePreference": "sl-SI"}
    other_registration = {**state, "registration": str(uuid.uuid4())}
    assert send(lrs, "GET", "activities/state", params=other_registration).status_code == 404
    initialized = statement(registration, actor=ACTOR, verb={"id": "http://adlnet.gov/expapi/verbs/initialized"})
    initialized["object"] = {"objectType": "Activity", "id": au}
    posted = send(lrs, "POST", "statements", body=[initialized], version="1.0.3")
    assert posted.status_code == 200 and posted.json() == [initialized["id"]]
    found = send(lrs, "GET", "statements", params={"registration": registration, "activity": au}, version="1.0.3")
    assert [s["id"] for s in found.json()["statements"]] == [initialized["id"]]
