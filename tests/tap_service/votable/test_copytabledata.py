"""TABLEDATA from ``COPY (FORMAT csv)`` says what the Python TABLEDATA writer says, for every type.

The reference is `write_tabledata` fed by a psycopg cursor, as the service ran before; the
candidate is `TabledataCopy`'s statement read through `CopyOut` and written by
`copy_tabledata`. Documents are byte-identical except float spellings, which must hold the
same value (see `votable.copytext`); the types of test_copytext plus what TABLEDATA adds:
markup and XML-illegal characters in strings, line breaks inside a cell (the one case COPY
quotes), fixed-size and bounded arrays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from astropy.io.votable.exceptions import W46, W55
from sqlalchemy.engine import make_url

from adql import OutputColumn
from tap_service.copyout import CopyOut
from tap_service.execute import json_as_text
from tap_service.votable import (
    BatchSource,
    CopyRows,
    Info,
    TabledataCopy,
    copy_tabledata,
    describe_types,
    write_tabledata,
)
from tap_service.votable.document import InfoLike

from .helpers import read
from .test_copytext import EXPRESSIONS as TEXT_EXPRESSIONS
from .test_copytext import FLOAT_ARRAYS as TEXT_FLOAT_ARRAYS
from .test_copytext import FLOATS, same_float, same_float_element

MARKUP = "E'<a href=\"x\">&amp; b &lt; c > d</a> \\x01 \\x02 \\x08 \\x0b \\x0c \\x1f \\x7f'"
# What only TABLEDATA spells specially, or what only it accepts through COPY.
TABLEDATA_EXPRESSIONS: list[tuple[str, OutputColumn]] = [
    (
        f"CASE i % 6 WHEN 0 THEN {MARKUP} WHEN 1 THEN E'\\n' WHEN 2 THEN E'cr\\ronly' "
        "WHEN 3 THEN chr(65534) || 'x' || chr(65535) || chr(65533) "
        "WHEN 4 THEN E'tab\\there \\\\N \\\\. \"' ELSE E'\\r\\n' || i || E'\\n' END",
        OutputColumn("markup", "char", "*"),
    ),
    (
        "CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '&'::bpchar(4) WHEN 2 THEN E'<\\n'::bpchar(3) "
        "ELSE ('a' || i)::bpchar(5) END",
        OutputColumn("padded", "char", "5"),
    ),
    ("'<' || i::text || '>'", OutputColumn("varchar", "unicodeChar", "8*")),
    (  # every C0 control (but NUL, which text cannot hold), and U+FFFD to U+10010
        "'a' || chr(CASE WHEN i <= 40 THEN i ELSE 65492 + i END) || 'z'",
        OutputColumn("one_char", "unicodeChar", "*"),
    ),
    (
        "CASE i % 8 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::float8[] "
        "WHEN 2 THEN ARRAY[1.5, NULL]::float8[] WHEN 3 THEN ARRAY[1, 2, 3]::float8[] "
        "WHEN 4 THEN ARRAY[[1.25, 2.0], [3.0, 4.5]]::float8[] "
        "WHEN 5 THEN ARRAY['NaN', 'Infinity', '-Infinity', 7, 8]::float8[] "
        "WHEN 6 THEN ARRAY[[i]]::float8[] ELSE ARRAY[i / 3.0, i, i * 1e20]::float8[] END",
        OutputColumn("fixed_d", "double", "3"),
    ),
    (
        "CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[i * 0.1]::float4[] "
        "WHEN 2 THEN ARRAY[i, i, i]::float4[] ELSE ARRAY[i * 0.5, NULL]::float4[] END",
        OutputColumn("fixed_f", "float", "2"),
    ),
    (
        "CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::int4[] WHEN 2 THEN ARRAY[i, NULL]::int4[] "
        "WHEN 3 THEN ARRAY[[1, 2], [3, 4]]::int4[] ELSE ARRAY[i, i + 1, i + 2, i + 3]::int4[] END",
        OutputColumn("fixed_i", "int", "2x2"),
    ),
    ("ARRAY[i, -i]::int2[]", OutputColumn("fixed_s_as_long", "long", "2")),
    (
        "CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::float8[] WHEN 2 THEN ARRAY[i]::float8[] "
        "WHEN 3 THEN ARRAY[[1.5, 2], [3, 4]]::float8[] ELSE ARRAY[i, i + 1, i + 2]::float8[] END",
        OutputColumn("bounded_d", "double", "2*"),
    ),
    (
        "CASE WHEN i % 3 = 0 THEN NULL ELSE ARRAY[i, NULL, i * 1000000000000]::int8[] END",
        OutputColumn("bounded_l", "long", "2*"),
    ),
]
EXPRESSIONS = TEXT_EXPRESSIONS + TABLEDATA_EXPRESSIONS
SQL = (
    "SELECT "
    + ", ".join(f"{expression} AS {column.name}" for expression, column in EXPRESSIONS)
    + " FROM generate_series(1, 60) AS g(i) ORDER BY g.i"
)
COLUMNS = [column for _, column in EXPRESSIONS]
FLOAT_ARRAYS = TEXT_FLOAT_ARRAYS | {"fixed_d", "fixed_f", "bounded_d"}
INFOS: list[InfoLike] = [Info("QUERY", "", "SELECT <x> & y"), ("REQUEST", "doQuery", None)]
ROW = re.compile(rb"<TR>(.*?)</TR>\n", re.DOTALL)
CELL = re.compile(rb"<TD/>|<TD>(.*?)</TD>", re.DOTALL)


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    url = make_url(fresh_database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        json_as_text(conn)  # as the service's cursors read JSON
        yield conn


def by_python(
    conn: psycopg.Connection[tuple[object, ...]],
    sql: str,
    columns: list[OutputColumn],
    *,
    overflow: bool = False,
) -> bytes:
    rows = conn.execute(sql).fetchall()
    source = BatchSource.of_rows(rows, size=7, overflow=overflow)
    return b"".join(write_tabledata(columns, source, infos=INFOS))


def by_copy(
    conn: psycopg.Connection[tuple[object, ...]],
    sql: str,
    columns: list[OutputColumn],
    *,
    row_limit: int | None = None,
) -> bytes:
    types = describe_types(conn, sql.encode())
    statement = TabledataCopy().statement(sql, columns, types)
    assert statement is not None, "these types should go through COPY"
    conn.execute("SET extra_float_digits = 1")  # as the executor does for text plans
    copy = CopyOut(conn, statement.sql.encode())
    source = CopyRows(copy.batches(7), types, row_limit=row_limit, binary=False)
    return b"".join(copy_tabledata(columns, source, infos=INFOS))


def split(body: bytes) -> tuple[bytes, list[list[bytes | None]], bytes]:
    """(the head, each row's cells, None for `<TD/>`, the tail) of a TABLEDATA document."""
    start, end = body.index(b"<TR>"), body.rindex(b"</TR>\n") + len(b"</TR>\n")
    rows = ROW.findall(body[start:end])
    assert b"".join(b"<TR>" + row + b"</TR>\n" for row in rows) == body[start:end]
    cells = [
        [m.group(1) if m.group(0) != b"<TD/>" else None for m in CELL.finditer(row)] for row in rows
    ]
    assert all(
        b"".join(b"<TD/>" if c is None else b"<TD>" + c + b"</TD>" for c in row) == raw
        for row, raw in zip(cells, rows, strict=True)
    )
    return body[:start], cells, body[end:]


def test_copy_tabledata_says_what_the_python_writer_says(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    python, copied = by_python(conn, SQL, COLUMNS), by_copy(conn, SQL, COLUMNS)
    want_head, want, want_tail = split(python)
    got_head, got, got_tail = split(copied)
    assert got_head == want_head
    assert got_tail == want_tail == b"</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n"
    assert len(got) == len(want) == 60
    for line, (expected, actual) in enumerate(zip(want, got, strict=True), start=1):
        assert len(actual) == len(expected) == len(COLUMNS), (line, actual)
        for column, a, b in zip(COLUMNS, expected, actual, strict=True):
            where = f"row {line} column {column.name}: python {a!r}, copy {b!r}"
            if a is None or b is None:
                assert a is b, where
            elif column.name in FLOATS:
                assert same_float(a.decode(), b.decode()), where
            elif column.name in FLOAT_ARRAYS:
                assert len(a.split()) == len(b.split()), where
                assert all(map(same_float_element, a.decode().split(), b.decode().split())), where
            else:
                assert a == b, where
    # everything but float spellings is byte for byte the same (escapes, line breaks, padding)
    exact = [c for c in COLUMNS if c.name not in FLOATS | FLOAT_ARRAYS]
    plain = "SELECT " + ", ".join(c.name for c in exact) + f" FROM ({SQL}) AS t"
    assert by_copy(conn, plain, exact) == by_python(conn, plain, exact)
    assert b"\r\n" in copied and b"&amp;amp;" in copied and b"\x01" not in copied
    # astropy reads it (test_copytext has values longer than their arraysize, and non-ASCII
    # text in `char` FIELDs, as the Python writer writes them)
    table = read(copied, allow=(W46, W55)).get_first_table()
    assert len(table.array) == 60


def test_the_copy_says_overflow_after_the_rows_like_the_python_writer(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    exact = [c for c in COLUMNS if c.name not in FLOATS | FLOAT_ARRAYS]
    plain = "SELECT " + ", ".join(c.name for c in exact) + f" FROM ({SQL}) AS t"
    copied = by_copy(conn, plain + " LIMIT 11", exact, row_limit=10)
    assert copied == by_python(conn, plain + " LIMIT 10", exact, overflow=True)
    assert copied.endswith(
        b'</TABLE>\n<INFO name="QUERY_STATUS" value="OVERFLOW"/>\n</RESOURCE>\n</VOTABLE>\n'
    )
    empty = by_copy(conn, plain + " LIMIT 0", exact)
    assert empty == by_python(conn, plain + " LIMIT 0", exact)
    assert b"<TABLEDATA>\n</TABLEDATA>" in empty


def test_types_copy_cannot_spell_fall_back(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    plan = TabledataCopy()
    cases = [
        ("SELECT ARRAY[true]::bool[] AS a", OutputColumn("a", "boolean", "1")),
        ("SELECT ARRAY[true]::bool[] AS a", OutputColumn("a", "boolean", "*")),
        ("SELECT ARRAY['a']::text[] AS a", OutputColumn("a", "char", "*")),
        ("SELECT ARRAY['a']::text[] AS a", OutputColumn("a", "char", "2x3")),
        ("SELECT ARRAY[1.5]::numeric[] AS a", OutputColumn("a", "double", "2")),
        ("SELECT ARRAY[1.5]::float8[] AS a", OutputColumn("a", "float", "2")),  # narrowing
        ("SELECT ARRAY[1]::int4[] AS a", OutputColumn("a", "double", "2")),  # numpy: 1.0
        ("SELECT interval '1 day' AS a", OutputColumn("a", "char", "*")),
        ("SELECT 1::int4 AS a", OutputColumn("a", "double")),
        ("SELECT 1.5::float8 AS a", OutputColumn("a", "float")),
    ]
    for sql, column in cases:
        types = describe_types(conn, sql.encode())
        assert plan.statement(sql, [column], types) is None, (sql, column)
    sql = "SELECT 1::int4 AS a, 'x'::text AS b"
    types = describe_types(conn, sql.encode())
    columns = [OutputColumn("a", "int"), OutputColumn("b", "char", "*")]
    assert plan.statement(sql, columns, types)
    assert plan.statement(sql, columns[:1], types) is None  # a column count that disagrees
