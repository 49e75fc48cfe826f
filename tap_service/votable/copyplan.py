"""How an output format wants its rows from ``COPY``: the statement, or None for the cursor.

The executor asks the format's `CopyPlan` once the result column types are known (from a
PREPARE, see `pgcopy.describe_types`): a plan returns the ``COPY ... TO STDOUT`` statement
for the query when its writer can render every (FIELD, PostgreSQL type) pair of the result
from that stream, else None and the rows come from a server-side cursor and the Python
writer. `binary` says whether the stream is COPY BINARY (a header on the first message and a
trailer, which `CopyRows` removes) or text lines (one row per message, nothing around them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from adql import OutputColumn

Supported = Callable[[Sequence[OutputColumn], Sequence[int]], bool]


class CopyPlan(Protocol):
    """The COPY statement a format reads its rows from, if the result's types allow it."""

    @property
    def binary(self) -> bool: ...

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> str | None: ...


@dataclass(frozen=True, slots=True)
class BinaryCopy:
    """``COPY (query) TO STDOUT (FORMAT binary)`` whenever `supported` accepts the types."""

    supported: Supported
    binary: bool = True

    def statement(
        self, sql: str, columns: Sequence[OutputColumn], pg_types: Sequence[int]
    ) -> str | None:
        if not self.supported(columns, pg_types):
            return None
        return f"COPY ({sql}) TO STDOUT (FORMAT binary)"
