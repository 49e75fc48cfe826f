"""The Starlette application: the service's routes, the one place errors become responses,
and the lifespan that starts and stops the service.

Everything the service is made of is assembled by `Service` (`tap_service.service`), kept on
`app.state.service`; nothing is global.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tap_service import endpoints, results
from tap_service.endpoints import ROOT
from tap_service.errors import NotFound, PhaseConflict, ServiceUnavailable, TAPError
from tap_service.outage import LOST, unavailable
from tap_service.service import Service
from tap_service.settings import Settings

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("lcdb-tap")
    except PackageNotFoundError:
        return "0"


SERVER = f"lcdb-tap/{_version()}"


def create_app(
    settings: Settings, database_url: str, *, service: Service | None = None
) -> Starlette:
    """The TAP service over the database at `database_url` (already at the latest schema).

    `service` replaces the default assembly (tests and tools that add publishers or a
    dialect); it must be built from the same settings and URL.
    """
    assembled = Service(settings, database_url) if service is None else service

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await assembled.start()
        try:
            yield
        finally:
            await assembled.stop()

    app = Starlette(
        routes=endpoints.routes(assembled.endpoints),
        lifespan=lifespan,
        exception_handlers={
            TAPError: tap_error,
            **{lost: lost_database for lost in LOST},
            Exception: unexpected_error,
        },
    )
    app.state.service = assembled
    app.add_middleware(ServerHeader)
    return app


# -- errors: the one place exceptions become responses -------------------------------------------


async def tap_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TAPError)
    path = request.url.path
    dali = path.endswith("/sync") or path.startswith(f"{ROOT}/datalink")
    if isinstance(exc, NotFound | PhaseConflict) and not dali:
        # UWS and VOSI resources answer these in plain text (UWS 1.1 §2.2); sync queries and
        # DataLink's documents with DALI error documents
        return Response(exc.message, status_code=exc.status, media_type=results.TEXT)
    response = results.error_response(exc.message, exc.status)
    if isinstance(exc, ServiceUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def lost_database(request: Request, exc: Exception) -> Response:
    """Any request the database went away under: 503, saying so (never a 500)."""
    found = unavailable(exc)
    if found is None:  # a subclass that is no outage after all
        return await unexpected_error(request, exc)
    log.warning("%s: %s", request.url.path, found.message)
    return await tap_error(request, found)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error serving %s", request.url.path)
    message = (
        f"internal error of the service ({type(exc).__name__}); this is a bug, please report it"
    )
    return results.error_response(message, 500)


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
