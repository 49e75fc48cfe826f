"""VOTable TABLEDATA straight from ``COPY (FORMAT csv)``: PostgreSQL writes every `<TR>`.

Why: `TabledataEncoder` formats each cell in Python and ran TABLEDATA over HTTP at 0.07-0.10
of the binary COPY rate (bench/stream_http.py, 1M rows: 4 columns 3.5 s, 10 columns 20.8 s,
nearly all of it server CPU). Here the query is wrapped in a SELECT that spells each row's
complete ``<TR><TD>…</TD>…</TR>`` line as the Python writer does, and Python only passes the
lines on between the document head and tail (`writer.framed`, shared with `write_tabledata`:
OVERFLOW after the rows, or the DATA closed and a QUERY_STATUS=ERROR INFO when reading fails
midway).

Each cell is `copytext.cell_sql`'s text, the one the CSV path writes (so the float spellings
follow its documented rules: the same value, perhaps another exponent spelling or last
digit), inside ``<TD>…</TD>``, and ``<TD/>`` when NULL. What TABLEDATA adds:

* strings of text types are XML-escaped as `fields.xml_text` does: the characters XML 1.0
  cannot carry (`fields._ILLEGAL_XML`: C0 controls but TAB, LF and CR; U+FFFE, U+FFFF)
  become ``?``, then ``&``, ``<``, ``>`` become entities. TAB, LF and CR stay as they are,
  as the Python writer leaves them. (uuids, dates, timestamps and integers never need it.)
* fixed-size numeric arrays are cut or padded to their size (NaN for floats, 0 for
  integers) and a NULL one is all padding (`cell_texts(fill_fixed=True)`: TABLEDATA has no
  NULL of fixed length); bounded ones (``n*``) are cut to n elements.

The COPY is ``FORMAT csv`` with one column, whose delimiter (0x02) and quote (0x01) are
characters the escaping has already turned into ``?``: a line is quoted only when it holds
a CR or LF (inside a string), and then it is the whole line between two 0x01 bytes with
nothing escaped inside, so removing every 0x01 of a batch restores it.

Anything `cell_sql` cannot spell (boolean arrays, text arrays, intervals, narrowing casts...)
makes the plan return None, and the result comes from the cursor and `write_tabledata`.

Measured (bench/stream_http.py --formats votable/td --rounds 2: 1M rows, 2 cores shared
with other work, load average 1.3-2.4), cursor and Python writer -> this COPY:

* 4 columns: 3.54 s, x0.10 of binary COPY, server CPU 3.03 s -> 0.69 s, x0.33, CPU 0.41 s;
* 10 columns: 20.84 s, x0.07, CPU 18.85 s -> 3.91 s, x0.35, CPU 0.99 s.

What is left is mostly PostgreSQL spelling the cells: this COPY of the 10-column query takes
0.63 s per 200k rows where CSV's (`DelimitedCopy`, the same cells) takes 0.51 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from adql import OutputColumn
from tap_service.votable.copybatch import CopyBatch
from tap_service.votable.copyplan import CopyStatement
from tap_service.votable.copytext import JSON_TYPES, cell_sql
from tap_service.votable.document import (
    CooSys,
    Descriptor,
    InfoLike,
    Serialization,
    TimeSys,
    head,
)
from tap_service.votable.fields import _ILLEGAL_XML
from tap_service.votable.pgcopy import PG_TEXTS, CopySource
from tap_service.votable.shapes import Shape, shape_of
from tap_service.votable.writer import framed

#: PostgreSQL array types and their element types (for the padding of fixed-size arrays).
_ELEMENTS = {1005: "int2", 1007: "int4", 1016: "int8", 1021: "float4", 1022: "float8"}
#: The characters `fields.xml_text` writes as "?" (NUL cannot occur in a text value), as
#: PostgreSQL string escapes; `translate` replaces them, only in strings that a regular
#: expression finds one in: translate scans its whole list for every character, and on
#: every string it made the COPY of bench/stream_http.py's 10-column query twice as long
#: (200k rows: 1.25 s, with the test first 0.63 s; CSV's COPY of the same cells 0.51 s).
_CODES = "".join(f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04X}" for c in sorted(_ILLEGAL_XML) if c)
_ILLEGAL = f"E'{_CODES}'"
_ILLEGAL_PATTERN = f"E'[{_CODES}]'"
_QUESTION_MARKS = "'" + "?" * (len(_ILLEGAL_XML) - 1) + "'"
QUOTE = b"\x01"


@dataclass(frozen=True, slots=True)
class TabledataCopy:
    """The `CopyPlan` of TABLEDATA: one ``<TR>`` line per row from ``COPY (FORMAT csv)``."""

    binary: bool = False

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> CopyStatement | None:
        if len(columns) != len(pg_types) or not columns:
            return None
        names = [f"c{i}" for i in range(len(columns))]
        cells = []
        for name, column, oid in zip(names, columns, pg_types, strict=True):
            cell = td_sql(shape_of(column), oid, name)
            if cell is None:
                return None
            cells.append(cell)
        row = " || ".join(["'<TR>'", *cells, "'</TR>'"])
        inner = f"SELECT {row} FROM ({sql}) AS q({', '.join(names)})"
        options = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"
        return CopyStatement(f"COPY ({inner}) TO STDOUT ({options})", tuple(pg_types))


def td_sql(shape: Shape, oid: int, name: str) -> str | None:
    """The SQL of one ``<TD>`` element as `TabledataEncoder` writes it, or None."""
    if shape.is_string:
        text = cell_sql(shape, oid, name)
        if text is not None and (oid in PG_TEXTS or oid in JSON_TYPES):
            text = xml_text_sql(text)
    elif shape.scalar or (shape.fixed is None and shape.limit is None):
        text = cell_sql(shape, oid, name)
    else:
        sized = _sized_sql(shape, oid, name)
        text = (
            None if sized is None else cell_sql(replace(shape, fixed=None, limit=None), oid, sized)
        )
    if text is None:
        return None
    return f"COALESCE('<TD>' || {text} || '</TD>', '<TD/>')"


def xml_text_sql(text: str) -> str:
    """`fields.xml_text` in SQL: XML-illegal characters as ``?``, then ``&``, ``<``, ``>``."""
    cleaned = (
        f"CASE WHEN {text} ~ {_ILLEGAL_PATTERN} "
        f"THEN translate({text}, {_ILLEGAL}, {_QUESTION_MARKS}) ELSE {text} END"
    )
    return f"replace(replace(replace({cleaned}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _sized_sql(shape: Shape, oid: int, name: str) -> str | None:
    """A fixed-size array cut or padded to its size (all padding when NULL), or a bounded
    one cut to its bound, in row-major order (`texts._elements`); None for other types."""
    element = _ELEMENTS.get(oid)
    if element is None:
        return None
    size = shape.fixed if shape.fixed is not None else shape.limit
    assert size is not None
    first = (
        f"ARRAY(SELECT e FROM unnest({name}) WITH ORDINALITY AS u(e, k) ORDER BY k LIMIT {size})"
    )
    if shape.fixed is None:
        when = f"{name} IS NULL OR cardinality({name}) <= {size}"
        return f"(CASE WHEN {when} THEN {name} ELSE {first} END)"
    pad = f"array_fill(NULL::{element}, ARRAY[{size} - cardinality({name})])"
    return (
        f"(CASE WHEN {name} IS NULL THEN array_fill(NULL::{element}, ARRAY[{size}]) "
        f"WHEN cardinality({name}) = {size} THEN {name} "
        f"WHEN cardinality({name}) > {size} THEN {first} "
        f"ELSE {first} || {pad} END)"
    )


def copy_tabledata(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The TABLEDATA document of `source`'s ``<TR>`` lines (`TabledataCopy`'s statement):
    the bytes `write_tabledata` writes for the same rows."""
    start = head(columns, Serialization.TABLEDATA, tuple(infos), tuple(systems), descriptor)
    batches = source.copy_batches()
    body = map(_lines, batches)
    return framed(start.encode("utf-8"), body, batches, source, Serialization.TABLEDATA, descriptor)


def _lines(batch: CopyBatch) -> bytes:
    """A batch of COPY lines as they go out: a line COPY quoted (it holds a CR or LF) is the
    only place a 0x01 can be, so dropping them unquotes it."""
    data = bytes(batch.payload)
    if QUOTE in data:
        return data.replace(QUOTE, b"")
    return data
