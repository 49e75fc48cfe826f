"""Where rows come from: the `RowSource` protocol every writer reads.

`tap_service.execute.QueryResult` satisfies it: `batches()` yields lists of row tuples from
a server-side cursor (one batch in memory at a time) and `overflow` becomes true once the
batches are exhausted, if MAXREC cut the result. Writers read `overflow` only after the last
batch, and an exception raised by `batches()` is turned into an in-document error by the
VOTable writer (DALI §4.4.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

Row = Sequence[object]


class RowSource(Protocol):
    """Batches of rows, then whether MAXREC truncated them."""

    def batches(self) -> Iterator[Sequence[Row]]: ...

    @property
    def overflow(self) -> bool: ...


class BatchSource:
    """A `RowSource` over batches already at hand or generated (tests, small results, bench)."""

    def __init__(self, batches: Iterable[Sequence[Row]], *, overflow: bool = False) -> None:
        self._batches = batches
        self.overflow = overflow

    def batches(self) -> Iterator[Sequence[Row]]:
        yield from self._batches

    @classmethod
    def of_rows(
        cls, rows: Sequence[Row], *, size: int = 10_000, overflow: bool = False
    ) -> BatchSource:
        return cls((rows[i : i + size] for i in range(0, len(rows), size)), overflow=overflow)
