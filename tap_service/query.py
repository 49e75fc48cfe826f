"""One path from a parsed TAP request to the bytes of its result, for /sync and async jobs.

`answer` compiles the ADQL, starts the query (read-only, time-limited) and returns the
result document as a stream of chunks in the requested format. The sync endpoint sends the
stream as the response; an asynchronous job writes it to its result file. Both get their
`QueryContext` from the service (`Service.query_context`) and therefore apply the same
catalogue, translation, checks, limits, metadata and writers; they differ only in the time
limit and in where the bytes go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine

import adql
from tap_service import results
from tap_service.dialect import Dialect
from tap_service.execute import QueryResult, SessionStep, StartHook, open_query
from tap_service.params import TapRequest


@dataclass(frozen=True)
class QueryContext:
    """What one query runs with: where names resolve, how ADQL is translated, its limits,
    and what its database session needs before the query (e.g. the tables of an upload)."""

    engine: Engine
    catalog: adql.Catalog
    dialect: Dialect
    timeout: float
    batch_size: int
    setup: tuple[SessionStep, ...] = ()
    #: The service's URL as the client reached it (…/tap): links in results are made with it.
    service_url: str | None = None


@dataclass
class Answer:
    """A started query: the response's Content-Type and body, and the query to release."""

    content_type: str
    body: Iterator[bytes]
    result: QueryResult

    @property
    def failure(self) -> Exception | None:
        """Why the rows stopped early, once `body` is consumed (the document then says so)."""
        return self.result.failure

    def close(self) -> None:
        self.result.close()


def answer(
    context: QueryContext, request: TapRequest, *, started: StartHook | None = None
) -> Answer:
    """Start `request`'s query; errors before the first row raise `TAPError`s (blocking)."""
    compiled = context.dialect.compile(request.query, context.catalog, maxrec=request.maxrec)
    result = open_query(
        context.engine,
        compiled,
        timeout=context.timeout,
        batch_size=context.batch_size,
        copy=request.output.copy_plan,
        setup=context.setup,
        started=started,
    )
    body = results.write(request, compiled, result, service_url=context.service_url)
    return Answer(results.content_type(request), body, result)
