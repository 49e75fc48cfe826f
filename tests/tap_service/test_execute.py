"""Query execution: read-only, time-limited, streamed, overflow detected exactly."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

import adql
from lcdb.db import create_engine
from tap_service.errors import QueryRejected, QueryTimeout, ServiceError
from tap_service.execute import PREFETCH_AFTER, CopiedRows, CursorRows, open_query
from tap_service.publishers import publication
from tap_service.tap_schema import sync
from tests.lcdb.support import build_graph

CATALOG = publication().catalog()


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(migrated_database_url)
    with engine.begin() as conn:
        sync(conn, publication())
    with orm.Session(engine) as session:
        build_graph(session)
    yield engine
    engine.dispose()


def rows_of(
    engine: sa.Engine, query: str, *, maxrec: int | None = None, batch_size: int = 2
) -> tuple[list, bool]:
    compiled = adql.compile(query, CATALOG, maxrec=maxrec)
    result = open_query(engine, compiled, timeout=10, batch_size=batch_size)
    assert isinstance(result.source, CursorRows)
    rows = [row for batch in result.source.batches() for row in batch]
    return rows, result.overflow


def test_rows_stream_in_batches_across_fetches(engine: sa.Engine) -> None:
    rows, overflow = rows_of(
        engine, "SELECT column_name FROM TAP_SCHEMA.columns ORDER BY column_name", batch_size=3
    )
    assert len(rows) > 50 and not overflow
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_overflow_is_flagged_only_when_maxrec_truncates(engine: sa.Engine) -> None:
    total = len(rows_of(engine, "SELECT table_name FROM TAP_SCHEMA.tables")[0])
    assert rows_of(engine, "SELECT table_name FROM TAP_SCHEMA.tables", maxrec=total) == (
        rows_of(engine, "SELECT table_name FROM TAP_SCHEMA.tables")[0],
        False,
    )
    rows, overflow = rows_of(engine, "SELECT table_name FROM TAP_SCHEMA.tables", maxrec=total - 1)
    assert len(rows) == total - 1 and overflow
    rows, overflow = rows_of(engine, "SELECT TOP 2 table_name FROM TAP_SCHEMA.tables", maxrec=5)
    assert len(rows) == 2 and not overflow


def test_maxrec_zero_returns_no_rows_and_overflow(engine: sa.Engine) -> None:
    assert rows_of(engine, "SELECT * FROM lcdb.target", maxrec=0) == ([], True)


def test_empty_results_are_fine(engine: sa.Engine) -> None:
    assert rows_of(engine, "SELECT * FROM lcdb.target WHERE name = -1") == ([], False)


def test_division_by_zero_is_the_query_s_fault(engine: sa.Engine) -> None:
    with pytest.raises(QueryRejected, match="division by zero"):
        rows_of(engine, "SELECT 1 / (name - name) FROM lcdb.target")


def test_queries_run_read_only(engine: sa.Engine) -> None:
    compiled = adql.Compiled(
        sql="SELECT nextval('lcdb.dataset_id_seq')", columns=(), row_limit=None
    )
    with pytest.raises(ServiceError, match="read-only transaction"):
        rows = open_query(engine, compiled, timeout=10, batch_size=10).source
        assert isinstance(rows, CursorRows)
        list(rows.batches())


def test_statement_timeout_is_reported_as_such(engine: sa.Engine) -> None:
    compiled = adql.Compiled(sql="SELECT pg_sleep(5)", columns=(), row_limit=None)
    with pytest.raises(QueryTimeout, match=r"0\.5 s limit"):
        open_query(engine, compiled, timeout=0.5, batch_size=10)


def test_connections_return_to_the_pool(engine: sa.Engine) -> None:
    for _ in range(20):
        rows_of(engine, "SELECT TOP 1 id FROM lcdb.target")
    assert engine.pool.checkedout() == 0


def test_binary2_results_stream_from_copy_when_the_types_allow(engine: sa.Engine) -> None:
    from astropy.io.votable import parse_single_table

    from tap_service import votable

    query = 'SELECT d.id, d.target_id, d."values", d.errors FROM lcdb.dataset AS d ORDER BY d.id'
    compiled = adql.compile(query, CATALOG, maxrec=1)
    copied = open_query(engine, compiled, timeout=10, batch_size=1, copy=True)
    rows = open_query(engine, compiled, timeout=10, batch_size=1, copy=False)
    assert isinstance(copied.source, CopiedRows) and isinstance(rows.source, CursorRows)
    via_copy = b"".join(votable.transcode_binary2(compiled.columns, copied.source))
    via_rows = b"".join(votable.write_binary2(compiled.columns, rows.source))
    assert via_copy == via_rows
    assert copied.overflow and rows.overflow
    table = parse_single_table(io.BytesIO(via_copy))
    assert len(table.array) == 1 and len(table.array["values"][0]) == 10
    assert engine.pool.checkedout() == 0


def test_uuids_and_times_come_through_copy_as_the_cursor_writes_them(engine: sa.Engine) -> None:
    from tap_service import votable

    compiled = adql.compile("SELECT id, name, created_on FROM lcdb.mission", CATALOG)
    copied = open_query(engine, compiled, timeout=10, batch_size=10, copy=True)
    assert isinstance(copied.source, CopiedRows)
    rows = open_query(engine, compiled, timeout=10, batch_size=10, copy=False)
    assert isinstance(rows.source, CursorRows)
    via_copy = b"".join(votable.transcode_binary2(compiled.columns, copied.source))
    assert via_copy == b"".join(votable.write_binary2(compiled.columns, rows.source))
    assert engine.pool.checkedout() == 0


def test_an_abandoned_copy_is_cancelled_and_its_connection_reused(engine: sa.Engine) -> None:
    compiled = adql.compile(
        "SELECT a.id FROM lcdb.target AS a, TAP_SCHEMA.columns AS b, TAP_SCHEMA.columns AS c",
        CATALOG,
    )
    result = open_query(engine, compiled, timeout=10, batch_size=100, copy=True)
    assert isinstance(result.source, CopiedRows)
    batches = result.source.copy_batches()
    assert 0 < len(next(batches)) <= 100  # the first batch: what had come at once
    batches.close()  # the client went away
    assert engine.pool.checkedout() == 0
    assert rows_of(engine, "SELECT TOP 1 name FROM lcdb.target")[0] == [(358108509,)]


def test_a_copy_abandoned_while_read_ahead_stops_its_reader(engine: sa.Engine) -> None:
    compiled = adql.compile(
        "SELECT a.column_index FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, "
        "TAP_SCHEMA.columns AS c",
        CATALOG,
    )
    result = open_query(engine, compiled, timeout=10, batch_size=1000, copy=True)
    assert isinstance(result.source, CopiedRows)
    batches = result.source.copy_batches()
    read = 0
    while read <= 3 * PREFETCH_AFTER:  # well into the read-ahead
        read += len(next(batches))
    assert [t for t in threading.enumerate() if t.name == "copy-reader"]
    batches.close()  # the client went away
    assert not [t for t in threading.enumerate() if t.name == "copy-reader"]
    assert engine.pool.checkedout() == 0
    assert rows_of(engine, "SELECT TOP 1 name FROM lcdb.target")[0] == [(358108509,)]


def test_errors_during_copy_are_the_query_s_fault(engine: sa.Engine) -> None:
    compiled = adql.compile("SELECT 1 / (name - name) AS x FROM lcdb.target", CATALOG)
    with pytest.raises(QueryRejected, match="division by zero"):
        open_query(engine, compiled, timeout=10, batch_size=10, copy=True)
    assert engine.pool.checkedout() == 0


@pytest.mark.parametrize("copy", [False, True])
def test_a_database_program_limit_is_the_query_s_fault(engine: sa.Engine, copy: bool) -> None:
    """Class 54 errors are OperationalErrors to psycopg; they must not read as an outage."""
    columns = ", ".join(f"{i} AS c{i}" for i in range(1700))
    compiled = adql.Compiled(sql=f"SELECT {columns}", columns=(), row_limit=None)
    with pytest.raises(QueryRejected, match=r"exceeds a limit of the database.*1664"):
        open_query(engine, compiled, timeout=10, batch_size=10, copy=copy)
