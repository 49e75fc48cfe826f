"""SPOC target lightcurves (`*_lc.fits`, `*fast-lc.fits`) read into immutable products.

A file is read completely and checked before anything touches the database, so a broken file
fails here with the path and the reason and a load never starts on half a file. Format: TESS
Science Data Products Description Document; see also `/work/shared/tess.md` section 2.1.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from lcdb.ingest import bintable
from lcdb.ingest.errors import (
    IngestError,
    InvalidValue,
    MissingColumn,
    NotSPOCLightcurve,
    UnreadableFile,
)

SPOC_OPTIMAL_APERTURE = "spoc-optimal-aperture"
"""PhotometricSource name of SPOC's simple aperture photometry in the optimal aperture."""

BTJD_EPOCH = 2457000  # BJDREFI of every SPOC product: TIME is BJD_TDB - 2457000
LIGHTCURVE_COLUMNS = (
    "TIME",
    "CADENCENO",
    "SAP_FLUX",
    "SAP_FLUX_ERR",
    "PDCSAP_FLUX",
    "PDCSAP_FLUX_ERR",
    "QUALITY",
)
_TRUNCATION_HINTS = ("truncated", "corrupted", "not multiple of 2880")


@dataclass(frozen=True, slots=True)
class SPOCMetadata:
    """Header values kept with a lightcurve (None where the file leaves them blank)."""

    procver: str | None
    data_release: int | None
    tessmag: float | None
    teff: float | None
    radius: float | None
    ra: float | None
    dec: float | None
    cdpp0_5: float | None
    cdpp1_0: float | None
    cdpp2_0: float | None
    pdc_method: str | None
    crowdsap: float | None
    flfrcsap: float | None


@dataclass(frozen=True, slots=True)
class SPOCLightcurve:
    """One target in one sector at one cadence; arrays are read-only and aligned by cadence."""

    path: Path
    tic_id: int
    sector: int
    camera: int
    ccd: int
    cadence_seconds: float
    orbit_number: int | None
    aperture: str
    cadences: np.ndarray  # int64 CADENCENO
    time: np.ndarray  # float64 BTJD, NaN where there is no data
    sap_flux: np.ndarray  # float64 e-/s
    sap_flux_err: np.ndarray
    pdcsap_flux: np.ndarray
    pdcsap_flux_err: np.ndarray
    quality: np.ndarray  # int32 SPOC QUALITY bits
    metadata: SPOCMetadata

    @property
    def size(self) -> int:
        return int(self.cadences.size)


def first_orbit(sector: int) -> int | None:
    """The spacecraft orbit a sector starts with, where the POC orbit table fixes it (S1-S29)."""
    return 2 * sector + 7 if 1 <= sector <= 29 else None


def read_spoc_lightcurve(path: Path | str) -> SPOCLightcurve:
    """Read and check one SPOC lightcurve file; raises an `IngestError` naming the problem."""
    path = Path(path)
    from astropy.io import fits  # heavy; only ingest needs it

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Our own file object, so a failing open cannot leak an unclosed file.
            with path.open("rb") as stream, fits.open(stream, memmap=False) as hdus:
                product = _from_hdus(path, stream, hdus)
                noted = [str(warning.message) for warning in caught]
        except IngestError:
            raise
        except FileNotFoundError as exc:
            raise UnreadableFile(path, "no such file") from exc
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


def _from_hdus(path: Path, stream: BinaryIO, hdus: Any) -> SPOCLightcurve:
    primary = hdus[0].header
    if str(primary.get("TELESCOP", "")).strip() != "TESS":
        raise NotSPOCLightcurve(path, f"TELESCOP is {primary.get('TELESCOP')!r}, not 'TESS'")
    if "LIGHTCURVE" not in hdus:
        raise NotSPOCLightcurve(path, "no LIGHTCURVE extension (not a SPOC lightcurve file)")
    table = hdus["LIGHTCURVE"]
    header = table.header
    names = set(bintable.column_names(header))
    missing = [name for name in LIGHTCURVE_COLUMNS if name not in names]
    if missing:
        raise MissingColumn(path, f"LIGHTCURVE has no column {', '.join(missing)}")
    _check_time_system(path, header)
    data: Any = bintable.read_columns(
        path, stream, table.fileinfo()["datLoc"], header, LIGHTCURVE_COLUMNS
    )
    if data is None:  # a layout the direct reader does not handle: let astropy decode it
        data = table.data
    cadences = _column(path, data, "CADENCENO", np.int64)
    if cadences.size > 1 and not bool(np.all(np.diff(cadences) > 0)):
        raise InvalidValue(path, "CADENCENO is not strictly increasing")
    sector = _keyword_int(path, primary, "SECTOR", 1, 10_000)
    return SPOCLightcurve(
        path=path,
        tic_id=_keyword_int(path, primary, "TICID", 1, 2**63 - 1),
        sector=sector,
        camera=_keyword_int(path, primary, "CAMERA", 1, 4),
        ccd=_keyword_int(path, primary, "CCD", 1, 4),
        cadence_seconds=_cadence_seconds(path, header),
        orbit_number=first_orbit(sector),
        aperture=SPOC_OPTIMAL_APERTURE,
        cadences=cadences,
        time=_column(path, data, "TIME", np.float64),
        sap_flux=_column(path, data, "SAP_FLUX", np.float64),
        sap_flux_err=_column(path, data, "SAP_FLUX_ERR", np.float64),
        pdcsap_flux=_column(path, data, "PDCSAP_FLUX", np.float64),
        pdcsap_flux_err=_column(path, data, "PDCSAP_FLUX_ERR", np.float64),
        quality=_column(path, data, "QUALITY", np.int32),
        metadata=SPOCMetadata(
            procver=_text(primary.get("PROCVER")),
            data_release=_int(primary.get("DATA_REL")),
            tessmag=_float(primary.get("TESSMAG")),
            teff=_float(primary.get("TEFF")),
            radius=_float(primary.get("RADIUS")),
            ra=_float(primary.get("RA_OBJ")),
            dec=_float(primary.get("DEC_OBJ")),
            cdpp0_5=_float(header.get("CDPP0_5")),
            cdpp1_0=_float(header.get("CDPP1_0")),
            cdpp2_0=_float(header.get("CDPP2_0")),
            pdc_method=_text(header.get("PDCMETHD")),
            crowdsap=_float(header.get("CROWDSAP")),
            flfrcsap=_float(header.get("FLFRCSAP")),
        ),
    )


def _column(path: Path, data: Any, name: str, dtype: type[np.generic]) -> np.ndarray:
    values = np.array(data[name], dtype=dtype)  # a native-endian copy, detached from the file
    if values.ndim != 1:
        raise InvalidValue(path, f"column {name} is not one value per row")
    values.flags.writeable = False
    return values


def _check_time_system(path: Path, header: Any) -> None:
    epoch = _int(header.get("BJDREFI"))
    fraction = _float(header.get("BJDREFF")) or 0.0
    if epoch != BTJD_EPOCH or fraction != 0.0:
        raise InvalidValue(
            path, f"TIME is relative to BJD {epoch}+{fraction}, not BTJD (BJD - {BTJD_EPOCH})"
        )
    system = _text(header.get("TIMESYS"))
    if system is not None and system.upper() != "TDB":
        raise InvalidValue(path, f"TIMESYS is {system!r}, not 'TDB'")


def _cadence_seconds(path: Path, header: Any) -> float:
    days = _float(header.get("TIMEDEL"))
    if days is None or not days > 0:
        raise InvalidValue(path, f"TIMEDEL is {header.get('TIMEDEL')!r}, not a positive interval")
    # TIMEDEL is written in days with float error (0.00138888...); cadences are whole
    # milliseconds at most, and the rounded value is part of the observation's key.
    return round(days * 86400.0, 3)


def _keyword_int(path: Path, header: Any, name: str, low: int, high: int) -> int:
    value = _int(header.get(name))
    if value is None:
        raise NotSPOCLightcurve(path, f"primary header has no {name}")
    if not low <= value <= high:
        raise InvalidValue(path, f"{name} = {value} is outside {low}..{high}")
    return value


def _float(value: object) -> float | None:
    """A numeric header value, None for blank, undefined or non-finite cards."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer card beyond float range
        return None
    return number if math.isfinite(number) else None


def _int(value: object) -> int | None:
    """A whole-number header value, None otherwise."""
    number = _float(value)
    if number is None or not number.is_integer():
        return None
    return int(value) if isinstance(value, int) else int(number)


def _text(value: object) -> str | None:
    if value is None or not isinstance(value, str):
        return None
    text = value.strip()
    return text or None
