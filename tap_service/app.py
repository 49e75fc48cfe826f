"""The Starlette application: routes, the one place errors become responses, and the lifespan.

State (engine, published schema, ADQL catalogue) lives on `app.state`, built from the
`Settings` passed to `create_app`; nothing is global.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

import anyio
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcdb import migrate
from lcdb.db import create_engine
from tap_service import examples, query, results, vosi
from tap_service.errors import NotFound, PhaseConflict, ServiceUnavailable, TAPError
from tap_service.params import collect, parse_tap_request
from tap_service.settings import Settings
from tap_service.tap_schema import PublishedSchema, sync
from tap_service.urls import base_url
from tap_service.uws.changes import Changes
from tap_service.uws.routes import ROUTES as ASYNC_ROUTES
from tap_service.uws.runner import Runner

log = logging.getLogger(__name__)

XML = "text/xml; charset=UTF-8"


def _version() -> str:
    try:
        return version("lcdb-tap")
    except PackageNotFoundError:
        return "0"


SERVER = f"lcdb-tap/{_version()}"


def create_app(settings: Settings, database_url: str) -> Starlette:
    """The TAP service over the database at `database_url` (already at the latest schema)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(database_url, pool_size=5, max_overflow=10, pool_pre_ping=True)
        current = migrate.current(database_url)
        if current != migrate.head():
            engine.dispose()
            raise ServiceUnavailable(
                f"the database schema is at {current or 'nothing'}, not {migrate.head()}: "
                "run `lcdb-tap db upgrade`"
            )
        published = PublishedSchema.build()
        with engine.begin() as conn:
            sync(conn, published)
        app.state.engine = engine
        app.state.published = published
        app.state.catalog = published.catalog()
        app.state.up_since = dt.datetime.now(dt.UTC)
        app.state.changes = changes = Changes()
        runner = Runner(engine, app.state.catalog, settings, changes.threadsafe_fire)
        app.state.runner = runner
        await run_in_threadpool(runner.start)
        try:
            yield
        finally:
            await run_in_threadpool(runner.stop)
            engine.dispose()

    routes = [
        Route("/tap", landing),
        Route("/tap/sync", sync_query, methods=["GET", "POST"]),
        Route("/tap/capabilities", capabilities),
        Route("/tap/availability", availability),
        Route("/tap/tables", tables),
        Route("/tap/tables/{name:path}", table),
        Route("/tap/examples", examples_page),
        *ASYNC_ROUTES,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={TAPError: tap_error, Exception: unexpected_error},
    )
    app.state.settings = settings
    app.add_middleware(ServerHeader)
    return app


# -- routes ------------------------------------------------------------------------------------


async def sync_query(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        form = await request.form()
        items += list(form.multi_items())
    tap_request = parse_tap_request(collect(items), settings)
    started = await run_in_threadpool(
        query.answer,
        request.app.state.engine,
        request.app.state.catalog,
        tap_request,
        timeout=settings.sync_timeout,
        batch_size=settings.batch_size,
    )
    return StreamingResponse(_streamed(started), media_type=started.content_type)


async def _streamed(answer: query.Answer) -> AsyncIterator[bytes]:
    """The body, produced in worker threads; the query is released even if the client leaves.

    When a client disconnects mid-stream the response task is cancelled; the cursor and the
    connection go back at once (shielded from the cancellation) instead of whenever the
    abandoned generator happens to be garbage-collected.
    """
    try:
        async for chunk in iterate_in_threadpool(answer.body):
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(answer.close)


async def capabilities(request: Request) -> Response:
    return Response(
        vosi.capabilities(base_url(request), request.app.state.settings), media_type=XML
    )


async def availability(request: Request) -> Response:
    engine: sa.Engine = request.app.state.engine
    try:
        await run_in_threadpool(_ping, engine)
        available, note = True, "the service is accepting queries"
    except sa.exc.SQLAlchemyError as exc:
        available, note = False, f"the database is not reachable: {str(exc).splitlines()[0]}"
    body = vosi.availability(available, request.app.state.up_since, note)
    return Response(body, media_type=XML)


def _ping(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


async def tables(request: Request) -> Response:
    detail = request.query_params.get("detail", "max").lower() != "min"
    return Response(vosi.tableset(request.app.state.published, detail=detail), media_type=XML)


async def table(request: Request) -> Response:
    name = request.path_params["name"]
    published: PublishedSchema = request.app.state.published
    for candidate in published.tables:
        if candidate.qualified_name.lower() == name.lower():
            return Response(vosi.table(candidate), media_type=XML)
    raise NotFound(f"no table {name!r}; the published tables are listed at /tap/tables")


async def examples_page(request: Request) -> Response:
    return Response(
        examples.render(base_url(request)), media_type="application/xhtml+xml; charset=UTF-8"
    )


async def landing(request: Request) -> Response:
    base = base_url(request)
    links = "".join(
        f'<li><a href="{base}/{path}">{path}</a></li>'
        for path in ("capabilities", "availability", "tables", "examples", "async")
    )
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><title>lcdb-tap</title></head><body>"
        f"<h1>lcdb-tap: TAP service</h1><p>Point TOPCAT or pyvo at <code>{base}</code>. "
        f"Queries run synchronously at <code>{base}/sync</code> or as jobs (UWS 1.1) at "
        f"<code>{base}/async</code>.</p>"
        f"<ul>{links}</ul></body></html>"
    )


# -- errors: the one place exceptions become responses -------------------------------------------


async def tap_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TAPError)
    if isinstance(exc, NotFound | PhaseConflict) and not request.url.path.endswith("/sync"):
        # UWS and VOSI resources answer these in plain text (UWS 1.1 §2.2)
        return Response(exc.message, status_code=exc.status, media_type="text/plain; charset=UTF-8")
    return Response(
        results.error_document(exc.message), status_code=exc.status, media_type=results.VOTABLE_MIME
    )


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error serving %s", request.url.path)
    message = (
        f"internal error of the service ({type(exc).__name__}); this is a bug, please report it"
    )
    return Response(
        results.error_document(message), status_code=500, media_type=results.VOTABLE_MIME
    )


class ServerHeader:
    """Names the software in a `Server` header (taplint W_SVR0; IVOA SoftID note)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers.append((b"server", SERVER.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_header)
