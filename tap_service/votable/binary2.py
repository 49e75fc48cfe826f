"""BINARY2 rows (VOTable 1.4 §5.4), encoded a batch at a time with numpy.

A row is ⌈N/8⌉ null-flag bytes (MSB of the first byte = first column, set = NULL) followed by
every cell in the BINARY layout: big-endian fixed-size numbers, booleans as the bytes
`T`/`F`/`?`, strings and variable arrays as an int32 element count then the elements,
fixed-size arrays padded (NaN for floats, 0 otherwise; strings with NUL).

Why numpy and not per-cell `struct.pack`: per-cell Python work costs ~0.3 µs a cell, which for
a 10-column result is slower than the database (see bench/stream.py for numbers). Here each
column of a batch becomes one big-endian array with a single numpy conversion; variable-length
cells (strings, `*` arrays) become a length vector plus one concatenated byte array; the rows
are then assembled by copying every column into one buffer at computed offsets
(`segments`), so the Python-level work per batch is a fixed number of calls per column.
The remaining cost is psycopg's Python row objects; `pgcopy` avoids them altogether.

Text: `char` is 7-bit ASCII in VOTable 1.4, so non-ASCII characters in a `char` column are
written as `?` (one byte per character is kept; declare the column `unicodeChar` to keep the
text). `unicodeChar` is UCS-2 big-endian: characters outside the BMP, which UCS-2 cannot
hold, are written as `?` too.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from adql import OutputColumn
from tap_service.votable.segments import move, scatter
from tap_service.votable.shapes import (
    NUMERIC_DTYPES,
    Shape,
    as_number,
    as_text,
    flatten,
    shape_of,
)

_U1 = np.dtype(np.uint8)
_BOOL_BYTE: dict[object, int] = {True: 84, False: 70, None: 63}  # T, F, ?
_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Var:
    """A variable-length part of every row: byte length per row, and where the bytes are.

    The bytes of row i are `data[starts[i]:][:lengths[i]]`; without `starts` they are
    concatenated in row order. (`starts` lets a caller point into a buffer it already has.)
    """

    lengths: np.ndarray
    data: np.ndarray
    starts: np.ndarray | None = None


# A fixed-width part of every row is an (n, width) uint8 array.
Piece = np.ndarray | Var


class Binary2Encoder:
    """Turns batches of row tuples into raw (not yet base64) BINARY2 bytes."""

    def __init__(self, columns: Sequence[OutputColumn]) -> None:
        self.shapes = tuple(shape_of(c) for c in columns)

    def encode(self, rows: Sequence[Sequence[object]]) -> np.ndarray:
        """The raw BINARY2 bytes of `rows`, as a uint8 array."""
        n = len(rows)
        if n == 0:
            return np.zeros(0, dtype=_U1)
        columns = list(zip(*rows, strict=True))
        if len(columns) != len(self.shapes):
            raise ValueError(
                f"rows have {len(columns)} cells, the table {len(self.shapes)} columns"
            )
        nulls = np.zeros((n, len(self.shapes)), dtype=bool)
        pieces: list[Piece] = []
        for index, (shape, values) in enumerate(zip(self.shapes, columns, strict=True)):
            mask = _null_mask(shape, values)
            if mask is not None:
                nulls[:, index] = mask
            pieces.extend(encode_column(shape, values, n, mask))
        return assemble([np.packbits(nulls, axis=1), *pieces], n)


def _null_mask(shape: Shape, values: Sequence[object]) -> np.ndarray | None:
    """Where `values` is None, or None when nothing is (the common, cheap case)."""
    if shape.scalar and None not in values:  # C-speed scan; scalars never compare as arrays
        return None
    mask = np.fromiter(map(operator.is_, values, repeat(None)), dtype=bool, count=len(values))
    return mask if mask.any() else None


def encode_column(
    shape: Shape, values: Sequence[object], n: int, mask: np.ndarray | None
) -> list[Piece]:
    if shape.is_string:
        return _strings(shape, values, n)
    if shape.scalar:
        return [_fixed(_numbers(shape, values, mask), n)]
    return _arrays(shape, values, n)


def _numbers(shape: Shape, values: Sequence[object], mask: np.ndarray | None) -> np.ndarray:
    """One scalar column as a big-endian array; NULLs as 0 / NaN (their flag says NULL)."""
    if shape.datatype == "boolean":
        return np.frombuffer(bytes(map(_BOOL_BYTE.__getitem__, values)), dtype=_U1)
    fill: object = float("nan") if shape.is_float else 0
    if mask is not None:
        values = [fill if v is None else v for v in values]
    return _to_array(values, NUMERIC_DTYPES[shape.datatype], fill)


def _to_array(values: Sequence[object], dtype: str, fill: object) -> np.ndarray:
    try:
        return np.array(values, dtype=dtype)
    except TypeError:  # Decimal into an integer type, or None elements inside arrays
        return np.array([fill if v is None else as_number(v) for v in values], dtype=dtype)


def _fixed(array: np.ndarray, n: int) -> np.ndarray:
    return np.ascontiguousarray(array).view(_U1).reshape(n, -1)


def counts(lengths: np.ndarray, n: int) -> np.ndarray:
    return _fixed(lengths.astype(">i4"), n)


def _strings(shape: Shape, values: Sequence[object], n: int) -> list[Piece]:
    texts = ["" if v is None else v if v.__class__ is str else as_text(v) for v in values]
    width = shape.fixed
    if width is not None:
        texts = [t[:width].ljust(width, "\0") for t in texts]
    elif shape.limit is not None:
        texts = [t[: shape.limit] for t in texts]
    joined = "".join(texts)
    if shape.datatype == "char":
        data, unit = joined.encode("ascii", "replace"), 1
    else:
        if joined and max(joined) > "\uffff":
            texts = [_NON_BMP.sub("?", t) for t in texts]
            joined = "".join(texts)
        data, unit = joined.encode("utf-16-be", "surrogatepass"), 2
    array = np.frombuffer(data, dtype=_U1)
    if width is not None:
        return [array.reshape(n, width * unit)]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    return [counts(lengths, n), Var(lengths * unit, array)]


def _arrays(shape: Shape, values: Sequence[object], n: int) -> list[Piece]:
    cells = [_elements(v) for v in values]
    if shape.fixed is not None:
        size = shape.fixed
        pad: object = (
            float("nan") if shape.is_float else (None if shape.datatype == "boolean" else 0)
        )
        cells = [c[:size] + [pad] * (size - len(c)) if len(c) != size else c for c in cells]
    elif shape.limit is not None:
        cells = [c[: shape.limit] for c in cells]
    flat = list(chain.from_iterable(cells))
    if shape.datatype == "boolean":
        data = np.frombuffer(bytes(_BOOL_BYTE[None if v is None else bool(v)] for v in flat), _U1)
        item = 1
    else:
        fill = float("nan") if shape.is_float else 0
        array = _to_array(flat, NUMERIC_DTYPES[shape.datatype], fill)
        data, item = array.view(_U1), array.itemsize
    if shape.fixed is not None:
        return [data.reshape(n, -1)]
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=n)
    return [counts(lengths, n), Var(lengths * item, data)]


def _elements(value: object) -> list[object]:
    if value is None:
        return []
    if value.__class__ is list and (not value or value[0].__class__ is not list):
        return value  # checked: a flat list, as psycopg returns
    return flatten(value)


def assemble(pieces: list[Piece], n: int) -> np.ndarray:
    """Interleave the column pieces row by row into one byte buffer."""
    merged: list[Piece] = []
    run: list[np.ndarray] = []
    for piece in pieces:  # each run of fixed-width pieces becomes one (n, w) block
        if isinstance(piece, np.ndarray):
            run.append(piece)
            continue
        if run:
            merged.append(np.hstack(run))
            run = []
        merged.append(piece)
    if run:
        merged.append(np.hstack(run))
    if len(merged) == 1 and isinstance(merged[0], np.ndarray):
        return merged[0].ravel()  # every cell fixed-width: rows are plain blocks
    row_bytes = np.zeros(n, dtype=np.int64)
    for piece in merged:
        row_bytes += piece.shape[1] if isinstance(piece, np.ndarray) else piece.lengths
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(row_bytes[:-1], out=offsets[1:])
    buffer = np.empty(int(offsets[-1] + row_bytes[-1]), dtype=_U1)
    for piece in merged:
        if isinstance(piece, np.ndarray):
            scatter(buffer, offsets, piece)
            offsets += piece.shape[1]
        else:
            starts = piece.starts
            if starts is None:
                starts = np.cumsum(piece.lengths) - piece.lengths
            move(buffer, offsets, piece.data, starts, piece.lengths)
            offsets += piece.lengths
    return buffer
