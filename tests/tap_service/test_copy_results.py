"""Every published table, written from COPY and from the cursor: the same CSV, TSV, Parquet and
VOTable TABLEDATA.

The archive fixture holds a complete graph (lcdb tables, TAP_SCHEMA, ivoa.obscore with its
s_region text and the hidden s_region_shape array behind it). Each table's ``SELECT *`` runs
twice through `open_query`, once with the format's `CopyPlan` and once without (the cursor
and the Python writer, what the service did before), and the documents must agree: CSV and
TSV cell for cell (floats by value, see `votable.copytext`), Parquet value for value,
TABLEDATA byte for byte around the rows and cell for cell within them, and as astropy reads
it over HTTP (and votlint accepts it).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from astropy.io.votable import parse, parse_single_table
from starlette.testclient import TestClient

from adql import Compiled
from lcdb.db import create_engine
from tap_service import formats
from tap_service.execute import CopiedRows, CursorRows, open_query
from tap_service.service import Service
from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS
from tests.tap_service.votable.test_copytabledata import split
from tests.tap_service.votable.test_stilts import votlint


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


#: Tables with a column whose type the COPY writers leave to the cursor: none, since uuid,
#: numeric, timestamptz and jsonb are cast in the COPY (`votable.copycasts`, `copytext`).
CURSOR_ONLY: dict[str, set[str]] = {
    "votable": set(),
    "csv": set(),
    "tsv": set(),
    "votable/td": set(),
    "parquet": set(),
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


def published_documents(
    service: Service, engine: sa.Engine, output: formats.OutputFormat, cursor_only: set[str]
) -> Iterator[tuple[str, Compiled, bytes, bytes]]:
    """(table, its query, the document from COPY, from the cursor) for every published table
    (at most 500 rows); tables whose result the COPY plan left to the cursor go in
    `cursor_only`."""
    for table in published(service):
        compiled = service.dialect.compile(f"SELECT * FROM {table}", service.catalog, maxrec=500)
        fallback: set[str] = set()
        via_copy, via_rows = both(engine, compiled, output, fallback)
        if fallback:
            cursor_only.add(table)
        yield table, compiled, via_copy, via_rows


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
    cursor_only: set[str] = set()
    for table, compiled, via_copy, via_rows in published_documents(
        service, engine, output, cursor_only
    ):
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


def test_published_tables_as_binary2_from_copy(
    service_and_engine: tuple[Service, sa.Engine],
) -> None:
    """Byte for byte what the cursor and the row writer make of every published table."""
    service, engine = service_and_engine
    output = formats.lookup("votable")
    cursor_only: set[str] = set()
    rows = 0
    for table, _compiled, via_copy, via_rows in published_documents(
        service, engine, output, cursor_only
    ):
        assert via_copy == via_rows, table
        rows += len(parse_single_table(io.BytesIO(via_copy)).array)
    assert rows > 200
    assert cursor_only == CURSOR_ONLY["votable"]


def test_published_tables_as_parquet_from_copy(
    service_and_engine: tuple[Service, sa.Engine],
) -> None:
    service, engine = service_and_engine
    output = formats.lookup("parquet")
    cursor_only: set[str] = set()
    for table, _compiled, via_copy, via_rows in published_documents(
        service, engine, output, cursor_only
    ):
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


def sync(client: TestClient, query: str, fmt: str, maxrec: int) -> bytes:
    params = {"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": fmt, "MAXREC": str(maxrec)}
    response = client.get("/tap/sync", params=params)
    assert response.status_code == 200, response.text
    return response.content


def astropy_values(body: bytes) -> dict[str, list[object]]:
    """Each column of the first table as astropy reads it: plain values, None when masked."""
    array = parse(io.BytesIO(body), verify="ignore").get_first_table().array
    return {name: [_plain(cell) for cell in array[name]] for name in array.dtype.names}


def _plain(cell: object) -> object:
    if cell is np.ma.masked:
        return None
    if isinstance(cell, np.ndarray):
        return [_plain(x) for x in np.ma.asarray(cell).ravel()]
    value = cell.item() if isinstance(cell, np.generic) else cell
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def test_published_tables_as_tabledata_from_copy(
    service_and_engine: tuple[Service, sa.Engine], client: TestClient
) -> None:
    """In process, COPY against cursor: the same head and tail, every cell the same (floats
    by value). Over /tap/sync, what astropy reads from the TABLEDATA and from the BINARY2 of
    the same query (a writer of its own; over HTTP, since the service's URL is in obscore's
    access_url) is the same."""
    service, engine = service_and_engine
    output = formats.lookup("votable/td")
    checked = 0
    cursor_only: set[str] = set()
    for table, compiled, via_copy, via_rows in published_documents(
        service, engine, output, cursor_only
    ):
        query = f"SELECT * FROM {table}"
        want_head, want, want_tail = split(via_rows) if b"<TR>" in via_rows else (b"", [], b"")
        got_head, got, got_tail = split(via_copy) if b"<TR>" in via_copy else (b"", [], b"")
        assert (got_head, got_tail) == (want_head, want_tail), table
        assert len(got) == len(want), table
        for a_row, b_row in zip(want, got, strict=True):
            for column, a, b in zip(compiled.columns, a_row, b_row, strict=True):
                same = a == b or (
                    a is not None
                    and b is not None
                    and same_text(a.decode(), b.decode(), column.datatype)
                )
                assert same, (table, column.name, a, b)
        over_http = sync(client, query, "votable/td", 500)
        binary2 = sync(client, query, "votable/b2", 500)
        assert astropy_values(over_http) == astropy_values(binary2), table
        checked += len(want)
    assert checked > 200
    assert cursor_only == CURSOR_ONLY["votable/td"]
    assert engine.pool.checkedout() == 0


@pytest.mark.stilts
def test_votlint_accepts_tabledata_from_copy(
    client: TestClient, stilts: str, tmp_path: Path
) -> None:
    """Arrays (lightcurve values), text, timestamps, uuids and the DataLink descriptor of a
    COPY TABLEDATA document, and its OVERFLOW status, past STILTS votlint."""
    queries = [
        "SELECT * FROM lcdb.dataset",
        "SELECT * FROM ivoa.obscore",
        "SELECT * FROM lcdb.observation",
        "SELECT * FROM TAP_SCHEMA.columns",
    ]
    for query in queries:
        body = sync(client, query, "votable/td", 40)
        assert b"<TR>" in body, query
        remarks = votlint(stilts, body, tmp_path)  # what test_stilts tolerates, no more
        assert remarks == "", (query, remarks)


def test_tabledata_from_copy_says_overflow_over_http(client: TestClient) -> None:
    query = "SELECT table_name, column_name, std FROM TAP_SCHEMA.columns"
    body = sync(client, query, "votable/td", 5)
    assert body.count(b"<TR>") == 5
    assert body.endswith(
        b'</TABLEDATA></DATA>\n</TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n'
        b"</RESOURCE>\n</VOTABLE>\n"
    )
    assert len(astropy_values(body)["column_name"]) == 5
    assert b"OVERFLOW" not in sync(client, query, "votable/td", 100_000)


@pytest.mark.parametrize("alias", ["votable", "votable/td", "csv", "tsv", "parquet"])
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
            if alias == "votable/td":  # the rows sent, the TABLE closed, then the status
                assert body.count(b"<TR>") >= 1000
                assert (
                    b'</TR>\n</TABLEDATA></DATA>\n</TABLE>\n<INFO name="QUERY_STATUS" value="ERROR">'
                    in body
                )
                assert astropy_values(body)["column_index"]
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
