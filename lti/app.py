"""The LTI 1.3 tool as one ASGI application (Starlette): `create_lti_app(database_url, public_url)`.

    app = create_lti_app("sqlite:///microquest.db", "https://quest.example.org",
                         key_passphrase=os.environb.get(b"MICROQUEST_LTI_KEY_PASSPHRASE"))
    app.state.lti.registration_url      # what the LMS admin pastes ("Register tool by URL")
    uvicorn.run(app, proxy_headers=False)   # the app reads forwarded headers itself

Routes (all under `public_url`, the address the platform's users reach the tool at):

- `GET /lti/register` (or `/lti/register/<registration_secret>` when one is given, so only
  whoever has the URL can register a platform): LTI Dynamic Registration (registration.py), then
  the page that shows the admin what was registered and closes the platform's dialog.
- `GET|POST /lti/login`: OIDC third-party login initiation → redirect to the platform.
- `POST /lti/launch`: the id_token; every check (launch.py); then `on_launch(launch, tool)`,
  the tool's page for that launch (default: pages.launch_page). A refused launch is a page in
  Slovenian and English with a reference, and one `lti.launch.rejected` log line with the
  reason, the same reference and the client's address; never a traceback, for any error.
- `GET /lti/jwks`: the tool's public keys (keys.py), current and recently retired.
- `GET /health`: 200 while the database answers, else 503 (for a load balancer).

Behind a reverse proxy the client's address and scheme come from `X-Forwarded-For`/`-Proto`
when the proxy is one of `trusted_proxies`; every URL the tool hands out is built from
`public_url`, never from the request's Host, and only that host (and localhost) is answered.

While the app runs (its lifespan), a background task posts due grades (outbox.py) every
`outbox_interval` seconds and at once after `tool.post_grade`, rotates the tool key once it is
older than `key_max_age`, and prunes retired keys past their grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from . import pages
from .deep_linking import deep_linking_response
from .http import PlatformHttp
from .keys import ToolKeys
from .launch import Launch, LaunchRejected, accept_launch, begin_login, launch_by_id
from .logs import log_event
from .outbox import GradeOutbox
from .platform_keys import PlatformKeys
from .registration import RegistrationError, ToolDescription, ToolUrls, register_dynamically
from .services import PlatformServices, ServiceError
from .store import LtiDatabase

OUTBOX_INTERVAL = 30.0
KEY_MAX_AGE = 180 * 24 * 3600.0
MAX_FORM_BYTES = 256 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

OnLaunch = Callable[[Launch, "LtiTool"], Response]


@dataclass
class LtiTool:
    """Everything the tool's pages need: `app.state.lti` (see the module docstring)."""

    database: LtiDatabase
    keys: ToolKeys
    services: PlatformServices
    outbox: GradeOutbox
    urls: ToolUrls
    description: ToolDescription
    registration_secret: str | None = None
    _wake: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def registration_url(self) -> str:
        return self.urls.register + (f"/{self.registration_secret}" if self.registration_secret else "")

    def launch(self, launch_id: str) -> Launch | None:
        return launch_by_id(self.database, launch_id)

    def wake(self) -> None:
        """Have the grade worker post due grades now (after an outbox.enqueue of one's own)."""
        self._wake()

    def post_grade(self, launch: Launch, **score: Any) -> int:
        """Queue a grade (GradeOutbox.enqueue's arguments) and have the worker try it now; the outbox id."""
        outbox_id = self.outbox.enqueue(launch, **score)
        self._wake()
        return outbox_id

    def roster(self, launch: Launch) -> list[dict[str, Any]]:
        """The members of the launch's context (NRPS), for an instructor's page."""
        return self.services.members(launch.platform, launch.nrps_memberships)

    def deep_linking_page(self, launch: Launch, items: list[dict[str, Any]], message: str = "") -> HTMLResponse:
        """The page that carries the chosen content items back to the platform."""
        return_url, token = deep_linking_response(self.keys, launch, items, message=message)
        return HTMLResponse(pages.auto_post_form(return_url, {"JWT": token}))


def create_lti_app(
    database_url: str | None,
    public_url: str,
    *,
    engine: Engine | None = None,
    key_passphrase: bytes | None = None,
    registration_secret: str | None = None,
    on_launch: OnLaunch | None = None,
    description: ToolDescription | None = None,
    outbox_interval: float = OUTBOX_INTERVAL,
    key_max_age: float = KEY_MAX_AGE,
    trusted_proxies: Sequence[str] = ("127.0.0.1",),
    http: PlatformHttp | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """The tool's ASGI app over the database at `database_url` (module docstring); `app.state.lti` is the LtiTool.

    `engine`: instead of a URL, the engine of a database microquest already uses (the LRS's
    `LrsStore.engine`), so one file or server holds both (LtiDatabase.sharing). `extra_routes`: more
    routes behind the same host check (course_tool.py adds the course pages and the LRS).
    """
    if engine is not None:
        database = LtiDatabase.sharing(engine)
    elif database_url:
        database = LtiDatabase.open(database_url)
    else:
        raise ValueError("give a database URL or an engine")
    http = http or PlatformHttp()
    keys = ToolKeys(database, key_passphrase)
    services = PlatformServices(keys, http)
    tool = LtiTool(
        database=database,
        keys=keys,
        services=services,
        outbox=GradeOutbox(database, services),
        urls=ToolUrls(public_url),
        description=description or ToolDescription(),
        registration_secret=registration_secret,
    )
    platform_keys = PlatformKeys(http)
    show_launch = on_launch or default_launch_page

    async def login(request: Request) -> Response:
        params = dict(request.query_params)
        try:
            if request.method == "POST":
                params.update(await _form(request))
            location = await run_in_threadpool(begin_login, database, tool.urls, params)
        except LaunchRejected as rejected:
            return _refused(request, rejected, "lti.login.rejected")
        return RedirectResponse(location, status_code=303 if request.method == "POST" else 302)

    async def launch(request: Request) -> Response:
        started = time.perf_counter()
        try:
            form = await _form(request)
            accepted = await run_in_threadpool(accept_launch, database, platform_keys, form)
        except LaunchRejected as rejected:
            return _refused(request, rejected, "lti.launch.rejected")
        log_event(
            "lti.launch.accepted",
            launch_id=accepted.id,
            issuer=accepted.platform.issuer,
            deployment_id=accepted.deployment_id,
            message_type=accepted.message_type,
            user=accepted.user_sub,
            roles=list(accepted.roles),
            context_id=accepted.context_id,
            resource_link_id=accepted.resource_link_id,
            client=_client(request),
            milliseconds=round((time.perf_counter() - started) * 1000, 1),
        )
        return await run_in_threadpool(show_launch, accepted, tool)

    async def jwks(_request: Request) -> Response:
        body = await run_in_threadpool(keys.jwks)
        return JSONResponse(body, headers={"Cache-Control": "max-age=300"})

    async def register(request: Request) -> Response:
        given = request.path_params.get("secret")
        if registration_secret and not secrets.compare_digest(str(given or ""), registration_secret):
            return PlainTextResponse("not found", status_code=404)
        configuration_url = request.query_params.get("openid_configuration")
        reference = secrets.token_hex(6)
        if not configuration_url:
            message = (
                "Ta naslov prilepite v učilnico (Moodle: Orodja LTI → Registracija orodja z URL-jem). "
                f"/ Paste this address into the LMS (Moodle: LTI tools → Register tool by URL): {tool.registration_url}"
            )
            return HTMLResponse(pages.registration_failed_page(message, reference), status_code=400)
        try:
            registered = await run_in_threadpool(
                register_dynamically,
                database,
                http,
                tool.urls,
                configuration_url,
                request.query_params.get("registration_token"),
                tool.description,
            )
        except RegistrationError as error:
            log_event(
                "lti.registration.failed",
                level=logging.WARNING,
                ref=reference,
                openid_configuration=configuration_url,
                error=str(error),
                client=_client(request),
            )
            return HTMLResponse(pages.registration_failed_page(str(error), reference), status_code=400)
        return HTMLResponse(pages.registration_page(registered))

    async def health(_request: Request) -> Response:
        healthy = await run_in_threadpool(database.answers)
        return JSONResponse(
            {"status": "ok" if healthy else "database unavailable"}, status_code=200 if healthy else 503
        )

    async def internal_error(request: Request, error: Exception) -> Response:
        reference = secrets.token_hex(6)
        log_event(
            "lti.error",
            level=logging.ERROR,
            ref=reference,
            path=request.url.path,
            error=f"{type(error).__name__}: {error}",
            client=_client(request),
            exc_info=error,
        )
        status, html = pages.error_page("internal", reference)
        return HTMLResponse(html, status_code=status)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        tool._wake = lambda: loop.call_soon_threadsafe(wake.set)
        keys.warn_if_unencrypted()
        await run_in_threadpool(keys.signing_kid)
        log_event(
            "lti.ready", registration_url=tool.registration_url, jwks_url=tool.urls.jwks, login_url=tool.urls.login
        )
        worker = asyncio.create_task(_background(tool, wake, outbox_interval, key_max_age))
        try:
            yield
        finally:
            tool._wake = lambda: None
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            database.close()

    routes = [
        Route("/lti/login", login, methods=["GET", "POST"]),
        Route("/lti/launch", launch, methods=["POST"]),
        Route("/lti/jwks", jwks, methods=["GET"]),
        Route("/lti/register/{secret}" if registration_secret else "/lti/register", register, methods=["GET"]),
        Route("/health", health, methods=["GET", "HEAD"]),
        *extra_routes,
    ]
    public_host = urlsplit(public_url).hostname or "localhost"
    middleware = [
        Middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies)),
        Middleware(TrustedHostMiddleware, allowed_hosts=sorted({public_host, *LOCAL_HOSTS})),
    ]
    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers={Exception: internal_error}
    )
    app.state.lti = tool
    return app


def default_launch_page(launch: Launch, tool: LtiTool) -> Response:
    """Who launched, and for an instructor the course's roster (NRPS), until the tool's own pages exist."""
    roster = None
    if launch.is_instructor and launch.nrps_memberships:
        try:
            roster = tool.roster(launch)
        except ServiceError as error:
            log_event("lti.roster.failed", level=logging.WARNING, launch_id=launch.id, error=str(error))
    return HTMLResponse(pages.launch_page(launch, roster))


async def _background(tool: LtiTool, wake: asyncio.Event, interval: float, key_max_age: float) -> None:
    """Post due grades every `interval` seconds or when woken; rotate and prune keys; never stop on an error."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=interval)
        wake.clear()
        try:
            await run_in_threadpool(tool.outbox.deliver_due)
            await run_in_threadpool(tool.keys.rotate_if_older_than, key_max_age)
            await run_in_threadpool(tool.keys.prune)
        except Exception as error:  # noqa: BLE001 - a database hiccup must not end the worker: log, go on
            log_event("lti.worker.error", level=logging.ERROR, error=f"{type(error).__name__}: {error}")


def _refused(request: Request, rejected: LaunchRejected, event: str) -> Response:
    reference = secrets.token_hex(6)
    log_event(
        event,
        level=logging.WARNING,
        reason=rejected.reason,
        detail=rejected.detail,
        ref=reference,
        client=_client(request),
        **rejected.context,
    )
    status, html = pages.error_page(rejected.reason, reference)
    return HTMLResponse(html, status_code=status)


async def _form(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (what form_post sends), at most MAX_FORM_BYTES."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise LaunchRejected("bad_token", f"the form is larger than {MAX_FORM_BYTES} bytes")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise LaunchRejected("bad_token", "the form is not UTF-8") from None


def _client(request: Request) -> str:
    return request.client.host if request.client else ""
