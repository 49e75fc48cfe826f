"""VOParquet results (IVOA Note "Parquet in the VO" 1.0): Parquet rows, VOTable metadata.

The file is plain Parquet, written with pyarrow one row group at a time while the rows
stream (memory holds one row group, `ROW_GROUP` rows); its footer's key-value metadata
carries ``IVOA.VOTable-Parquet.version`` = ``1.0`` and ``IVOA.VOTable-Parquet.content``, a
VOTable document whose one TABLE has a FIELD per Parquet column, in the same order, and no
DATA (so units, UCDs, utypes, xtypes and descriptions survive, which plain Parquet loses).
Because the footer is written last, that VOTable also carries what is known only at the end:
a trailing ``QUERY_STATUS`` INFO of ``OVERFLOW``, or ``ERROR`` with the message when reading
the rows failed midway; the rows written before the failure stay readable (DALI §4.4.2
in spirit; Parquet has no in-band error).

Column types: short / int / long / unsignedByte / float / double / boolean as the Arrow
types of the same width, ``char`` / ``unicodeChar`` as UTF-8 strings (all characters kept),
arrays of any arraysize as lists (fixed arraysizes padded or cut as BINARY2 does), NULL as a
Parquet null, except in string columns: there NULL is the empty string, VOTable's NULL of a
``char`` cell, because astropy's Parquet reader (astropy 8.0) turns a null string into the
text "None" (or fails). The ``table::len::<name>`` keys astropy sizes string columns with
(the longest value in bytes, known at the end) are written too, and no ``ARROW:schema``
key, so that readers take the footer's keys as the schema's metadata.

Two sources: rows (`write_parquet`, through `pyarrow.array`) and COPY BINARY tuples
(`copy_parquet`, decoded a column at a time with numpy, as `pgcopy` does for BINARY2).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from adql import OutputColumn
from tap_service.votable.copybatch import CopyBatch
from tap_service.votable.document import (
    VOTABLE_OPEN,
    XML_DECLARATION,
    CooSys,
    Descriptor,
    InfoLike,
    TimeSys,
    tail,
)
from tap_service.votable.fields import Info, field_element, info_element
from tap_service.votable.pgcopy import (
    FIXED_WIDTHS,
    PG_ARRAYS,
    PG_BOOL,
    PG_NUMBERS,
    CopySource,
    UniformCells,
    _decode_array,
    _gather,
    _int16_at,
    _int32_at,
    _split,
    transcodable,
)
from tap_service.votable.segments import gather
from tap_service.votable.shapes import NUMERIC_DTYPES, Shape, as_number, as_text, shape_of
from tap_service.votable.source import RowSource
from tap_service.votable.texts import _elements

log = logging.getLogger(__name__)

# Arrow's own allocator (mimalloc) keeps what a large result freed: 10 columns x 1M rows
# left the process at 165 MB, against 143 MB with the system allocator, which the service
# also trims when idle (`tap_service.memory`): 118 MB after. Process-wide, as the allocator
# settings in `memory` are; the service is the only user of pyarrow in its process.
pa.set_memory_pool(pa.system_memory_pool())

MIME = "application/vnd.apache.parquet"
VERSION_KEY = "IVOA.VOTable-Parquet.version"
CONTENT_KEY = "IVOA.VOTable-Parquet.content"
#: Rows per row group: big enough for Parquet's column chunks to pay off, small enough that
#: one group of a wide result stays a few tens of MB.
ROW_GROUP = 65_536
#: Bytes of Arrow data that close a row group before `ROW_GROUP` rows: the writer holds a
#: group's encoded pages too, so a group of 65,536 wide rows (10 columns, two 10-element
#: arrays: 16 MB of arrays) raised the server's peak memory by 100 MB; 4 MB groups by 40 MB.
ROW_GROUP_BYTES = 4 << 20
_U1 = np.dtype(np.uint8)


def arrow_type(shape: Shape) -> pa.DataType:
    """The Arrow (Parquet) type of a column's cells."""
    if shape.is_string:
        return pa.string()
    element: pa.DataType
    if shape.datatype == "boolean":
        element = pa.bool_()
    else:
        element = pa.from_numpy_dtype(np.dtype(NUMERIC_DTYPES[shape.datatype]).newbyteorder("="))
    return element if shape.scalar else pa.list_(element)


def metadata_document(
    columns: Sequence[OutputColumn],
    infos: Sequence[InfoLike],
    systems: Sequence[CooSys | TimeSys],
    *,
    overflow: bool,
    error: str | None,
    descriptor: Descriptor | None,
) -> str:
    """The DATA-less VOTable of the note: the results RESOURCE, its INFOs, the FIELDs."""
    referred = None if descriptor is None else descriptor.column
    parts = [
        XML_DECLARATION,
        VOTABLE_OPEN,
        '<RESOURCE type="results">\n',
        info_element(Info("QUERY_STATUS", "OK")) + "\n",
        *(info_element(info) + "\n" for info in infos),
        *(system.element() + "\n" for system in systems),
        "<TABLE>\n",
        *(
            field_element(c, descriptor.field_id if i == referred and descriptor else None) + "\n"
            for i, c in enumerate(columns)
        ),
        "</TABLE>\n",
        tail(overflow=overflow, error=error, descriptor=descriptor),
    ]
    return "".join(parts)


class _Sink(io.RawIOBase):
    """A write-only file for pyarrow that hands what was written to the response."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def write_parquet(
    columns: Sequence[OutputColumn],
    source: RowSource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The VOParquet file of `source`'s rows, as `bytes` chunks (one per row group)."""
    shapes = tuple(shape_of(c) for c in columns)  # UnsupportedColumn before any byte
    encode = _RowArrays(shapes)
    return _chunks(columns, shapes, source.batches(), encode, source, infos, systems, descriptor)


def copy_parquet(
    columns: Sequence[OutputColumn],
    source: CopySource,
    *,
    infos: Iterable[InfoLike] = (),
    systems: Iterable[CooSys | TimeSys] = (),
    descriptor: Descriptor | None = None,
) -> Iterator[bytes]:
    """The VOParquet file of raw COPY BINARY tuples (types checked with `transcodable`)."""
    shapes = tuple(shape_of(c) for c in columns)
    if not transcodable(columns, source.pg_types):
        raise ValueError("these columns cannot be decoded from COPY BINARY")
    encode = _CopyArrays(shapes, tuple(source.pg_types))
    return _chunks(
        columns, shapes, source.copy_batches(), encode, source, infos, systems, descriptor
    )


def _chunks(
    columns: Sequence[OutputColumn],
    shapes: Sequence[Shape],
    batches: Iterator[Any],  # row batches, or `CopyBatch`es
    encode: _RowArrays | _CopyArrays,
    source: RowSource | CopySource,
    infos: Iterable[InfoLike],
    systems: Iterable[CooSys | TimeSys],
    descriptor: Descriptor | None,
) -> Iterator[bytes]:
    infos, systems = tuple(infos), tuple(systems)
    schema = pa.schema(
        [pa.field(c.name, arrow_type(s)) for c, s in zip(columns, shapes, strict=True)]
    )
    sink = _Sink()
    strings = [k for k, shape in enumerate(shapes) if shape.is_string]
    # no ARROW:schema key: readers then take the footer's key-value metadata, which is only
    # complete at the end, as the schema's metadata (astropy reads string widths from there)
    # Dictionary encoding only where values repeat (strings: units, paths); tried on numbers
    # it falls back after paying for it: 4 columns x 1M rows wrote in 0.33 s with it, 0.065 s
    # without (and the file was smaller: 16.5 MB against 24.2 MB).
    writer = pq.ParquetWriter(
        pa.PythonFile(sink, mode="w"),
        schema,
        compression="snappy",
        use_dictionary=[columns[k].name for k in strings] or False,  # type: ignore[arg-type]  # pyarrow takes a list of names too
        store_schema=False,
    )
    yield sink.take()  # the magic number: the response starts before the query ends
    pending: list[list[pa.Array[Any]]] = []
    rows = held = 0
    error: str | None = None
    widths = dict.fromkeys(strings, 1)
    try:
        for batch in batches:
            if not batch:
                continue
            arrays = encode(batch)
            for k in strings:
                longest = pc.max(pc.binary_length(cast(pa.StringArray, arrays[k]))).as_py()
                widths[k] = max(widths[k], longest or 0)
            pending.append(arrays)
            rows += len(batch)
            held += sum(a.nbytes for a in arrays)
            if rows >= ROW_GROUP or held >= ROW_GROUP_BYTES:
                _write(writer, schema, pending)
                pending, rows, held = [], 0, 0
                yield sink.take()
    except Exception as exc:  # the status line is sent: report in the metadata
        log.warning("result stream failed after the response started", exc_info=True)
        from tap_service.votable.writer import error_message

        error = error_message(exc)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    _write(writer, schema, pending)  # also the rows read before a failure: they stay readable
    overflow = False if error is not None else bool(source.overflow)
    document = metadata_document(
        columns, infos, systems, overflow=overflow, error=error, descriptor=descriptor
    )
    # astropy's Parquet reader sizes string columns from these keys (else it scans them)
    lengths = {f"table::len::{columns[k].name}": str(width) for k, width in widths.items()}
    writer.add_key_value_metadata({VERSION_KEY: "1.0", CONTENT_KEY: document, **lengths})
    writer.close()
    yield sink.take()


def _write(writer: pq.ParquetWriter, schema: pa.Schema, pending: list[list[pa.Array[Any]]]) -> None:
    if not pending:
        return
    chunks = [
        pa.chunked_array([p[k] for p in pending], schema.field(k).type) for k in range(len(schema))
    ]
    writer.write_table(pa.Table.from_arrays(chunks, schema=schema), row_group_size=1 << 30)


class _RowArrays:
    """Row tuples (as psycopg returns them) -> one Arrow array per column."""

    def __init__(self, shapes: Sequence[Shape]) -> None:
        self.shapes = shapes
        self.types = [arrow_type(s) for s in shapes]

    def __call__(self, rows: Sequence[Sequence[object]]) -> list[pa.Array[Any]]:
        columns = list(zip(*rows, strict=True))
        if len(columns) != len(self.shapes):
            raise ValueError(f"rows have {len(columns)} cells, the table {len(self.shapes)}")
        return [
            _array(shape, kind, values)
            for shape, kind, values in zip(self.shapes, self.types, columns, strict=True)
        ]


def _array(shape: Shape, kind: pa.DataType, values: Sequence[object]) -> pa.Array[Any]:
    if shape.is_string:
        texts = ["" if v is None else v if v.__class__ is str else as_text(v) for v in values]
        return pa.array(texts, type=kind)
    if shape.scalar:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # Decimal into a float...
            return pa.array([None if v is None else as_number(v) for v in values], type=kind)
    cells = [None if v is None else _elements(shape, v) for v in values]
    try:
        return pa.array(cells, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        cells = [None if c is None else [as_number(x) for x in c] for c in cells]
        return pa.array(cells, type=kind)


class _CopyArrays:
    """COPY BINARY tuples -> one Arrow array per column, without Python objects per cell
    for numbers, booleans, text and one-dimensional numeric arrays without NULL elements."""

    def __init__(self, shapes: Sequence[Shape], pg_types: Sequence[int]) -> None:
        self.shapes = shapes
        self.pg_types = pg_types
        self.types = [arrow_type(s) for s in shapes]
        self._uniform_cells = UniformCells(pg_types)

    def __call__(self, rows: CopyBatch) -> list[pa.Array[Any]]:
        uniform = self._uniform_cells(rows)
        if uniform is not None:
            return [
                _fixed_array(oid, kind, values, None)
                for oid, kind, values in zip(self.pg_types, self.types, uniform, strict=True)
            ]
        buf = rows.buffer()
        pos = rows.starts()
        if np.any(_int16_at(buf, pos) != len(self.shapes)):
            raise ValueError("COPY tuples do not have one field per FIELD")
        pos += 2
        out: list[pa.Array[Any]] = []
        for shape, oid, kind in zip(self.shapes, self.pg_types, self.types, strict=True):
            length = _int32_at(buf, pos)
            start = pos + 4
            null = length < 0
            size = np.where(null, 0, length)
            out.append(_copy_array(shape, oid, kind, buf, start, size, null))
            pos = start + size
        return out


def _copy_array(
    shape: Shape,
    oid: int,
    kind: pa.DataType,
    buf: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    null: np.ndarray,
) -> pa.Array[Any]:
    n = len(start)
    mask = null if null.any() else None
    width = FIXED_WIDTHS.get(oid)
    if width is not None:
        return _fixed_array(oid, kind, gather(buf, np.where(null, 0, start), width), mask)
    if shape.is_string:
        data = _gather(buf, start, size)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(size, out=offsets[1:])
        if offsets[-1] < (1 << 31):  # NULL cells have size 0: empty strings
            ends: Any = offsets.astype(np.int32)  # numpy arrays are buffers
            return pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(cast(Any, data)))
        texts = _split(data.tobytes(), size, null)
        return pa.array(["" if t is None else t.decode() for t in texts], type=kind)
    element = np.dtype(PG_ARRAYS[oid])
    flat = (
        _flat_array(buf, start, null, element) if shape.fixed is None and not shape.limit else None
    )
    if flat is not None:
        counts, values = flat
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        target = cast("pa.ListType[Any]", kind).value_type.to_pandas_dtype()
        item = cast("pa.ListType[Any]", kind).value_type
        lists: pa.Array[Any] = pa.ListArray.from_arrays(
            cast(pa.Int32Array, _from_numpy(pa.int32(), offsets, None)),
            _from_numpy(item, values.astype(target), None),
            type=kind,
            mask=None if mask is None else _from_numpy(pa.bool_(), null, None),
        )
        return lists
    pieces = _split(_gather(buf, start, size).tobytes(), size, null)
    decoded = [None if c is None else _elements(shape, _decode_array(c)) for c in pieces]
    return pa.array(decoded, type=kind)


def _fixed_array(
    oid: int, kind: pa.DataType, cells: np.ndarray, mask: np.ndarray | None
) -> pa.Array[Any]:
    """A number or boolean column from its (n, width) big-endian value bytes."""
    if oid == PG_BOOL:
        return _from_numpy(kind, cells[:, 0] != 0, mask)
    values = np.ascontiguousarray(cells).view(PG_NUMBERS[oid]).ravel()
    return _from_numpy(kind, values.astype(kind.to_pandas_dtype()), mask)


def _from_numpy(kind: pa.DataType, values: np.ndarray, mask: np.ndarray | None) -> pa.Array[Any]:
    """An Arrow array of `values` (native-order numbers, or booleans), NULL where `mask`.

    Built from its buffers, not with `pa.array`: given a numpy array, `pa.array` imports
    pandas (when installed) to check for pandas types, 50 MB of the service's memory.
    """
    validity = None
    nulls = 0
    if mask is not None and mask.any():
        validity = pa.py_buffer(cast(Any, np.packbits(~mask, bitorder="little")))
        nulls = int(mask.sum())
    if values.dtype == np.bool_:
        data = pa.py_buffer(cast(Any, np.packbits(values, bitorder="little")))
    else:
        data = pa.py_buffer(cast(Any, np.ascontiguousarray(values)))
    return pa.Array.from_buffers(kind, len(values), [validity, data], null_count=nulls)


def _flat_array(
    buf: np.ndarray, start: np.ndarray, null: np.ndarray, element: np.dtype[Any]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Element counts and the concatenated elements of 1-d arrays without NULL elements."""
    safe = np.where(null, 0, start)
    header = gather(buf, safe, 16).copy().view(">i4").astype(np.int64)
    header[null] = 0
    ndim = header[:, 0]
    if ndim.max(initial=0) > 1 or header[:, 1].any():
        return None
    count = np.where(ndim == 1, header[:, 3], 0)
    total = int(count.sum())
    stride = 4 + element.itemsize
    before = np.cumsum(count) - count
    first = np.repeat(safe + 24 - before * stride, count) + np.arange(total) * stride
    values = gather(buf, first, element.itemsize).copy().view(element).ravel()
    return count, values
