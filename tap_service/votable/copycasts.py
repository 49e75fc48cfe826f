"""Casts in SQL that let COPY BINARY carry the column types the numpy decoders do not read.

The BINARY2 transcoder and the VOParquet decoder (`pgcopy`, `parquet`) read integers,
floats, booleans, text and numeric arrays from COPY BINARY. The archive also publishes
uuids, timestamps with time zone, dates, numeric and jsonb, which the Python writers get as
Python objects from the cursor and write as text or numbers (`shapes.as_text`, `as_number`).
Rather than decode those binary layouts in Python, the COPY asks PostgreSQL for what the
Python writers make of them: the same text (`copytext.string_sql`: canonical uuids, ISO 8601
times in UTC as `datetime.isoformat` spells them, JSON text) or, for numeric in a floating
FIELD, ``float8`` (`float(Decimal)` and PostgreSQL's numeric to float8 both round correctly;
a float FIELD then rounds that double to single precision, as numpy does). Any other pair
leaves the result to the cursor.
"""

from __future__ import annotations

from adql import OutputColumn
from tap_service.votable.copyplan import BinaryCopy
from tap_service.votable.copytext import PG_NUMERIC, string_sql
from tap_service.votable.pgcopy import supported_pair, transcodable
from tap_service.votable.shapes import shape_of

PG_TEXT, PG_FLOAT4, PG_FLOAT8 = 25, 700, 701


def binary_cell(column: OutputColumn, oid: int, name: str) -> tuple[str, int] | None:
    """The cell as COPY BINARY should send it for `column`'s FIELD, and its type."""
    shape = shape_of(column)
    if supported_pair(shape, oid):
        return name, oid
    if shape.is_string:
        text = string_sql(oid, name)
        return None if text is None else (text, PG_TEXT)
    if shape.scalar and oid == PG_NUMERIC:
        if shape.datatype == "double":
            return f"{name}::float8", PG_FLOAT8
        if shape.datatype == "float":
            return f"{name}::float8::float4", PG_FLOAT4
    return None


#: The `CopyPlan` of the BINARY2 transcoder and of the VOParquet writer.
BINARY_COPY = BinaryCopy(transcodable, binary_cell)
