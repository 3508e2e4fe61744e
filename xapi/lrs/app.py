"""The LRS as an ASGI application (Starlette): HTTP in, XapiService.handle, HTTP out.

- `/xapi/<resource>`: the xAPI resources (service.py). Bodies above `max_body` bytes → 413.
- `/health`: 200 "ok" when the database answers (for a load balancer), else 503.
- Cross-origin requests are allowed from any origin, with the xAPI headers, because the
  packages run in the LMS's origin and send to the LRS's (no cookies are involved: the
  credentials are the Authorization value each launch gets).
- Only requests for the hosts it serves are answered (`allowed_hosts`), so a page on
  another site cannot reach a local LRS through DNS rebinding.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from .service import XapiRequest, XapiService, error_answer

MAX_BODY = 32 * 1024 * 1024
XAPI_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-Experience-API-Version",
    "If-Match",
    "If-None-Match",
    "Accept-Language",
]
EXPOSED_HEADERS = ["ETag", "Last-Modified", "X-Experience-API-Version", "X-Experience-API-Consistent-Through"]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def create_app(
    service: XapiService,
    *,
    endpoint_path: str = "/xapi/",
    allowed_hosts: Sequence[str] = LOCAL_HOSTS,
    max_body: int = MAX_BODY,
) -> Starlette:
    """The ASGI app of one LRS (see the module docstring)."""
    endpoint_path = "/" + endpoint_path.strip("/") + "/"

    async def xapi(request: Request) -> Response:
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > max_body:
                    return _response(error_answer(413, f"the request is larger than {max_body} bytes"))
        except ClientDisconnect:
            return Response(status_code=400)
        xapi_request = XapiRequest.from_query(
            request.method,
            request.path_params["resource"],
            request.url.query,
            dict(request.headers),
            bytes(body),
            endpoint_path,
        )
        return _response(await run_in_threadpool(service.handle, xapi_request))

    async def health(_request: Request) -> Response:
        def database_answers() -> bool:
            try:
                with service.store.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - any failure means "not healthy", said as 503
                return False

        healthy = await run_in_threadpool(database_answers)
        return PlainTextResponse("ok" if healthy else "database unavailable", status_code=200 if healthy else 503)

    async def not_found(_request: Request) -> Response:
        return JSONResponse({"error": {"status": 404, "message": f"the xAPI endpoint is {endpoint_path}"}}, 404)

    routes = [
        Route(endpoint_path + "{resource:path}", xapi, methods=["GET", "HEAD", "PUT", "POST", "DELETE"]),
        Route("/health", health, methods=["GET", "HEAD"]),
        Route("/{anything:path}", not_found),
    ]
    middleware = [
        Middleware(
            TrustedHostMiddleware, allowed_hosts=[host.strip("[]") for host in allowed_hosts] + list(allowed_hosts)
        ),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "PUT", "POST", "DELETE"],
            allow_headers=XAPI_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        ),
    ]
    return Starlette(routes=routes, middleware=middleware)


def _response(answer) -> Response:  # noqa: ANN001 - XapiAnswer
    # The Content-Type as it is (a document's own, stored one): Starlette's media_type would add a charset.
    response = Response(answer.body, status_code=answer.status)
    if answer.content_type:
        response.headers["content-type"] = answer.content_type
    for name, value in answer.headers:
        if name.lower() == "content-length":
            response.headers["content-length"] = value
        else:
            response.headers.append(name, value)
    return response
