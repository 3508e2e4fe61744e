"""Calling the platform's LTI Advantage services: OAuth2 tokens, grades (AGS) and the roster (NRPS).

    services = PlatformServices(keys, http)
    url = services.find_or_create_line_item(platform, lineitems_url, resource_link_id=…, resource_id="u3", …)
    services.post_score(platform, url, score)
    members = services.members(platform, launch.nrps_memberships)

Tokens (IMS Security Framework 1.0 §4.1): the client-credentials grant with a JWT assertion
(`private_key_jwt`: iss = sub = the client id, aud = the token endpoint, 5 minutes, a fresh jti)
signed by the tool's current key. A token is kept per platform and scope set until a minute
before it expires; a service that answers 401 gets one retry with a new token.

Every failure is a ServiceError whose message says what the platform said; `retryable` is False
only when trying again cannot help (the launch offered no such service).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .http import PlatformHttp, PlatformUnreachable, error_text
from .keys import ToolKeys
from .registration import SCOPE_LINEITEM, SCOPE_MEMBERSHIP_READ, SCOPE_RESULT_READ, SCOPE_SCORE
from .store import Platform
from .urls import InsecurePlatformUrl, require_platform_url, with_query

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIP_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_ROSTER_PAGES = 100


class ServiceError(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class PlatformServices:
    """See the module docstring."""

    def __init__(self, keys: ToolKeys, http: PlatformHttp) -> None:
        self.keys = keys
        self.http = http
        self._tokens: dict[tuple[int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def forget_tokens(self) -> None:
        """Drop the kept access tokens (the next call asks the platform for a new one)."""
        with self._lock:
            self._tokens.clear()

    # -- tokens

    def access_token(self, platform: Platform, scopes: Sequence[str], *, fresh: bool = False) -> str:
        scope = " ".join(sorted(set(scopes)))
        cache_key = (platform.id, scope)
        with self._lock:
            token, valid_until = self._tokens.get(cache_key, ("", 0.0))
        if token and not fresh and time.time() < valid_until:
            return token
        now = int(time.time())
        assertion = self.keys.sign(
            {
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.token_endpoint,
                "iat": now,
                "exp": now + 300,
                "jti": str(uuid.uuid4()),
            }
        )
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": scope,
        }
        response = self._call("POST", platform.token_endpoint, "the token endpoint", data=form)
        if response.status_code != 200:
            raise ServiceError(f"the platform's token endpoint refused the tool: {error_text(response)}")
        try:
            answer = response.json()
            token = str(answer["access_token"])
            lifetime = float(answer.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ServiceError("the platform's token endpoint answered without an access_token") from None
        with self._lock:
            self._tokens[cache_key] = (token, time.time() + max(0.0, lifetime - 60))
        return token

    def _authorized(
        self,
        platform: Platform,
        scopes: Sequence[str],
        method: str,
        url: str,
        what: str,
        *,
        headers: dict[str, str],
        **options: Any,
    ) -> Any:
        """A service call with a bearer token; one retry with a fresh token after a 401."""
        for fresh in (False, True):
            token = self.access_token(platform, scopes, fresh=fresh)
            response = self._call(method, url, what, headers={**headers, "Authorization": f"Bearer {token}"}, **options)
            if response.status_code != 401:
                break
        return response

    def _call(self, method: str, url: str, what: str, **options: Any) -> Any:
        try:
            require_platform_url(url, what)
        except InsecurePlatformUrl as error:
            raise ServiceError(str(error), retryable=False) from None
        try:
            return self.http.request(method, url, **options)
        except PlatformUnreachable as error:
            raise ServiceError(f"{what} did not answer: {error}") from None

    # -- Assignment and Grade Services 2.0

    def line_items(self, platform: Platform, lineitems_url: str, **filters: str) -> list[dict[str, Any]]:
        url = with_query(lineitems_url, {name: value for name, value in filters.items() if value})
        response = self._authorized(
            platform, [SCOPE_LINEITEM], "GET", url, "the line items service", headers={"Accept": LINEITEMS_MEDIA}
        )
        if response.status_code != 200:
            raise ServiceError(f"the line items service answered {error_text(response)}")
        try:
            items = response.json()
        except ValueError:
            raise ServiceError("the line items service answered no JSON") from None
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    def find_or_create_line_item(
        self,
        platform: Platform,
        lineitems_url: str,
        *,
        resource_link_id: str,
        resource_id: str,
        label: str,
        score_maximum: float,
        tag: str = "",
    ) -> str:
        """The URL of the line item for this resource link and resource id, made if the platform has none."""
        if not lineitems_url:
            raise ServiceError("the launch offered no line items service (AGS)", retryable=False)
        for item in self.line_items(
            platform, lineitems_url, resource_link_id=resource_link_id, resource_id=resource_id
        ):
            if item.get("resourceId", "") == resource_id and item.get("id"):
                if not resource_link_id or item.get("resourceLinkId") in (None, resource_link_id):
                    return str(item["id"])
        body: dict[str, Any] = {"scoreMaximum": score_maximum, "label": label, "resourceId": resource_id}
        if resource_link_id:
            body["resourceLinkId"] = resource_link_id
        if tag:
            body["tag"] = tag
        response = self._authorized(
            platform,
            [SCOPE_LINEITEM],
            "POST",
            lineitems_url,
            "the line items service",
            json=body,
            headers={"Content-Type": LINEITEM_MEDIA, "Accept": LINEITEM_MEDIA},
        )
        if response.status_code not in (200, 201):
            raise ServiceError(f"the platform did not create the line item: {error_text(response)}")
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise ServiceError("the platform created a line item but named no id") from None

    def post_score(self, platform: Platform, lineitem_url: str, score: dict[str, Any]) -> None:
        """POST a score to `<line item>/scores` (AGS §3.4); ServiceError unless the platform accepted it."""
        response = self._authorized(
            platform,
            [SCOPE_SCORE],
            "POST",
            scores_url(lineitem_url),
            "the score service",
            json=score,
            headers={"Content-Type": SCORE_MEDIA},
        )
        if response.status_code not in (200, 201, 202, 204):
            raise ServiceError(f"the platform did not accept the score: {error_text(response)}")

    def results(self, platform: Platform, lineitem_url: str, user_id: str | None = None) -> list[dict[str, Any]]:
        url = with_query(_sub_path(lineitem_url, "/results"), {"user_id": user_id} if user_id else {})
        response = self._authorized(
            platform,
            [SCOPE_RESULT_READ],
            "GET",
            url,
            "the result service",
            headers={"Accept": "application/vnd.ims.lis.v2.resultcontainer+json"},
        )
        if response.status_code != 200:
            raise ServiceError(f"the result service answered {error_text(response)}")
        return response.json()

    # -- Names and Role Provisioning Services 2.0

    def members(
        self, platform: Platform, memberships_url: str, role: str | None = None, page_size: int | None = None
    ) -> list[dict[str, Any]]:
        """Every member of the context, following `Link: <…>; rel="next"` pages (`page_size`: NRPS's `limit`)."""
        if not memberships_url:
            raise ServiceError("the launch offered no roster service (NRPS)", retryable=False)
        query = {"role": role or "", "limit": str(page_size or "")}
        url: str | None = with_query(memberships_url, {name: value for name, value in query.items() if value})
        members: list[dict[str, Any]] = []
        for _page in range(MAX_ROSTER_PAGES):
            if url is None:
                break
            response = self._authorized(
                platform,
                [SCOPE_MEMBERSHIP_READ],
                "GET",
                url,
                "the roster service",
                headers={"Accept": MEMBERSHIP_MEDIA},
            )
            if response.status_code != 200:
                raise ServiceError(f"the roster service answered {error_text(response)}")
            try:
                page = response.json()
            except ValueError:
                raise ServiceError("the roster service answered no JSON") from None
            members += [member for member in page.get("members", []) if isinstance(member, dict)]
            url = response.links.get("next", {}).get("url")
        return members


def scores_url(lineitem_url: str) -> str:
    return _sub_path(lineitem_url, "/scores")


def _sub_path(url: str, suffix: str) -> str:
    """`suffix` appended to the URL's path, before its query (a line item URL may carry one)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + suffix, parts.query, ""))
