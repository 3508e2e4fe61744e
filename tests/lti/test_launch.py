"""OIDC login and resource link launches from a real platform, accepted and refused."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from lti.launch import INSTRUCTOR_ROLES
from tests.lti.browser import Browser, Form
from tests.lti.platform import CONTEXT, INSTRUCTOR, LEARNER, RESOURCE_LINK, NextLaunch

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def test_a_learner_s_launch_is_accepted_and_recorded(registered, lti_events):
    platform, tool = registered

    page = Browser().open(platform.launch_start_url("ana"))

    assert page.status_code == 200, page.text
    assert "Ana Novak" in page.text and "udeleženec / learner" in page.text and CONTEXT.title in page.text
    (accepted,) = lti_events("lti.launch.accepted")
    launch = tool.lti.launch(accepted["launch_id"])
    assert launch.user_sub == "ana" and launch.roles == (LEARNER,) and launch.is_learner and not launch.is_instructor
    assert (launch.name, launch.email) == ("Ana Novak", "ana@example.org")
    assert (launch.context_id, launch.resource_link_id) == (CONTEXT.id, RESOURCE_LINK)
    assert launch.deployment_id == platform.only_tool.deployment_id
    assert launch.ags_lineitems == platform.lineitems_url() and launch.ags_lineitem.startswith(platform.lineitems_url())
    assert launch.nrps_memberships == f"{platform.issuer}/nrps/{CONTEXT.id}/memberships"
    assert accepted["issuer"] == platform.issuer and accepted["roles"] == [LEARNER]


def test_an_instructor_s_roles_are_read(registered):
    platform, tool = registered

    page = Browser().open(platform.launch_start_url("teacher"))

    assert page.status_code == 200 and "učitelj / instructor" in page.text
    assert INSTRUCTOR in INSTRUCTOR_ROLES


def test_the_login_redirects_to_the_platform_with_state_nonce_and_the_registered_redirect_uri(registered):
    platform, tool = registered

    redirect = Browser().get(platform.launch_start_url("ana"), allow_redirects=False)
    login = requests.get(redirect.headers["location"], allow_redirects=False, timeout=10)

    assert login.status_code == 302
    query = dict(parse_qsl(urlsplit(login.headers["location"]).query))
    assert login.headers["location"].startswith(platform.issuer + "/mod/lti/auth.php?")
    assert query["response_mode"] == "form_post" and query["prompt"] == "none" and query["scope"] == "openid"
    assert query["client_id"] == platform.only_tool.client_id
    assert len(query["state"]) >= 40 and len(query["nonce"]) >= 40 and query["state"] != query["nonce"]


REFUSALS = [
    ("bad_signature", NextLaunch(tamper=True), 401, "Podpis prijave ni veljaven.", "signature is not valid"),
    ("expired", NextLaunch(expiration=-120), 401, "Prijava je potekla.", "The launch has expired."),
    (
        "wrong_audience",
        NextLaunch(claims={"aud": "another-tool", "azp": "another-tool"}),
        401,
        "Prijava ni namenjena temu orodju.",
        "not addressed to this tool",
    ),
    (
        "unknown_deployment",
        NextLaunch(claims={LTI + "deployment_id": "999"}),
        403,
        "Ta namestitev orodja v učilnici ni registrirana.",
        "This deployment of the tool is not registered.",
    ),
    (
        "bad_claim",
        NextLaunch(claims={LTI + "version": "1.1"}),
        400,
        "Učilnica je poslala prijavo, ki je orodje ne podpira.",
        "a launch this tool does not support",
    ),
    (
        "bad_claim",
        NextLaunch(claims={LTI + "target_link_uri": "https://elsewhere.example/launch"}),
        400,
        "Učilnica je poslala prijavo, ki je orodje ne podpira.",
        "a launch this tool does not support",
    ),
    (
        "wrong_issuer",
        NextLaunch(claims={"iss": "https://other.example"}),
        401,
        "Prijavo je izdala druga učilnica.",
        "another LMS",
    ),
]
REFUSAL_IDS = [
    "bad_signature",
    "expired",
    "wrong_audience",
    "unknown_deployment",
    "version",
    "target_link_uri",
    "issuer",
]


@pytest.mark.parametrize(("reason", "tweak", "status", "slovenian", "english"), REFUSALS, ids=REFUSAL_IDS)
def test_a_launch_that_fails_a_check_gets_a_clear_page_and_a_log_line(
    registered, lti_events, reason, tweak, status, slovenian, english
):
    platform, tool = registered
    platform.next_launch = tweak

    page = Browser().open(platform.launch_start_url("ana"))

    assert page.status_code == status
    assert_refusal_page(page.text, slovenian, english)
    (logged,) = lti_events("lti.launch.rejected")
    assert logged["reason"] == reason and logged["issuer"] == platform.issuer and logged["detail"]
    assert logged["ref"] in page.text
    assert lti_events("lti.launch.accepted") == []


def assert_refusal_page(html: str, slovenian: str, english: str) -> None:
    assert "Zagon ni uspel" in html and "The launch failed" in html
    assert slovenian in html and english in html
    assert "Traceback" not in html and "eyJ" not in html  # no stack, no token


def test_a_launch_posted_again_is_refused_even_from_the_same_browser(registered, lti_events):
    platform, tool = registered
    browser = Browser()
    form = browser.launch_form(platform.launch_start_url("ana"))

    assert browser.post(form).status_code == 200
    again = browser.post(form)

    assert again.status_code == 401
    assert_refusal_page(again.text, "Ta prijava je že bila uporabljena.", "This launch was already used.")
    assert [event["reason"] for event in lti_events("lti.launch.rejected")] == ["replayed"]
    assert Browser().post(form).status_code == 401  # and from any other browser


def test_an_id_token_replayed_with_a_fresh_state_is_refused_by_its_used_nonce(registered, lti_events):
    platform, tool = registered
    first = Browser().launch_form(platform.launch_start_url("ana"))
    assert Browser().post(first).status_code == 200
    fresh_state = Browser().launch_form(platform.launch_start_url("ana")).fields["state"]

    replay = Browser().post(Form(first.action, {"id_token": first.fields["id_token"], "state": fresh_state}))

    assert replay.status_code == 401
    assert [event["reason"] for event in lti_events("lti.launch.rejected")] == ["replayed"]


def test_a_launch_with_a_state_the_tool_never_gave_is_refused(registered, lti_events):
    platform, tool = registered
    form = Browser().launch_form(platform.launch_start_url("ana"))

    page = Browser().post(Form(form.action, {**form.fields, "state": "made-up"}))

    assert page.status_code == 400
    assert_refusal_page(page.text, "Prijava se ni začela pri tem orodju", "did not start at this tool")
    assert lti_events("lti.launch.rejected")[0]["reason"] == "unknown_state"


def test_a_login_from_an_unregistered_platform_is_refused(lti_tool, lti_events):
    page = Browser().get(
        lti_tool.url + "/lti/login",
        params={
            "iss": "https://elsewhere.example.org",
            "login_hint": "x",
            "target_link_uri": lti_tool.url + "/lti/launch",
        },
    )

    assert page.status_code == 403
    assert_refusal_page(page.text, "pri orodju ni registrirana", "not registered with the tool")
    assert lti_events("lti.login.rejected")[0]["reason"] == "unknown_platform"


def test_the_client_address_comes_from_the_trusted_proxy_s_forwarded_header(registered, lti_events):
    platform, tool = registered
    form = Browser().launch_form(platform.launch_start_url("ana"))

    Browser().post(Form(form.action, {**form.fields, "state": "x"}), headers={"X-Forwarded-For": "203.0.113.9"})

    assert lti_events("lti.launch.rejected")[0]["client"] == "203.0.113.9"


def test_only_the_public_host_is_answered(lti_tool):
    response = requests.get(lti_tool.url + "/health", headers={"Host": "attacker.example"}, timeout=10)

    assert response.status_code == 400


def test_health_answers_while_the_database_does(lti_tool):
    response = requests.get(lti_tool.url + "/health", timeout=10)

    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_an_error_in_a_page_is_a_page_with_a_reference_never_a_traceback(tmp_path, lti_platform, lti_events):
    from tests.lti.conftest import register, start_tool

    def broken_page(launch, tool):
        raise RuntimeError("the page broke")

    tool = start_tool(f"sqlite:///{tmp_path / 'db.sqlite'}", on_launch=broken_page)
    try:
        register(lti_platform, tool)
        page = Browser().open(lti_platform.launch_start_url("ana"))
    finally:
        tool.stop()

    assert page.status_code == 500
    assert "Pri orodju je prišlo do napake" in page.text and "Traceback" not in page.text
    (logged,) = lti_events("lti.error")
    assert logged["ref"] in page.text and "the page broke" in logged["error"]
