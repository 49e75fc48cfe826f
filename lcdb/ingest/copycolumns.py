"""Binary COPY rows for many records at once, from aligned numpy columns.

`lcdb.ingest.pgcopy` encodes one row at a time (right for a lightcurve: one row of long
arrays). A catalogue load is the opposite, a million short rows of scalars, where a Python
call per row would dominate. Every field here has a fixed width (or is NULL in every row), so
a whole batch is one numpy structured array -- field count, then length and big-endian value
per field -- filled column by column and sent as bytes (PostgreSQL docs, "COPY", "Binary
Format").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lcdb.ingest.pgcopy import HEADER, TRAILER

# big-endian wire type of each PostgreSQL scalar type
WIRE_TYPES = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8"}


def encode_columns(columns: Sequence[tuple[np.ndarray | None, str]]) -> bytes:
    """The tuples of a binary COPY stream (no header or trailer) for aligned columns.

    Each column is (values, PostgreSQL type) or (None, type) for a column that is NULL in
    every row. NaN stays a value.
    """
    rows = {len(values) for values, _ in columns if values is not None}
    if len(rows) != 1:
        raise ValueError(f"columns must be aligned and not all NULL, got lengths {rows}")
    count = rows.pop()
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for index, (values, kind) in enumerate(columns):
        fields.append((f"length{index}", ">i4"))
        if values is not None:
            fields.append((f"value{index}", WIRE_TYPES[kind]))
    table = np.empty(count, dtype=np.dtype(fields))
    table["count"] = len(columns)
    for index, (values, kind) in enumerate(columns):
        if values is None:
            table[f"length{index}"] = -1
        else:
            table[f"length{index}"] = np.dtype(WIRE_TYPES[kind]).itemsize
            table[f"value{index}"] = values
    return table.tobytes()


def encode_stream(columns: Sequence[tuple[np.ndarray | None, str]]) -> bytes:
    """A whole binary COPY stream (header, rows, trailer)."""
    return HEADER + encode_columns(columns) + TRAILER
