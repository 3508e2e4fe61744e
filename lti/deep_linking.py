"""The tool's answer to a deep linking request: the chosen content items, signed, posted back.

    items = [resource_link_item(urls.launch, "Enota 3", custom={"unit": "u3"})]
    return_url, jwt = deep_linking_response(keys, launch, items)
    pages.auto_post_form(return_url, {"JWT": jwt})      # the browser carries it to the platform

LTI Deep Linking 2.0 §4.2: an `LtiDeepLinkingResponse` JWT from the tool (iss = the client id,
aud = the platform's issuer, the launch's deployment id, the settings' opaque `data` echoed),
signed with the tool's current key and POSTed by the browser to `deep_link_return_url` as `JWT`.
The picker that chooses the unit is the tool's page; this module only makes the message.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .keys import ToolKeys
from .launch import LTI, Launch

DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def resource_link_item(
    url: str,
    title: str,
    *,
    text: str = "",
    custom: dict[str, str] | None = None,
    line_item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An `ltiResourceLink` content item (LTI-DL §3.1): a link the platform will launch at `url`."""
    item: dict[str, Any] = {"type": "ltiResourceLink", "url": url, "title": title}
    if text:
        item["text"] = text
    if custom:
        item["custom"] = dict(custom)
    if line_item:
        item["lineItem"] = dict(line_item)
    return item


def deep_linking_response(
    keys: ToolKeys, launch: Launch, items: list[dict[str, Any]], *, message: str = ""
) -> tuple[str, str]:
    """(deep_link_return_url, signed JWT) for the content items chosen in this deep linking launch."""
    settings = launch.deep_linking_settings
    if not settings:
        raise ValueError("this launch is not a deep linking request")
    if len(items) > 1 and settings.get("accept_multiple") is False:
        raise ValueError("the platform accepts one content item here")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": launch.platform.client_id,
        "aud": [launch.platform.issuer],
        "iat": now,
        "exp": now + 300,
        "nonce": secrets.token_urlsafe(16),
        LTI + "deployment_id": launch.deployment_id,
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        DEEP_LINKING + "content_items": items,
    }
    if "data" in settings:
        claims[DEEP_LINKING + "data"] = settings["data"]
    if message:
        claims[DEEP_LINKING + "msg"] = message
    return settings["deep_link_return_url"], keys.sign(claims)
