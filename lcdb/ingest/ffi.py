"""SPOC full-frame images (``*_ffic.fits``, ``*_ffir.fits``) read into immutable frame records.

Only headers are read: the primary HDU (SIMPLE, EXTEND, TELESCOP) and the image extension
(HDU 1: BITPIX, NAXIS, NAXISn, BSCALE, BZERO, CAMERA, CCD, TSTART, TSTOP, EXPOSURE, DQUALITY
and the TAN-SIP WCS), never the 35 MB of pixels. The file's length is still checked against
what its headers announce, so a truncated file fails here, before the database is touched.
Sector, cadence number and archive path come from the file name (`lcdb.ingest.ffi_name`);
the header must agree with it. Times are BTJD (TSTART/TSTOP, barycentric at the reference
pixel, as SPOC writes them). Format: TESS Science Data Products Description Document; see
`/work/shared/tess.md` section 2.3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from lcdb.ingest.errors import (
    InvalidValue,
    MissingKeyword,
    NotSPOCFFI,
    UnreadableFile,
)
from lcdb.ingest.ffi_name import FFIName, NotAnFFIName, parse_name
from lcdb.ingest.fitsfile import read_checked
from lcdb.ingest.footprint import wcs_footprint
from lcdb.missions.tess import ffi_cadence_seconds

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

BTJD_EPOCH = 2457000
BITPIX_VALUES = (8, 16, 32, 64, -32, -64)


@dataclass(frozen=True, slots=True)
class FFIFrame:
    """One FFI file's record: what a `TESSFFIFrame` row stores."""

    path: Path
    name: FFIName
    cadence: int
    cadence_seconds: float
    simple: bool
    extended: bool
    bitpix: int
    naxis: int
    naxis_values: np.ndarray  # int32 NAXIS1..NAXISn of the image
    bscale: float
    bzero: float
    start_time: float  # BTJD
    stop_time: float
    exposure_time: float | None  # s
    quality: int  # DQUALITY
    footprint: np.ndarray  # float64 ra, dec pairs (4 vertices)


def read_ffi(path: Path | str) -> FFIFrame:
    """Read and check one FFI file's headers; raises an `IngestError` naming the problem."""
    path = Path(path)
    try:
        name = parse_name(path.name)
    except NotAnFFIName as exc:
        raise NotSPOCFFI(path, exc.reason) from exc

    def parse(path: Path, stream: BinaryIO, hdus: fits.HDUList) -> FFIFrame:
        hdus.readall()  # every header, so a cut file shows here
        _check_length(path, hdus, path.stat().st_size)
        return _from_hdus(path, name, hdus)

    return read_checked(path, parse)


def _check_length(path: Path, hdus: fits.HDUList, size: int) -> None:
    for index, hdu in enumerate(hdus):
        info = hdu.fileinfo()
        end = int(info["datLoc"]) + int(info["datSpan"])
        if end > size:
            raise UnreadableFile(
                path,
                f"truncated FITS file: HDU {index} ends at byte {end}, the file has {size} bytes",
            )


def _from_hdus(path: Path, name: FFIName, hdus: fits.HDUList) -> FFIFrame:
    primary = hdus[0].header
    telescope = str(primary.get("TELESCOP", "")).strip()
    if telescope != "TESS":
        raise NotSPOCFFI(path, f"TELESCOP is {primary.get('TELESCOP')!r}, not 'TESS'")
    if len(hdus) < 2 or not hdus[1].is_image:
        raise NotSPOCFFI(path, "no image extension (HDU 1) as a SPOC FFI has")
    image = hdus[1].header
    for keyword, expected in (("CAMERA", name.camera), ("CCD", name.ccd)):
        value = _required_int(path, image, keyword)
        if value != expected:
            raise InvalidValue(
                path, f"{keyword} = {value} in HDU 1, but the file name says {expected}"
            )
    _check_time_system(path, image)
    cadence_seconds = ffi_cadence_seconds(name.sector)
    _check_cadence(path, image, cadence_seconds)
    naxis = _required_int(path, image, "NAXIS")
    start, stop = _required_float(path, image, "TSTART"), _required_float(path, image, "TSTOP")
    if start > stop:
        raise InvalidValue(path, f"TSTART {start} is after TSTOP {stop}")
    try:
        footprint = wcs_footprint(image)
    except Exception as exc:
        raise InvalidValue(path, f"no usable WCS in HDU 1 ({exc})") from exc
    return FFIFrame(
        path=path,
        name=name,
        cadence=name.cadence,
        cadence_seconds=cadence_seconds,
        simple=_required_bool(path, primary, "SIMPLE"),
        extended=_required_bool(path, primary, "EXTEND"),
        bitpix=_bitpix(path, image),
        naxis=naxis,
        naxis_values=np.array(
            [_required_int(path, image, f"NAXIS{axis}") for axis in range(1, naxis + 1)],
            dtype=np.int32,
        ),
        bscale=_float(image.get("BSCALE")) or 1.0,
        bzero=_float(image.get("BZERO")) or 0.0,
        start_time=start,
        stop_time=stop,
        exposure_time=_float(image.get("EXPOSURE")),
        quality=_quality(path, image),
        footprint=footprint,
    )


def _check_time_system(path: Path, header: fits.Header) -> None:
    epoch = header.get("BJDREFI")
    if epoch is not None and (_float(epoch) or 0) + (_float(header.get("BJDREFF")) or 0) != (
        BTJD_EPOCH
    ):
        raise InvalidValue(path, f"times are relative to BJD {epoch}, not BTJD (BJD - 2457000)")
    system = header.get("TIMESYS")
    if system is not None and str(system).strip().upper() != "TDB":
        raise InvalidValue(path, f"TIMESYS is {system!r}, not 'TDB'")


def _check_cadence(path: Path, header: fits.Header, cadence_seconds: float) -> None:
    days = _float(header.get("TIMEDEL"))
    if days is not None and abs(days * 86400.0 - cadence_seconds) > 1.0:
        raise InvalidValue(
            path,
            f"TIMEDEL is {days * 86400.0:.1f} s, but FFIs of this sector are "
            f"{cadence_seconds:g} s apart",
        )


def _bitpix(path: Path, header: fits.Header) -> int:
    value = _required_int(path, header, "BITPIX")
    if value not in BITPIX_VALUES:
        raise InvalidValue(path, f"BITPIX = {value} is not a FITS BITPIX (8, 16, 32, 64, -32, -64)")
    return value


def _quality(path: Path, header: fits.Header) -> int:
    value = _required_int(path, header, "DQUALITY")
    if not 0 <= value < 2**31:
        raise InvalidValue(path, f"DQUALITY = {value} is not a 32-bit quality word")
    return value


def _required_bool(path: Path, header: fits.Header, keyword: str) -> bool:
    value = header.get(keyword)
    if not isinstance(value, bool):
        raise MissingKeyword(path, f"{_where(header)} has no logical {keyword}")
    return value


def _required_int(path: Path, header: fits.Header, keyword: str) -> int:
    value = header.get(keyword)
    if value is None or value == "":
        raise MissingKeyword(path, f"{_where(header)} has no {keyword}")
    number = _float(value)
    if number is None or not number.is_integer():
        raise InvalidValue(path, f"{keyword} = {value!r} is not a whole number")
    return int(number)


def _required_float(path: Path, header: fits.Header, keyword: str) -> float:
    value = header.get(keyword)
    if value is None or value == "":
        raise MissingKeyword(path, f"{_where(header)} has no {keyword}")
    number = _float(value)
    if number is None:
        raise InvalidValue(path, f"{keyword} = {value!r} is not a finite number")
    return number


def _where(header: fits.Header) -> str:
    return "the primary header" if "SIMPLE" in header else "the HDU 1 header"


def _float(value: object) -> float | None:
    """A numeric header value, None for blank, undefined or non-finite cards."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
