"""Shared helpers: write a result to bytes and read it back with astropy, compare cells."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence

import numpy as np
from astropy.io.votable import parse
from astropy.io.votable.tree import VOTableFile

from adql import OutputColumn
from tap_service.votable import BatchSource, Serialization, write_votable


def document(
    columns: Sequence[OutputColumn],
    rows: Sequence[Sequence[object]],
    serialization: Serialization = Serialization.BINARY2,
    *,
    overflow: bool = False,
    batch: int = 3,
) -> bytes:
    source = BatchSource.of_rows(rows, size=batch, overflow=overflow)
    return b"".join(write_votable(columns, source, serialization=serialization))


def read(data: bytes, *, allow: tuple[type[Warning], ...] = ()) -> VOTableFile:
    """Parse strictly: any astropy VOTable warning fails, except the `allow`ed ones."""
    with warnings.catch_warnings():
        for warning in allow:
            warnings.filterwarnings("ignore", category=warning)
        return parse(io.BytesIO(data), verify="exception" if not allow else "warn")


def is_missing(cell: object) -> bool:
    """NULL as astropy shows it: masked, or an empty string / empty array."""
    if cell is np.ma.masked or (isinstance(cell, np.ma.MaskedArray) and cell.mask is True):
        return True
    if isinstance(cell, str):
        return cell == ""
    if isinstance(cell, np.ndarray) and cell.ndim == 1 and cell.size == 0:
        return True
    if isinstance(cell, np.ma.MaskedArray) and cell.ndim >= 1 and cell.mask.all():
        return True  # a NULL fixed-size array
    return bool(np.ma.is_masked(cell) and np.ndim(cell) == 0)


def assert_cell(expected: object, got: object) -> None:
    """`got` (astropy) holds `expected` (what the database returned)."""
    if expected is None:
        assert is_missing(got), f"expected NULL, got {got!r}"
        return
    if isinstance(expected, list):
        elements = np.ma.asarray(got).ravel()
        assert len(elements) == len(expected), f"{expected!r} != {got!r}"
        for want, have in zip(expected, elements, strict=True):
            assert_cell(want, have)
        return
    if isinstance(expected, float) and math.isnan(expected):
        assert got is np.ma.masked or math.isnan(float(got)), f"expected NaN, got {got!r}"
        return
    assert got is not np.ma.masked, f"expected {expected!r}, got a masked cell"
    if isinstance(expected, float):
        assert float(got) == expected or math.isclose(float(got), expected, rel_tol=1e-6)
    elif isinstance(expected, bool):
        assert bool(got) is expected
    else:
        assert got == expected, f"{expected!r} != {got!r}"
