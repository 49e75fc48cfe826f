"""What a column's cells look like on the wire: element type, fixed or variable length.

Every serialisation needs the same reading of `datatype` + `arraysize` (VOTable 1.4 §2.2):
no arraysize is a scalar, `n` (or `AxB`) a fixed number of elements, `*` / `n*` / `Ax*`
a variable number (at most n). Strings are arrays of `char` / `unicodeChar`. The helpers
here also turn the non-primitive Python values psycopg hands out (Decimal, datetime, UUID...)
into the text or numbers the writers need, so each writer does not guess on its own.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from adql import OutputColumn

#: Big-endian element types of the numeric VOTable datatypes (VOTable §5.1, BINARY encoding).
NUMERIC_DTYPES: dict[str, str] = {
    "unsignedByte": ">u1",
    "short": ">i2",
    "int": ">i4",
    "long": ">i8",
    "float": ">f4",
    "double": ">f8",
}
STRING_DATATYPES = frozenset(("char", "unicodeChar"))
SUPPORTED_DATATYPES = frozenset((*NUMERIC_DTYPES, *STRING_DATATYPES, "boolean"))


class UnsupportedColumn(ValueError):
    """A column this writer cannot serialise (bit, complex types, or a bad arraysize)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """How many elements a cell has: `fixed` for n / AxB, else variable with optional `limit`."""

    datatype: str
    scalar: bool
    fixed: int | None
    limit: int | None

    @property
    def is_string(self) -> bool:
        return self.datatype in STRING_DATATYPES

    @property
    def is_float(self) -> bool:
        return self.datatype in ("float", "double")


def shape_of(column: OutputColumn) -> Shape:
    """The `Shape` of `column`; raises `UnsupportedColumn` for what no writer here handles."""
    if column.datatype not in SUPPORTED_DATATYPES:
        raise UnsupportedColumn(
            f"column {column.name!r}: datatype {column.datatype!r} is not supported "
            f"(supported: {', '.join(sorted(SUPPORTED_DATATYPES))})"
        )
    size = (column.arraysize or "").strip()
    if not size or size == "1":
        return Shape(column.datatype, scalar=True, fixed=1, limit=None)
    variable = size.endswith("*")
    dims = size.rstrip("*").split("x") if size != "*" else []
    try:
        numbers = [int(d) for d in dims if d != ""]
    except ValueError:
        raise UnsupportedColumn(f"column {column.name!r}: bad arraysize {size!r}") from None
    count = math.prod(numbers) if numbers else None
    if variable:
        # `n*` bounds the total only when it is the only dimension; `AxB*` leaves it open.
        return Shape(
            column.datatype, scalar=False, fixed=None, limit=count if len(dims) == 1 else None
        )
    if count is None or count <= 0:
        raise UnsupportedColumn(f"column {column.name!r}: bad arraysize {size!r}")
    return Shape(column.datatype, scalar=False, fixed=count, limit=None)


def as_text(value: object) -> str:
    """A non-null cell of a string column as text (DALI 1.1 §3.3 forms for times)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, list | tuple | np.ndarray):
        return " ".join(as_text(v) for v in np.asarray(value, dtype=object).ravel())
    return str(value)  # date, time, UUID, Decimal, numbers


def as_number(value: object) -> object:
    """A numeric cell as something numpy converts: Decimal -> float, bool stays int-like."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def flatten(value: object) -> list[object]:
    """The elements of an array cell in row-major order (psycopg gives nested lists)."""
    if isinstance(value, np.ndarray):
        return list(value.ravel())
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], list | tuple | np.ndarray):
            return [x for part in value for x in flatten(part)]
        return list(value)
    return [value]
