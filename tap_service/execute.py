"""Run a compiled query: read-only, time-limited, streamed from the database.

`open_query` does the work that can fail because of the query (planning, the first FETCH or
COPY message) before any byte of the response is sent, so those failures still become a 4xx
DALI error document. Rows then stream batch by batch, one batch in memory at a time, from a
server-side cursor (`QueryResult`) or, for BINARY2 results, from ``COPY ... (FORMAT binary)``
(`CopyResult`). The SQL asks for MAXREC+1 rows, so overflow is detected, not guessed.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from sqlalchemy import Engine

from adql import Compiled
from tap_service.errors import (
    QueryRejected,
    QueryTimeout,
    ServiceError,
    ServiceUnavailable,
)
from tap_service.votable.pgcopy import CopyRows, describe_types, transcodable

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
#: Called with the database connection of a query before it starts, so that its owner (an
#: asynchronous job) can cancel it from another thread; it may raise to stop the query. What
#: it returns, if not None, is called when the query lets go of the connection, before the
#: connection goes back to the pool (from then on a cancel would hit someone else's query).
Release = Callable[[], None]
StartHook = Callable[["psycopg.Connection[Row]"], Release | None]


class QueryResult:
    """Rows of a running query, for the writers: iterate `batches()`, then read `overflow`."""

    def __init__(
        self,
        connection: Any,
        cursor: psycopg.Cursor[Row] | None,
        first: list[Row],
        *,
        row_limit: int | None,
        batch_size: int,
        deadline: float,
        timeout: float,
        on_release: Release | None = None,
    ) -> None:
        self._connection = connection
        self._on_release = on_release
        self._cursor = cursor
        self._first = first
        self._row_limit = row_limit
        self._batch_size = batch_size
        self._deadline = deadline
        self._timeout = timeout
        self.overflow = False
        self.rows = 0
        #: Why reading rows failed midway (writers put it in the document; jobs need it too).
        self.failure: Exception | None = None

    def batches(self) -> Iterator[Sequence[Row]]:
        try:
            yield from self._batches()
        except Exception as exc:
            self.failure = exc
            raise

    def _batches(self) -> Iterator[Sequence[Row]]:
        try:
            raw, self._first = self._first, []
            while raw:
                batch = self._take(raw)
                if batch:
                    yield batch
                if self.overflow or self._cursor is None or len(raw) < self._batch_size:
                    break
                if time.monotonic() > self._deadline:
                    raise QueryTimeout(_timeout_message(self._timeout))
                raw = _fetch(self._cursor, self._batch_size, self._timeout)
        finally:
            self.close()

    def _take(self, batch: list[Row]) -> list[Row]:
        if self._row_limit is not None and self.rows + len(batch) > self._row_limit:
            batch = batch[: self._row_limit - self.rows]
            self.overflow = True
        self.rows += len(batch)
        return batch

    def __del__(self) -> None:
        # A response whose body was never iterated (the client went away first) never runs
        # the `finally` in `batches`; release the cursor and connection here instead.
        self.close()

    def close(self) -> None:
        if getattr(self, "_connection", None) is None:
            return
        try:
            if self._cursor is not None and not self._cursor.closed:
                self._cursor.close()
            self._connection.rollback()
        except psycopg.Error:
            log.warning("could not close a query cleanly", exc_info=True)
        finally:
            if self._on_release is not None:
                self._on_release()
            self._connection.close()  # back to the pool
            self._connection = None


def open_query(
    engine: Engine,
    compiled: Compiled,
    *,
    timeout: float,
    batch_size: int,
    transcode: bool = False,
    started: StartHook | None = None,
) -> QueryResult | CopyResult:
    """Start `compiled` and fetch its first rows; failures raise `TAPError`s.

    With `transcode` (the client wants BINARY2) and result types the BINARY2 transcoder
    handles, the query runs as ``COPY ... TO STDOUT (FORMAT binary)``, which the writer turns
    into BINARY2 without building Python rows (about twice the rate; bench/stream.py).
    `started` sees the connection before the query is sent (see `StartHook`).
    """
    deadline = time.monotonic() + timeout
    if compiled.row_limit == 0:  # MAXREC=0: metadata only, the query need not run (DALI 3.4.4)
        result = QueryResult(
            None, None, [], row_limit=0, batch_size=batch_size, deadline=deadline, timeout=timeout
        )
        result.overflow = True
        return result
    try:
        connection = engine.raw_connection()
    except Exception as exc:
        raise ServiceUnavailable(f"the database is not available: {_first_line(exc)}") from exc
    driver: psycopg.Connection[Row] = connection.driver_connection  # type: ignore[assignment]
    cursor: psycopg.Cursor[Row] | None = None
    release: Release | None = None
    try:
        _begin(driver, timeout)
        if started is not None:
            release = started(driver)
        if transcode:
            copied = _open_copy(connection, driver, compiled, timeout, batch_size, release)
            if copied is not None:
                return copied
        cursor = driver.cursor(name=f"tap_{uuid.uuid4().hex[:12]}")
        cursor.execute(compiled.sql)  # type: ignore[arg-type]  # generated SQL, no user text pasted
        first = _fetch(cursor, batch_size, timeout)
    except BaseException:
        _discard(connection, cursor, release)
        raise
    return QueryResult(
        connection,
        cursor,
        first,
        row_limit=compiled.row_limit,
        batch_size=batch_size,
        deadline=deadline,
        timeout=timeout,
        on_release=release,
    )


def _begin(driver: psycopg.Connection[Row], timeout: float) -> None:
    """Read-only, time-limited; and the server stops the query if the client process dies.

    ``client_connection_check_interval`` makes PostgreSQL notice within a second that our
    end of the connection is gone (a killed service), instead of running an orphaned query
    to its end.
    """
    driver.execute("SET TRANSACTION READ ONLY")
    driver.execute(
        "SELECT set_config('statement_timeout', %s, true),"
        " set_config('client_connection_check_interval', '1000', true)",
        (f"{int(timeout * 1000)}ms",),
    )


def _open_copy(
    connection: Any,
    driver: psycopg.Connection[Row],
    compiled: Compiled,
    timeout: float,
    batch_size: int,
    release: Release | None,
) -> CopyResult | None:
    """The COPY path, or None when the result's types need the ordinary cursor."""
    try:
        pg_types = describe_types(driver, compiled.sql.encode())
    except ValueError:
        # The server refused to plan it: let the cursor path raise the precise error.
        driver.rollback()
        _begin(driver, timeout)
        return None
    if not transcodable(compiled.columns, pg_types):
        return None
    cursor = driver.cursor()
    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(sql.SQL(compiled.sql))  # type: ignore[arg-type]
    copy_block = cursor.copy(statement)
    try:
        with translated_errors(timeout):
            copy = copy_block.__enter__()  # holds the connection's lock until __exit__
            messages = iter(copy)
            first = list(itertools.islice(messages, 1))  # runs the query: errors surface now
    except BaseException as exc:
        with contextlib.suppress(Exception):
            copy_block.__exit__(type(exc), exc, exc.__traceback__)
        with contextlib.suppress(psycopg.Error):
            cursor.close()
        raise
    return CopyResult(
        connection,
        cursor,
        copy_block,
        itertools.chain(first, messages),
        pg_types,
        row_limit=compiled.row_limit,
        batch_size=batch_size,
        timeout=timeout,
        on_release=release,
    )


class CopyResult:
    """Raw COPY BINARY rows of a running query (a `votable.CopySource`) and their cleanup."""

    def __init__(
        self,
        connection: Any,
        cursor: psycopg.Cursor[Row],
        copy_block: Any,
        messages: Iterator[bytes | memoryview],
        pg_types: Sequence[int],
        *,
        row_limit: int | None,
        batch_size: int,
        timeout: float,
        on_release: Release | None = None,
    ) -> None:
        self._connection = connection
        self._on_release = on_release
        self._cursor = cursor
        self._copy_block = copy_block
        self._rows = CopyRows(messages, pg_types, batch_size=batch_size, row_limit=row_limit)
        self._timeout = timeout
        #: Why reading rows failed midway (see `QueryResult.failure`).
        self.failure: Exception | None = None

    @property
    def pg_types(self) -> Sequence[int]:
        return self._rows.pg_types

    @property
    def overflow(self) -> bool:
        return self._rows.overflow

    def copy_batches(self) -> Iterator[Sequence[bytes | memoryview]]:
        try:
            with translated_errors(self._timeout):
                yield from self._rows.copy_batches()
        except Exception as exc:
            self.failure = exc
            raise
        finally:
            self.close()

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "_connection", None) is None:
            return
        connection, self._connection = self._connection, None
        try:
            # Leaving the COPY early cancels it on the server and drains what was sent.
            with contextlib.suppress(psycopg.Error):
                self._copy_block.__exit__(None, None, None)
            with contextlib.suppress(psycopg.Error):
                self._cursor.close()
            connection.rollback()
        except psycopg.Error:
            log.warning("could not close a COPY cleanly", exc_info=True)
        finally:
            if self._on_release is not None:
                self._on_release()
            connection.close()


def _discard(
    connection: Any, cursor: psycopg.Cursor[Row] | None, release: Release | None = None
) -> None:
    """Give a failed query's connection back to the pool clean."""
    try:
        if cursor is not None:
            with contextlib.suppress(psycopg.Error):
                cursor.close()
        connection.rollback()
    except psycopg.Error:
        log.warning("could not roll back a failed query", exc_info=True)
    finally:
        if release is not None:
            release()
        connection.close()


def _fetch(cursor: psycopg.Cursor[Row], size: int, timeout: float) -> list[Row]:
    with translated_errors(timeout):
        return cursor.fetchmany(size)


@contextlib.contextmanager
def translated_errors(timeout: float) -> Iterator[None]:
    """Database errors met while running a query, as the `TAPError` a user should see."""
    try:
        yield
    except pg_errors.QueryCanceled as exc:
        raise QueryTimeout(_timeout_message(timeout)) from exc
    except (pg_errors.DataError, pg_errors.InvalidParameterValue) as exc:
        # Caused by values in the query: division by zero, a bad cast, out-of-range numbers.
        raise QueryRejected(
            f"the database could not evaluate the query: {_first_line(exc)}"
        ) from exc
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable(f"the database connection failed: {_first_line(exc)}") from exc
    except psycopg.Error as exc:
        log.error("query failed in the database: %s", exc, exc_info=True)
        raise ServiceError(f"the database failed to run the query: {_first_line(exc)}") from exc


def _timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than the {timeout:g} s limit for synchronous queries; "
        "narrow it (TOP, WHERE on indexed columns) or run it asynchronously"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
