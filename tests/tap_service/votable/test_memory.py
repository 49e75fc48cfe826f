"""Streaming keeps memory flat: peak traced memory does not grow with the number of rows."""

from __future__ import annotations

import struct
import tracemalloc
from collections.abc import Callable, Iterator, Sequence

import pytest

from adql import OutputColumn
from tap_service.votable import (
    BatchSource,
    CopyRows,
    CopySource,
    RowSource,
    copy_csv,
    copy_parquet,
    transcode_binary2,
    write_binary2,
    write_csv,
    write_parquet,
    write_tabledata,
)
from tap_service.votable.parquet import ROW_GROUP
from tap_service.votable.pgcopy import SIGNATURE

COLUMNS = [
    OutputColumn("id", "long"),
    OutputColumn("x", "double"),
    OutputColumn("name", "char", "*"),
    OutputColumn("flux", "float", "*"),
]
BATCH = 10_000


def generated(rows: int) -> RowSource:
    """`rows` rows in batches; one batch is built and re-sent, so the source itself is flat."""
    batch = [
        (i, i * 0.5 if i % 10 else None, f"TIC {i}", [i * 0.1, 1.0, 2.0]) for i in range(BATCH)
    ]

    def batches() -> Iterator[Sequence[tuple[object, ...]]]:
        for _ in range(rows // BATCH):
            yield batch

    return BatchSource(batches())


def binary_tuple(i: int) -> bytes:
    """One COPY BINARY tuple of (int8, float8 or NULL, text, float4[3])."""
    name = f"TIC {i}".encode()
    flux = struct.pack(">iiiii", 1, 0, 700, 3, 1) + b"".join(
        struct.pack(">if", 4, v) for v in (i * 0.1, 1.0, 2.0)
    )
    x = struct.pack(">id", 8, i * 0.5) if i % 10 else struct.pack(">i", -1)
    return (
        struct.pack(">hiq", 4, 8, i)
        + x
        + struct.pack(">i", len(name))
        + name
        + struct.pack(">i", len(flux))
        + flux
    )


PG_TYPES = (20, 701, 25, 1021)


def copied(rows: int, *, binary: bool) -> CopySource:
    """`rows` COPY messages (binary tuples, or CSV lines), one batch's worth re-sent."""
    if binary:
        batch = [binary_tuple(i) for i in range(BATCH)]
    else:
        batch = [f"{i},{i * 0.5},TIC {i},{i * 0.1} 1 2\n".encode() for i in range(BATCH)]

    def messages() -> Iterator[bytes]:
        if binary:
            yield SIGNATURE + bytes(8)
        for _ in range(rows // BATCH):
            yield from batch
        if binary:
            yield b"\xff\xff"

    return CopyRows.of_messages(messages(), PG_TYPES, batch_size=BATCH, binary=binary)


def peak_while_writing(writer: Callable[..., Iterator[bytes]], rows: int) -> tuple[int, int]:
    """(peak traced bytes, bytes written) for writing `rows` generated rows."""
    if writer in (copy_csv, copy_parquet, transcode_binary2):
        source: RowSource | CopySource = copied(rows, binary=writer is not copy_csv)
    else:
        source = generated(rows)
    tracemalloc.start()
    try:
        written = sum(len(chunk) for chunk in writer(COLUMNS, source))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, written


WRITERS = [
    write_binary2,
    write_tabledata,
    write_csv,
    write_parquet,
    transcode_binary2,
    copy_csv,
    copy_parquet,
]


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__)
def test_peak_memory_does_not_grow_with_rows(writer: Callable[..., Iterator[bytes]]) -> None:
    rows = 100_000 if writer in (write_tabledata, write_csv) else 1_000_000
    # Parquet holds a row group (ROW_GROUP rows) before writing it: the small run has one
    small = 2 * ROW_GROUP if writer in (write_parquet, copy_parquet) else 2 * BATCH
    small = small // BATCH * BATCH + BATCH
    small_peak, small_size = peak_while_writing(writer, small)
    peak, size = peak_while_writing(writer, rows)
    assert size > 0.9 * rows / small * small_size  # the big run wrote much more...
    assert peak < 1.2 * small_peak + 500_000  # ...in the memory the two-batch run needed
