"""CSV and TSV straight from ``COPY (FORMAT csv)``: PostgreSQL formats the cells.

Why: formatting cells in Python (`texts.cell_texts`, then the `csv` module) ran CSV at 0.06 of
the COPY rate; PostgreSQL's own CSV output of the same query is as fast as its binary COPY.
So for CSV and TSV the query is wrapped in a SELECT that spells every cell as the Python
writer (`delimited`) does, and the lines COPY sends are passed on unchanged:

* NULL is an empty cell, and so is an empty string or array (``NULLIF(cell, '')``: COPY
  would quote an empty string). A one-column CSV row, which Python's `csv` writes as ``""``
  when empty, gets ``COALESCE(cell, '')`` instead, which COPY writes as ``""``.
* booleans are ``T`` / ``F``; integers as PostgreSQL writes them (the same digits);
* floats are PostgreSQL's shortest text that reads back to the same value (as numpy's, the
  Python writer's, is), with ``.0`` after integral values as numpy writes them, and NaN,
  ``+Inf`` and ``-Inf`` spelled the VOTable way. The value is always the same and the text
  always reads as a float, but not always byte for byte: PostgreSQL switches to an exponent
  from 1e15 for doubles and 1e6 for floats (numpy from 1e16 and 1e8), and the two shortest-
  digit algorithms disagree on the last digit of a few values (measured: 136 of 3,000
  random doubles across 28 decades, 27 of 3,000 floats, all above 1e6 or beyond 1e15).
  Array elements are PostgreSQL's text as is (integral elements without ``.0``);
* arrays (one-dimensional or not, ``*`` without a bound) are their elements separated by
  single spaces, NULL elements as NaN (floats) or 0 (integers), as the Python writer pads;
* timestamps are ISO 8601 with a ``T`` (``timestamptz`` in UTC), microseconds only when not
  zero, as `datetime.isoformat`; dates ``YYYY-MM-DD``; uuids their canonical text;
* CSV quoting is RFC 4180 as both writers do it; COPY ends lines with LF, so CSV lines get
  the CRLF of the Python writer (a plain replace when no field of the batch is quoted, else
  line by line, since a quoted field may hold a newline).
* TSV: TAB, CR and LF in strings become one space each (the Python writer's rule), and
  COPY's CSV quoting is kept out of the way by choosing as quote character a control byte
  (0x01); the rare field that holds one is quoted by COPY and unquoted here.

Any other pair of FIELD and type (fixed or bounded arraysizes, text arrays, intervals,
narrowing casts...) makes the whole result fall back to the cursor and the Python writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from adql import OutputColumn
from tap_service.votable.copybatch import CopyBatch
from tap_service.votable.copyplan import CopyStatement
from tap_service.votable.delimited import csv_lines, tsv_lines
from tap_service.votable.document import CooSys, Descriptor, InfoLike, TimeSys
from tap_service.votable.pgcopy import PG_ARRAYS, PG_BOOL, PG_NUMBERS, PG_TEXTS, CopySource
from tap_service.votable.shapes import NUMERIC_DTYPES, Shape, shape_of

PG_UUID, PG_TIMESTAMP, PG_TIMESTAMPTZ, PG_DATE, PG_NUMERIC = 2950, 1114, 1184, 1082, 1700
#: json and jsonb: free text, as the strings are (XML-escaped in TABLEDATA).
JSON_TYPES = frozenset((114, 3802))
_FLOATS = frozenset((700, 701))
_ISO = "'YYYY-MM-DD\"T\"HH24:MI:SS'"


@dataclass(frozen=True, slots=True)
class DelimitedCopy:
    """The `CopyPlan` of CSV (`tsv=False`) or TSV: ``COPY (SELECT <cells> FROM (query))``."""

    tsv: bool = False
    binary: bool = False

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> CopyStatement | None:
        if len(columns) != len(pg_types) or not columns:
            return None
        names = [f"c{i}" for i in range(len(columns))]
        cells = []
        for name, column, oid in zip(names, columns, pg_types, strict=True):
            cell = cell_sql(shape_of(column), oid, name, tsv=self.tsv)
            if cell is None:
                return None
            cells.append(cell)
        if len(cells) == 1 and not self.tsv:
            wrapped = [f"COALESCE({cells[0]}, '')"]
        else:
            wrapped = [f"NULLIF({cell}, '')" for cell in cells]
        inner = f"SELECT {', '.join(wrapped)} FROM ({sql}) AS q({', '.join(names)})"
        options = "FORMAT csv"
        if self.tsv:
            options += ", DELIMITER E'\\t', QUOTE E'\\x01'"
        return CopyStatement(f"COPY ({inner}) TO STDOUT ({options})", tuple(pg_types))


def cell_sql(shape: Shape, oid: int, name: str, *, tsv: bool = False) -> str | None:
    """The SQL text expression of one cell as the Python writer spells it, or None."""
    if shape.is_string:
        text = string_sql(oid, name)
        if text is not None and tsv:
            return f"translate({text}, E'\\t\\r\\n', '   ')"
        return text
    if shape.datatype == "boolean":
        if shape.scalar and oid == PG_BOOL:
            return f"CASE WHEN {name} THEN 'T' WHEN NOT {name} THEN 'F' END"
        return None
    target = np.dtype(NUMERIC_DTYPES[shape.datatype])
    if shape.scalar:
        if oid == PG_NUMERIC and target == np.dtype(">f8"):
            return _float_sql(f"{name}::float8")
        source = PG_NUMBERS.get(oid)
        if source is None or not np.can_cast(source, target, casting="safe"):
            return None
        if oid == 700 and target == np.dtype(">f8"):  # the cursor reads float4's text as a double
            return _float_sql(f"{name}::text::float8")
        if oid in _FLOATS:
            return _float_sql(name, single=oid == 700)
        if target.kind == "f":
            return None  # an integer in a float FIELD: numpy would write 3.0
        return f"{name}::text"
    source = PG_ARRAYS.get(oid)
    if shape.fixed is not None or shape.limit is not None or source is None:
        return None
    if not np.can_cast(source, target, casting="safe"):
        return None
    if oid in (1021, 1022):
        joined = f"array_to_string({name}, ' ', 'NaN')"
        return f"replace(replace({joined}, '-Infinity', '-Inf'), 'Infinity', '+Inf')"
    if target.kind == "f":
        return None
    return f"array_to_string({name}, ' ', '0')"


def string_sql(oid: int, name: str) -> str | None:
    """A cell as the text the Python writers make of the cursor's value (`shapes.as_text`)."""
    if oid == 1042:  # bpchar: a cast to text would drop the padding psycopg keeps, and
        return f"CASE WHEN {name} IS NOT NULL THEN concat({name}) END"  # concat(NULL) is ''"
    if oid in PG_TEXTS:
        return f"{name}::text"
    if oid in (PG_UUID, 21, 23, 20):
        return f"{name}::text"
    if oid in JSON_TYPES:  # the cursor reads JSON as its text too (`execute`)
        return f"{name}::text"
    if oid == PG_TIMESTAMP:
        return _iso_sql(name)
    if oid == PG_TIMESTAMPTZ:
        return _iso_sql(f"({name} AT TIME ZONE 'UTC')")
    if oid == PG_DATE:
        return f"to_char({name}, 'YYYY-MM-DD')"
    return None


def _iso_sql(value: str) -> str:
    """`datetime.isoformat`: seconds always, ``.ffffff`` only when there are microseconds."""
    fraction = f"CASE WHEN date_part('microseconds', {value})::int8 % 1000000 = 0 THEN ''"
    return f"to_char({value}, {_ISO}) || {fraction} ELSE to_char({value}, '.US') END"


def _float_sql(value: str, *, single: bool = False) -> str:
    """A float cell: PostgreSQL's shortest text, ``.0`` after an integral value printed
    without exponent (as numpy does, so the text always reads as a float), VOTable
    spellings of the infinities (NaN is spelled alike)."""
    positional = "1e6" if single else "1e15"  # where float4out / float8out switch to e-notation
    return (
        f"CASE WHEN {value} = trunc({value}) AND abs({value}) < {positional} "
        f"THEN {value}::text || '.0' "
        f"WHEN {value} = 'Infinity' THEN '+Inf' WHEN {value} = '-Infinity' THEN '-Inf' "
        f"ELSE {value}::text END"
    )


def copy_csv(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The CSV of `source`'s lines (`DelimitedCopy()`'s statement): header, then CRLF lines."""
    header = csv_lines([[c.name for c in columns]]).encode("utf-8")
    return _chunks(header, source, _crlf)


def copy_tsv(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The TSV of `source`'s lines (`DelimitedCopy(tsv=True)`'s statement)."""
    header = tsv_lines([[c.name for c in columns]]).encode("utf-8")
    return _chunks(header, source, _tsv)


def _crlf(lines: CopyBatch) -> bytes:
    data = bytes(lines.payload)
    if b'"' not in data:  # no quoted field, so every LF ends a line
        return data.replace(b"\n", b"\r\n")
    return b"\r\n".join([line[:-1] for line in lines]) + b"\r\n"


def _tsv(lines: CopyBatch) -> bytes:
    data = bytes(lines.payload)
    if b"\x01" not in data:
        return data
    return b"".join(_unquoted(line) for line in lines)


def _unquoted(line: bytes) -> bytes:
    """A TSV line with the fields COPY quoted (those holding the quote byte) unquoted."""
    if b"\x01" not in line:
        return line
    fields = line[:-1].split(b"\t")  # no field holds a TAB
    return (
        b"\t".join(
            f[1:-1].replace(b"\x01\x01", b"\x01") if f.startswith(b"\x01") else f for f in fields
        )
        + b"\n"
    )


def _chunks(header: bytes, source: CopySource, join: object) -> Iterator[bytes]:
    assert callable(join)
    yield header
    batches = source.copy_batches()
    try:
        for batch in batches:
            if batch:
                yield join(batch)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
