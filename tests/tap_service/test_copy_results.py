"""Every published table, written from COPY and from the cursor: the same CSV, TSV, Parquet.

The archive fixture holds a complete graph (lcdb tables, TAP_SCHEMA, ivoa.obscore with its
s_region text and the hidden s_region_shape array behind it). Each table's ``SELECT *`` runs
twice through `open_query`, once with the format's `CopyPlan` and once without (the cursor
and the Python writer, what the service did before), and the documents must agree: CSV and
TSV cell for cell (floats by value, see `votable.copytext`), Parquet value for value.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from adql import Compiled
from lcdb.db import create_engine
from tap_service import formats
from tap_service.execute import CopiedRows, CursorRows, open_query
from tap_service.service import Service
from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS


@pytest.fixture(scope="module")
def service_and_engine(
    archive: tuple[str, Graph], client: TestClient
) -> Iterator[tuple[Service, sa.Engine]]:
    """The service's catalogue and dialect, and an engine; `client` has started the app,
    which filled TAP_SCHEMA."""
    engine = create_engine(archive[0])
    yield Service(SERVICE_SETTINGS, archive[0]), engine
    engine.dispose()


def published(service: Service) -> list[str]:
    return sorted(f"{t.schema}.{t.name}" for t in service.catalog.tables)


#: Tables with a column whose type the COPY writers leave to the cursor: jsonb (psycopg's
#: dict, written as Python's repr by the Python writers) for CSV and TSV; for Parquet, which
#: decodes COPY BINARY as the BINARY2 transcoder does, also uuid, numeric and timestamptz.
CURSOR_ONLY = {
    "csv": {"lcdb.instrument"},
    "tsv": {"lcdb.instrument"},
    "parquet": {
        "lcdb.fits_frame",
        "lcdb.instrument",
        "lcdb.mission",
        "lcdb.mission_catalog",
        "lcdb.observation",
        "lcdb.quality_flag_array",
    },
}


def both(
    engine: sa.Engine, compiled: Compiled, output: formats.OutputFormat, fallback: set[str]
) -> tuple[bytes, bytes]:
    """The document from COPY (or the cursor, noted in `fallback`) and from the cursor."""
    copied = open_query(engine, compiled, timeout=30, batch_size=50, copy=output.copy_plan)
    assert output.copy_writer is not None
    if isinstance(copied.source, CopiedRows):
        via_copy = b"".join(output.copy_writer(compiled.columns, copied.source))
    else:
        fallback.add(compiled.sql)
        assert isinstance(copied.source, CursorRows)
        via_copy = b"".join(output.writer(compiled.columns, copied.source))
    rows = open_query(engine, compiled, timeout=30, batch_size=50)
    assert isinstance(rows.source, CursorRows)
    via_rows = b"".join(output.writer(compiled.columns, rows.source))
    return via_copy, via_rows


def same_text(want: str, got: str, datatype: str) -> bool:
    if want == got:
        return True
    if datatype not in ("float", "double"):
        return False
    try:
        a, b = [float(x) for x in want.split()], [float(x) for x in got.split()]
    except ValueError:
        return False
    return a == b or all(
        x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("alias", ["csv", "tsv"])
def test_published_tables_as_csv_and_tsv_from_copy(
    service_and_engine: tuple[Service, sa.Engine], alias: str
) -> None:
    service, engine = service_and_engine
    output = formats.lookup(alias)
    checked = 0
    cursor_only = set()
    for table in published(service):
        compiled = service.dialect.compile(f"SELECT * FROM {table}", service.catalog, maxrec=500)
        fallback: set[str] = set()
        via_copy, via_rows = both(engine, compiled, output, fallback)
        if fallback:
            cursor_only.add(table)
        if alias == "csv":
            want = list(csv.reader(io.StringIO(via_rows.decode(), newline="")))
            got = list(csv.reader(io.StringIO(via_copy.decode(), newline="")))
        else:
            want = [line.split("\t") for line in via_rows.decode().split("\n")[:-1]]
            got = [line.split("\t") for line in via_copy.decode().split("\n")[:-1]]
        assert len(got) == len(want), table
        assert got[0] == want[0]
        for a_row, b_row in zip(want[1:], got[1:], strict=True):
            for column, a, b in zip(compiled.columns, a_row, b_row, strict=True):
                assert same_text(a, b, column.datatype), (table, column.name, a, b)
        checked += len(want) - 1
    assert checked > 200  # TAP_SCHEMA and the graph are in there, not only empty tables
    assert cursor_only == CURSOR_ONLY[alias]
    assert engine.pool.checkedout() == 0


def test_published_tables_as_parquet_from_copy(
    service_and_engine: tuple[Service, sa.Engine],
) -> None:
    service, engine = service_and_engine
    output = formats.lookup("parquet")
    cursor_only = set()
    for table in published(service):
        compiled = service.dialect.compile(f"SELECT * FROM {table}", service.catalog, maxrec=500)
        fallback: set[str] = set()
        via_copy, via_rows = both(engine, compiled, output, fallback)
        if fallback:
            cursor_only.add(table)
        a, b = pq.read_table(io.BytesIO(via_rows)), pq.read_table(io.BytesIO(via_copy))
        assert a.schema == b.schema, table
        assert _nan_as_none(a.to_pylist()) == _nan_as_none(b.to_pylist()), table
        metadata = pq.ParquetFile(io.BytesIO(via_copy)).metadata.metadata
        assert metadata[b"IVOA.VOTable-Parquet.version"] == b"1.0"
    assert cursor_only == CURSOR_ONLY["parquet"]


def _nan_as_none(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, list):
        return [_nan_as_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _nan_as_none(v) for k, v in value.items()}
    return value


HEAVY = (
    "SELECT a.column_name, b.datatype, c.column_index FROM TAP_SCHEMA.columns AS a, "
    "TAP_SCHEMA.columns AS b, TAP_SCHEMA.columns AS c"
)


@pytest.mark.parametrize("alias", ["votable", "csv", "tsv", "parquet"])
def test_a_copy_that_fails_midway_is_reported_or_aborts(
    service_and_engine: tuple[Service, sa.Engine], alias: str
) -> None:
    """The statement timeout strikes after rows have gone out: VOTable and Parquet say so in
    the document; CSV and TSV, which cannot, end with the error so the response is cut."""
    service, engine = service_and_engine
    output = formats.lookup(alias)
    compiled = service.dialect.compile(HEAVY, service.catalog, maxrec=100_000_000)
    result = open_query(engine, compiled, timeout=0.5, batch_size=1000, copy=output.copy_plan)
    assert isinstance(result.source, CopiedRows)
    assert output.copy_writer is not None
    chunks = output.copy_writer(compiled.columns, result.source)
    sent = [next(chunks), next(chunks)]  # the head and a first batch of rows
    if alias in ("csv", "tsv"):
        with pytest.raises(Exception, match=r"0\.5 s limit"):
            for chunk in chunks:
                sent.append(chunk)
        assert len(b"".join(sent).splitlines()) > 1000
    else:
        body = b"".join(sent + list(chunks))
        if alias == "parquet":
            metadata = pq.ParquetFile(io.BytesIO(body)).metadata
            assert metadata.num_rows >= 1000
            assert (
                b'value="ERROR">the query ran longer than the 0.5 s'
                in (metadata.metadata[b"IVOA.VOTable-Parquet.content"])
            )
        else:
            assert b'value="ERROR">the query ran longer than the 0.5 s' in body
    assert isinstance(result.failure, Exception)
    assert engine.pool.checkedout() == 0


def test_parquet_over_http(client: TestClient) -> None:
    response = client.get(
        "/tap/sync",
        params={
            "LANG": "ADQL",
            "QUERY": "SELECT table_name, column_name FROM TAP_SCHEMA.columns",
            "RESPONSEFORMAT": "parquet",
            "MAXREC": "5",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    parquet = pq.ParquetFile(io.BytesIO(response.content))
    assert parquet.metadata.num_rows == 5
    content = parquet.metadata.metadata[b"IVOA.VOTable-Parquet.content"]
    assert b'name="QUERY_STATUS" value="OVERFLOW"' in content
    assert b"SELECT table_name, column_name FROM TAP_SCHEMA.columns" in content
    response = client.get(
        "/tap/sync",
        params={
            "LANG": "ADQL",
            "QUERY": "SELECT TOP 3 table_name FROM TAP_SCHEMA.tables",
            "RESPONSEFORMAT": "application/vnd.apache.parquet",
        },
    )
    assert pq.read_table(io.BytesIO(response.content)).num_rows == 3
