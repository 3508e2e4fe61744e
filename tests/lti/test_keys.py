"""The tool's keys: published at the JWKS URL, rotated with the old kid kept for the grace period, stored encrypted."""

from __future__ import annotations

import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from lti.keys import GRACE_SECONDS, ToolKeyError, ToolKeys
from lti.store import LtiDatabase
from tests.lti.browser import Browser
from tests.lti.conftest import start_tool


def published_kids(tool) -> list[str]:
    response = requests.get(tool.url + "/lti/jwks", timeout=10)
    assert response.status_code == 200
    return [key["kid"] for key in response.json()["keys"]]


def test_the_jwks_url_publishes_the_signing_key_and_signatures_verify_against_it(lti_tool):
    keys = lti_tool.lti.keys
    body = requests.get(lti_tool.url + "/lti/jwks", timeout=10).json()

    (public,) = body["keys"]
    assert public["kid"] == keys.signing_kid() and public["alg"] == "RS256" and public["use"] == "sig"
    assert "d" not in public and "p" not in public  # public parts only
    token = keys.sign({"iss": "me"})
    assert jwt.decode(token, KeySet.import_key_set(body)).claims == {"iss": "me"}


def test_rotation_keeps_the_old_kid_published_for_the_grace_period_then_drops_it(lti_tool):
    keys = lti_tool.lti.keys
    old = keys.signing_kid()

    new = keys.rotate()

    assert new != old and keys.signing_kid() == new
    assert published_kids(lti_tool) == [new, old]
    assert jwt.decode(keys.sign({}), KeySet.import_key_set(keys.jwks())).header["kid"] == new
    assert keys.prune() == []  # within the grace period nothing goes
    later = time.time() + GRACE_SECONDS + 1
    assert [key["kid"] for key in keys.jwks(now=later)["keys"]] == [new]
    assert keys.prune(now=later) == [old]
    assert published_kids(lti_tool) == [new]


def test_services_keep_working_across_a_rotation(registered, lti_events):
    platform, tool = registered
    Browser().open(platform.launch_start_url("ana"))
    launch = tool.lti.launch(lti_events("lti.launch.accepted")[-1]["launch_id"])
    tool.lti.outbox.enqueue(launch, score_given=0.5, score_maximum=1)
    assert tool.lti.outbox.deliver_due().delivered

    tool.lti.keys.rotate()
    tool.lti.services.forget_tokens()  # a new token, asserted with the new key
    tool.lti.outbox.enqueue(launch, score_given=1, score_maximum=1)

    assert tool.lti.outbox.deliver_due().delivered
    assert [score["scoreGiven"] for score in platform.scores[launch.ags_lineitem]] == [0.5, 1]


def test_a_key_older_than_the_maximum_age_is_rotated(tmp_path):
    keys = ToolKeys(LtiDatabase.open(f"sqlite:///{tmp_path / 'db.sqlite'}"))
    first = keys.signing_kid()

    assert keys.rotate_if_older_than(3600) is None
    second = keys.rotate_if_older_than(3600, now=time.time() + 3601)

    assert second not in (None, first) and keys.signing_kid() == second


def test_with_a_passphrase_the_private_key_is_stored_encrypted(tmp_path):
    database = LtiDatabase.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    keys = ToolKeys(database, passphrase=b"correct horse")
    keys.sign({"iss": "me"})

    stored = database.engine.connect().exec_driver_sql("SELECT private_pem, encrypted FROM lti_tool_keys").one()
    assert stored.private_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----") and stored.encrypted == 1
    with pytest.raises(ToolKeyError, match="give the passphrase"):
        ToolKeys(database).sign({})
    with pytest.raises(ToolKeyError, match="cannot be read"):
        ToolKeys(database, passphrase=b"wrong").sign({})
    assert "correct horse" not in repr(keys) and "PRIVATE" not in repr(keys)


@pytest.mark.lti
def test_without_a_passphrase_the_tool_says_so_once_at_start_and_never_logs_the_key(tmp_path, lti_events, caplog):
    tool = start_tool(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        tool.lti.keys.rotate()
    finally:
        tool.stop()

    (warning,) = lti_events("lti.keys.unencrypted")
    assert "MICROQUEST_LTI_KEY_PASSPHRASE" in warning["message"]
    assert "PRIVATE KEY" not in caplog.text
