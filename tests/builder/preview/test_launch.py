"""The LMS side (builder/preview/launch.py) in front of the session's real LRS, driven with requests.

The packages are the synthetic ones of samples.py; tests/formats/test_xapi_in_lrs.py plays
the real packages in a browser.
"""

from __future__ import annotations

import base64
import json
import uuid
import zipfile
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from builder.preview.launch import DEFAULT_LEARNER, LaunchError, LaunchServer, cmi5_activity_id
from tests.samples import AU_IRI, COURSE_IRI, SECOND_AU_IRI, learner, statement
from xapi.iris import CMI5_CATEGORY, CMI5_SESSION_ID, VERBS
from xapi.lrs.client import LrsClient

CMI5_EXTENSIONS = "https://w3id.org/xapi/cmi5/context/extensions/"
XAPI, CMI5 = "test-xapi", "test-cmi5"


@pytest.fixture(scope="module")
def lms(lrs, xapi_zip, cmi5_zip):
    with LaunchServer([xapi_zip, cmi5_zip], lrs.endpoint, lrs.auth) as server:
        yield server


@pytest.fixture(scope="module")
def lms_without_state(lrs, xapi_zip):
    with LaunchServer([xapi_zip], lrs.endpoint, lrs.auth, state_api=False) as server:
        yield server


@pytest.fixture
def reader(lrs) -> LrsClient:
    return LrsClient(lrs.endpoint, lrs.auth)


def launch_parameters(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def headers(auth: str, **more: str) -> dict[str, str]:
    return {"Authorization": auth, "X-Experience-API-Version": "1.0.3", **more}


class Content:
    """What a launched page does with its launch URL: talk to the endpoint with its own credentials."""

    def __init__(self, url: str, auth: str | None = None) -> None:
        self.url = url
        self.parameters = launch_parameters(url)
        self.endpoint = self.parameters["endpoint"]
        self.auth = auth or self.parameters["auth"]

    def request(self, method: str, resource: str, **arguments) -> requests.Response:
        extra = arguments.pop("headers", {})
        return requests.request(method, self.endpoint + resource, headers=headers(self.auth, **extra), **arguments)

    def state(self, method: str, state_id: str | None = "bookmark", **arguments) -> requests.Response:
        activity = self.parameters.get("activity_id") or self.parameters["activityId"]
        params = {
            "activityId": activity,
            "agent": self.parameters["actor"],
            "registration": self.parameters["registration"],
        }
        if state_id is not None:
            params["stateId"] = state_id
        return self.request(method, "activities/state", params=params, **arguments)


def xapi_launch(lms: LaunchServer) -> Content:
    return Content(lms.launch_url(XAPI, learner(), str(uuid.uuid4())))


def cmi5_launch(lms: LaunchServer, au: str = AU_IRI) -> Content:
    """A cmi5 launch whose content has fetched its token, as an AU does first."""
    url = lms.cmi5_launch_url(CMI5, au, learner(), str(uuid.uuid4()))
    token = requests.post(launch_parameters(url)["fetch"]).json()["auth-token"]
    return Content(url, f"Basic {token}")


# ---------------------------------------------------------------- packages and xAPI launches


def test_package_files_are_served_under_pkg_and_nothing_else(lms):
    assert requests.get(lms.url + f"pkg/{XAPI}/index.html").text.endswith("ok</body></html>\n")
    assert requests.get(lms.url + f"pkg/{CMI5}/activities/u1-a1.html").status_code == 200
    for missing in (
        f"pkg/{XAPI}/nothing.html",
        f"pkg/{XAPI}/..%2F{CMI5}%2Fcmi5.xml",
        "pkg/other/index.html",
        "etc/passwd",
    ):
        assert requests.get(lms.url + missing).status_code == 404, missing


def test_an_xapi_launch_carries_rustici_parameters_with_a_token_of_its_own(lms, lrs):
    actor, registration = learner(), str(uuid.uuid4())
    url = lms.launch_url(XAPI, actor, registration)
    assert url.startswith(lms.url + f"pkg/{XAPI}/index.html?")
    parameters = launch_parameters(url)
    assert set(parameters) == {"endpoint", "auth", "actor", "registration", "activity_id"}
    assert parameters["endpoint"] == lms.url + "xapi/"
    assert parameters["auth"].startswith("Basic ") and parameters["auth"] != lrs.auth
    assert json.loads(parameters["actor"]) == actor
    assert parameters["registration"] == registration
    assert parameters["activity_id"] == COURSE_IRI  # tincan.xml's first activity


def test_each_launch_gets_another_token(lms):
    assert xapi_launch(lms).auth != xapi_launch(lms).auth


# ---------------------------------------------------------------- the /xapi/ facade


def test_the_facade_refuses_anything_but_a_launch_token_with_401(lms, lrs):
    content = xapi_launch(lms)
    forged = "Basic " + base64.b64encode(b"launch-00000000:guess").decode()
    for auth in (lrs.auth, forged, "", content.auth.replace("Basic ", "Bearer ")):
        answer = requests.get(content.endpoint + "statements", headers=headers(auth))
        assert answer.status_code == 401, auth
    assert content.request("GET", "statements", params={"limit": 1}).status_code == 200


def test_the_facade_wants_an_xapi_1_0_version_header(lms):
    content = xapi_launch(lms)
    for version in ("", "2.0.0", "0.95"):
        answer = content.request("GET", "statements", headers={"X-Experience-API-Version": version})
        assert answer.status_code == 400 and "X-Experience-API-Version" in answer.text, version
    assert content.request("GET", "statements", headers={"X-Experience-API-Version": "1.0.0"}).status_code == 200


def test_about_and_options_need_no_credentials(lms):
    about = requests.get(lms.url + "xapi/about")
    assert about.status_code == 200 and about.json() == {"version": ["1.0.3"]}
    options = requests.options(lms.url + "xapi/statements")
    assert options.status_code == 204 and "PUT" in options.headers["Allow"]


def test_statements_put_through_the_facade_reach_the_lrs_with_the_lms_as_authority(lms, lrs, reader):
    content = xapi_launch(lms)
    made = statement(content.parameters["registration"])
    answer = content.request("PUT", "statements", params={"statementId": made["id"]}, json=made)
    assert answer.status_code == 204
    assert answer.headers["X-Experience-API-Version"] == "1.0.3"
    stored = list(reader.statements(registration=content.parameters["registration"]))
    assert [s["id"] for s in stored] == [made["id"]]
    assert stored[0]["authority"]["account"]["name"] == lrs.client_name
    read_back = content.request("GET", "statements", params={"registration": content.parameters["registration"]})
    assert [s["id"] for s in read_back.json()["statements"]] == [made["id"]]


def test_the_lrs_answer_passes_through_with_its_status_and_body(lms):
    content = xapi_launch(lms)
    made = statement()
    assert content.request("POST", "statements", json=[made]).json() == [made["id"]]
    conflicting = {**made, "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}}
    answer = content.request("PUT", "statements", params={"statementId": made["id"]}, json=conflicting)
    assert answer.status_code == 409 and "stored with other content" in answer.json()["error"]["message"]
    invalid = statement(actor={"mbox": "a@example.si"})
    assert content.request("PUT", "statements", params={"statementId": invalid["id"]}, json=invalid).status_code == 400


def test_with_lrs_down_statements_answer_503_and_nothing_reaches_the_lrs(lms, reader):
    content = xapi_launch(lms)
    made = statement(content.parameters["registration"])
    lms.lrs_down = True
    try:
        answer = content.request("PUT", "statements", params={"statementId": made["id"]}, json=made)
        assert answer.status_code == 503
        assert content.state("PUT", json={"kept": True}).status_code == 204  # the LMS's own State API still works
    finally:
        lms.lrs_down = False
    assert list(reader.statements(registration=content.parameters["registration"])) == []


def test_an_lrs_client_can_use_the_facade_with_a_launch_token(lms):
    content = xapi_launch(lms)
    client = LrsClient(content.endpoint, content.auth)  # it sends the version header the facade requires
    assert client.put_statement(statement(content.parameters["registration"])) == "stored"
    assert len(list(client.statements(registration=content.parameters["registration"]))) == 1


def test_more_links_of_the_lrs_are_rewritten_to_point_into_the_facade(lms, reader):
    content = xapi_launch(lms)
    registration = content.parameters["registration"]
    made = [statement(registration, timestamp=f"2026-05-01T10:{i // 60:02d}:{i % 60:02d}.000Z") for i in range(120)]
    reader.post_statements(made)
    first = content.request("GET", "statements", params={"registration": registration}).json()
    assert len(first["statements"]) == 100 and first["more"].startswith("/xapi/statements?")
    rest = requests.get(lms.url.rstrip("/") + first["more"], headers=headers(content.auth)).json()
    assert len(rest["statements"]) == 20
    read = [s["id"] for s in first["statements"] + rest["statements"]]
    assert sorted(read) == sorted(s["id"] for s in made)
    through_client = LrsClient(content.endpoint, content.auth).statements(registration=registration)
    assert sorted(s["id"] for s in through_client) == sorted(read)


# ---------------------------------------------------------------- the State API


def test_a_state_document_round_trips_and_post_merges_top_level_keys(lms):
    content = xapi_launch(lms)
    assert content.state("GET").status_code == 404
    assert content.state("PUT", json={"section": "s2", "answers": {"a": "čšž"}}).status_code == 204
    assert content.state("GET").json() == {"section": "s2", "answers": {"a": "čšž"}}
    assert content.state("POST", json={"answers": {"b": "ena"}, "done": True}).status_code == 204
    assert content.state("GET").json() == {"section": "s2", "answers": {"b": "ena"}, "done": True}
    assert content.state("PUT", "other", data=b"plain", headers={"Content-Type": "text/plain"}).status_code == 204
    assert content.state("GET", None).json() == ["bookmark", "other"]
    other = content.state("GET", "other")
    assert other.content == b"plain" and other.headers["Content-Type"] == "text/plain"
    assert content.state("DELETE").status_code == 204
    assert content.state("GET", None).json() == ["other"]
    assert content.state("DELETE", None).status_code == 204
    assert content.state("GET", None).json() == []


def test_state_documents_are_kept_per_agent_registration_and_activity(lms):
    one, two = xapi_launch(lms), xapi_launch(lms)
    one.state("PUT", json={"who": "one"})
    assert two.state("GET").status_code == 404
    assert one.state("GET").json() == {"who": "one"}


def test_post_onto_a_document_that_is_not_json_is_refused(lms):
    content = xapi_launch(lms)
    content.state("PUT", data=b"plain", headers={"Content-Type": "text/plain"})
    assert content.state("POST", json={"a": 1}).status_code == 400
    content.state("PUT", json=["a list"])
    assert content.state("POST", json={"a": 1}).status_code == 400


def test_state_requests_without_activity_or_agent_or_with_bad_values_are_400(lms):
    content = xapi_launch(lms)
    agent = content.parameters["actor"]
    for params in (
        {"agent": agent, "stateId": "s"},
        {"activityId": COURSE_IRI, "stateId": "s"},
        {"activityId": COURSE_IRI, "agent": '{"name": "no identifier"}', "stateId": "s"},
        {"activityId": COURSE_IRI, "agent": agent, "registration": "not-a-uuid", "stateId": "s"},
        {"activityId": COURSE_IRI, "agent": agent, "stateId": "s", "unknown": "1"},
    ):
        assert content.request("GET", "activities/state", params=params).status_code == 400, params
    assert (
        content.request("PUT", "activities/state", params={"activityId": COURSE_IRI, "agent": agent}).status_code == 400
    )


def test_without_the_state_api_the_facade_answers_404_there_like_an_lrs_without_one(lms_without_state):
    content = xapi_launch(lms_without_state)
    assert content.state("PUT", json={"a": 1}).status_code == 404
    assert content.state("GET").status_code == 404
    made = statement()
    assert content.request("PUT", "statements", params={"statementId": made["id"]}, json=made).status_code == 204


def test_the_content_s_state_documents_are_kept_in_the_lrs(lms, lrs):
    content = xapi_launch(lms)
    content.state("PUT", json={"seen": 1})
    kept = LrsClient(lrs.endpoint, lrs.auth).document(
        "activities/state",
        activityId=content.parameters["activity_id"],
        agent=json.loads(content.parameters["actor"]),
        registration=content.parameters["registration"],
        stateId="bookmark",
    )
    assert kept is not None and kept[0] == {"seen": 1}


# ---------------------------------------------------------------- cmi5


def test_a_cmi5_launch_records_launched_in_the_lrs_before_the_url_is_returned(lms, reader):
    registration = str(uuid.uuid4())
    url = lms.cmi5_launch_url(CMI5, AU_IRI, learner(), registration)
    parameters = launch_parameters(url)
    assert set(parameters) == {"endpoint", "fetch", "actor", "registration", "activityId"}
    [launched] = list(reader.statements(registration=registration))
    assert launched["verb"]["id"] == VERBS["launched"]
    assert launched["object"]["id"] == parameters["activityId"]
    assert launched["actor"] == json.loads(parameters["actor"])
    context = launched["context"]
    assert context["registration"] == registration
    assert context["contextActivities"]["category"] == [{"objectType": "Activity", "id": CMI5_CATEGORY}]
    assert context["contextActivities"]["grouping"] == [{"objectType": "Activity", "id": AU_IRI}]
    extensions = context["extensions"]
    assert uuid.UUID(extensions[CMI5_SESSION_ID])
    assert extensions[CMI5_EXTENSIONS + "launchmode"] == "Normal"
    assert (
        extensions[CMI5_EXTENSIONS + "launchurl"] == url.split("?")[0] == lms.url + f"pkg/{CMI5}/activities/u1-a1.html"
    )
    assert extensions[CMI5_EXTENSIONS + "moveon"] == "Completed"
    assert extensions[CMI5_EXTENSIONS + "launchparameters"] == '{"canvas": true}'
    assert launched["timestamp"].endswith("Z")


def test_the_cmi5_activity_id_is_the_lms_own_stable_and_never_the_au_id(lms):
    first = launch_parameters(lms.cmi5_launch_url(CMI5, AU_IRI, learner(), str(uuid.uuid4())))["activityId"]
    again = launch_parameters(lms.cmi5_launch_url(CMI5, AU_IRI, learner(), str(uuid.uuid4())))["activityId"]
    other = launch_parameters(lms.cmi5_launch_url(CMI5, SECOND_AU_IRI, learner(), str(uuid.uuid4())))["activityId"]
    assert first == again == cmi5_activity_id(AU_IRI) != AU_IRI
    assert other not in (first, SECOND_AU_IRI)


def test_launch_data_holds_the_context_template_with_the_session_id_of_the_launch(lms, reader):
    content = cmi5_launch(lms)
    data = content.state("GET", "LMS.LaunchData").json()
    [launched] = list(reader.statements(registration=content.parameters["registration"]))
    session = launched["context"]["extensions"][CMI5_SESSION_ID]
    assert data == {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"objectType": "Activity", "id": AU_IRI}]},
            "extensions": {CMI5_SESSION_ID: session},
        },
        "launchMode": "Normal",
        "moveOn": "Completed",
        "returnURL": lms.url,
        "launchParameters": '{"canvas": true}',
    }


def test_launch_data_carries_mastery_score_and_the_au_url_keeps_its_own_query(lms, reader):
    content = cmi5_launch(lms, SECOND_AU_IRI)
    assert content.url.startswith(lms.url + f"pkg/{CMI5}/activities/u1-a2.html?lang=sl&endpoint=")
    data = content.state("GET", "LMS.LaunchData").json()
    assert data["masteryScore"] == 0.8 and data["moveOn"] == "CompletedOrPassed"
    [launched] = list(reader.statements(registration=content.parameters["registration"]))
    assert launched["context"]["extensions"][CMI5_EXTENSIONS + "masteryscore"] == 0.8


def test_the_au_cannot_change_or_delete_its_launch_data(lms):
    content = cmi5_launch(lms)
    before = content.state("GET", "LMS.LaunchData").json()
    assert content.state("PUT", "LMS.LaunchData", json={"launchMode": "Browse"}).status_code == 403
    assert content.state("POST", "LMS.LaunchData", json={"launchMode": "Browse"}).status_code == 403
    assert content.state("DELETE", "LMS.LaunchData").status_code == 403
    assert content.state("DELETE", None).status_code == 204
    assert content.state("GET", "LMS.LaunchData").json() == before


def test_the_fetch_url_gives_the_token_once_then_the_cmi5_error(lms):
    url = lms.cmi5_launch_url(CMI5, AU_IRI, learner(), str(uuid.uuid4()))
    fetch = launch_parameters(url)["fetch"]
    fetch_id = fetch.rsplit("/", 1)[1]
    assert requests.get(fetch).status_code == 405  # cmi5 §8.2.1: GET is not allowed
    assert lms.fetch_uses(fetch_id) == 0
    first = requests.post(fetch)
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/json"
    token = first.json()["auth-token"]
    second = requests.post(fetch)
    assert second.status_code == 200  # cmi5 §8.2.2: a valid request, answered with an error
    assert second.json() == {"error-code": "1", "error-text": "The authorization token has already been returned."}
    assert lms.fetch_uses(fetch_id) == 2
    content = Content(url, f"Basic {token}")
    assert content.request("GET", "statements", params={"limit": 1}).status_code == 200


def test_an_unknown_fetch_url_is_a_404_with_a_cmi5_security_error(lms):
    answer = requests.post(lms.url + "fetch/never-issued")
    assert answer.status_code == 404 and answer.json()["error-code"] == "2"


def test_learner_preferences_are_readable_by_the_au_but_not_writable(lms):
    content = cmi5_launch(lms)
    params = {"agent": content.parameters["actor"], "profileId": "cmi5LearnerPreferences"}
    assert content.request("GET", "agents/profile", params=params).json() == {"languagePreference": "sl"}
    assert content.request("PUT", "agents/profile", params=params, json={"audioPreference": "on"}).status_code == 403


def test_a_cmi5_launch_needs_an_account_actor_and_a_known_au(lms):
    with pytest.raises(LaunchError, match="account"):
        lms.cmi5_launch_url(CMI5, AU_IRI, {"mbox": "mailto:ana@example.si"}, str(uuid.uuid4()))
    with pytest.raises(LaunchError, match="no AU 'https://example.si/none'"):
        lms.cmi5_launch_url(CMI5, "https://example.si/none", learner(), str(uuid.uuid4()))
    with pytest.raises(LaunchError, match="no cmi5 package 'test-xapi'"):
        lms.cmi5_launch_url(XAPI, AU_IRI, learner(), str(uuid.uuid4()))


def test_a_launch_the_lrs_refuses_to_record_is_an_error(lrs, cmi5_zip):
    wrong = "Basic " + base64.b64encode(b"nobody:wrong").decode()
    with LaunchServer([cmi5_zip], lrs.endpoint, wrong) as server:
        with pytest.raises(LaunchError, match=r"not recorded: LRS at .* refused the credentials \(401\)"):
            server.cmi5_launch_url(CMI5, AU_IRI, learner(), str(uuid.uuid4()))


# ---------------------------------------------------------------- credentials and the index


def test_no_launch_url_or_page_carries_the_lms_credentials(lms, lrs):
    token = lrs.auth.split(" ", 1)[1]
    user, password = base64.b64decode(token).decode().split(":", 1)
    pages = [
        lms.launch_url(XAPI, learner(), str(uuid.uuid4())),
        lms.cmi5_launch_url(CMI5, AU_IRI, learner(), str(uuid.uuid4())),
        requests.get(lms.url).text,
    ]
    fetched = requests.post(launch_parameters(pages[1])["fetch"]).text
    for text in pages + [fetched]:
        for secret in (lrs.auth, token, password, f"{user}:{password}"):
            assert secret not in text and secret not in unquote(text)


def test_the_index_launches_each_course_and_au_for_the_servers_learner(lms):
    index = requests.get(lms.url)
    assert index.status_code == 200 and "Dejavnost 1.1" in index.text and "Preizkusni tečaj" in index.text
    xapi = requests.post(lms.url + f"launch/{XAPI}", allow_redirects=False)
    assert xapi.status_code == 303
    assert json.loads(launch_parameters(xapi.headers["Location"])["actor"]) == DEFAULT_LEARNER
    cmi5 = requests.post(lms.url + f"launch/{CMI5}", data={"au": AU_IRI}, allow_redirects=False)
    assert cmi5.status_code == 303 and "fetch=" in cmi5.headers["Location"]
    assert requests.get(cmi5.headers["Location"]).status_code == 200
    assert requests.post(lms.url + f"launch/{CMI5}", data={"au": "nope"}, allow_redirects=False).status_code == 400


def test_a_host_other_than_127_0_0_1_or_localhost_with_the_port_is_refused_with_421(lms):
    content = xapi_launch(lms)
    port = urlsplit(lms.url).port
    for host in (f"evil.example:{port}", f"127.0.0.1.nip.io:{port}", "127.0.0.1:1", "localhost"):
        for method, path in (
            ("GET", ""),
            ("GET", "xapi/about"),
            ("POST", f"launch/{XAPI}"),
            ("GET", "xapi/statements"),
        ):
            answer = requests.request(method, lms.url + path, headers=headers(content.auth, Host=host))
            assert answer.status_code == 421, (host, path)
            assert answer.text == "421 this server answers to 127.0.0.1 and localhost only\n"
        assert content.state("PUT", headers={"Host": host}, json={"rebound": True}).status_code == 421
    assert content.state("GET").status_code == 404


def test_127_0_0_1_and_localhost_with_the_port_are_answered(lms):
    content = xapi_launch(lms)
    port = urlsplit(lms.url).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert requests.get(lms.url, headers={"Host": host}).status_code == 200
        answer = content.request("GET", "statements", params={"limit": 1}, headers={"Host": host})
        assert answer.status_code == 200, host


def test_a_zip_without_tincan_or_cmi5_xml_is_refused_with_its_path(tmp_path, lrs):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.html", "<p>hi</p>")
    with pytest.raises(LaunchError, match=r"plain\.zip: neither tincan\.xml nor cmi5\.xml"):
        LaunchServer([path], lrs.endpoint, lrs.auth)
