"""BINARY2 straight from PostgreSQL's binary COPY stream, without Python row objects.

Why: fetching rows through psycopg builds a Python object per cell, and that alone runs at
less than half the rate PostgreSQL sends `COPY (query) TO STDOUT (FORMAT binary)` (see
bench/stream.py). That stream is already big-endian with the same integer and IEEE float
layouts as VOTable BINARY2, so it can be transcoded a batch at a time with numpy: every
tuple is one COPY message (int16 field count, then per field an int32 length, -1 = NULL,
and the bytes), so with the message lengths we know where each row starts and can walk
the fields of all rows of a batch at once, one column at a time.

Fast paths: batches of fixed-width columns without NULL (`UniformCells`: every value at
the same offset of every row, so columns are slices), int2/int4/int8/float4/float8 (cast to
the FIELD's datatype only when numpy calls the cast "safe"), bool, ASCII text into `char`
with `*`, and one-dimensional numeric arrays without NULL elements into `*` arrays. Anything
else in a batch (non-ASCII text, unicodeChar, bounded or fixed arraysizes, NULL array
elements, multi-dimensional arrays) is decoded to Python values for that column and encoded
by the ordinary `binary2` code, so the output is byte-for-byte what `Binary2Encoder` writes
for the rows psycopg would have returned. `transcodable` says up front whether every
column's PostgreSQL type is handled at all; the types it does not handle (uuid, times,
numeric, jsonb) are cast in the COPY statement (`copycasts`). (One visible difference from a
*text* cursor: a float4 widened to a double FIELD is the exact float32 value here, where a
text cursor would parse float4's shortest decimal text.)

Measured over HTTP (bench/stream_http.py, 1M rows, 2 cores, median of 5 rounds, against
psycopg2 reading the same binary COPY): 4 columns (two bigints, two doubles) 0.41 s,
x0.51; 10 columns (ints, two float8[10] arrays, text, a double) 2.60 s, x0.52; peak RSS of
the server under 200 MB. astropy's BINARY2 writer: 18-48x slower than ours on the same
in-memory 100k-row sample (bench/stream.py), and it needs the whole table in memory.

Use (the executor, `tap_service.execute`): `types = describe_types(conn, sql)`; the format's
`CopyPlan` (`copycasts.BINARY_COPY`, which asks `transcodable(columns, types)`) gives the
statement ``COPY (sql) TO STDOUT (FORMAT binary)`` with the MAXREC+1 limit already in `sql`;
its batches (`copyout.CopyOut.batches`) are wrapped as `CopyRows(batches, types,
row_limit=maxrec)` and passed to `transcode_binary2`; otherwise the server-side cursor and the
row writer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Protocol

import numpy as np

from adql import OutputColumn
from tap_service.votable.binary2 import Piece, Var, assemble, counts, encode_column
from tap_service.votable.copybatch import PAD, CopyBatch
from tap_service.votable.segments import gather, move
from tap_service.votable.shapes import NUMERIC_DTYPES, Shape, shape_of

#: PostgreSQL type OIDs (pg_type.dat) of scalars and arrays, as big-endian numpy dtypes.
PG_NUMBERS = {21: ">i2", 23: ">i4", 20: ">i8", 700: ">f4", 701: ">f8"}
PG_ARRAYS = {1005: ">i2", 1007: ">i4", 1016: ">i8", 1021: ">f4", 1022: ">f8"}
PG_BOOL = 16
FIXED_WIDTHS = {PG_BOOL: 1, **{oid: np.dtype(t).itemsize for oid, t in PG_NUMBERS.items()}}
PG_TEXTS = frozenset((25, 1043, 1042, 19))  # text, varchar, bpchar, name
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
TRAILER = b"\xff\xff"
_U1 = np.dtype(np.uint8)
#: One message of a COPY stream, as psycopg yields them.
Message = bytes | bytearray | memoryview
_BOOL_LUT = np.full(256, 84, dtype=np.uint8)  # any non-zero byte is true: 'T'
_BOOL_LUT[0] = 70  # 'F'


class CopySource(Protocol):
    """Raw COPY BINARY tuples (header and trailer removed), their column types, overflow."""

    @property
    def pg_types(self) -> Sequence[int]: ...

    def copy_batches(self) -> Iterator[CopyBatch]: ...

    @property
    def overflow(self) -> bool: ...


def transcodable(columns: Sequence[OutputColumn], pg_types: Sequence[int]) -> bool:
    """Whether `CopyTranscoder` handles every (FIELD, PostgreSQL type) pair."""
    return len(columns) == len(pg_types) and all(
        supported_pair(shape_of(c), oid) for c, oid in zip(columns, pg_types, strict=True)
    )


def supported_pair(shape: Shape, oid: int) -> bool:
    """Whether the transcoder reads a cell of type `oid` into a FIELD of `shape`."""
    if shape.is_string:
        return oid in PG_TEXTS
    if shape.datatype == "boolean":
        return shape.scalar and oid == PG_BOOL
    target = NUMERIC_DTYPES[shape.datatype]
    source = PG_NUMBERS.get(oid) if shape.scalar else PG_ARRAYS.get(oid)
    return source is not None and np.can_cast(source, target, casting="safe")


class CopyTranscoder:
    """Turns batches of COPY BINARY tuples into raw BINARY2 rows."""

    def __init__(self, columns: Sequence[OutputColumn], pg_types: Sequence[int]) -> None:
        if not transcodable(columns, pg_types):
            raise ValueError("these columns cannot be transcoded from COPY BINARY")
        self.shapes = tuple(shape_of(c) for c in columns)
        self.pg_types = tuple(pg_types)
        self._uniform_cells = UniformCells(self.pg_types)

    def encode(self, rows: CopyBatch) -> np.ndarray:
        """The raw BINARY2 bytes of `rows` (COPY BINARY tuples), as a uint8 array."""
        n = len(rows)
        if n == 0:
            return np.zeros(0, dtype=_U1)
        uniform = self._uniform_cells(rows)
        if uniform is not None:
            return self._uniform(uniform)
        buf = rows.buffer()  # padded: fixed-size reads of short last cells stay inside
        pos = rows.starts()
        if np.any(_int16_at(buf, pos) != len(self.shapes)):
            raise ValueError("COPY tuples do not have one field per FIELD")
        pos += 2
        nulls = np.zeros((n, len(self.shapes)), dtype=bool)
        pieces: list[Piece] = []
        for k, (shape, oid) in enumerate(zip(self.shapes, self.pg_types, strict=True)):
            width = FIXED_WIDTHS.get(oid)
            if width is not None:  # length and value in one read
                cell = gather(buf, pos, 4 + width)
                null = np.ascontiguousarray(cell[:, :4]).view(">i4").ravel() < 0
                nulls[:, k] = null
                pieces.append(_fixed_cells(shape, oid, cell[:, 4:], null, n))
                pos = pos + 4 + np.where(null, 0, width)
                continue
            length = _int32_at(buf, pos)
            start = pos + 4
            null = length < 0
            size = np.where(null, 0, length)
            nulls[:, k] = null
            pieces += _column(shape, oid, buf, start, size, null, n)
            pos = start + size
        return assemble([np.packbits(nulls, axis=1), *pieces], n)

    def _uniform(self, cells: list[np.ndarray]) -> np.ndarray:
        """Rows without NULL of fixed-width columns (see `UniformCells`): 4 columns x 1M rows
        in 0.04 s instead of 0.18 s."""
        n = len(cells[0])
        no_null = np.zeros(n, dtype=bool)
        pieces: list[np.ndarray] = [np.zeros((n, (len(self.shapes) + 7) // 8), dtype=_U1)]
        for shape, oid, values in zip(self.shapes, self.pg_types, cells, strict=True):
            if oid != PG_BOOL and NUMERIC_DTYPES[shape.datatype] == PG_NUMBERS[oid]:
                pieces.append(values)  # the same big-endian bytes
            else:
                pieces.append(_fixed_cells(shape, oid, values, no_null, n))
        return np.hstack(pieces).ravel()


def uniform_tuple_size(pg_types: Sequence[int]) -> int | None:
    """Bytes of a COPY BINARY tuple of these types without NULL, if all are of fixed width."""
    widths = [FIXED_WIDTHS.get(oid) for oid in pg_types]
    if not widths or any(w is None for w in widths):
        return None
    return 2 + sum(4 + w for w in widths if w is not None)


class UniformCells:
    """The value bytes of each column, as (n, width) slices, for a batch of tuples in which
    every column is of fixed width and no cell is NULL; None for any other batch.

    A NULL cell only shortens a tuple (its length is -1 and no value follows), so when the
    batch is n times the length of a tuple without NULLs, no cell is NULL and every value
    sits at the same offset in every row: the columns are plain slices of one (n, bytes per
    tuple) view, with no per-row offsets to compute.
    """

    def __init__(self, pg_types: Sequence[int]) -> None:
        widths = [FIXED_WIDTHS.get(oid) for oid in pg_types]
        self._count = len(widths)
        self._slices: list[slice] | None = None
        self._full = 0
        if all(w is not None for w in widths):
            offset, slices = 2, []
            for width in widths:
                assert width is not None
                slices.append(slice(offset + 4, offset + 4 + width))
                offset += 4 + width
            self._slices, self._full = slices, offset

    def __call__(self, rows: CopyBatch) -> list[np.ndarray] | None:
        n = len(rows)
        if self._slices is None or n == 0 or rows.nbytes != n * self._full:
            return None
        tuples = rows.buffer()[: n * self._full].reshape(n, self._full)
        if np.any(tuples[:, :2].view(">i2") != self._count):
            raise ValueError("COPY tuples do not have one field per FIELD")
        return [tuples[:, where] for where in self._slices]


def _column(
    shape: Shape,
    oid: int,
    buf: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    null: np.ndarray,
    n: int,
) -> list[Piece]:
    if oid in PG_TEXTS:
        data = _gather(buf, start, size)
        ascii_star = shape.datatype == "char" and not shape.scalar and shape.fixed is None
        fits = ascii_star and (shape.limit is None or size.max() <= shape.limit)
        if fits and not (data >> 7).any():
            return [counts(size, n), Var(size, data)]  # ASCII: bytes are characters
        texts = _split(data.tobytes(), size, null)
        return encode_column(shape, [None if t is None else t.decode() for t in texts], n, None)
    pieces = _fast_array(shape, oid, buf, start, null, n)
    if pieces is not None:
        return pieces
    cells = _split(_gather(buf, start, size).tobytes(), size, null)
    values = [None if c is None else _decode_array(c) for c in cells]
    return encode_column(shape, values, n, None)


def _fixed_cells(shape: Shape, oid: int, data: np.ndarray, null: np.ndarray, n: int) -> np.ndarray:
    """A number or boolean column from its (n, width) value bytes (garbage where NULL)."""
    if oid == PG_BOOL:
        return np.where(null, 63, _BOOL_LUT[data[:, 0]]).astype(_U1).reshape(n, 1)
    source = np.dtype(PG_NUMBERS[oid])
    values = np.ascontiguousarray(data).view(source).ravel().astype(NUMERIC_DTYPES[shape.datatype])
    if null.any():
        values[null] = np.nan if shape.is_float else 0
    return values.view(_U1).reshape(n, -1)


def _fast_array(
    shape: Shape, oid: int, buf: np.ndarray, start: np.ndarray, null: np.ndarray, n: int
) -> list[Piece] | None:
    """One-dimensional arrays without NULL elements into a `*` FIELD; else None."""
    if shape.fixed is not None or shape.limit is not None:
        return None
    header = _cells(buf, start, null, 16).view(">i4").astype(np.int64)  # ndim, nulls, oid, dim
    ndim = header[:, 0]
    if ndim.max(initial=0) > 1 or header[:, 1].any():
        return None  # multi-dimensional, or NULL elements: the general path
    count = np.where(ndim == 1, header[:, 3], 0)
    safe = np.where(null, 0, start)
    source = np.dtype(PG_ARRAYS[oid])
    target = np.dtype(NUMERIC_DTYPES[shape.datatype])
    stride = 4 + source.itemsize
    sizes = np.unique(count[~null])
    if len(sizes) == 1:  # one length for the whole batch (e.g. fixed-length light curves)
        size = int(sizes[0])
        block = gather(buf, safe + 20, size * stride).reshape(n, size, stride)[:, :, 4:]
        values = block.copy().view(source).reshape(n, size).astype(target)
        data = values.view(_U1).reshape(n, -1)
        if not null.any():
            return [np.hstack((counts(count, n), data))]
        return [counts(count, n), Var(count * target.itemsize, data[~null].ravel())]
    total = int(count.sum())
    before = np.cumsum(count) - count
    first = np.repeat(safe + 24 - before * stride, count) + np.arange(total) * stride
    flat = gather(buf, first, source.itemsize).view(source).ravel().astype(target)
    return [counts(count, n), Var(count * target.itemsize, flat.view(_U1))]


def _cells(buf: np.ndarray, start: np.ndarray, null: np.ndarray, width: int) -> np.ndarray:
    """The first `width` bytes of every cell as an (n, width) array; zeros for NULL cells."""
    if not null.any():
        return gather(buf, start, width)
    out = gather(buf, np.where(null, 0, start), width)
    out[null] = 0
    return out


def _int32_at(buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return gather(buf, pos, 4).view(">i4").ravel().astype(np.int64)


def _int16_at(buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
    return gather(buf, pos, 2).view(">i2").ravel()


def _gather(buf: np.ndarray, start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """The bytes of every cell, concatenated in row order."""
    out = np.empty(int(size.sum()), dtype=_U1)
    move(out, np.cumsum(size) - size, buf, start, size)
    return out


def _split(data: bytes, size: np.ndarray, null: np.ndarray) -> list[bytes | None]:
    ends = np.cumsum(size).tolist()
    begins = [0, *ends[:-1]]
    return [
        None if is_null else data[b:e]
        for b, e, is_null in zip(begins, ends, null.tolist(), strict=True)
    ]


def _decode_array(cell: bytes) -> list[object]:
    """A PostgreSQL binary array (array_send) as a flat list; NULL elements are None."""
    ndim, _, oid = struct.unpack_from(">iiI", cell)
    if ndim == 0:
        return []
    dims = struct.unpack_from(f">{2 * ndim}i", cell, 12)[::2]
    fmt = PG_ARRAYS[_ARRAY_OF[oid]]
    width = np.dtype(fmt).itemsize
    pos = 12 + 8 * ndim
    out: list[object] = []
    for _ in range(int(np.prod(dims))):
        (length,) = struct.unpack_from(">i", cell, pos)
        pos += 4
        if length < 0:
            out.append(None)
            continue
        out.append(np.frombuffer(cell, dtype=fmt, count=1, offset=pos)[0].item())
        pos += width
    return out


#: element type OID -> array type OID
_ARRAY_OF = {21: 1005, 23: 1007, 20: 1016, 700: 1021, 701: 1022}


def header_length(first: bytes | memoryview) -> int:
    """Bytes of the COPY BINARY header at the start of the stream's first message."""
    data = bytes(first[: len(SIGNATURE) + 8])
    if not data.startswith(SIGNATURE) or len(data) < len(SIGNATURE) + 8:
        raise ValueError("not a COPY BINARY stream")
    (extension,) = struct.unpack_from(">I", data, len(SIGNATURE) + 4)
    return len(SIGNATURE) + 8 + int(extension)


class CopyRows:
    """A `CopySource` over the messages of `COPY (query) TO STDOUT (FORMAT binary)`.

    `batches` are what `copyout.CopyOut.batches` yields (`of_messages` takes the messages one
    by one, as iterating psycopg's `cursor.copy(...)` gives them); `pg_types` the result
    column type OIDs (see `describe_types`). The header and the trailer are removed. At most
    `row_limit` rows are passed on: the query should ask for one more (MAXREC+1), whose
    presence sets `overflow`. With `binary=False` the messages are the lines of a text or CSV
    COPY, one row each, passed on as they are.
    """

    def __init__(
        self,
        batches: Iterable[CopyBatch],
        pg_types: Sequence[int],
        *,
        row_limit: int | None = None,
        binary: bool = True,
    ) -> None:
        self._batches = batches
        self._binary = binary
        self.pg_types = tuple(pg_types)
        self._row_limit = row_limit
        self.overflow = False
        self.rows = 0

    @classmethod
    def of_messages(
        cls,
        messages: Iterable[Message],
        pg_types: Sequence[int],
        *,
        batch_size: int = 10_000,
        row_limit: int | None = None,
        binary: bool = True,
    ) -> CopyRows:
        it = iter(messages)
        batches = (
            CopyBatch.of_messages(batch) for batch in iter(lambda: list(islice(it, batch_size)), [])
        )
        return cls(batches, pg_types, row_limit=row_limit, binary=binary)

    def copy_batches(self) -> Iterator[CopyBatch]:
        batches = self._rows()
        limit = self._row_limit
        for batch in batches:
            if limit is not None and self.rows + len(batch) > limit:
                self.overflow = True
                batch = batch.head(limit - self.rows)
            if len(batch):
                self.rows += len(batch)
                yield batch
            if self.overflow:
                break
        for _ in batches:  # beyond the limit: read to the end so the COPY completes
            pass

    def _rows(self) -> Iterator[CopyBatch]:
        """The batches without the header and the trailer of a binary COPY."""
        if not self._binary:
            yield from self._batches
            return
        first = True
        for batch in self._batches:
            if first:
                batch = batch.without_prefix(header_length(batch.payload))
                first = False
            if (
                len(batch)
                and batch.sizes[-1] == len(TRAILER)
                and batch.data[-PAD - 2 : -PAD] == TRAILER
            ):
                batch = batch.without_last()  # a lone int16 -1, which no tuple can equal
            yield batch


def describe_types(connection: object, sql: bytes) -> list[int]:
    """Result column type OIDs of `sql`, asked of the server without running it.

    `connection` is a psycopg connection; the statement is prepared unnamed (libpq
    PQprepare + PQdescribePrepared), which the next query simply replaces.
    """
    pgconn = connection.pgconn  # type: ignore[attr-defined]
    result = pgconn.prepare(b"", sql)
    if result.status != 1:  # PGRES_COMMAND_OK
        raise ValueError(result.error_message.decode("utf-8", "replace").strip())
    described = pgconn.describe_prepared(b"")
    if described.status != 1:
        raise ValueError(described.error_message.decode("utf-8", "replace").strip())
    return [described.ftype(i) for i in range(described.nfields)]
