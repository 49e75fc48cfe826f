"""Cells as text, one column at a time: shared by TABLEDATA, CSV and TSV.

Numbers are converted a column at a time with numpy (`astype(str)` gives the shortest text
that reads back to the same float32/float64 value, i.e. round-trip precision without
float32 values showing float64 noise such as 0.10000000149011612). NaN and infinities use
the VOTable spellings `NaN`, `+Inf`, `-Inf`, which astropy, STILTS and most CSV readers
accept. Array cells are their elements separated by single spaces (VOTable §6 TABLEDATA).
A None cell is None here; each writer decides how an empty cell looks.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np

from tap_service.votable.shapes import NUMERIC_DTYPES, Shape, as_number, as_text, flatten

_SPECIAL = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}
_BOOL_TEXT = {True: "T", False: "F"}


def cell_texts(
    shape: Shape, values: Sequence[object], *, fill_fixed: bool = False
) -> list[str | None]:
    """The text of each cell of one column (None for a NULL cell).

    `fill_fixed` writes a NULL fixed-size array as its padding (NaN / 0 / ?) instead: TABLEDATA
    has no NULL of fixed length (votlint rejects an empty cell), and NaN reads back as masked.
    """
    if shape.is_string:
        return [None if v is None else v if v.__class__ is str else as_text(v) for v in values]
    if shape.scalar:
        return _scalar_texts(shape, values)
    return _array_texts(shape, values, fill_fixed)


def _scalar_texts(shape: Shape, values: Sequence[object]) -> list[str | None]:
    nulls = list(map(operator.is_, values, repeat(None)))
    present = (
        [v for v, null in zip(values, nulls, strict=True) if not null] if any(nulls) else values
    )
    texts = iter(_element_texts(shape, present))
    return [None if null else next(texts) for null in nulls]


def _array_texts(shape: Shape, values: Sequence[object], fill_fixed: bool) -> list[str | None]:
    null = _elements(shape, []) if shape.fixed is not None and fill_fixed else None
    cells = [null if v is None else _elements(shape, v) for v in values]
    lengths = [len(c) for c in cells if c is not None]
    texts = _element_texts(shape, list(chain.from_iterable(c for c in cells if c is not None)))
    out: list[str | None] = []
    start = 0
    sizes = iter(lengths)
    for cell in cells:
        if cell is None:
            out.append(None)
            continue
        end = start + next(sizes)
        out.append(" ".join(texts[start:end]))
        start = end
    return out


def _elements(shape: Shape, value: object) -> list[object]:
    items = (
        value
        if value.__class__ is list and (not value or value[0].__class__ is not list)
        else flatten(value)
    )
    assert isinstance(items, list)
    if shape.fixed is not None and len(items) != shape.fixed:  # pad as BINARY2 does
        pad: object = None if shape.datatype == "boolean" else 0
        items = items[: shape.fixed] + [float("nan") if shape.is_float else pad] * (
            shape.fixed - len(items)
        )
    elif shape.limit is not None:
        items = items[: shape.limit]
    return items


def _element_texts(shape: Shape, values: Sequence[object]) -> list[str]:
    """Texts of non-null scalar elements (NULL array elements print as NaN / 0)."""
    if not values:
        return []
    if shape.datatype == "boolean":
        return [_BOOL_TEXT.get(bool(v), "?") if v is not None else "?" for v in values]
    dtype = NUMERIC_DTYPES[shape.datatype]
    fill = float("nan") if shape.is_float else 0
    try:
        array = np.array(values, dtype=dtype)
    except TypeError:
        array = np.array([fill if v is None else as_number(v) for v in values], dtype=dtype)
    texts: list[str] = array.astype(str).tolist()
    if shape.is_float and not np.isfinite(array).all():
        texts = [_SPECIAL.get(t, t) for t in texts]
    return texts
