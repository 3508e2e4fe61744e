"""OIDC third-party login and the LTI 1.3 launch: every check of the id_token, each with its reason.

Why no LTI library here: pylti1p3 (2.0.0) and its maintained fork pylti1p3next (2.0.2) are
written around Django/Flask request, session and cookie objects; on Starlette each would need
adapters for all three, and their nonce check is a per-session cache, which is how pylti1p3 2.0.0
accepts a replayed id_token from the same browser. What an LTI 1.3 launch needs is small and
exactly specified (IMS Security Framework 1.0 §5.1.3, LTI Core 1.3 §5.1.2-§5.3), so it is done
here over `joserfc` (the JOSE library the credentials already use) with one check per rule, each
refusal a LaunchRejected with a stable reason (for the page, the log and the tests). The tests
drive it with an independent platform implementation (`lti1p3platform`, on PyJWT/jwcrypto).

Login (`begin_login`, IMS SF §5.1.1): the platform sends iss, login_hint, target_link_uri
(+ client_id, lti_deployment_id, lti_message_hint); the tool stores a fresh random `state` and
`nonce` (lti_login_states, 10 minutes) and redirects the browser to the platform's authorization
endpoint. The state is kept server-side and comes back in the launch POST, so the login works in
an iframe without third-party cookies.

Launch (`accept_launch`): the state must be known, unexpired and unused; the id_token must be
RS256, signed by a key of the platform's JWKS (`kid`), and carry: `iss` = the platform's issuer;
`aud` containing the client id (and `azp` = client id when there are several audiences or `azp`
is present); `exp` in the future and `iat` not in the future, not older than 10 minutes (60 s of
clock leeway); `nonce` = the state's nonce; a registered `deployment_id`; `version` 1.3.0; a
message type the tool handles (resource link, deep linking); the `target_link_uri` the login named;
`sub`; `roles`; and the resource link id or the deep linking settings. Then, in one transaction,
the state is marked used (only if it was not: a second POST of the same id_token, from any
browser, is `replayed`), the user is recorded and the launch stored.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jws import extract_compact
from sqlalchemy import delete, insert, select, update

from . import tables as t
from .http import PlatformUnreachable
from .platform_keys import PlatformKeyError, PlatformKeys
from .registration import DEEP_LINKING_REQUEST, RESOURCE_LINK_REQUEST, ToolUrls
from .store import LtiDatabase, Platform, upsert
from .urls import with_query

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)
STATE_SECONDS = 600
ID_TOKEN_MAX_AGE = 600
LEEWAY = 60
MAX_ID_TOKEN_LENGTH = 64 * 1024
INSTRUCTOR_ROLES = {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
    "Instructor",  # the short forms LTI 1.3 still allows (deprecated)
    "ContentDeveloper",
}
LEARNER_ROLES = {"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner", "Learner"}


class LaunchRejected(Exception):
    """A login or launch the tool refuses: `reason` is stable (pages.py words it), `detail` is for the log."""

    def __init__(self, reason: str, detail: str, **context: Any) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.context = context


@dataclass(frozen=True)
class Launch:
    """An accepted launch, as stored: what the tool's pages are opened with (by `id`)."""

    id: str
    platform: Platform
    deployment_id: str
    message_type: str
    user_sub: str
    roles: tuple[str, ...]
    name: str = ""
    email: str = ""
    context_id: str = ""
    context_title: str = ""
    resource_link_id: str = ""
    resource_link_title: str = ""
    target_link_uri: str = ""
    ags_lineitems: str = ""
    ags_lineitem: str = ""
    ags_scopes: tuple[str, ...] = ()
    nrps_memberships: str = ""
    deep_linking_settings: dict[str, Any] | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    launched_at: float = 0.0

    @property
    def is_instructor(self) -> bool:
        return any(role in INSTRUCTOR_ROLES for role in self.roles)

    @property
    def is_learner(self) -> bool:
        return any(role in LEARNER_ROLES for role in self.roles)


# -- login


def begin_login(database: LtiDatabase, urls: ToolUrls, params: Mapping[str, str]) -> str:
    """The platform's authorization URL to redirect the browser to (see the module docstring)."""
    issuer, login_hint, target = params.get("iss"), params.get("login_hint"), params.get("target_link_uri")
    if not issuer or not login_hint or not target:
        raise LaunchRejected("bad_login", "the login request lacks iss, login_hint or target_link_uri")
    if not _is_own_url(urls, target):
        raise LaunchRejected("bad_login", f"target_link_uri {target} is not this tool's", issuer=issuer)
    client_id = params.get("client_id") or None
    platform = _platform_for(database, issuer, client_id)
    deployment_id = params.get("lti_deployment_id")
    if deployment_id and deployment_id not in database.deployment_ids(platform.id):
        raise LaunchRejected(
            "unknown_deployment", f"deployment {deployment_id!r} is not registered", issuer=issuer, client_id=client_id
        )
    now = time.time()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with database.writing() as connection:
        connection.execute(delete(t.login_states).where(t.login_states.c.expires_at < now))
        connection.execute(
            insert(t.login_states).values(
                state=state,
                nonce=nonce,
                platform_id=platform.id,
                target_link_uri=target,
                created_at=now,
                expires_at=now + STATE_SECONDS,
            )
        )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": urls.launch,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    return with_query(platform.authorization_endpoint, query)


def _platform_for(database: LtiDatabase, issuer: str, client_id: str | None) -> Platform:
    found = database.platforms_of_issuer(issuer, client_id)
    if not found:
        raise LaunchRejected(
            "unknown_platform",
            "no platform is registered with this issuer and client id",
            issuer=issuer,
            client_id=client_id,
        )
    if len(found) > 1:
        raise LaunchRejected(
            "unknown_platform", "the issuer has several registrations and sent no client_id", issuer=issuer
        )
    return found[0]


# -- launch


def accept_launch(database: LtiDatabase, keys: PlatformKeys, form: Mapping[str, str]) -> Launch:
    """Check the launch POST (module docstring) and store it; LaunchRejected names the first failed check."""
    if form.get("error"):
        raise LaunchRejected(
            "platform_error", f"the platform answered {form.get('error')}: {form.get('error_description', '')}"
        )
    id_token, state = form.get("id_token") or "", form.get("state") or ""
    if not id_token or not state:
        raise LaunchRejected("bad_token", "the launch has no id_token or no state")
    if len(id_token) > MAX_ID_TOKEN_LENGTH:
        raise LaunchRejected("bad_token", f"the id_token is longer than {MAX_ID_TOKEN_LENGTH} characters")
    login = _login_state(database, state)
    platform = database.platform(login["platform_id"])
    context = {"issuer": platform.issuer, "client_id": platform.client_id}
    claims = _verified_claims(keys, platform, id_token, context)
    deployment_id = _check_claims(database, platform, login, claims, context)
    return _store(database, platform, deployment_id, login, claims, context)


def _login_state(database: LtiDatabase, state: str) -> Mapping[str, Any]:
    with database.reading() as connection:
        row = connection.execute(select(t.login_states).where(t.login_states.c.state == state)).mappings().first()
    if row is None or row["expires_at"] < time.time():
        raise LaunchRejected(
            "unknown_state", "the state is unknown or expired (the login did not start here, or long ago)"
        )
    if row["used_at"] is not None:
        raise LaunchRejected("replayed", "this state's id_token was already accepted")
    return row


def _verified_claims(keys: PlatformKeys, platform: Platform, id_token: str, context: dict) -> dict[str, Any]:
    try:
        header = extract_compact(id_token.encode("ascii")).protected
    except (JoseError, ValueError, UnicodeError):
        raise LaunchRejected("bad_token", "the id_token is not a compact JWS", **context) from None
    if header.get("alg") != "RS256":
        raise LaunchRejected("bad_token", f"the id_token is signed with {header.get('alg')!r}, not RS256", **context)
    try:
        key = keys.key(platform.jwks_uri, header.get("kid"))
    except PlatformUnreachable as error:
        raise LaunchRejected("platform_keys_unavailable", str(error), **context) from None
    except PlatformKeyError as error:
        raise LaunchRejected("unknown_key", str(error), kid=header.get("kid"), **context) from None
    try:
        claims = jwt.decode(id_token, key, algorithms=["RS256"]).claims
    except BadSignatureError:
        raise LaunchRejected(
            "bad_signature", "the id_token's signature does not verify", kid=header.get("kid"), **context
        ) from None
    except (JoseError, ValueError) as error:
        raise LaunchRejected("bad_token", f"the id_token cannot be read: {error}", **context) from None
    if not isinstance(claims, dict):
        raise LaunchRejected("bad_token", "the id_token's payload is not a JSON object", **context)
    return claims


def _check_claims(
    database: LtiDatabase, platform: Platform, login: Mapping[str, Any], claims: dict, context: dict
) -> str:
    """The checks of the module docstring, in that order; the deployment id."""
    now = time.time()
    if claims.get("iss") != platform.issuer:
        raise LaunchRejected("wrong_issuer", f"iss {claims.get('iss')!r} is not the platform's issuer", **context)
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list) or platform.client_id not in audiences:
        raise LaunchRejected("wrong_audience", f"aud {claims.get('aud')!r} does not contain the client id", **context)
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != platform.client_id:
        raise LaunchRejected("wrong_audience", f"azp {claims.get('azp')!r} is not the client id", **context)
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise LaunchRejected("bad_token", "the id_token lacks a numeric exp or iat", **context)
    if exp + LEEWAY < now:
        raise LaunchRejected("expired", f"the id_token expired {int(now - exp)} s ago", **context)
    if iat - LEEWAY > now:
        raise LaunchRejected("bad_token", f"the id_token is issued {int(iat - now)} s in the future", **context)
    if now - iat > ID_TOKEN_MAX_AGE + LEEWAY:
        raise LaunchRejected("expired", f"the id_token was issued {int(now - iat)} s ago", **context)
    if claims.get("nonce") != login["nonce"]:
        raise LaunchRejected(*_nonce_problem(database, claims.get("nonce")), **context)
    deployment_id = claims.get(LTI + "deployment_id")
    if not isinstance(deployment_id, str) or deployment_id not in database.deployment_ids(platform.id):
        raise LaunchRejected(
            "unknown_deployment",
            f"deployment {deployment_id!r} is not registered",
            deployment_id=deployment_id,
            **context,
        )
    if claims.get(LTI + "version") != "1.3.0":
        raise LaunchRejected("bad_claim", f"version {claims.get(LTI + 'version')!r} is not 1.3.0", **context)
    message_type = claims.get(LTI + "message_type")
    if message_type not in MESSAGE_TYPES:
        raise LaunchRejected("bad_claim", f"message type {message_type!r} is not one this tool handles", **context)
    target = claims.get(LTI + "target_link_uri")
    if target != login["target_link_uri"]:
        # LTI 1.3 §5.1.2.4: the same target_link_uri the login named (which begin_login checked is the tool's).
        raise LaunchRejected("bad_claim", f"target_link_uri {target!r} is not the one the login named", **context)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise LaunchRejected(
            "bad_claim", "the launch names no user (sub): anonymous launches are not supported", **context
        )
    roles = claims.get(LTI + "roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise LaunchRejected("bad_claim", "the roles claim is missing or not a list of strings", **context)
    if message_type == RESOURCE_LINK_REQUEST and not (claims.get(LTI + "resource_link") or {}).get("id"):
        raise LaunchRejected("bad_claim", "a resource link launch without a resource link id", **context)
    settings = claims.get(DEEP_LINKING_SETTINGS)
    if message_type == DEEP_LINKING_REQUEST and not (
        isinstance(settings, dict) and settings.get("deep_link_return_url")
    ):
        raise LaunchRejected("bad_claim", "a deep linking request without deep_link_return_url", **context)
    return deployment_id


def _nonce_problem(database: LtiDatabase, nonce: object) -> tuple[str, str]:
    """A nonce other than the state's: an id_token of an earlier login (used: a replay) or a foreign one."""
    if isinstance(nonce, str):
        with database.reading() as connection:
            used = connection.execute(select(t.login_states.c.used_at).where(t.login_states.c.nonce == nonce)).first()
        if used is not None and used.used_at is not None:
            return "replayed", "the id_token's nonce was already used"
    return "nonce_mismatch", "the id_token's nonce is not the one this login sent"


def _store(
    database: LtiDatabase, platform: Platform, deployment_id: str, login: Mapping[str, Any], claims: dict, context: dict
) -> Launch:
    now = time.time()
    context_claim = claims.get(LTI + "context") or {}
    link = claims.get(LTI + "resource_link") or {}
    ags = claims.get(AGS_ENDPOINT) or {}
    nrps = claims.get(NRPS_SERVICE) or {}
    settings = claims.get(DEEP_LINKING_SETTINGS)
    custom = claims.get(LTI + "custom")
    row = {
        "id": secrets.token_urlsafe(24),
        "platform_id": platform.id,
        "deployment_id": deployment_id,
        "message_type": claims[LTI + "message_type"],
        "user_sub": claims["sub"],
        "roles": json.dumps(claims[LTI + "roles"]),
        "context_id": str(context_claim.get("id", "")),
        "context_title": str(context_claim.get("title", "")),
        "resource_link_id": str(link.get("id", "")),
        "resource_link_title": str(link.get("title", "")),
        "target_link_uri": claims[LTI + "target_link_uri"],
        "ags_lineitems": str(ags.get("lineitems", "")),
        "ags_lineitem": str(ags.get("lineitem", "")),
        "ags_scopes": json.dumps([str(scope) for scope in ags.get("scope") or []]),
        "nrps_memberships": str(nrps.get("context_memberships_url", "")),
        "deep_linking_settings": json.dumps(settings) if isinstance(settings, dict) else "",
        "custom": json.dumps(custom if isinstance(custom, dict) else {}),
        "launched_at": now,
    }
    person = {name: str(claims.get(name) or "") for name in ("name", "given_name", "family_name", "email")}
    with database.writing() as connection:
        consumed = connection.execute(
            update(t.login_states)
            .where(t.login_states.c.state == login["state"], t.login_states.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if consumed != 1:
            raise LaunchRejected("replayed", "this state's id_token was accepted a moment ago", **context)
        upsert(
            connection,
            t.users,
            {"platform_id": platform.id, "sub": claims["sub"], **person, "last_launch_at": now},
            keys=("platform_id", "sub"),
            update_columns=(*person, "last_launch_at"),
        )
        connection.execute(insert(t.launches).values(**row))
    return _launch_of(row, platform, person)


def launch_by_id(database: LtiDatabase, launch_id: str) -> Launch | None:
    """A stored launch by its id (the handle the tool's pages carry), or None."""
    with database.reading() as connection:
        row = connection.execute(select(t.launches).where(t.launches.c.id == launch_id)).mappings().first()
        if row is None:
            return None
        person = (
            connection.execute(
                select(t.users).where(t.users.c.platform_id == row["platform_id"], t.users.c.sub == row["user_sub"])
            )
            .mappings()
            .first()
        )
    return _launch_of(row, database.platform(row["platform_id"]), person or {})


def _launch_of(row: Mapping[str, Any], platform: Platform, person: Mapping[str, Any]) -> Launch:
    return Launch(
        id=row["id"],
        platform=platform,
        deployment_id=row["deployment_id"],
        message_type=row["message_type"],
        user_sub=row["user_sub"],
        roles=tuple(json.loads(row["roles"])),
        name=person.get("name", ""),
        email=person.get("email", ""),
        context_id=row["context_id"],
        context_title=row["context_title"],
        resource_link_id=row["resource_link_id"],
        resource_link_title=row["resource_link_title"],
        target_link_uri=row["target_link_uri"],
        ags_lineitems=row["ags_lineitems"],
        ags_lineitem=row["ags_lineitem"],
        ags_scopes=tuple(json.loads(row["ags_scopes"])),
        nrps_memberships=row["nrps_memberships"],
        deep_linking_settings=json.loads(row["deep_linking_settings"]) if row["deep_linking_settings"] else None,
        custom=json.loads(row["custom"]),
        launched_at=row["launched_at"],
    )


def _is_own_url(urls: ToolUrls, url: str) -> bool:
    own, other = urlsplit(urls.base + "/"), urlsplit(url)
    return (other.scheme, other.netloc.lower()) == (own.scheme, own.netloc.lower()) and other.path.startswith(own.path)
