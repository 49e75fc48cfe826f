"""One path from a parsed TAP request to the bytes of its result, for /sync and async jobs.

`answer` compiles the ADQL, starts the query (read-only, time-limited) and returns the
result document as a stream of chunks in the requested format. The sync endpoint sends the
stream as the response; an asynchronous job writes it to its result file. Both therefore
apply the same checks, limits, metadata and writers, and differ only in the time limit and
in where the bytes go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine

import adql
from tap_service import results, votable
from tap_service.errors import QueryError
from tap_service.execute import CopyResult, QueryResult, StartHook, open_query
from tap_service.params import TapRequest


@dataclass
class Answer:
    """A started query: the response's Content-Type and body, and the query to release."""

    content_type: str
    body: Iterator[bytes]
    result: QueryResult | CopyResult

    @property
    def failure(self) -> Exception | None:
        """Why the rows stopped early, once `body` is consumed (the document then says so)."""
        return self.result.failure

    def close(self) -> None:
        self.result.close()


def compile_request(request: TapRequest, catalog: adql.Catalog) -> adql.Compiled:
    try:
        return adql.compile(request.query, catalog, maxrec=request.maxrec)
    except adql.ADQLError as exc:
        raise QueryError.from_adql(exc) from exc


def answer(
    engine: Engine,
    catalog: adql.Catalog,
    request: TapRequest,
    *,
    timeout: float,
    batch_size: int,
    started: StartHook | None = None,
) -> Answer:
    """Start `request`'s query; errors before the first row raise `TAPError`s (blocking)."""
    compiled = compile_request(request, catalog)
    result = open_query(
        engine,
        compiled,
        timeout=timeout,
        batch_size=batch_size,
        transcode=request.output.writer is votable.write_binary2,
        started=started,
    )
    body = results.write(request, compiled, result)
    return Answer(results.content_type(request), body, result)
