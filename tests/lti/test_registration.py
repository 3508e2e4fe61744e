"""Registering the tool with a platform: LTI Dynamic Registration over HTTP, and by hand."""

from __future__ import annotations

import pytest

from lti.registration import (
    SCOPE_LINEITEM,
    SCOPE_MEMBERSHIP_READ,
    SCOPE_RESULT_READ,
    SCOPE_SCORE,
    TOOL_CONFIGURATION,
    RegistrationError,
    register_manually,
)
from tests.lti.browser import Browser
from tests.lti.conftest import register, start_tool


def test_dynamic_registration_registers_the_tool_and_shows_the_admin_what_was_registered(
    lti_platform, lti_tool, lti_events
):
    page = Browser().get(lti_platform.registration_start_url(lti_tool.lti.registration_url))

    assert page.status_code == 200
    registration = lti_platform.only_tool
    # What the tool sent the platform (LTI-DR §3.5.2).
    metadata = registration.metadata
    assert metadata["initiate_login_uri"] == lti_tool.url + "/lti/login"
    assert metadata["redirect_uris"] == [lti_tool.url + "/lti/launch"]
    assert metadata["jwks_uri"] == lti_tool.url + "/lti/jwks"
    assert metadata["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(metadata["scope"].split()) == {SCOPE_LINEITEM, SCOPE_RESULT_READ, SCOPE_SCORE, SCOPE_MEMBERSHIP_READ}
    messages = {message["type"]: message for message in metadata[TOOL_CONFIGURATION]["messages"]}
    assert set(messages) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert messages["LtiDeepLinkingRequest"]["target_link_uri"] == lti_tool.url + "/lti/launch"
    # What the tool stored.
    (platform,) = lti_tool.lti.database.all_platforms()
    assert (platform.issuer, platform.client_id, platform.registration_source) == (
        lti_platform.issuer,
        registration.client_id,
        "dynamic",
    )
    assert platform.token_endpoint == lti_platform.issuer + "/mod/lti/token.php"
    assert lti_tool.lti.database.deployment_ids(platform.id) == [registration.deployment_id]
    # What the admin sees, and the message that closes the platform's dialog (LTI-DR §3.7).
    for shown in (lti_platform.issuer, registration.client_id, "Orodje je registrirano", "The tool is registered"):
        assert shown in page.text
    assert "postMessage({subject:'org.imsglobal.lti.close'},'*')" in page.text
    (logged,) = lti_events("lti.registration.dynamic")
    assert logged["client_id"] == registration.client_id and logged["deployment_ids"] == [registration.deployment_id]


def test_each_dynamic_registration_is_a_registration_with_its_own_deployment(lti_platform, lti_tool):
    register(lti_platform, lti_tool)
    register(lti_platform, lti_tool)

    platforms = lti_tool.lti.database.all_platforms()
    assert len(platforms) == 2  # the platform gave a new client id each time, as Moodle does
    assert [lti_tool.lti.database.deployment_ids(p.id) for p in platforms] == [["1"], ["2"]]


def test_a_registration_without_the_platform_s_token_is_refused_with_a_clear_page(lti_platform, lti_tool, lti_events):
    url = lti_tool.lti.registration_url + "?openid_configuration=" + lti_platform.openid_configuration_url
    page = Browser().get(url)

    assert page.status_code == 400
    assert "Registracija ni uspela" in page.text and "refused the registration: HTTP 401" in page.text
    assert "Traceback" not in page.text
    assert lti_tool.lti.database.all_platforms() == []
    (logged,) = lti_events("lti.registration.failed")
    assert "HTTP 401" in logged["error"] and logged["ref"] in page.text


def test_the_registration_url_alone_says_where_to_paste_it(lti_tool):
    page = Browser().get(lti_tool.lti.registration_url)

    assert page.status_code == 400
    assert lti_tool.lti.registration_url in page.text and "Register tool by URL" in page.text


@pytest.mark.parametrize(
    ("configuration_url", "reason"),
    [
        ("http://lms.example.org/mod/lti/openid-configuration.php", "must use https"),
        ("ftp://127.0.0.1/config", "not an http(s) URL"),
    ],
)
def test_a_platform_off_this_machine_must_use_https(lti_tool, configuration_url, reason):
    page = Browser().get(lti_tool.lti.registration_url + "?openid_configuration=" + configuration_url)

    assert page.status_code == 400 and reason in page.text


def test_an_issuer_on_another_origin_than_its_configuration_is_refused(lti_platform, lti_tool):
    lti_platform.advertised_issuer = f"http://localhost:{lti_platform.port}"

    page = Browser().get(lti_platform.registration_start_url(lti_tool.lti.registration_url))

    assert page.status_code == 400 and "is not on the origin of its configuration URL" in page.text
    assert lti_tool.lti.database.all_platforms() == []


def test_a_registration_secret_keeps_the_registration_url_private(tmp_path, lti_platform):
    tool = start_tool(f"sqlite:///{tmp_path / 'db.sqlite'}", registration_secret="s3cret-value")
    try:
        assert tool.lti.registration_url == tool.url + "/lti/register/s3cret-value"
        guessed = Browser().get(lti_platform.registration_start_url(tool.url + "/lti/register/guess"))
        assert guessed.status_code == 404
        register(lti_platform, tool)
        assert len(tool.lti.database.all_platforms()) == 1
    finally:
        tool.stop()


MOODLE = {
    "issuer": "https://moodle.example.org",
    "client_id": "client-1",
    "authorization_endpoint": "https://moodle.example.org/mod/lti/auth.php",
    "token_endpoint": "https://moodle.example.org/mod/lti/token.php",
    "jwks_uri": "https://moodle.example.org/mod/lti/certs.php",
}


def test_manual_registration_stores_the_platform_and_its_deployments(lti_tool):
    database = lti_tool.lti.database

    platform = register_manually(database, **MOODLE, deployment_ids=["3", "4"])
    again = register_manually(database, **MOODLE, deployment_ids=["5"])

    assert platform.registration_source == "manual" and again.id == platform.id
    assert database.deployment_ids(platform.id) == ["3", "4", "5"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"issuer": "http://moodle.example.org"}, "must use https"),
        ({"jwks_uri": "http://moodle.example.org/certs"}, "must use https"),
        ({"client_id": ""}, "client id is missing"),
        ({"deployment_ids": []}, "deployment id"),
    ],
)
def test_manual_registration_refuses_what_would_not_work(lti_tool, change, reason):
    with pytest.raises(RegistrationError, match=reason):
        register_manually(lti_tool.lti.database, **{**MOODLE, "deployment_ids": ["1"], **change})
    assert lti_tool.lti.database.all_platforms() == []
