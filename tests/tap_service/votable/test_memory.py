"""Streaming keeps memory flat: peak traced memory does not grow with the number of rows."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator, Sequence

import pytest

from adql import OutputColumn
from tap_service.votable import BatchSource, RowSource, write_binary2, write_csv, write_tabledata

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


def peak_while_writing(writer: Callable[..., Iterator[bytes]], rows: int) -> tuple[int, int]:
    """(peak traced bytes, bytes written) for writing `rows` generated rows."""
    tracemalloc.start()
    try:
        written = sum(len(chunk) for chunk in writer(COLUMNS, generated(rows)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, written


@pytest.mark.parametrize("writer", [write_binary2, write_tabledata, write_csv])
def test_peak_memory_does_not_grow_with_rows(writer: Callable[..., Iterator[bytes]]) -> None:
    rows = 2_000_000 if writer is write_binary2 else 100_000
    small_peak, small_size = peak_while_writing(writer, 2 * BATCH)
    peak, size = peak_while_writing(writer, rows)
    assert size > 0.9 * rows / (2 * BATCH) * small_size  # the big run wrote much more...
    assert peak < 1.2 * small_peak + 500_000  # ...in the memory the two-batch run needed
