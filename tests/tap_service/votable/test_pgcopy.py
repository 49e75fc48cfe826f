"""BINARY2 transcoded from COPY BINARY is byte-for-byte what the row writer produces."""

from __future__ import annotations

import io
from collections.abc import Iterator

import psycopg
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from adql import OutputColumn
from tap_service.execute import json_as_text
from tap_service.votable import (
    BINARY_COPY,
    BatchSource,
    CopyRows,
    copy_parquet,
    describe_types,
    transcodable,
    transcode_binary2,
    write_binary2,
    write_parquet,
)
from tap_service.votable.pgcopy import CopyTranscoder

from .helpers import assert_cell, read

# (select expression, FIELD): every PostgreSQL type the transcoder handles, with NULLs,
# NaN/Inf, non-ASCII text, empty and NULL arrays, NULL elements and 2-d arrays in some rows.
EXPRESSIONS: list[tuple[str, OutputColumn]] = [
    ("i::int2", OutputColumn("s", "short")),
    ("CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1000 END::int4", OutputColumn("i", "int")),
    ("(i::int8 << 40) * (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END)", OutputColumn("l", "long")),
    ("i::int4", OutputColumn("widened", "long")),
    ("(i / 7.0)::float4", OutputColumn("f", "float")),
    ("(i / 7.0)::float4", OutputColumn("f_as_double", "double")),
    (
        "CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN '-Infinity' "
        "ELSE i / 3.0 END::float8",
        OutputColumn("d", "double"),
    ),
    ("CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END", OutputColumn("b", "boolean")),
    (
        "CASE WHEN i % 6 = 0 THEN NULL WHEN i % 6 = 1 THEN '' ELSE 'TIC ' || i END",
        OutputColumn("name", "char", "*"),
    ),
    (
        "CASE WHEN i % 9 = 0 THEN 'Ångström ' || i ELSE 'plain' END",
        OutputColumn("ascii_only", "char", "*"),
    ),
    ("'日本 ' || i || ' €'", OutputColumn("u", "unicodeChar", "*")),
    ("('abcdefgh' || i)::varchar", OutputColumn("bounded", "char", "6*")),
    ("'x'::bpchar(3)", OutputColumn("fixed_char", "char", "3")),
    (
        "CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY[i * 0.5, i * 1.5, i * 2.5]::float4[] END",
        OutputColumn("flux", "float", "*"),
    ),
    (
        "CASE i % 4 WHEN 0 THEN ARRAY[]::float8[] WHEN 1 THEN ARRAY[1.0, NULL]::float8[] "
        "WHEN 2 THEN ARRAY[[1.0, 2.0], [3.0, 4.0]]::float8[] ELSE ARRAY[i]::float8[] END",
        OutputColumn("ragged", "double", "*"),
    ),
    ("ARRAY[i, i + 1]::int4[]", OutputColumn("pair", "long", "*")),
    ("ARRAY[i, i + 1]::int2[]", OutputColumn("three", "short", "3")),
]
SQL = (
    "SELECT "
    + ", ".join(f"{expression} AS {column.name}" for expression, column in EXPRESSIONS)
    + " FROM generate_series(1, 45) AS g(i) ORDER BY g.i"
)
COLUMNS = [column for _, column in EXPRESSIONS]


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(fresh_database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        yield conn


def copy_messages(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> list[bytes]:
    with conn.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
        return [bytes(message) for message in copy]


@pytest.mark.parametrize("batch", [1, 7, 100])
def test_transcoded_binary2_equals_the_row_writer(
    conn: psycopg.Connection[tuple[object, ...]], batch: int
) -> None:
    types = describe_types(conn, SQL.encode())
    assert transcodable(COLUMNS, types)
    # Rows as a binary cursor returns them: a text cursor reads float4 through its shortest
    # decimal text, so a float4 widened to double would differ in the last bits.
    rows = conn.cursor(binary=True).execute(SQL).fetchall()
    expected = b"".join(write_binary2(COLUMNS, BatchSource.of_rows(rows, size=batch)))
    copy_sql = f"COPY ({SQL}) TO STDOUT (FORMAT binary)"
    with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:  # psycopg's own buffers
        got = b"".join(
            transcode_binary2(COLUMNS, CopyRows.of_messages(copy, types, batch_size=batch))
        )
    assert got == expected
    table = read(got).get_first_table().array
    assert_cell(None, table["i"][3])  # and it still reads as it should
    assert table["name"][7] == "TIC 8"
    assert table["u"][0] == "日本 1 €"
    assert table["ascii_only"][8] == "?ngstr?m 9"


# Fixed-width columns only, NULL in rows 13 and 14 alone: batches without a NULL take the
# uniform-tuple path, the others the general one, and both must write the same bytes.
FIXED_ONLY: list[tuple[str, OutputColumn]] = [
    ("(i::int8 << 40) * (1 - 2 * (i % 2))", OutputColumn("l", "long")),
    ("CASE WHEN i = 13 THEN NULL ELSE i * 1000 END::int4", OutputColumn("i", "int")),
    ("i::int2", OutputColumn("widened", "long")),
    ("CASE WHEN i = 14 THEN NULL ELSE i / 3.0 END::float8", OutputColumn("d", "double")),
    ("(i / 7.0)::float4", OutputColumn("f_as_double", "double")),
    ("i % 2 = 0", OutputColumn("b", "boolean")),
]


FIXED_ONLY_SQL = (
    "SELECT "
    + ", ".join(f"{expression} AS {column.name}" for expression, column in FIXED_ONLY)
    + " FROM generate_series(1, 40) AS g(i) ORDER BY g.i"
)


@pytest.mark.parametrize("batch", [1, 10, 40])
def test_fixed_width_batches_without_nulls_equal_the_row_writer(
    conn: psycopg.Connection[tuple[object, ...]], batch: int
) -> None:
    columns = [column for _, column in FIXED_ONLY]
    sql = FIXED_ONLY_SQL
    types = describe_types(conn, sql.encode())
    rows = conn.cursor(binary=True).execute(sql).fetchall()
    expected = b"".join(write_binary2(columns, BatchSource.of_rows(rows, size=batch)))
    source = CopyRows.of_messages(copy_messages(conn, sql), types, batch_size=batch)
    assert b"".join(transcode_binary2(columns, source)) == expected
    table = read(expected).get_first_table().array
    assert table["l"][0] == -(1 << 40) and table["b"][1]
    assert_cell(None, table["i"][12])


@pytest.mark.parametrize("batch", [10, 40])
def test_fixed_width_batches_without_nulls_make_the_same_parquet(
    conn: psycopg.Connection[tuple[object, ...]], batch: int
) -> None:
    columns = [column for _, column in FIXED_ONLY]
    types = describe_types(conn, FIXED_ONLY_SQL.encode())
    rows = conn.cursor(binary=True).execute(FIXED_ONLY_SQL).fetchall()
    expected = b"".join(write_parquet(columns, BatchSource.of_rows(rows, size=batch)))
    source = CopyRows.of_messages(copy_messages(conn, FIXED_ONLY_SQL), types, batch_size=batch)
    got = pq.read_table(io.BytesIO(b"".join(copy_parquet(columns, source))))
    want = pq.read_table(io.BytesIO(expected))
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    assert got.column("i")[12].as_py() is None and got.column("l")[0].as_py() == -(1 << 40)


# Types the transcoder has no decoder for: BINARY_COPY casts them in SQL to what the Python
# writers make of the cursor's values (text, or float8 for numeric in a floating FIELD).
CAST: list[tuple[str, OutputColumn]] = [
    ("i", OutputColumn("i", "int")),
    ("CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::text)::uuid END", OutputColumn("u", "char", "36")),
    (
        "timestamptz '2024-06-01 12:00:00+02' + i * interval '0.25 s'",
        OutputColumn("tstz", "char", "*", xtype="timestamp"),
    ),
    ("timestamp '2024-02-29 23:59:59' + i * interval '1 s'", OutputColumn("ts", "char", "*")),
    ("date '2024-01-01' + i", OutputColumn("day", "char", "*")),
    ("CASE WHEN i % 4 = 0 THEN NULL ELSE i / 7.0 END", OutputColumn("n", "double")),
    ("(i / 3.0)::numeric(20, 12)", OutputColumn("n_float", "float")),
    (
        "CASE WHEN i % 3 = 0 THEN NULL ELSE jsonb_build_object('n', i, 'note', 'ü <x>') END",
        OutputColumn("j", "char", "*"),
    ),
    ("'TIC ' || i", OutputColumn("name", "char", "*")),
]
CAST_SQL = (
    "SELECT "
    + ", ".join(f"{expression} AS {column.name}" for expression, column in CAST)
    + " FROM generate_series(1, 30) AS g(i) ORDER BY g.i"
)


def test_types_without_a_decoder_are_cast_in_the_copy(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    columns = [column for _, column in CAST]
    types = describe_types(conn, CAST_SQL.encode())
    assert not transcodable(columns, types)
    statement = BINARY_COPY.statement(CAST_SQL, columns, types)
    assert statement is not None and transcodable(columns, statement.pg_types)
    json_as_text(conn)  # as the service's cursors read JSON
    rows = conn.execute(CAST_SQL).fetchall()
    with conn.cursor() as cursor, cursor.copy(statement.sql) as copy:
        messages = [bytes(m) for m in copy]
    source = CopyRows.of_messages(messages, statement.pg_types, batch_size=7)
    got = b"".join(transcode_binary2(columns, source))
    assert got == b"".join(write_binary2(columns, BatchSource.of_rows(rows, size=7)))
    table = read(got).get_first_table().array
    assert table["tstz"][1] == "2024-06-01T10:00:00.500000"
    assert table["j"][0] == '{"n": 1, "note": "? <x>"}'  # JSON text; char is ASCII
    parquet_source = CopyRows.of_messages(messages, statement.pg_types, batch_size=7)
    want = pq.read_table(io.BytesIO(b"".join(write_parquet(columns, BatchSource.of_rows(rows)))))
    have = pq.read_table(io.BytesIO(b"".join(copy_parquet(columns, parquet_source))))
    assert have.to_pylist() == want.to_pylist()


def test_pairs_no_cast_serves_stay_with_the_cursor(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    cases = [
        ("SELECT interval '1 day' AS a", OutputColumn("a", "char", "*")),
        ("SELECT 1.5::numeric AS a", OutputColumn("a", "long")),
        ("SELECT ARRAY['a']::text[] AS a", OutputColumn("a", "char", "*")),
        ("SELECT ARRAY[1.5]::numeric[] AS a", OutputColumn("a", "double", "*")),
        ("SELECT now() AS a", OutputColumn("a", "double")),
    ]
    for sql, column in cases:
        types = describe_types(conn, sql.encode())
        assert BINARY_COPY.statement(sql, [column], types) is None, (sql, column)


def test_copy_rows_stops_at_the_limit_and_flags_overflow(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    sql = "SELECT i FROM generate_series(1, 11) AS i"
    types = describe_types(conn, sql.encode())
    source = CopyRows.of_messages(copy_messages(conn, sql), types, batch_size=4, row_limit=10)
    batches = list(source.copy_batches())
    assert [len(b) for b in batches] == [4, 4, 2]
    assert source.overflow and source.rows == 10
    exact = CopyRows.of_messages(copy_messages(conn, sql), types, batch_size=4, row_limit=11)
    assert sum(len(b) for b in exact.copy_batches()) == 11 and not exact.overflow


def test_empty_copy_result(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    sql = "SELECT i::int4 FROM generate_series(1, 0) AS i"
    source = CopyRows.of_messages(copy_messages(conn, sql), describe_types(conn, sql.encode()))
    data = b"".join(transcode_binary2([OutputColumn("i", "int")], source))
    assert len(read(data).get_first_table().array) == 0


def test_types_without_a_fast_path_are_not_transcodable(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    sql = "SELECT 1.5::numeric, now(), 1::int8, 1::int4, ARRAY['a']::text[]"
    types = describe_types(conn, sql.encode())
    assert not transcodable([OutputColumn("n", "double")], types[:1])  # numeric
    assert not transcodable([OutputColumn("t", "char", "*")], types[1:2])  # timestamptz
    assert not transcodable([OutputColumn("l", "int")], types[2:3])  # int8 -> int narrows
    assert transcodable([OutputColumn("i", "long")], types[3:4])  # int4 -> long widens
    assert not transcodable([OutputColumn("a", "char", "*")], types[4:5])  # text[]
    with pytest.raises(ValueError, match="cannot be transcoded"):
        CopyTranscoder([OutputColumn("n", "double")], types[:1])


def test_describe_types_reports_sql_errors(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    with pytest.raises(ValueError, match="no_such_table"):
        describe_types(conn, b"SELECT * FROM no_such_table")
