"""The HTTP handlers of the TAP resources (sync queries, VOSI, examples, the landing page).

Thin: each reads its request, asks the `Service` (on `app.state.service`) and writes a
response. Errors are raised as `TAPError`s and become responses in `tap_service.app`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from html import escape
from typing import TYPE_CHECKING

import anyio
import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse

from tap_service import examples, forms, query, vosi
from tap_service.admission import SMALL_BYTES, Ticket
from tap_service.errors import NotFound
from tap_service.params import collect, parse_tap_request
from tap_service.uploads.parts import file_parts
from tap_service.urls import base_url, service_of

if TYPE_CHECKING:
    from tap_service.service import Service

XML = "text/xml; charset=UTF-8"


async def sync_query(request: Request) -> Response:
    service = service_of(request)
    parts: dict[str, bytes] = {}
    if request.method == "POST":  # the file parts first: read, their temporary files closed
        parts = await file_parts(
            await forms.read_form(request, service.settings), service.settings.upload_limit
        )
    items = await forms.parameters(request, service.settings)
    tap_request = parse_tap_request(collect(items), service.settings)
    admitted = contextlib.AsyncExitStack()
    ticket = await admitted.enter_async_context(service.admission.admitted())
    try:
        context = await run_in_threadpool(
            service.query_context,
            tap_request,
            service.settings.sync_timeout,
            base_url(request),
            parts,
        )
        started = await run_in_threadpool(query.answer, context, tap_request)
    except BaseException:
        await admitted.aclose()
        raise
    body = _streamed(started, ticket, admitted)
    return StreamingResponse(body, media_type=started.content_type)


async def _streamed(
    answer: query.Answer, ticket: Ticket, admitted: contextlib.AsyncExitStack
) -> AsyncIterator[bytes]:
    """The body, produced in worker threads; the query is released even if the client leaves.

    A body that grows past `admission.SMALL_BYTES` moves to an extraction slot, so that small
    queries keep theirs. When a client disconnects mid-stream the response task is
    cancelled; the cursor and the connection go back at once (shielded from the
    cancellation) instead of whenever the abandoned generator happens to be collected.
    """
    sent = 0
    chunks = _ahead(answer.body)
    try:
        async for chunk in chunks:
            yield chunk
            sent += len(chunk)
            if sent > SMALL_BYTES and not ticket.promoted:
                await ticket.promote()
            await ticket.pace()
    finally:
        with anyio.CancelScope(shield=True):
            await chunks.aclose()  # waits for the chunk a worker thread is making
            await run_in_threadpool(answer.close)
            await admitted.aclose()


async def _ahead(chunks: Iterator[bytes]) -> AsyncGenerator[bytes, None]:
    """`chunks`, each made in a worker thread while the one before is being sent.

    Why: `iterate_in_threadpool` asks for the next chunk only once the last one is sent, so
    encoding and sending took turns. The chunk being made when the consumer stops is waited
    for (shielded) before this generator ends: the body must not be closed, nor its query
    released, while a worker thread is still inside it.
    """
    pending = asyncio.ensure_future(run_in_threadpool(next, chunks, None))
    try:
        while (chunk := await pending) is not None:
            pending = asyncio.ensure_future(run_in_threadpool(next, chunks, None))
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # retrieved: an abandoned chunk's failure is not news


async def capabilities(request: Request) -> Response:
    return Response(vosi.capabilities(base_url(request), service_of(request)), media_type=XML)


async def availability(request: Request) -> Response:
    service = service_of(request)
    try:
        await run_in_threadpool(_ping, service.engine)
        available, note = True, "the service is accepting queries"
    except sa.exc.SQLAlchemyError as exc:
        available, note = False, f"the database is not reachable: {str(exc).splitlines()[0]}"
    body = vosi.availability(available, service.up_since, note)
    return Response(body, media_type=XML)


def _ping(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


async def tables(request: Request) -> Response:
    detail = request.query_params.get("detail", "max").lower() != "min"
    publication = service_of(request).publication
    return Response(vosi.tableset(publication, detail=detail), media_type=XML)


async def table(request: Request) -> Response:
    name = request.path_params["name"]
    found = service_of(request).publication.table(name)
    if found is None:
        raise NotFound(f"no table {name!r}; the published tables are listed at /tap/tables")
    return Response(vosi.table(found), media_type=XML)


async def examples_page(request: Request) -> Response:
    return Response(
        examples.render(base_url(request)), media_type="application/xhtml+xml; charset=UTF-8"
    )


async def landing(request: Request) -> Response:
    base = base_url(request)
    return HTMLResponse(landing_page(base, service_of(request)))


def landing_page(base: str, service: Service) -> str:
    """A page for people who open the TAP URL in a browser: what it is and its resources."""
    links = "".join(
        f'<li><a href="{escape(e.url(base))}">{escape(e.path.strip("/") or e.url(base))}</a>: '
        f"{escape(e.title)}</li>"
        for e in service.endpoints
        if e.title is not None
    )
    return (
        f"<!DOCTYPE html><html><head><title>lcdb-tap</title></head><body>"
        f"<h1>lcdb-tap: TAP service</h1><p>Point TOPCAT or pyvo at <code>{escape(base)}</code>."
        f"</p><ul>{links}</ul></body></html>"
    )
