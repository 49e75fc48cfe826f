"""How an output format wants its rows from ``COPY``: the statement, or None for the cursor.

The executor asks the format's `CopyPlan` once the result column types are known (from a
PREPARE, see `pgcopy.describe_types`): a plan returns the ``COPY ... TO STDOUT`` statement
for the query (a `CopyStatement`, with the types of the columns COPY sends, which casts in
the statement may have changed) when its writer can render every (FIELD, PostgreSQL type)
pair of the result from that stream, else None and the rows come from a server-side cursor
and the Python writer. `binary` says whether the stream is COPY BINARY (a header on the
first message and a trailer, which `CopyRows` removes) or text lines (one row per message,
nothing around them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from adql import OutputColumn

Supported = Callable[[Sequence[OutputColumn], Sequence[int]], bool]
#: (SQL expression of a cell, its type OID) for a result column (named `name` in the wrapping
#: SELECT), or None when COPY cannot give the writer that column.
BinaryCell = Callable[[OutputColumn, int, str], tuple[str, int] | None]


@dataclass(frozen=True, slots=True)
class CopyStatement:
    """``COPY (...) TO STDOUT ...`` and the type OIDs of the columns it sends."""

    sql: str
    pg_types: tuple[int, ...]


class CopyPlan(Protocol):
    """The COPY statement a format reads its rows from, if the result's types allow it."""

    @property
    def binary(self) -> bool: ...

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> CopyStatement | None: ...


@dataclass(frozen=True, slots=True)
class BinaryCopy:
    """``COPY (query) TO STDOUT (FORMAT binary)`` whenever `supported` accepts the types;
    columns it does not are first cast in SQL by `cell`, where it can (a uuid to its text,
    numeric to float8...), in a SELECT around the query."""

    supported: Supported
    cell: BinaryCell
    binary: bool = True

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> CopyStatement | None:
        if len(columns) != len(pg_types):
            return None
        if self.supported(columns, pg_types):
            return CopyStatement(f"COPY ({sql}) TO STDOUT (FORMAT binary)", tuple(pg_types))
        names = [f"c{i}" for i in range(len(columns))]
        cells = [
            self.cell(column, oid, name)
            for column, oid, name in zip(columns, pg_types, names, strict=True)
        ]
        if any(cell is None for cell in cells) or not cells:
            return None
        exprs = [cell[0] for cell in cells if cell is not None]
        types = tuple(cell[1] for cell in cells if cell is not None)
        if not self.supported(columns, types):
            return None
        inner = f"SELECT {', '.join(exprs)} FROM ({sql}) AS q({', '.join(names)})"
        return CopyStatement(f"COPY ({inner}) TO STDOUT (FORMAT binary)", types)
