"""Registering a platform: LTI Dynamic Registration 1.0, or by hand.

Dynamic (Moodle's "Register tool by URL"; IMS LTI Dynamic Registration 1.0):

1. The admin pastes the tool's registration URL into the platform; the platform opens it with
   `openid_configuration` (the platform's OpenID configuration URL) and, usually,
   `registration_token`.
2. `register_dynamically` GETs that configuration (§3.4) and checks it (§3.5.1: the issuer is on
   the configuration URL's origin; every endpoint is https, except a platform on localhost),
3. POSTs the tool's client metadata to the platform's `registration_endpoint` (§3.5.2) with the
   token as bearer: login and launch URLs, the JWKS URL, the AGS and NRPS scopes the platform
   offers, and the two messages (resource link, deep linking),
4. stores the platform (issuer, client id, endpoints, granted scopes) and the deployment id
   from the answer's tool configuration (§3.6), and returns what was registered, which
   pages.registration_page shows the admin, with the button that sends the platform
   `{subject: 'org.imsglobal.lti.close'}` (§3.7).

Manual: `register_manually` stores what the admin copied from the platform's tool settings
(issuer, client id, the platform's auth/token/JWKS URLs, deployment ids), under the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .http import PlatformHttp, PlatformUnreachable, error_text
from .logs import log_event
from .store import LtiDatabase, Platform
from .urls import InsecurePlatformUrl, origin, require_platform_url

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIP_READ = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TOOL_SCOPES = (SCOPE_LINEITEM, SCOPE_RESULT_READ, SCOPE_SCORE, SCOPE_MEMBERSHIP_READ)
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


class RegistrationError(Exception):
    """Registration failed; the message says why, for the admin's page and the log."""


@dataclass(frozen=True)
class ToolUrls:
    """The tool's own addresses, all under the public URL the platform's users reach it at."""

    public_url: str

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def login(self) -> str:
        return self.base + "/lti/login"

    @property
    def launch(self) -> str:
        return self.base + "/lti/launch"

    @property
    def jwks(self) -> str:
        return self.base + "/lti/jwks"

    @property
    def register(self) -> str:
        return self.base + "/lti/register"

    @property
    def domain(self) -> str:
        return urlsplit(self.public_url).netloc


@dataclass(frozen=True)
class ToolDescription:
    """What the platform shows admins and teachers about the tool."""

    name: str = "MICRO QUEST"
    description: str = "Delavnice usposabljanja za izvajalce PIU: kakovost mikrodokazil (MICRO QUEST)"
    deep_linking_label: str = "MICRO QUEST: izberite enoto"


@dataclass(frozen=True)
class Registered:
    platform: Platform
    deployment_ids: list[str]
    messages: list[str]
    warnings: list[str] = field(default_factory=list)


def fetch_platform_configuration(http: PlatformHttp, url: str, registration_token: str | None) -> dict[str, Any]:
    """The platform's OpenID configuration, checked (see the module docstring)."""
    try:
        require_platform_url(url, "the openid_configuration URL")
    except InsecurePlatformUrl as error:
        raise RegistrationError(str(error)) from None
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = http.get(url, headers=headers)
    except PlatformUnreachable as error:
        raise RegistrationError(f"the platform's configuration could not be read: {error}") from None
    if response.status_code != 200:
        raise RegistrationError(f"the platform's configuration at {url} answered {error_text(response)}")
    try:
        configuration = response.json()
    except ValueError:
        raise RegistrationError(f"the platform's configuration at {url} is not JSON") from None
    if not isinstance(configuration, dict):
        raise RegistrationError(f"the platform's configuration at {url} is not a JSON object")
    check_platform_configuration(configuration, url)
    return configuration


def check_platform_configuration(configuration: dict[str, Any], url: str) -> None:
    try:
        issuer = require_platform_url(configuration.get("issuer"), "the platform's issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
            require_platform_url(configuration.get(name), f"the platform's {name}")
    except InsecurePlatformUrl as error:
        raise RegistrationError(str(error)) from None
    if urlsplit(issuer).query or urlsplit(issuer).fragment:
        raise RegistrationError(f"the platform's issuer {issuer} has a query or fragment")
    if origin(issuer) != origin(url):
        raise RegistrationError(
            f"the platform's issuer {issuer} is not on the origin of its configuration URL {url} (LTI-DR §3.5.1)"
        )
    methods = configuration.get("token_endpoint_auth_methods_supported")
    if methods is not None and "private_key_jwt" not in methods:
        raise RegistrationError("the platform does not accept private_key_jwt at its token endpoint")
    algorithms = configuration.get("id_token_signing_alg_values_supported")
    if algorithms is not None and "RS256" not in algorithms:
        raise RegistrationError("the platform does not sign id_tokens with RS256")


def tool_client_metadata(urls: ToolUrls, configuration: dict[str, Any], description: ToolDescription) -> dict[str, Any]:
    """The registration request's body (LTI-DR §3.5.2), limited to what the platform supports."""
    offered = configuration.get("scopes_supported")
    scopes = [scope for scope in TOOL_SCOPES if offered is None or scope in offered]
    supported = (configuration.get(PLATFORM_CONFIGURATION) or {}).get("messages_supported")
    supported_types = None if supported is None else {message.get("type") for message in supported}
    messages: list[dict[str, Any]] = [
        {"type": RESOURCE_LINK_REQUEST, "target_link_uri": urls.launch, "label": description.name}
    ]
    if supported_types is None or DEEP_LINKING_REQUEST in supported_types:
        messages.append(
            {
                "type": DEEP_LINKING_REQUEST,
                "target_link_uri": urls.launch,
                "label": description.deep_linking_label,
                "placements": ["ContentArea"],
                "supported_types": ["ltiResourceLink"],
            }
        )
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": description.name,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "id_token_signed_response_alg": "RS256",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "description": description.description,
            "target_link_uri": urls.launch,
            "claims": CLAIMS,
            "messages": messages,
        },
    }


def register_dynamically(
    database: LtiDatabase,
    http: PlatformHttp,
    urls: ToolUrls,
    openid_configuration: str,
    registration_token: str | None,
    description: ToolDescription | None = None,
) -> Registered:
    """Dynamic Registration from the platform's configuration URL to the stored platform (module docstring)."""
    description = description or ToolDescription()
    configuration = fetch_platform_configuration(http, openid_configuration, registration_token)
    metadata = tool_client_metadata(urls, configuration, description)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    endpoint = configuration["registration_endpoint"]
    try:
        response = http.post(endpoint, json=metadata, headers=headers)
    except PlatformUnreachable as error:
        raise RegistrationError(f"the platform's registration endpoint could not be reached: {error}") from None
    if response.status_code not in (200, 201):
        raise RegistrationError(f"the platform refused the registration: {error_text(response)}")
    try:
        answer = response.json()
        client_id = str(answer["client_id"])
    except (ValueError, KeyError, TypeError):
        raise RegistrationError("the platform's registration answer has no client_id") from None
    tool_configuration = answer.get(TOOL_CONFIGURATION) or {}
    deployment_id = tool_configuration.get("deployment_id")
    deployment_ids = [str(deployment_id)] if deployment_id not in (None, "") else []
    platform_configuration = configuration.get(PLATFORM_CONFIGURATION) or {}
    platform = database.save_platform(
        {
            "issuer": configuration["issuer"],
            "client_id": client_id,
            "name": str(platform_configuration.get("product_family_code") or configuration["issuer"]),
            "authorization_endpoint": configuration["authorization_endpoint"],
            "token_endpoint": configuration["token_endpoint"],
            "jwks_uri": configuration["jwks_uri"],
            "registration_source": "dynamic",
            "product": str(platform_configuration.get("product_family_code") or ""),
            "scopes": str(answer.get("scope", metadata["scope"])),
        },
        deployment_ids,
    )
    warnings = []
    if not deployment_ids:
        warnings.append(
            "The platform gave no deployment id: launches are refused until one is added (register_manually)."
        )
    messages = [
        message["type"] for message in tool_configuration.get("messages") or metadata[TOOL_CONFIGURATION]["messages"]
    ]
    log_event(
        "lti.registration.dynamic",
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_ids=deployment_ids,
        scopes=platform.scopes,
        product=platform.product,
    )
    return Registered(platform, database.deployment_ids(platform.id), messages, warnings)


def register_manually(
    database: LtiDatabase,
    *,
    issuer: str,
    client_id: str,
    authorization_endpoint: str,
    token_endpoint: str,
    jwks_uri: str,
    deployment_ids: list[str],
    name: str = "",
) -> Platform:
    """Store a platform registered by hand (the fallback when the platform has no Dynamic Registration)."""
    try:
        require_platform_url(issuer, "the issuer")
        require_platform_url(authorization_endpoint, "the authorization endpoint")
        require_platform_url(token_endpoint, "the token endpoint")
        require_platform_url(jwks_uri, "the platform's JWKS URL")
    except InsecurePlatformUrl as error:
        raise RegistrationError(str(error)) from None
    if not client_id:
        raise RegistrationError("the client id is missing")
    if not deployment_ids or not all(deployment_ids):
        raise RegistrationError("give at least one deployment id (the platform shows it in the tool's settings)")
    platform = database.save_platform(
        {
            "issuer": issuer,
            "client_id": client_id,
            "name": name or issuer,
            "authorization_endpoint": authorization_endpoint,
            "token_endpoint": token_endpoint,
            "jwks_uri": jwks_uri,
            "registration_source": "manual",
            "product": "",
            "scopes": " ".join(TOOL_SCOPES),
        },
        list(deployment_ids),
    )
    log_event("lti.registration.manual", issuer=issuer, client_id=client_id, deployment_ids=list(deployment_ids))
    return platform
