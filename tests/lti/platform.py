"""A real LTI 1.3 platform for the tests: PyPI's `lti1p3platform`, served over HTTP on 127.0.0.1.

`lti1p3platform` is the platform side of LTI 1.3 without a web server: it builds the OIDC
login redirect, checks the tool's authentication request, signs id_tokens (PyJWT + jwcrypto,
another JOSE stack than the tool's), issues access tokens for the tool's signed client
assertions (fetching the tool's JWKS over HTTP), and serves AGS line items and scores and the
NRPS roster behind its bearer-token check. This module gives it what a framework gives it
(Starlette routes, request and response adapters) and what it lacks and Moodle has: the
OpenID configuration and registration endpoint of LTI Dynamic Registration, a registration
token, and the check that the tool's redirect_uri is one it registered.

    platform = TestPlatform()            # state: registrations, gradebook, roster
    with platform.serve():               # http://127.0.0.1:<port>, the issuer
        platform.registration_start_url  # what the admin's browser opens at the tool
        platform.launch_start_url("ana")  # where the learner clicks the activity
    platform.serve(port=…)               # again on the same port: "the platform came back"

For the failure cases, `next_launch` changes only the next id_token the platform signs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PlatformRequest
from lti1p3platform.response import Response as PlatformResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.lti.platform_services import CONTEXT, INSTRUCTOR, LEARNER, RESOURCE_LINK, USERS, Gradebook, Roster

__all__ = ["CONTEXT", "INSTRUCTOR", "LEARNER", "RESOURCE_LINK", "USERS", "NextLaunch", "TestPlatform"]


def new_rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private.decode(), public.decode()


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, registration: Registration) -> None:  # type: ignore[override]
        self._registration = registration

    def get_registration_by_params(self, **_kwargs: Any) -> Registration:
        return self._registration

    def get_tool_key_set(self) -> Any:
        # As Moodle does, read the tool's JWKS anew each time (the library would keep the first set).
        self._registration.set_tool_key_set(None)
        return super().get_tool_key_set()


class AdaptedRequest(PlatformRequest):
    def build_metadata(self, request: dict[str, Any]) -> Any:
        return request


class ToolLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=302)


class PlatformLaunch(LTIAdvantageMessageLaunchAbstract):
    overrides: dict[str, Any] = {}

    def get_preflight_response(self) -> dict[str, Any]:
        return self._request.get_data

    def get_launch_message(self, include_extra_claims: bool = True) -> dict[str, Any]:
        message = super().get_launch_message(include_extra_claims)
        message.update(self.overrides)
        return message

    def render_launch_form(self, launch_data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        return launch_data


@dataclass
class NextLaunch:
    """Changes to the next id_token only: claims replaced, lifetime, or the payload altered after signing."""

    claims: dict[str, Any] = field(default_factory=dict)
    expiration: int | None = None
    tamper: bool = False


@dataclass
class ToolRegistration:
    client_id: str
    deployment_id: str
    metadata: dict[str, Any]
    registration: Registration


class TestPlatform:
    """The platform's state, kept across restarts of its server (see the module docstring)."""

    def __init__(self) -> None:
        self.private_pem, self.public_pem = new_rsa_pem()
        self.registration_token = secrets.token_urlsafe(16)
        self.port = 0
        self.tools: dict[str, ToolRegistration] = {}
        self.line_items: dict[str, dict[str, Any]] = {}
        self.scores: dict[str, list[dict[str, Any]]] = {}
        self.deep_link_items: list[dict[str, Any]] = []
        self.next_launch = NextLaunch()
        self.advertised_issuer: str | None = None  # another issuer in the OpenID configuration
        self.requests: list[tuple[str, str]] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openid_configuration_url(self) -> str:
        return self.issuer + "/mod/lti/openid-configuration.php"

    def registration_start_url(self, tool_registration_url: str) -> str:
        query = urlencode(
            {"openid_configuration": self.openid_configuration_url, "registration_token": self.registration_token}
        )
        return f"{tool_registration_url}{'&' if '?' in tool_registration_url else '?'}{query}"

    def launch_start_url(self, user: str, kind: str = "resource", with_line_item: bool = True) -> str:
        return f"{self.issuer}/launch?" + urlencode({"user": user, "kind": kind, "lineitem": int(with_line_item)})

    @property
    def only_tool(self) -> ToolRegistration:
        (tool,) = self.tools.values()
        return tool

    def lineitems_url(self) -> str:
        return f"{self.issuer}/ags/{CONTEXT.id}/lineitems"

    def add_line_item(self, label: str, resource_link_id: str = "", resource_id: str = "", maximum: float = 1) -> str:
        item_id = f"{self.lineitems_url()}/{len(self.line_items) + 1}"
        self.line_items[item_id] = {
            "id": item_id,
            "label": label,
            "scoreMaximum": maximum,
            "resourceLinkId": resource_link_id,
            "resourceId": resource_id,
        }
        return item_id

    # -- the server

    @contextlib.contextmanager
    def serve(self, port: int = 0) -> Iterator[TestPlatform]:
        self.start(port)
        try:
            yield self
        finally:
            self.stop()

    def start(self, port: int = 0) -> TestPlatform:
        listening = socket.create_server(("127.0.0.1", port or self.port))
        self.port = listening.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", access_log=False, lifespan="off", ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [listening]}, daemon=True)
        self._thread.start()
        started = time.monotonic()
        while not self._server.started:
            assert self._thread.is_alive() and time.monotonic() - started < 30, "the test platform did not start"
            time.sleep(0.005)
        self._listening = listening
        return self

    def stop(self) -> None:
        """Take the platform off the network (its state stays: `start()` brings it back on the same port)."""
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._listening.close()
            self._server = None

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/mod/lti/openid-configuration.php", self.openid_configuration),
                Route("/mod/lti/register.php", self.register, methods=["POST"]),
                Route("/launch", self.start_launch),
                Route("/mod/lti/auth.php", self.authorize),
                Route("/mod/lti/certs.php", self.jwks),
                Route("/mod/lti/token.php", self.token, methods=["POST"]),
                Route("/ags/{context}/lineitems", self.ags_line_items, methods=["GET", "POST"]),
                Route("/ags/{context}/lineitems/{item}", self.ags_line_item, methods=["GET"]),
                Route("/ags/{context}/lineitems/{item}/scores", self.ags_scores, methods=["POST"]),
                Route("/ags/{context}/lineitems/{item}/results", self.ags_results, methods=["GET"]),
                Route("/nrps/{context}/memberships", self.nrps_members, methods=["GET"]),
                Route("/deep-linking/return", self.deep_linking_return, methods=["POST"]),
            ]
        )

    # -- Dynamic Registration (what Moodle serves; lti1p3platform has no part for it)

    async def openid_configuration(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.advertised_issuer or self.issuer,
                "authorization_endpoint": self.issuer + "/mod/lti/auth.php",
                "token_endpoint": self.issuer + "/mod/lti/token.php",
                "jwks_uri": self.issuer + "/mod/lti/certs.php",
                "registration_endpoint": self.issuer + "/mod/lti/register.php",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["id_token"],
                "scopes_supported": [
                    "openid",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
                ],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "lti1p3platform-test",
                    "version": "0.1.8",
                    "messages_supported": [
                        {"type": "LtiResourceLinkRequest"},
                        {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                    ],
                },
            }
        )

    async def register(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.registration_token}":
            return JSONResponse({"error": "invalid registration token"}, status_code=401)
        metadata = await request.json()
        tool_configuration = metadata["https://purl.imsglobal.org/spec/lti-tool-configuration"]
        deep_linking = [m for m in tool_configuration["messages"] if m["type"] == "LtiDeepLinkingRequest"]
        client_id, deployment_id = secrets.token_hex(8), str(len(self.tools) + 1)
        registration = (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(client_id)
            .set_deployment_id(deployment_id)
            .set_launch_url(tool_configuration["target_link_uri"])
            .set_oidc_login_url(metadata["initiate_login_uri"])
            .set_tool_key_set_url(metadata["jwks_uri"])
            .set_platform_public_key(self.public_pem)
            .set_platform_private_key(self.private_pem)
        )
        if deep_linking:
            registration.set_deeplink_launch_url(deep_linking[0]["target_link_uri"])
        self.tools[client_id] = ToolRegistration(client_id, deployment_id, metadata, registration)
        answer = {**metadata, "client_id": client_id}
        answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = {
            **tool_configuration,
            "deployment_id": deployment_id,
        }
        return JSONResponse(answer)

    def conf(self, client_id: str | None = None) -> PlatformConf:
        tool = self.tools[client_id] if client_id else self.only_tool
        return PlatformConf(registration=tool.registration)

    # -- OIDC login and launch (lti1p3platform's OIDCLogin and MessageLaunch)

    async def start_launch(self, request: Request) -> Response:
        """The learner clicks the activity: third-party initiated login at the tool."""
        hint = json.dumps(dict(request.query_params))
        login = ToolLogin(None, self.conf())
        login.set_lti_message_hint(hint=hint)
        if request.query_params.get("kind") == "deep":
            login.set_deeplinking_launch_url()
        return login.initiate_login(request.query_params["user"])

    async def authorize(self, request: Request) -> Response:
        """The tool's authentication request: checked, then the auto-posting launch form."""
        query = dict(request.query_params)
        tool = self.tools.get(query.get("client_id", ""))
        if tool is None or query.get("redirect_uri") not in tool.metadata["redirect_uris"]:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "unknown client or redirect_uri"}, 400
            )
        if (query.get("scope"), query.get("response_type"), query.get("response_mode")) != (
            "openid",
            "id_token",
            "form_post",
        ):
            return JSONResponse({"error": "invalid_request"}, 400)
        hint = json.loads(query["lti_message_hint"])
        user = USERS[query["login_hint"]]
        launch = PlatformLaunch(AdaptedRequest({"get_data": query, "form_data": {}}), self.conf(tool.client_id))
        launch.set_user_data(query["login_hint"], user["roles"], user["name"], user["email"])
        launch.set_launch_context_claim(CONTEXT.id, context_title=CONTEXT.title, context_label=CONTEXT.label)
        launch.set_resource_link_claim(RESOURCE_LINK, title="MICRO QUEST")
        lineitem = None
        if hint.get("lineitem") == "1":
            lineitem = next((i for i, item in self.line_items.items() if item["resourceLinkId"] == RESOURCE_LINK), None)
            lineitem = lineitem or self.add_line_item("MICRO QUEST", resource_link_id=RESOURCE_LINK)
        launch.set_ags(self.lineitems_url(), lineitem, allow_creating_lineitems=True)
        launch.set_nrps(f"{self.issuer}/nrps/{CONTEXT.id}/memberships")
        if hint.get("kind") == "deep":
            launch.set_dl(self.issuer + "/deep-linking/return", title="Dodaj enoto", extra_data={"opaque": "d-1"})
        tweak, self.next_launch = self.next_launch, NextLaunch()
        launch.overrides = tweak.claims
        if tweak.expiration is not None:
            launch.set_id_token_expiration(tweak.expiration)
        data = launch.lti_launch()
        id_token = _tampered(data["id_token"]) if tweak.tamper else data["id_token"]
        return HTMLResponse(_auto_post(data["launch_url"], {"id_token": id_token, "state": data["state"]}))

    async def jwks(self, _request: Request) -> Response:
        return JSONResponse(self.conf().get_jwks() if self.tools else {"keys": []})

    async def token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        self.requests.append(("token", form.get("scope", "")))
        try:
            return JSONResponse(self.conf().get_access_token(form))
        except Exception as error:  # noqa: BLE001 - the library's refusals are several exception types
            return JSONResponse({"error": "invalid_client", "error_description": str(error)}, status_code=401)

    # -- AGS and NRPS (lti1p3platform's services, with this platform's gradebook and roster)

    async def _service_request(self, request: Request) -> AdaptedRequest:
        body = await request.body()
        return AdaptedRequest(
            {
                "method": request.method,
                "form_data": {},
                "get_data": dict(request.query_params),
                "headers": dict(request.headers) | {"Authorization": request.headers.get("authorization", "")},
                "content_type": request.headers.get("content-type"),
                "path": request.url.path,
                "json": json.loads(body) if body else None,
            }
        )

    async def ags_line_items(self, request: Request) -> Response:
        service = Gradebook(await self._service_request(request), self.conf(), self.lineitems_url(), platform=self)
        handle = service.handle_get_lineitems if request.method == "GET" else service.handle_create_lineitem
        return _answer(service.handle_resp(handle))

    async def ags_line_item(self, request: Request) -> Response:
        service = Gradebook(await self._service_request(request), self.conf(), self.lineitems_url(), platform=self)
        item = f"{self.lineitems_url()}/{request.path_params['item']}"
        return _answer(service.handle_resp(service.handle_get_lineitem, line_item_id=item))

    async def ags_scores(self, request: Request) -> Response:
        self.requests.append(("score", request.path_params["item"]))
        service = Gradebook(await self._service_request(request), self.conf(), self.lineitems_url(), platform=self)
        item = f"{self.lineitems_url()}/{request.path_params['item']}"
        return _answer(service.handle_resp(service.handle_update_score, line_item_id=item))

    async def ags_results(self, request: Request) -> Response:
        service = Gradebook(await self._service_request(request), self.conf(), self.lineitems_url(), platform=self)
        item = f"{self.lineitems_url()}/{request.path_params['item']}"
        return _answer(service.handle_resp(service.handle_get_results, line_item_id=item))

    async def nrps_members(self, request: Request) -> Response:
        service = Roster(await self._service_request(request), self.conf(), str(request.url.replace(query="")))
        return _answer(service.handle_resp(service.handle_get_members))

    async def deep_linking_return(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        tool = self.only_tool
        items = self.conf(tool.client_id).validate_deeplinking_resp({"JWT": form["JWT"]})
        self.deep_link_items.extend(items)
        return HTMLResponse("<p>Vsebina je dodana.</p>")


def _answer(response: PlatformResponse) -> Response:
    """lti1p3platform's Response as HTTP: a page of items is the JSON array AGS specifies, the next page a Link."""
    result, headers = response.result, {}
    if isinstance(result, dict) and "content" in result and "has_next" in result:
        result = result["content"]
    if isinstance(result, dict) and result.get("next"):
        headers["Link"] = f'<{result.pop("next")}>; rel="next"'
    if result is None:
        return JSONResponse({"message": response.message}, status_code=response.code)
    return Response(json.dumps(result), status_code=response.code, media_type=response.media_type, headers=headers)


def _auto_post(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
    return (
        f'<form id="launch" method="post" action="{action}">{inputs}</form><script>document.forms[0].submit()</script>'
    )


def _tampered(token: str) -> str:
    """The same signature over a payload changed after signing (a forged role)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["https://purl.imsglobal.org/spec/lti/claim/roles"] = [INSTRUCTOR]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"
