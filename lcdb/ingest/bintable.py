"""Columns of a FITS binary table read straight from the file with numpy.

astropy builds its column definitions and a record array on every open, which costs more than
the data themselves for a 2 MB lightcurve; the header already says where each column is
(FITS Standard 4.0, section 7.3: TFORMn, NAXIS1, NAXIS2), so fixed-width columns are read
here as one numpy view of the table. Anything unusual (scaled columns, a table heap in front
of the data, unknown TFORM codes) returns None and the caller uses astropy instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from lcdb.ingest.errors import UnreadableFile

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

# TFORM code -> (big-endian numpy type or None, bytes per element)
_CODES: dict[str, tuple[str | None, int]] = {
    "L": ("i1", 1),
    "B": ("u1", 1),
    "I": (">i2", 2),
    "J": (">i4", 4),
    "K": (">i8", 8),
    "E": (">f4", 4),
    "D": (">f8", 8),
    "C": (">c8", 8),
    "M": (">c16", 16),
    "A": (None, 1),
    "P": (None, 8),
    "Q": (None, 16),
}
_TFORM = re.compile(r"^\s*(\d*)([A-Z])")


def column_names(header: fits.Header) -> list[str]:
    """TTYPEn of a binary table header, upper-cased, in column order."""
    count = int(header.get("TFIELDS", 0))
    return [str(header.get(f"TTYPE{i}", "")).strip().upper() for i in range(1, count + 1)]


def read_columns(
    path: Path, stream: BinaryIO, data_offset: int, header: fits.Header, wanted: Sequence[str]
) -> dict[str, np.ndarray] | None:
    """The `wanted` one-value-per-row columns (big-endian views), or None when unsupported.

    Raises `UnreadableFile` when the file ends before the table does.
    """
    width, rows = int(header["NAXIS1"]), int(header["NAXIS2"])
    fields: dict[str, tuple[str, int]] = {}
    offset = 0
    for index, name in enumerate(column_names(header), start=1):
        match = _TFORM.match(str(header.get(f"TFORM{index}", "")))
        if match is None or match.group(2) not in _CODES:
            return None
        repeat = int(match.group(1) or 1)
        dtype, size = _CODES[match.group(2)]
        if name in wanted:
            scaled = header.get(f"TSCAL{index}", 1) != 1 or header.get(f"TZERO{index}", 0) != 0
            if dtype is None or repeat != 1 or scaled:
                return None
            fields[name] = (dtype, offset)
        offset += repeat * size
    if offset != width or set(fields) != set(wanted):
        return None
    needed = width * rows
    stream.seek(data_offset)
    raw = stream.read(needed)
    if len(raw) < needed:
        raise UnreadableFile(
            path,
            f"truncated FITS file: the LIGHTCURVE table needs {needed} bytes from offset "
            f"{data_offset}, the file has {len(raw)}",
        )
    table = np.frombuffer(
        raw,
        dtype=np.dtype(
            {
                "names": list(fields),
                "formats": [dtype for dtype, _ in fields.values()],
                "offsets": [position for _, position in fields.values()],
                "itemsize": width,
            }
        ),
        count=rows,
    )
    return {name: table[name] for name in wanted}
