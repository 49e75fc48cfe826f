"""Opening a product FITS file safely, and reading its keywords and columns strictly.

Every reader goes through `read_checked`: astropy reports truncation and corruption partly as
warnings, partly as exceptions of many types; here both become an `UnreadableFile` naming the
file and the reason, and a file is closed whatever happens.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeAlias, TypeVar

import numpy as np

from lcdb.ingest import bintable
from lcdb.ingest.errors import (
    IngestError,
    InvalidValue,
    MissingColumn,
    NotALightcurve,
    UnreadableFile,
)

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

BTJD_EPOCH = 2457000  # BJDREFI of TESS products: TIME is BJD_TDB - 2457000
_TRUNCATION_HINTS = ("truncated", "corrupted", "not multiple of 2880")

T = TypeVar("T")
Parser = Callable[[Path, BinaryIO, "fits.HDUList"], T]
# a table's columns: astropy's record array, or our own views of the file (`bintable`)
Columns: TypeAlias = "fits.FITS_rec | Mapping[str, np.ndarray]"


def read_checked(path: Path | str, parse: Parser[T]) -> T:
    """Open `path` as FITS and hand it to `parse`; every failure names the file and why."""
    path = Path(path)
    from astropy.io import fits  # heavy; only ingest needs it

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Our own file object, so a failing open cannot leak an unclosed file.
            with path.open("rb") as stream, fits.open(stream, memmap=False) as hdus:
                product = parse(path, stream, hdus)
                noted = [str(warning.message) for warning in caught]
        except IngestError:
            raise
        except FileNotFoundError as exc:
            raise UnreadableFile(path, "no such file") from exc
        except IsADirectoryError as exc:
            raise UnreadableFile(path, "is a directory") from exc
        except Exception as exc:  # astropy raises OSError, ValueError, TypeError, KeyError...
            _raise_if_truncated(path, [str(warning.message) for warning in caught])
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UnreadableFile(path, f"not a readable FITS file ({reason})") from exc
    _raise_if_truncated(path, noted)
    return product


def _raise_if_truncated(path: Path, messages: list[str]) -> None:
    for message in messages:
        if any(hint in message for hint in _TRUNCATION_HINTS):
            first = message.strip().splitlines()[0]
            raise UnreadableFile(path, f"truncated or corrupt FITS file ({first})")


def lightcurve_table(
    path: Path, hdus: fits.HDUList, required: Sequence[str]
) -> tuple[fits.BinTableHDU, fits.Header]:
    """The LIGHTCURVE extension and its header, after checking the columns are all there."""
    if "LIGHTCURVE" not in hdus:
        raise NotALightcurve(path, "no LIGHTCURVE extension (not a lightcurve file)")
    table = hdus["LIGHTCURVE"]
    names = set(bintable.column_names(table.header))
    missing = [name for name in required if name not in names]
    if missing:
        raise MissingColumn(path, f"LIGHTCURVE has no column {', '.join(missing)}")
    return table, table.header


def read_columns(
    path: Path, stream: BinaryIO, table: fits.BinTableHDU, names: Sequence[str]
) -> Columns:
    """The named columns, straight from the file where possible (see `bintable`)."""
    data = bintable.read_columns(path, stream, table.fileinfo()["datLoc"], table.header, names)
    return table.data if data is None else data


def column(path: Path, data: Columns, name: str, dtype: type[np.generic]) -> np.ndarray:
    """A native-endian, read-only copy of one column, detached from the file."""
    values = np.array(data[name], dtype=dtype)
    if values.ndim != 1:
        raise InvalidValue(path, f"column {name} is not one value per row")
    values.flags.writeable = False
    return values


def increasing_cadences(path: Path, data: Columns) -> np.ndarray:
    cadences = column(path, data, "CADENCENO", np.int64)
    if cadences.size > 1 and not bool(np.all(np.diff(cadences) > 0)):
        raise InvalidValue(path, "CADENCENO is not strictly increasing")
    return cadences


def check_time_system(path: Path, header: fits.Header) -> None:
    """TIME must be BTJD in TDB: the archive stores times relative to the mission epoch."""
    epoch = as_int(header.get("BJDREFI"))
    fraction = as_float(header.get("BJDREFF")) or 0.0
    if epoch != BTJD_EPOCH or fraction != 0.0:
        raise InvalidValue(
            path, f"TIME is relative to BJD {epoch}+{fraction}, not BTJD (BJD - {BTJD_EPOCH})"
        )
    system = as_text(header.get("TIMESYS"))
    if system is not None and system.upper() != "TDB":
        raise InvalidValue(path, f"TIMESYS is {system!r}, not 'TDB'")


def cadence_seconds(path: Path, header: fits.Header) -> float:
    days = as_float(header.get("TIMEDEL"))
    if days is None or not days > 0:
        raise InvalidValue(path, f"TIMEDEL is {header.get('TIMEDEL')!r}, not a positive interval")
    # TIMEDEL is written in days with float error (0.00138888...); cadences are whole
    # milliseconds at most, and the rounded value is part of the observation's key.
    return round(days * 86400.0, 3)


def keyword_int(path: Path, header: fits.Header, name: str, low: int, high: int) -> int:
    value = as_int(header.get(name))
    if value is None:
        raise NotALightcurve(path, f"primary header has no {name}")
    if not low <= value <= high:
        raise InvalidValue(path, f"{name} = {value} is outside {low}..{high}")
    return value


def as_float(value: object) -> float | None:
    """A numeric header value, None for blank, undefined or non-finite cards."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer card beyond float range
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    """A whole-number header value, None otherwise."""
    number = as_float(value)
    if number is None or not number.is_integer():
        return None
    return int(value) if isinstance(value, int) else int(number)


def as_text(value: object) -> str | None:
    if value is None or not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def as_ra(value: object) -> float | None:
    number = as_float(value)
    return number % 360.0 if number is not None else None


def as_dec(value: object) -> float | None:
    number = as_float(value)
    return number if number is not None and -90.0 <= number <= 90.0 else None
