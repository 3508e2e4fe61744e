"""The course tool of `microquest serve` (lti/course_tool.py) driven over HTTP: learner, grades, award, instructor, picker."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from html import unescape

import requests

from lti.launch import LTI
from tests.lti.browser import form_of
from tests.lti.course_tool import (
    COURSE,
    IRIS,
    PageClient,
    launch_id_of,
    open_launch,
    start_link,
    wait_for,
)
from tests.lti.platform import NextLaunch

CANVASES = ["needs", "persona", "competences", "levels", "content-elements", "issuing"]


def course_scores(platform, launch) -> list[dict]:
    return platform.scores.get(launch.ags_lineitem, [])


def test_a_learner_s_launch_shows_progress_and_starts_the_course_with_a_token_of_its_own(course_tool, lti_events):
    platform, tool = course_tool
    lrs_key, lrs_secret = tool.app.state.registry.add("moodle")
    _browser, page = open_launch(platform, "ana")

    assert "0 / 16" in page.text and "Začni" in page.text
    assert lrs_key not in page.text and lrs_secret not in page.text
    start = start_link(page.text)
    client = PageClient(start)
    launch = tool.lti.launch(launch_id_of(tool, lti_events))
    assert start.startswith(f"{tool.url}/course/{launch.id}/index.html?")
    assert client.endpoint == tool.url + "/xapi/"
    assert client.actor["account"] == {"homePage": platform.issuer, "name": "ana"}
    assert client.parameters["activity_id"] == IRIS.course(COURSE.id)
    assert base64.b64decode(client.parameters["auth"].removeprefix("Basic ")).startswith(b"lti-")
    index = requests.get(start, timeout=30)
    assert index.status_code == 200 and "xapi.js" in index.text
    assert requests.get(f"{tool.url}/course/{launch.id}/static/xapi.js", timeout=30).status_code == 200
    assert requests.get(f"{tool.url}/course/not-a-launch/index.html", timeout=30).status_code == 404
    # The same learner and link resume: the same registration, another token.
    _again, second = open_launch(platform, "ana")
    assert PageClient(start_link(second.text)).parameters["registration"] == client.parameters["registration"]
    assert PageClient(start_link(second.text)).parameters["auth"] != client.parameters["auth"]


def test_a_launch_token_writes_only_its_own_learner_s_statements_and_state(course_tool):
    platform, tool = course_tool
    _browser, page = open_launch(platform, "ana")
    client = PageClient(start_link(page.text))
    bor = {"objectType": "Agent", "account": {"homePage": platform.issuer, "name": "bor"}}

    assert client.complete("u1-a1").status_code == 204
    assert client.put(client.statement("completed", IRIS.activity("u1-a2"), actor=bor)).status_code == 403
    voiding = {**client.statement("completed", ""), "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}
    voiding["object"] = {"objectType": "StatementRef", "id": str(uuid.uuid4())}
    assert client.put(voiding).status_code == 403
    state = {
        "activityId": IRIS.activity("u1-a1"),
        "stateId": "bookmark",
        "registration": client.parameters["registration"],
    }
    mine = requests.put(
        client.endpoint + "activities/state",
        params={**state, "agent": json.dumps(client.actor)},
        data=b'{"at": "s2"}',
        headers=client.headers(),
        timeout=30,
    )
    theirs = requests.get(
        client.endpoint + "activities/state",
        params={**state, "agent": json.dumps(bor)},
        headers=client.headers(),
        timeout=30,
    )
    assert (mine.status_code, theirs.status_code) == (204, 403)
    everything = requests.get(client.endpoint + "statements", headers=client.headers(), timeout=30)
    assert everything.status_code == 403
    assert requests.get(client.endpoint + "agents/profile", headers=client.headers(), timeout=30).status_code == 403
    # The alternate request syntax does not go around the rule.
    sneaky = requests.post(
        client.endpoint + "statements",
        params={"method": "GET"},
        data={"Authorization": client.parameters["auth"], "X-Experience-API-Version": "1.0.3"},
        timeout=30,
    )
    assert sneaky.status_code == 403
    forged = client.parameters["auth"][:-4] + "AAA="
    assert client.put(client.statement("completed", IRIS.activity("u1-a2")), auth=forged).status_code == 401


def test_completing_the_course_posts_each_activity_s_grade_then_100_percent_with_the_credential(
    course_tool, lti_events
):
    platform, tool = course_tool
    browser, page = open_launch(platform, "ana")
    launch = tool.lti.launch(launch_id_of(tool, lti_events))
    client = PageClient(start_link(page.text))

    started = time.perf_counter()
    assert client.complete("u1-a1").status_code == 204
    (first,) = wait_for(lambda: course_scores(platform, launch))
    latency = time.perf_counter() - started
    assert (first["scoreGiven"], first["scoreMaximum"], first["activityProgress"]) == (1, 16, "InProgress")
    (activity_item,) = [item for item in platform.line_items.values() if item["resourceId"] == "u1-a1"]
    assert activity_item["label"].startswith("1.1") and platform.scores[activity_item["id"]][0]["scoreGiven"] == 1
    print(f"grade posted {latency * 1000:.0f} ms after the completion statement")

    # The last worksheet comes after the last completion: it is what meets the criteria.
    for canvas in CANVASES[:-1]:
        assert client.submit(canvas).status_code == 204
    for activity in COURSE.activities[1:]:
        assert client.complete(activity.id).status_code == 204
    assert client.submit(CANVASES[-1]).status_code == 204
    final = wait_for(lambda: [s for s in course_scores(platform, launch) if s["gradingProgress"] == "FullyGraded"], 60)
    assert (final[0]["scoreGiven"], final[0]["scoreMaximum"], final[0]["activityProgress"]) == (16, 16, "Completed")
    wait_for(lambda: len([item for item in platform.line_items.values() if item["resourceId"]]) == 16)
    wait_for(lambda: tool.lti.outbox.pending() == [])

    progress = browser.get(f"{tool.url}/lti/learner/{launch.id}")
    assert "16 / 16" in progress.text and "id=credential" in progress.text
    links = [unescape(href) for href in re.findall(r'href="([^"]+/lti/credential/[^"]+)"', progress.text)]
    assert {link.rsplit(".", 1)[-1] for link in links} == {"json", "svg", "html", "jsonld"}
    page = requests.get(next(link for link in links if link.endswith(".html")), timeout=30)
    assert page.headers["content-disposition"].startswith("inline") and "Ana Novak" in page.text
    europass = requests.get(next(link for link in links if link.endswith(".europass.jsonld")), timeout=30)
    assert europass.status_code == 200 and "EuropeanDigitalCredential" in europass.text
    badge = requests.get(next(link for link in links if link.endswith(".json")), timeout=30)
    assert badge.status_code == 200 and "OpenBadgeCredential" in badge.json()["type"]
    assert badge.json()["credentialSubject"]["identifier"]


def test_an_instructor_sees_the_context_s_report_with_worksheet_titles_and_who_has_not_started(course_tool, lti_events):
    platform, tool = course_tool
    _browser, page = open_launch(platform, "ana")
    PageClient(start_link(page.text)).complete("u1-a1")

    browser, report = open_launch(platform, "teacher")

    assert "Ana Novak" in report.text and "Napredek" in report.text
    canvas = next(c for c in COURSE.canvases if c.id == "levels")
    assert unescape(report.text).count(canvas.title) >= 1 and ">levels<" not in report.text
    assert re.search(r"id=not-started>.*Bor Kralj", report.text, re.S)
    assert "Ana Novak" not in report.text.split("id=not-started")[1]
    csv_url = unescape(re.search(r'id=csv href="([^"]+)"', report.text).group(1))
    csv = browser.get(csv_url)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("learner,name,done,total,activity:u1-a1")
    assert any(line.startswith("ana,Ana Novak,1,") for line in csv.text.splitlines())


def test_deep_linking_returns_the_chosen_unit_as_a_resource_link_with_a_line_item(course_tool):
    platform, tool = course_tool
    browser, picker = open_launch(platform, "teacher", kind="deep")

    unit = COURSE.units[2]
    assert f"{unit.number}. {unit.title}" in unescape(picker.text) and COURSE.activities[0].title in unescape(
        picker.text
    )
    form = form_of(picker.text)
    form.fields["item"] = f"unit:{unit.id}"
    answer = browser.post(form)
    returned = browser.post(form_of(answer.text))
    assert returned.status_code == 200
    (item,) = platform.deep_link_items
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"unit": unit.id}
    assert item["lineItem"]["scoreMaximum"] == len(unit.activities) and item["url"] == tool.lti.urls.launch

    # A launch of that link covers the unit only.
    platform.next_launch = NextLaunch(claims={LTI + "custom": {"unit": unit.id}})
    _learner, page = open_launch(platform, "ana")
    assert f"0 / {len(unit.activities)}" in page.text and unit.activities[0].title in unescape(page.text)
