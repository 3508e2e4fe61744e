"""`microquest serve`: the LTI tool and the LRS as one ASGI app over one database, with the course's pages.

    app = create_course_tool("sqlite:///srv/microquest.sqlite", "https://quest.example.org", content_dir=CONTENT)
    app.state.lti.registration_url     # what the LMS admin pastes
    serve_course_tool(app, listening)   # foreground, until SIGINT or SIGTERM

Routes besides the LTI tool's own (app.py):

- `/xapi/…`: the LRS (xapi/lrs/app.py) over the same database; its clients (`microquest lrs
  client add`, same --database) and the launch tokens (launch_tokens.py) are its credentials.
- `GET /lti/learner/<launch>`: the learner's page: progress, the course's start, the credential.
- `GET /course/<launch>/<path>`: the course's pages (the xAPI site, rendered once at start) for
  a learner launch; the launch's Rustici parameters travel in each page's query string.
- `GET /lti/credential/<launch>/<file>`: the learner's credential files (OB 3.0 JSON, baked SVG,
  the page, the Europass export), views of the ledger.
- `GET /lti/report/<launch>.csv`: the instructor's report of the context, as CSV.
- `POST /lti/deep-link/<launch>`: the picker's choice, back to the platform as resource links.

Pages are addressed by the launch's random id (valid TOKEN_SECONDS), never by a cookie, so
they work in an LMS's iframe with third-party cookies blocked.

Issuing needs the issuer key and the provider's identity: `keys` (default: `issuer-keys/` beside a
SQLite database); when the folder has none, a key and an identity (`issuer_name`, the public
URL when https, country SI) are made there. A provider sets its real identity with `microquest
issuer init --keys DIR` before learners finish.
"""

from __future__ import annotations

import json
import mimetypes
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from xapi.lrs.app import LOCAL_HOSTS, create_app
from xapi.lrs.clients import ClientRegistry
from xapi.lrs.store import LrsStore

from .app import LtiTool, create_lti_app
from .course_pages import CredentialLink, credential_label, learner_page, picker_page
from .course_service import CourseService
from .deep_linking import resource_link_item
from .instructor import instructor_csv, instructor_view
from .launch import Launch
from .launch_tokens import TOKEN_SECONDS, LaunchGuardedService, LaunchTokens, learner_actor, registration_of
from .registration import DEEP_LINKING_REQUEST
from .store import LtiDatabase

ENDPOINT_PATH = "/xapi/"


def default_places(database_url: str) -> tuple[Path | None, Path | None]:
    """(ledger, keys folder) beside a SQLite database file; (None, None) for any other database."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None, None
    folder = Path(url.database).expanduser().resolve().parent
    return folder / "microquest-ledger.sqlite", folder / "issuer-keys"


def ensure_issuer(keys: Path, public_url: str, issuer_name: str) -> bool:
    """An issuer key and identity in `keys`, made when missing (the module docstring); whether the identity was made."""
    from credentials.issuer import IssuerError, IssuerIdentity, load_identity, save_identity
    from credentials.keys import KEY_FILE, init_keys

    if not (keys / KEY_FILE).is_file():
        init_keys(keys)
    try:
        load_identity(keys)
    except IssuerError:
        parts = urlsplit(public_url)
        url = public_url if parts.scheme == "https" else f"https://{parts.hostname or 'localhost'}/"
        save_identity(keys, IssuerIdentity(name=issuer_name, url=url, country="SI"))
        return True
    return False


def create_course_tool(
    database_url: str,
    public_url: str,
    *,
    content_dir: Path,
    ledger: Path | None = None,
    keys: Path | None = None,
    issuer_name: str = "MICRO QUEST",
    store: LrsStore | None = None,
    **lti_options: Any,
) -> Starlette:
    """The app (module docstring); `app.state.lti` the LtiTool, `app.state.course` the CourseService."""
    default_ledger, default_keys = default_places(database_url)
    ledger = ledger or default_ledger or Path("microquest-ledger.sqlite")
    keys = keys or default_keys
    provisional = keys is not None and ensure_issuer(keys, public_url, issuer_name)
    store = store or LrsStore.open(database_url)
    base = public_url.rstrip("/")
    course = CourseService(content_dir, store, ledger=ledger, keys=keys)
    registry = ClientRegistry(store, home_page=base + "/")
    holder: dict[str, LtiTool] = {}

    def on_launch(launch: Launch, tool: LtiTool) -> Response:
        if launch.message_type == DEEP_LINKING_REQUEST:
            settings = launch.deep_linking_settings or {}
            return HTMLResponse(
                picker_page(
                    course.course, f"{base}/lti/deep-link/{launch.id}", settings.get("accept_multiple") is not False
                )
            )
        if launch.is_instructor and not launch.is_learner:
            return HTMLResponse(instructor_view(course, tool, launch, f"{base}/lti/report/{launch.id}.csv"))
        return HTMLResponse(learner_html(launch))

    def learner_html(launch: Launch) -> str:
        auth = tokens.issue(launch)
        actor = learner_actor(launch)
        query = urlencode(
            {
                "endpoint": base + ENDPOINT_PATH,
                "auth": auth,
                "actor": json.dumps(actor, ensure_ascii=False),
                "registration": registration_of(launch),
                "activity_id": course.course_iri,
            }
        )
        root = f"{base}/course/{launch.id}/"
        scope = course.scope(launch)
        done = course.done(actor)
        award = course.award_of(actor)
        links = []
        if award is not None:
            links = [
                CredentialLink(name, credential_label(name), f"{base}/lti/credential/{launch.id}/{name}")
                for name in course.credential_files(award)
            ]
        return learner_page(
            launch,
            course.course,
            scope.title,
            [a.id for a in scope.activities],
            done,
            f"{root}{course.entry_path(scope)}?{query}",
            {a.id: f"{root}{course.activity_path(a)}?{query}" for a in scope.activities},
            links,
        )

    def current(request: Request) -> Launch | None:
        launch = holder["tool"].launch(request.path_params["launch_id"])
        if launch is None or launch.launched_at < time.time() - TOKEN_SECONDS:
            return None
        return launch

    def gone() -> Response:
        return HTMLResponse(
            "<!doctype html><title>MICRO QUEST</title><p>Ta povezava je potekla: odprite dejavnost znova iz učilnice."
            " / This link has expired: open the activity again from the LMS.</p>",
            status_code=404,
        )

    async def course_file(request: Request) -> Response:
        launch = await run_in_threadpool(current, request)
        data = course.files.get(request.path_params["path"]) if launch is not None else None
        if data is None:
            return gone()
        media = mimetypes.guess_type(request.path_params["path"])[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/javascript", "image/svg+xml"):
            media += "; charset=utf-8"
        # The launch's credential is in the query string: no page of another origin may see it as a referrer.
        headers = {"content-type": media, "cache-control": "private, max-age=300", "referrer-policy": "same-origin"}
        return Response(data, headers=headers)

    async def learner(request: Request) -> Response:
        launch = await run_in_threadpool(current, request)
        if launch is None:
            return gone()
        return HTMLResponse(await run_in_threadpool(learner_html, launch))

    async def credential_file(request: Request) -> Response:
        def file() -> bytes | None:
            launch = current(request)
            award = course.award_of(learner_actor(launch)) if launch is not None else None
            return course.credential_files(award).get(request.path_params["name"]) if award is not None else None

        data = await run_in_threadpool(file)
        if data is None:
            return gone()
        name = request.path_params["name"]
        media = (
            "application/ld+json" if name.endswith(".jsonld") else mimetypes.guess_type(name)[0] or "application/json"
        )
        # The credential's page opens (its links to the other files are relative: this folder); the rest download.
        disposition = "inline" if name.endswith(".html") else "attachment"
        if name.endswith(".html"):
            media = "text/html; charset=utf-8"
        headers = {"content-type": media, "content-disposition": f'{disposition}; filename="{name}"'}
        return Response(data, headers=headers)

    async def report_csv(request: Request) -> Response:
        launch = await run_in_threadpool(current, request)
        if launch is None or not launch.is_instructor:
            return gone()
        text = await run_in_threadpool(instructor_csv, course, holder["tool"], launch)
        return PlainTextResponse(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="microquest-report.csv"'},
        )

    async def deep_link(request: Request) -> Response:
        launch = await run_in_threadpool(current, request)
        if launch is None or launch.message_type != DEEP_LINKING_REQUEST:
            return gone()
        body = await request.body()
        if len(body) > 64 * 1024:
            return gone()
        chosen = [value for name, value in parse_qsl(body.decode("utf-8", "replace")) if name == "item"]
        items = [item for item in (content_item(value) for value in chosen) if item is not None]
        return holder["tool"].deep_linking_page(launch, items)

    def content_item(value: str) -> dict[str, Any] | None:
        kind, _, id_ = value.partition(":")
        launch_url = holder["tool"].urls.launch
        if kind == "course":
            activities, title, custom = course.course.activities, course.course.title, {}
        elif kind == "unit" and (unit := next((u for u in course.course.units if u.id == id_), None)):
            activities, title, custom = unit.activities, f"{unit.number}. {unit.title}", {"unit": unit.id}
        elif kind == "activity" and (activity := next((a for a in course.course.activities if a.id == id_), None)):
            activities, title, custom = (activity,), f"{activity.number} {activity.title}", {"activity": activity.id}
        else:
            return None
        line_item = {"scoreMaximum": len(activities), "label": title, "resourceId": value}
        return resource_link_item(launch_url, title, custom=custom, line_item=line_item)

    host = urlsplit(public_url).hostname or "localhost"
    tokens = LaunchTokens(LtiDatabase.sharing(store.engine))
    service = LaunchGuardedService(
        store, tokens, registry.authenticate, home_page=base + "/", on_statements=course.on_statements
    )
    lrs_app = create_app(service, endpoint_path=ENDPOINT_PATH, allowed_hosts=sorted({host, *LOCAL_HOSTS}))
    routes = [
        Route(ENDPOINT_PATH + "{resource:path}", lrs_app),
        Route("/course/{launch_id}/{path:path}", course_file, methods=["GET", "HEAD"]),
        Route("/lti/learner/{launch_id}", learner, methods=["GET"]),
        Route("/lti/credential/{launch_id}/{name}", credential_file, methods=["GET"]),
        Route("/lti/report/{launch_id}.csv", report_csv, methods=["GET"]),
        Route("/lti/deep-link/{launch_id}", deep_link, methods=["POST"]),
        Route("/favicon.ico", lambda _request: Response(status_code=204), methods=["GET"]),
    ]
    app = create_lti_app(None, public_url, engine=store.engine, on_launch=on_launch, extra_routes=routes, **lti_options)
    holder["tool"] = app.state.lti
    course.attach(app.state.lti)
    app.state.course = course
    app.state.store = store
    app.state.registry = registry
    app.state.keys = keys
    app.state.provisional_issuer = provisional
    return app


def serve_course_tool(app: Starlette, listening: socket.socket, *, log_level: str = "warning") -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then close everything."""
    from xapi.lrs.local import serve_until_stopped

    serve_until_stopped(
        app, listening, log_level=log_level, lifespan="on", closing=(app.state.course.close, app.state.store.close)
    )
