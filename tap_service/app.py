"""The Starlette application: routes, the one place errors become responses, and the lifespan.

State (engine, published schema, ADQL catalogue) lives on `app.state`, built from the
`Settings` passed to `create_app`; nothing is global.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from importlib.metadata import PackageNotFoundError, version

import anyio
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import adql
from lcdb import migrate
from lcdb.db import create_engine
from tap_service import examples, results, vosi, votable
from tap_service.errors import NotFound, QueryError, ServiceUnavailable, TAPError
from tap_service.execute import CopyResult, QueryResult, open_query
from tap_service.params import collect, parse_tap_request
from tap_service.settings import Settings
from tap_service.tap_schema import PublishedSchema, sync

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
        try:
            yield
        finally:
            engine.dispose()

    routes = [
        Route("/tap", landing),
        Route("/tap/sync", sync_query, methods=["GET", "POST"]),
        Route("/tap/capabilities", capabilities),
        Route("/tap/availability", availability),
        Route("/tap/tables", tables),
        Route("/tap/tables/{name:path}", table),
        Route("/tap/examples", examples_page),
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


def base_url(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if settings.base_url:
        return settings.base_url
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}/tap"


async def sync_query(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        form = await request.form()
        items += list(form.multi_items())
    tap_request = parse_tap_request(collect(items), settings)
    try:
        compiled = adql.compile(
            tap_request.query, request.app.state.catalog, maxrec=tap_request.maxrec
        )
    except adql.ADQLError as exc:
        raise QueryError.from_adql(exc) from exc
    result = await run_in_threadpool(
        open_query,
        request.app.state.engine,
        compiled,
        timeout=settings.sync_timeout,
        batch_size=settings.batch_size,
        transcode=tap_request.output.writer is votable.write_binary2,
    )
    body = results.write(tap_request, compiled, result)
    return StreamingResponse(_streamed(body, result), media_type=results.content_type(tap_request))


async def _streamed(
    body: Iterator[bytes], result: QueryResult | CopyResult
) -> AsyncIterator[bytes]:
    """The body, produced in worker threads; the query is released even if the client leaves.

    When a client disconnects mid-stream the response task is cancelled; the cursor and the
    connection go back at once (shielded from the cancellation) instead of whenever the
    abandoned generator happens to be garbage-collected.
    """
    try:
        async for chunk in iterate_in_threadpool(body):
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(result.close)


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
        for path in ("capabilities", "availability", "tables", "examples")
    )
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><title>lcdb-tap</title></head><body>"
        f"<h1>lcdb-tap: TAP service</h1><p>Point TOPCAT or pyvo at <code>{base}</code>.</p>"
        f"<ul>{links}</ul></body></html>"
    )


# -- errors: the one place exceptions become responses -------------------------------------------


async def tap_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TAPError)
    if isinstance(exc, NotFound) and not request.url.path.endswith("/sync"):
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
