"""The platform's services from launches: grades through AGS (and the outbox), the roster through NRPS, deep linking."""

from __future__ import annotations

import time

import pytest

from lti.deep_linking import resource_link_item
from lti.outbox import NoGradebook
from tests.lti.browser import Browser, form_of
from tests.lti.conftest import register, start_tool
from tests.lti.course_tool import wait_for
from tests.lti.platform import INSTRUCTOR, LEARNER


def launch_as(platform, tool, user: str, lti_events, **options):
    page = Browser().open(platform.launch_start_url(user, **options))
    assert page.status_code == 200, page.text
    return tool.lti.launch(lti_events("lti.launch.accepted")[-1]["launch_id"]), page


def test_a_completion_is_posted_to_the_gradebook_at_once(registered, lti_events):
    platform, tool = registered
    launch, _page = launch_as(platform, tool, "ana", lti_events)

    tool.lti.post_grade(launch, score_given=1, score_maximum=1, comment="Vse aktivnosti so opravljene.")
    wait_for(lambda: launch.ags_lineitem in platform.scores)

    (score,) = platform.scores[launch.ags_lineitem]
    assert score["userId"] == "ana" and (score["scoreGiven"], score["scoreMaximum"]) == (1, 1)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert score["comment"] == "Vse aktivnosti so opravljene." and score["timestamp"].endswith("Z")
    wait_for(lambda: tool.lti.outbox.pending() == [])
    assert lti_events("lti.grade.delivered")[0]["attempts"] == 1


def test_a_unit_s_grade_goes_to_the_tool_s_own_line_item_made_once(registered, lti_events):
    platform, tool = registered
    launch, _page = launch_as(platform, tool, "ana", lti_events)
    outbox = tool.lti.outbox

    outbox.enqueue(launch, score_given=1, score_maximum=1, resource_id="u3", label="Enota 3")
    outbox.enqueue(launch, score_given=1, score_maximum=1, resource_id="u3", label="Enota 3")
    assert len(outbox.deliver_due().delivered) == 2

    (unit_item,) = [item for item in platform.line_items.values() if item["resourceId"] == "u3"]
    assert unit_item["label"] == "Enota 3" and unit_item["resourceLinkId"] == launch.resource_link_id
    assert len(platform.scores[unit_item["id"]]) == 2
    (result,) = tool.lti.services.results(launch.platform, unit_item["id"], user_id="ana")  # result.readonly
    assert (result["userId"], result["resultScore"], result["resultMaximum"]) == ("ana", 1, 1)


def test_a_grade_posted_while_the_platform_is_down_is_kept_and_posted_when_it_is_back(registered, lti_events):
    platform, tool = registered
    launch, _page = launch_as(platform, tool, "bor", lti_events)
    outbox = tool.lti.outbox
    platform.stop()

    outbox_id = outbox.enqueue(launch, score_given=1, score_maximum=1)
    delivery = outbox.deliver_due()

    assert delivery.failed == [outbox_id] and delivery.delivered == []
    (waiting,) = outbox.pending()
    assert waiting["attempts"] == 1 and "did not answer" in waiting["last_error"]
    assert 20 <= waiting["next_try_at"] - time.time() <= 31  # backoff: 30 s less up to 20 %
    assert outbox.deliver_due().failed == []  # not due yet: the platform is not hammered
    (retry,) = lti_events("lti.grade.retry")
    assert retry["outbox_id"] == outbox_id and "did not answer" in retry["error"]

    platform.start()
    assert outbox.deliver_due(now=waiting["next_try_at"] + 1).delivered == [outbox_id]

    assert [score["userId"] for score in platform.scores[launch.ags_lineitem]] == ["bor"]
    assert outbox.pending() == []


def test_the_backoff_doubles_while_the_platform_stays_down(registered, lti_events):
    platform, tool = registered
    launch, _page = launch_as(platform, tool, "ana", lti_events)
    outbox = tool.lti.outbox
    platform.stop()
    outbox.enqueue(launch, score_given=1, score_maximum=1)

    now, delays = time.time(), []
    for _attempt in range(4):
        outbox.deliver_due(now=now)
        (row,) = outbox.pending()
        delays.append(row["next_try_at"] - now)
        now = row["next_try_at"]

    assert all(0.8 * 30 * 2**i <= delay <= 30 * 2**i for i, delay in enumerate(delays))
    platform.start()


def test_a_launch_without_a_gradebook_cannot_queue_a_grade(registered, lti_events):
    platform, tool = registered
    launch, _page = launch_as(platform, tool, "ana", lti_events)
    without = type(launch)(**{**launch.__dict__, "ags_lineitem": "", "ags_lineitems": ""})

    with pytest.raises(NoGradebook, match="no gradebook"):
        tool.lti.outbox.enqueue(without, score_given=1, score_maximum=1)
    assert tool.lti.outbox.pending() == []


def test_an_instructor_s_launch_shows_the_roster_read_through_nrps(registered, lti_events):
    platform, tool = registered

    launch, page = launch_as(platform, tool, "teacher", lti_events)

    assert launch.is_instructor
    for name in ("Ana Novak", "Bor Kralj", "Tina Učiteljica", "Udeleženci predmeta"):
        assert name in page.text
    members = {member["user_id"]: member["roles"] for member in tool.lti.roster(launch)}
    assert members == {"ana": [LEARNER], "bor": [LEARNER], "teacher": [INSTRUCTOR]}
    paged = tool.lti.services.members(launch.platform, launch.nrps_memberships, page_size=2)
    assert [member["user_id"] for member in paged] == ["ana", "bor", "teacher"]  # two pages, by the Link header
    learners = tool.lti.services.members(launch.platform, launch.nrps_memberships, role=LEARNER)
    assert [member["user_id"] for member in learners] == ["ana", "bor"]
    assert ("token", "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly") in platform.requests


def test_a_learner_s_launch_does_not_read_the_roster(registered, lti_events):
    platform, tool = registered

    _launch, page = launch_as(platform, tool, "ana", lti_events)

    assert "Udeleženci predmeta" not in page.text
    assert not any(kind == "token" for kind, _scope in platform.requests)


def test_deep_linking_one_unit_returns_a_signed_content_item_the_platform_accepts(tmp_path, lti_platform, lti_events):
    def pick_unit_three(launch, tool):
        item = resource_link_item(
            tool.urls.launch, "Enota 3: Kakovost mikrodokazil", custom={"unit": "u3"}, line_item={"scoreMaximum": 1}
        )
        return tool.deep_linking_page(launch, [item])

    tool = start_tool(f"sqlite:///{tmp_path / 'db.sqlite'}", on_launch=pick_unit_three)
    try:
        register(lti_platform, tool)
        browser = Browser()
        page = browser.open(lti_platform.launch_start_url("teacher", kind="deep"))
        launch = tool.lti.launch(lti_events("lti.launch.accepted")[-1]["launch_id"])
        returned = browser.post(form_of(page.text))
    finally:
        tool.stop()

    assert launch.message_type == "LtiDeepLinkingRequest"
    assert launch.deep_linking_settings["data"] == {"opaque": "d-1"}
    assert returned.status_code == 200, returned.text
    (item,) = lti_platform.deep_link_items
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"unit": "u3"}
    assert item["url"] == tool.url + "/lti/launch"


def test_the_app_s_timer_delivers_queued_grades_by_itself(tmp_path, lti_platform, lti_events):
    tool = start_tool(f"sqlite:///{tmp_path / 'db.sqlite'}", outbox_interval=0.2)
    try:
        register(lti_platform, tool)
        launch, _page = launch_as(lti_platform, tool, "ana", lti_events)
        tool.lti.outbox.enqueue(launch, score_given=1, score_maximum=1)  # queued only: nothing wakes the worker
        wait_for(lambda: tool.lti.outbox.pending() == [], seconds=10)
    finally:
        tool.stop()

    assert [score["userId"] for score in lti_platform.scores[launch.ags_lineitem]] == ["ana"]
