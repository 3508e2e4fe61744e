"""The same tool on PostgreSQL: registration, a launch, a replay refused, a grade kept while the platform is down."""

from __future__ import annotations

from tests.lti.browser import Browser
from tests.lti.conftest import register, start_tool
from tests.lti.course_tool import PageClient, launch_id_of, open_launch, start_course_tool, start_link, wait_for


def test_the_tool_runs_end_to_end_on_postgresql(postgres_url, lti_platform, lti_events):
    tool = start_tool(postgres_url)
    try:
        register(lti_platform, tool)
        browser = Browser()
        form = browser.launch_form(lti_platform.launch_start_url("ana"))
        assert browser.post(form).status_code == 200
        assert browser.post(form).status_code == 401
        launch = tool.lti.launch(lti_events("lti.launch.accepted")[-1]["launch_id"])

        lti_platform.stop()
        outbox_id = tool.lti.outbox.enqueue(launch, score_given=1, score_maximum=1)
        assert tool.lti.outbox.deliver_due().failed == [outbox_id]
        lti_platform.start()
        (waiting,) = [row for row in tool.lti.outbox.pending() if row["id"] == outbox_id]
        assert tool.lti.outbox.deliver_due(now=waiting["next_try_at"] + 1).delivered == [outbox_id]
    finally:
        tool.stop()

    assert [event["reason"] for event in lti_events("lti.launch.rejected")] == ["replayed"]
    assert [score["userId"] for score in lti_platform.scores[launch.ags_lineitem]] == ["ana"]


def test_the_course_tool_keeps_the_lrs_and_the_tool_in_one_postgresql_database(
    postgres_url, lti_platform, lti_events, tmp_path
):
    tool = start_course_tool(tmp_path, postgres_url)
    try:
        register(lti_platform, tool)
        _browser, page = open_launch(lti_platform, "ana")
        launch = tool.lti.launch(launch_id_of(tool, lti_events))

        assert PageClient(start_link(page.text)).complete("u1-a1").status_code == 204

        (score,) = wait_for(lambda: lti_platform.scores.get(launch.ags_lineitem))
        assert (score["userId"], score["scoreGiven"]) == ("ana", 1)
        assert "1 / 16" in Browser().get(f"{tool.url}/lti/learner/{launch.id}").text
    finally:
        tool.stop()
