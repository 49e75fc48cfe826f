"""Column types that hand arrays to Python as numpy arrays.

Lightcurve columns hold tens of thousands of samples per row; callers compute on them, so
they come back as numpy arrays of a fixed dtype rather than lists of Python floats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect


class NumpyArray(sa.types.TypeDecorator[np.ndarray]):
    """A one-dimensional PostgreSQL array read and written as a numpy array of `dtype`."""

    impl = postgresql.ARRAY
    cache_ok = True

    def __init__(self, item_type: sa.types.TypeEngine[Any], dtype: str) -> None:
        super().__init__(item_type, dimensions=1)
        self.dtype = np.dtype(dtype)

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[Any] | None:
        if value is None:
            return None
        array = np.asarray(value, dtype=self.dtype)
        if array.ndim != 1:
            raise ValueError(f"expected a one-dimensional array, got shape {array.shape}")
        values: list[Any] = array.tolist()  # numpy types tolist() as Any: 1-d gives a list
        return values

    def process_result_value(self, value: Any, dialect: Dialect) -> np.ndarray | None:
        if value is None:
            return None
        return np.asarray(value, dtype=self.dtype)

    def compare_values(self, x: Any, y: Any) -> bool:
        # The ORM compares old and new values to detect changes; `==` on arrays is elementwise.
        if x is None or y is None:
            return x is y
        return bool(np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True))


def float64_array() -> NumpyArray:
    """float8[] as numpy float64 (flux values, errors, barycentric times)."""
    return NumpyArray(sa.Float(precision=53), "float64")


def int64_array() -> NumpyArray:
    """int8[] as numpy int64 (cadence numbers)."""
    return NumpyArray(sa.BigInteger(), "int64")


def int32_array() -> NumpyArray:
    """int4[] as numpy int32 (quality-flag bit words, FITS NAXISn)."""
    return NumpyArray(sa.Integer(), "int32")
