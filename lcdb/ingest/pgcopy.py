"""PostgreSQL binary COPY rows encoded straight from numpy arrays.

psycopg's own dumpers adapt a Python list element by element; a lightcurve has tens of
thousands of elements, so arrays are encoded here with one vectorised numpy pass instead
(`COPY ... FROM STDIN (FORMAT binary)`, PostgreSQL docs "COPY", section "Binary Format").
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
TRAILER = struct.pack("!h", -1)

# element type oid and big-endian element dtype of each array type we write
_ARRAY_TYPES: dict[str, tuple[int, str]] = {
    "float8": (701, ">f8"),
    "int4": (23, ">i4"),
    "int8": (20, ">i8"),
}
_SCALAR_FORMATS = {"int2": "!h", "int4": "!i", "int8": "!q", "float8": "!d"}

Value = np.ndarray | int | float | None


def encode_array(values: np.ndarray, element: str) -> bytes:
    """A one-dimensional array without NULLs (NaN is a value) in PostgreSQL's binary format."""
    oid, dtype = _ARRAY_TYPES[element]
    width = np.dtype(dtype).itemsize
    # ndim, has-nulls flag, element oid, then (length, lower bound) per dimension
    header = struct.pack("!iiiii", 1, 0, oid, values.size, 1)
    buffer = bytearray(len(header) + values.size * (4 + width))
    buffer[: len(header)] = header
    # Filling a buffer in place is ~7x faster than building a structured array and tobytes().
    items = np.frombuffer(buffer, dtype=[("length", ">i4"), ("value", dtype)], offset=len(header))
    items["length"] = width
    items["value"] = values
    return bytes(buffer)


def encode_row(values: Sequence[Value], types: Sequence[str]) -> bytes:
    """One tuple of a binary COPY stream; `types` are 'int8', 'float8[]'... per field."""
    parts = [struct.pack("!h", len(values))]
    for value, kind in zip(values, types, strict=True):
        if value is None:
            parts.append(struct.pack("!i", -1))
            continue
        if kind.endswith("[]"):
            data = encode_array(np.asarray(value), kind[:-2])
        else:
            data = struct.pack(_SCALAR_FORMATS[kind], value)
        parts.append(struct.pack("!i", len(data)))
        parts.append(data)
    return b"".join(parts)


def encode_stream(rows: Iterable[Sequence[Value]], types: Sequence[str]) -> bytes:
    """A whole binary COPY stream (header, rows, trailer)."""
    return HEADER + b"".join(encode_row(row, types) for row in rows) + TRAILER
