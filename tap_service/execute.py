"""Run a compiled query: read-only, time-limited, streamed from the database.

`open_query` does the work that can fail because of the query (planning, the first FETCH or
COPY message) before any byte of the response is sent, so those failures still become a 4xx
DALI error document. It also decides, in this one place, where the rows come from: when the
output format has a `votable.CopyPlan` and every result column's type allows it, from the
plan's ``COPY ... TO STDOUT`` (`CopiedRows`, a `votable.CopySource`); otherwise from a
server-side cursor (`CursorRows`, a `votable.RowSource`). Either way one `QueryResult` owns
the pooled connection and gives it back exactly once. Rows stream batch by batch, one batch in
memory at a time. The SQL asks for MAXREC+1 rows, so overflow is detected, not guessed.
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
from psycopg.types.string import TextLoader
from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

from adql import Compiled
from tap_service.copyout import CopyOut
from tap_service.errors import QueryRejected, QueryTimeout, ServiceError, ServiceUnavailable
from tap_service.prefetch import Prefetched
from tap_service.votable.copybatch import CopyBatch
from tap_service.votable.copycasts import BINARY_COPY
from tap_service.votable.copyplan import CopyPlan
from tap_service.votable.pgcopy import CopyRows, describe_types, uniform_tuple_size

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
Driver = psycopg.Connection[Row]
#: Called with the database connection of a query before it starts, so that its owner (an
#: asynchronous job) can cancel it from another thread; it may raise to stop the query. What
#: it returns, if not None, is called when the query lets go of the connection, before the
#: connection goes back to the pool (from then on a cancel would hit someone else's query).
Release = Callable[[], None]
StartHook = Callable[[Driver], Release | None]
#: Prepares a query's session inside its transaction while it may still write (e.g. creates
#: and fills the tables of a TAP upload); the transaction turns read-only after the steps.
SessionStep = Callable[[Driver], None]


class QueryResult:
    """A started query: where its rows come from (`source`) and the connection they use.

    The connection goes back to the pool when the rows have been read, when reading them
    failed (`failure` says why, for the writers and for jobs), or at `close`, whichever
    comes first.
    """

    def __init__(self, connection: PoolProxiedConnection | None, timeout: float) -> None:
        self._connection = connection
        self._timeout = timeout
        self._cleanups: list[Callable[[], object]] = []
        self.release: Release | None = None
        self.source: CursorRows | CopiedRows = CursorRows.empty(self)
        #: Why reading rows failed midway (writers put it in the document; jobs need it too).
        self.failure: Exception | None = None

    @property
    def overflow(self) -> bool:
        return self.source.overflow

    def on_close(self, cleanup: Callable[[], object]) -> None:
        """Run `cleanup` (closing a cursor, ending a COPY) before the connection is returned."""
        self._cleanups.append(cleanup)

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Around reading the rows: database errors as `TAPError`s, recorded; then release."""
        try:
            with translated_errors(self._timeout):
                yield
        except Exception as exc:
            self.failure = exc
            raise
        finally:
            self.close()

    def __del__(self) -> None:
        # A response whose body was never iterated (the client went away first) never reaches
        # the `finally` in `reading`; release the cursor and connection here instead.
        self.close()

    def close(self) -> None:
        connection, self._connection = getattr(self, "_connection", None), None
        if connection is None:
            return
        driver: Driver = connection.driver_connection
        try:
            for cleanup in reversed(self._cleanups):
                with contextlib.suppress(psycopg.Error):
                    cleanup()
            connection.rollback()
        except psycopg.Error:
            if not driver.broken:
                log.warning("could not close a query cleanly", exc_info=True)
        finally:
            if self.release is not None:
                self.release()
            if driver.broken:  # the database went away: never hand this one out again
                connection.invalidate()
            else:
                connection.close()  # back to the pool


class CursorRows:
    """Rows fetched from a server-side cursor, at most `row_limit` of them (a `RowSource`)."""

    def __init__(
        self,
        result: QueryResult,
        cursor: psycopg.Cursor[Row] | None,
        first: list[Row],
        *,
        row_limit: int | None,
        batch_size: int,
        deadline: float,
        timeout: float,
    ) -> None:
        self._result = result
        self._cursor = cursor
        self._first = first
        self._row_limit = row_limit
        self._batch_size = batch_size
        self._deadline = deadline
        self._timeout = timeout
        self.overflow = False
        self.rows = 0

    @classmethod
    def empty(cls, result: QueryResult, *, overflow: bool = False) -> CursorRows:
        rows = cls(result, None, [], row_limit=0, batch_size=1, deadline=0.0, timeout=0.0)
        rows.overflow = overflow
        return rows

    def batches(self) -> Iterator[Sequence[Row]]:
        with self._result.reading():
            raw, self._first = self._first, []
            asked = min(self._batch_size, FIRST_BATCH)
            size = _batch_rows(raw[0], self._batch_size) if raw else self._batch_size
            while raw:
                batch = self._take(raw)
                if batch:
                    yield batch
                if self.overflow or self._cursor is None or len(raw) < asked:
                    break
                if time.monotonic() > self._deadline:
                    raise QueryTimeout(_timeout_message(self._timeout))
                asked = size
                raw = self._cursor.fetchmany(size)

    def _take(self, batch: list[Row]) -> list[Row]:
        if self._row_limit is not None and self.rows + len(batch) > self._row_limit:
            batch = batch[: self._row_limit - self.rows]
            self.overflow = True
        self.rows += len(batch)
        return batch


class CopiedRows:
    """Raw COPY messages of the query (binary tuples or text lines) and its column types
    (a `CopySource`)."""

    def __init__(
        self, result: QueryResult, rows: CopyRows, interrupt: Callable[[], object] | None = None
    ) -> None:
        self._result = result
        self._rows = rows
        self._interrupt = interrupt

    @property
    def pg_types(self) -> Sequence[int]:
        return self._rows.pg_types

    @property
    def overflow(self) -> bool:
        return self._rows.overflow

    def copy_batches(self) -> Iterator[CopyBatch]:
        """The batches; past `PREFETCH_AFTER` rows, read ahead in a thread of their own
        (`Prefetched`). A small result is read here, without a thread."""
        with self._result.reading():
            batches = self._rows.copy_batches()
            for batch in batches:
                yield batch
                if self._rows.rows >= PREFETCH_AFTER:
                    break
            else:
                return
            rest = Prefetched(batches, interrupt=self._interrupt, name="copy-reader")
            try:
                yield from rest
            finally:
                rest.close()


#: Rows of a COPY read before the rest is read ahead in a thread (`CopiedRows`).
PREFETCH_AFTER = 10_000
#: Rows of the first fetch: enough for most results whole, and quick to the first byte.
FIRST_BATCH = 1000
#: Values (array elements count one each) a batch of rows may hold: 10,000 rows of two
#: 100-element arrays are 2M Python floats, about 80 MB per streaming query, which made
#: the server's memory grow by a gigabyte under load (bench/load.py).
BATCH_VALUES = 200_000


def _batch_rows(row: Row, most: int) -> int:
    """Rows per fetch for rows like `row`: as many as fit `BATCH_VALUES`, at most `most`."""
    values = sum(len(v) if isinstance(v, list | tuple) else 1 for v in row)
    return min(most, max(100, BATCH_VALUES // max(values, 1)))


def open_query(
    engine: Engine,
    compiled: Compiled,
    *,
    timeout: float,
    batch_size: int,
    copy: CopyPlan | bool | None = None,
    setup: Sequence[SessionStep] = (),
    started: StartHook | None = None,
) -> QueryResult:
    """Start `compiled` and fetch its first rows; failures raise `TAPError`s.

    With `copy`, the output format's `CopyPlan` (True: COPY BINARY for the BINARY2
    transcoder), and result types the plan accepts, the query runs as the plan's ``COPY ...
    TO STDOUT``, several times the rate of a cursor (bench/stream_http.py). `setup` runs
    first, in the query's transaction before it turns read-only; `started` sees the
    connection before the query is sent (see `StartHook`).
    """
    deadline = time.monotonic() + timeout
    if compiled.row_limit == 0:  # MAXREC=0: metadata only, the query need not run (DALI 3.4.4)
        result = QueryResult(None, timeout)
        result.source = CursorRows.empty(result, overflow=True)
        return result
    try:
        connection = engine.raw_connection()
    except Exception as exc:
        raise ServiceUnavailable(f"the database is not available: {_first_line(exc)}") from exc
    result = QueryResult(connection, timeout)
    driver: Driver = connection.driver_connection  # type: ignore[assignment]  # psycopg 3
    try:
        with translated_errors(timeout):
            _begin(driver, timeout, setup)
        if started is not None:
            result.release = started(driver)
        plan = BINARY_COPY if copy is True else copy or None
        copied = None
        if plan is not None:
            with translated_errors(timeout):  # the connection may die while types are read
                copied = _copied(result, driver, compiled, timeout, setup, batch_size, plan)
        if copied is not None:
            result.source = copied
        else:
            cursor = driver.cursor(name=f"tap_{uuid.uuid4().hex[:12]}")
            json_as_text(cursor)
            result.on_close(cursor.close)
            with translated_errors(timeout):
                cursor.execute(compiled.sql)  # generated SQL: no user text is pasted in
                first = cursor.fetchmany(min(batch_size, FIRST_BATCH))
            result.source = CursorRows(
                result,
                cursor,
                first,
                row_limit=compiled.row_limit,
                batch_size=batch_size,
                deadline=deadline,
                timeout=timeout,
            )
    except BaseException:
        result.close()
        raise
    return result


def json_as_text(owner: psycopg.Cursor[Any] | psycopg.Connection[Any]) -> None:
    """Read json and jsonb cells as their text: what a result publishes is the JSON itself
    (PostgreSQL's spelling, as COPY sends it), not Python's repr of the parsed value."""
    for name in ("json", "jsonb"):
        owner.adapters.register_loader(name, TextLoader)


def _begin(driver: Driver, timeout: float, setup: Sequence[SessionStep]) -> None:
    """Session steps, then read-only and time-limited; and the server stops the query if the
    client process dies.

    ``client_connection_check_interval`` makes PostgreSQL notice within a second that our
    end of the connection is gone (a killed service), instead of running an orphaned query
    to its end. JIT is off: compiling the inlined geometry expressions cost more than it
    saved in every query measured (a 10k x 10M crossmatch: 503 ms with JIT, 64 ms without;
    bench/geometry.py).
    """
    for step in setup:
        step(driver)
    driver.execute("SET TRANSACTION READ ONLY")
    driver.execute(
        "SELECT set_config('statement_timeout', %s, true),"
        " set_config('client_connection_check_interval', '1000', true),"
        " set_config('jit', 'off', true)",
        (f"{int(timeout * 1000)}ms",),
    )


def _copied(
    result: QueryResult,
    driver: Driver,
    compiled: Compiled,
    timeout: float,
    setup: Sequence[SessionStep],
    batch_size: int,
    plan: CopyPlan,
) -> CopiedRows | None:
    """The query's rows through the COPY `plan` asks for, or None when its result types need
    the cursor. The COPY is read from libpq directly (`copyout`: psycopg 2's rate)."""
    try:
        pg_types = describe_types(driver, compiled.sql.encode())
    except ValueError:
        # The server refused to plan it: the cursor path raises the precise error (in a
        # transaction begun again, since the failed PREPARE aborted this one).
        driver.rollback()
        with translated_errors(timeout):
            _begin(driver, timeout, setup)
        return None
    statement = plan.statement(compiled.sql, compiled.columns, pg_types)
    if statement is None:
        return None
    with translated_errors(timeout):
        if not plan.binary:  # text cells: floats in shortest round-trip form, whatever the
            driver.execute("SELECT set_config('extra_float_digits', '1', true)")  # server says
        copy = CopyOut(driver, statement.sql.encode())
        # Leaving the COPY early cancels it on the server and drains what was sent.
        result.on_close(copy.close)
        uniform = uniform_tuple_size(statement.pg_types) if plan.binary else None
        batches = copy.batches(batch_size, uniform=uniform)
        first = list(itertools.islice(batches, 1))  # runs the query: errors surface now
    rows = CopyRows(
        itertools.chain(first, batches),
        statement.pg_types,
        row_limit=compiled.row_limit,
        binary=plan.binary,
    )
    return CopiedRows(result, rows, interrupt=lambda: driver.cancel_safe(timeout=10))


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
        if is_program_limit(exc):
            raise QueryRejected(
                f"the query exceeds a limit of the database: {_first_line(exc)}"
            ) from exc
        raise ServiceUnavailable(
            f"the database became unavailable while the query ran ({_first_line(exc)})"
        ) from exc
    except psycopg.Error as exc:
        log.error("query failed in the database: %s", exc, exc_info=True)
        raise ServiceError(f"the database failed to run the query: {_first_line(exc)}") from exc


def is_program_limit(exc: BaseException) -> bool:
    """SQLSTATE class 54 (too many columns, statement too complex, too many arguments):
    OperationalErrors to psycopg, but the size of the query, not the database, is at fault."""
    return (getattr(exc, "sqlstate", None) or "").startswith("54")


def _timeout_message(timeout: float) -> str:
    return (
        f"the query ran longer than the {timeout:g} s limit for synchronous queries; "
        "narrow it (TOP, WHERE on indexed columns) or run it asynchronously"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
