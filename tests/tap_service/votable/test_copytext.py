"""CSV and TSV from ``COPY (FORMAT csv)`` say what the Python writers say, for every type.

The reference is the Python writer fed by a psycopg cursor, as the service ran before; the
candidate is `DelimitedCopy`'s statement read through `CopyOut` and written by `copy_csv` /
`copy_tsv`. Everything is byte-identical except float spellings, which must hold the same
value and still read as floats (see `copytext`'s docstring for the measured differences).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from adql import OutputColumn
from tap_service.copyout import CopyOut
from tap_service.execute import json_as_text
from tap_service.votable import (
    BatchSource,
    CopyRows,
    DelimitedCopy,
    copy_csv,
    copy_tsv,
    describe_types,
    write_csv,
    write_tsv,
)

QUOTED = "E'a,b \"q\" ''s'' \\t tab \\n newline \\r\\n crlf \\\\ back \\x01 ctl'"
# (select expression, FIELD): the types the archive publishes and a few more, with NULLs,
# empty strings and arrays, quotes, separators, newlines, non-ASCII text, NaN and infinities.
EXPRESSIONS: list[tuple[str, OutputColumn]] = [
    ("i::int2", OutputColumn("s", "short")),
    ("CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1000 END::int4", OutputColumn("i", "int")),
    ("(i::int8 << 40) * (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END)", OutputColumn("l", "long")),
    ("i::int4", OutputColumn("widened", "long")),
    (
        "CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN 'Infinity' "
        "WHEN 3 THEN '-Infinity' WHEN 4 THEN i WHEN 5 THEN -0.0 ELSE i / 7.0 END::float4",
        OutputColumn("f", "float"),
    ),
    ("(i / 7.0)::float4", OutputColumn("f_as_double", "double")),
    (
        "CASE i % 11 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN '-Infinity' "
        "WHEN 3 THEN 'Infinity' WHEN 4 THEN i * 1e14 WHEN 5 THEN i * 1e-9 WHEN 6 THEN 1e300 "
        "WHEN 7 THEN i ELSE i / 3.0 END::float8",
        OutputColumn("d", "double"),
    ),
    ("CASE WHEN i % 5 = 0 THEN NULL ELSE i / 8.0 END::numeric", OutputColumn("n", "double")),
    ("CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END", OutputColumn("b", "boolean")),
    (
        f"CASE i % 7 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN {QUOTED} "
        "WHEN 3 THEN 'Ångström 日本 €' || i WHEN 4 THEN '  padded  ' ELSE 'TIC ' || i END",
        OutputColumn("text", "char", "*"),
    ),
    ("('abcdefgh' || i)::varchar", OutputColumn("bounded", "char", "6*")),
    ("'x'::bpchar(3)", OutputColumn("fixed_char", "char", "3")),
    ("'日本'::name", OutputColumn("u", "unicodeChar", "*")),
    ("md5(i::text)::uuid", OutputColumn("uuid", "char", "36")),
    ("i * 11", OutputColumn("int_as_text", "char", "*")),
    (
        "CASE WHEN i % 4 = 0 THEN NULL ELSE timestamp '2024-02-29 23:59:58' "
        "+ i * interval '1.25 s' END",
        OutputColumn("ts", "char", "*", xtype="timestamp"),
    ),
    (
        "timestamptz '2024-06-01 12:00:00+02' + i * interval '0.5 s'",
        OutputColumn("tstz", "char", "*", xtype="timestamp"),
    ),
    ("date '2024-01-01' + i", OutputColumn("day", "char", "*")),
    (
        "CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::float8[] "
        "WHEN 2 THEN ARRAY[1.5, NULL, 'NaN', 'Infinity', '-Infinity']::float8[] "
        "WHEN 3 THEN ARRAY[[1.25, 2.0], [3.0, 4.5]]::float8[] ELSE ARRAY[i / 3.0, i]::float8[] END",
        OutputColumn("ragged", "double", "*"),
    ),
    (
        "CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY[i * 0.5, i * 1.5]::float4[] END",
        OutputColumn("flux", "float", "*"),
    ),
    ("ARRAY[i, NULL, i + 1]::int4[]", OutputColumn("ints", "long", "*")),
    (
        "CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('n', i, 'note', "
        "'a<b & \"c\" ü', 'list', ARRAY[1.5, i]) END",
        OutputColumn("json", "char", "*"),
    ),
]
SQL = (
    "SELECT "
    + ", ".join(f"{expression} AS {column.name}" for expression, column in EXPRESSIONS)
    + " FROM generate_series(1, 60) AS g(i) ORDER BY g.i"
)
COLUMNS = [column for _, column in EXPRESSIONS]
FLOATS = {"f", "f_as_double", "d", "n"}
FLOAT_ARRAYS = {"ragged", "flux"}


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(fresh_database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        json_as_text(conn)  # as the service's cursors read JSON
        yield conn


def by_python(
    conn: psycopg.Connection[tuple[object, ...]], sql: str, columns: list[OutputColumn], tsv: bool
) -> bytes:
    rows = conn.execute(sql).fetchall()
    writer = write_tsv if tsv else write_csv
    return b"".join(writer(columns, BatchSource.of_rows(rows, size=7)))


def by_copy(
    conn: psycopg.Connection[tuple[object, ...]], sql: str, columns: list[OutputColumn], tsv: bool
) -> bytes:
    types = describe_types(conn, sql.encode())
    statement = DelimitedCopy(tsv=tsv).statement(sql, columns, types)
    assert statement is not None, "these types should go through COPY"
    copy = CopyOut(conn, statement.sql.encode())
    source = CopyRows(copy.batches(7), types, binary=False)
    writer = copy_tsv if tsv else copy_csv
    return b"".join(writer(columns, source))


def cells(body: bytes, tsv: bool) -> list[list[str]]:
    text = body.decode("utf-8")
    if tsv:
        return [line.split("\t") for line in text.split("\n")[:-1]]
    return list(csv.reader(io.StringIO(text, newline="")))


def same_float(want: str, got: str) -> bool:
    if want == got:
        return True
    if want in ("NaN", "+Inf", "-Inf") or got in ("NaN", "+Inf", "-Inf"):
        return False
    reads_as_float = any(c in got for c in ".eN")
    return (
        reads_as_float
        and float(want) == float(got)
        and math.copysign(1, float(want)) == (math.copysign(1, float(got)))
    )


@pytest.mark.parametrize("tsv", [False, True], ids=["csv", "tsv"])
def test_copy_text_says_what_the_python_writer_says(
    conn: psycopg.Connection[tuple[object, ...]], tsv: bool
) -> None:
    python, copied = by_python(conn, SQL, COLUMNS, tsv), by_copy(conn, SQL, COLUMNS, tsv)
    want, got = cells(python, tsv), cells(copied, tsv)
    assert got[0] == want[0] == [c.name for c in COLUMNS]
    assert len(got) == len(want) == 61
    for line, (expected, actual) in enumerate(zip(want[1:], got[1:], strict=True), start=1):
        assert len(actual) == len(expected), (line, actual)
        for column, a, b in zip(COLUMNS, expected, actual, strict=True):
            where = f"row {line} column {column.name}: python {a!r}, copy {b!r}"
            if column.name in FLOATS:
                assert same_float(a, b), where
            elif column.name in FLOAT_ARRAYS:
                assert len(a.split()) == len(b.split()), where
                assert all(map(same_float_element, a.split(), b.split())), where
            else:
                assert a == b, where
    # everything but float spellings is byte for byte the same (quoting, CRLF, escapes)
    exact = [c for c in COLUMNS if c.name not in FLOATS | FLOAT_ARRAYS]
    plain = "SELECT " + ", ".join(c.name for c in exact) + f" FROM ({SQL}) AS t"
    assert by_copy(conn, plain, exact, tsv) == by_python(conn, plain, exact, tsv)


def same_float_element(want: str, got: str) -> bool:
    return want == got or (want == got + ".0") or same_float(want, got)


@pytest.mark.parametrize("tsv", [False, True], ids=["csv", "tsv"])
def test_a_one_column_result_quotes_empty_cells_as_python_does(
    conn: psycopg.Connection[tuple[object, ...]], tsv: bool
) -> None:
    sql = (
        "SELECT CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'x' || i END AS t "
        "FROM generate_series(1, 9) AS g(i) ORDER BY i"
    )
    columns = [OutputColumn("t", "char", "*")]
    assert by_copy(conn, sql, columns, tsv) == by_python(conn, sql, columns, tsv)
    if not tsv:
        assert b'\r\n""\r\n' in by_copy(conn, sql, columns, tsv)


def test_types_copy_cannot_spell_fall_back(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    plan = DelimitedCopy()
    cases = [
        ("SELECT ARRAY[1, 2]::int4[] AS a", OutputColumn("a", "int", "2")),  # padded by Python
        ("SELECT ARRAY[1, 2]::int4[] AS a", OutputColumn("a", "int", "4*")),  # cut by Python
        ("SELECT ARRAY['a']::text[] AS a", OutputColumn("a", "char", "*")),
        ("SELECT interval '1 day' AS a", OutputColumn("a", "char", "*")),
        ("SELECT 1::int4 AS a", OutputColumn("a", "double")),  # numpy would write 1.0
        ("SELECT 1.5::float8 AS a", OutputColumn("a", "float")),  # a narrowing cast
        ("SELECT true AS a", OutputColumn("a", "boolean", "*")),
    ]
    for sql, column in cases:
        types = describe_types(conn, sql.encode())
        assert plan.statement(sql, [column], types) is None, (sql, column)
    types = describe_types(conn, b"SELECT 1::int4 AS a")
    assert plan.statement("SELECT 1::int4 AS a", [OutputColumn("a", "int")], types)
