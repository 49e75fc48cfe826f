"""SPOC full-frame image file names: the archive path and the cadence number they define.

A SPOC FFI is named ``tess{YYYYDDDHHMMSS}-s{SSSS}-{camera}-{ccd}-{SCCONFIG}-s_ffic.fits``
(``_ffir`` for raw images). The name is all the two loaders share -- a header load has the
file, a catalogue load only its path -- so both the archive path and the cadence number are
functions of the name alone, and a file loaded both ways is one row with one cadence.

Archive path: the MAST layout of the tess-cloud catalogue,
``ffi/s{SSSS}/{YYYY}/{DDD}/{camera}-{ccd}/{name}`` (checked against every one of its 4.84 M
S1-S68 paths); `lcdb.ingest.frames` builds it on the server from the parsed parts.

Cadence number: SPOC's FFIINDEX, "number of FFI cadence interval" since an epoch at launch, is
reproduced as ``round((stamp - EPOCH) / cadence)`` where ``stamp`` is the name's timestamp
(UTC of the spacecraft start of the exposure; the header's DATE-OBS minus BARYCORR, within
2 s) and ``cadence`` the sector's FFI spacing (`ffi_cadence_seconds`). Investigation:

* Real FFIINDEX values: 4697 for the first S1 FFIs (``tess2018206192942``; TESScut cube of
  ``lkdata``) and 151696 for the first S36 FFIs (``tess2021066093907``; TESScut header in
  ``tessilator``). Any EPOCH in 2018-04-18 22:54:07 .. 23:04:07 UTC reproduces both.
* Measured on all 4.84 M catalogue rows, the name stamps drift against a fixed grid by about
  -13 s a year (+12 s in S1, -59 s in S68). EPOCH = 22:58:38 puts every S1-S68 stamp within
  0.07 cadence of a grid point, far from a rounding boundary (for 200-s cadences the drift
  would reach one half only after about another 80 sectors).
* All 16 CCD images of a cadence share the stamp, so they share the number; S2 holds 298
  cadences twice, under stamps one second apart: both files get the cadence they record.

The same definition is vectorised for catalogues (`parse_names`) and scalar for headers
(`parse_name`), from one template.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lcdb.missions.tess import ffi_cadence_seconds

EPOCH = datetime.datetime(2018, 4, 18, 22, 58, 38, tzinfo=datetime.UTC)
EPOCH_UNIX = int(EPOCH.timestamp())
# '#' a digit, '?' 'c' (calibrated) or 'r' (raw); every other character literal.
TEMPLATE = "tess#############-s####-#-#-####-s_ffi?.fits"
NAME_LENGTH = len(TEMPLATE)
_CODES = np.array([ord(ch) for ch in TEMPLATE], dtype=np.uint32)
_DIGITS = np.equal(_CODES, ord("#"))
_LITERAL = ~_DIGITS & np.not_equal(_CODES, ord("?"))
_KIND = TEMPLATE.index("?")
# FFI spacing in whole seconds by sector number (four digits in a name)
_SPACING = np.array([int(ffi_cadence_seconds(sector)) for sector in range(10_000)], np.int64)


@dataclass(frozen=True, slots=True)
class FFIName:
    """The parts of one SPOC FFI file name."""

    name: str
    stamp: int  # YYYYDDDHHMMSS as a number
    sector: int
    camera: int
    ccd: int
    scconfig: int
    raw: bool

    @property
    def cadence(self) -> int:
        return int(cadence_numbers(np.array([self.stamp]), np.array([self.sector]))[0])


@dataclass(frozen=True, slots=True)
class FFINames:
    """The parts of many names, as aligned numpy arrays."""

    stamp: np.ndarray  # int64 YYYYDDDHHMMSS
    sector: np.ndarray  # int64
    camera: np.ndarray
    ccd: np.ndarray
    scconfig: np.ndarray
    raw: np.ndarray  # bool


class NotAnFFIName(ValueError):
    """A name that is not a SPOC FFI name; `index` is the first bad one (0-based)."""

    def __init__(self, index: int, name: str, reason: str) -> None:
        self.index = index
        self.name = name
        self.reason = reason
        super().__init__(f"{name!r}: {reason}")


def parse_name(name: str) -> FFIName:
    """Parts of one file name; raises `NotAnFFIName` unless it is a SPOC FFI name."""
    parts = parse_names(np.array([name]))
    return FFIName(
        name=name,
        stamp=int(parts.stamp[0]),
        sector=int(parts.sector[0]),
        camera=int(parts.camera[0]),
        ccd=int(parts.ccd[0]),
        scconfig=int(parts.scconfig[0]),
        raw=bool(parts.raw[0]),
    )


def parse_names(names: np.ndarray) -> FFINames:
    """Parts of every name (a numpy str array), checked against the template in one pass."""
    text = np.asarray(names, dtype=f"<U{NAME_LENGTH + 1}")
    codes = text.view(np.uint32).reshape(len(text), NAME_LENGTH + 1)
    wrong_length = (codes[:, NAME_LENGTH] != 0) | (codes[:, NAME_LENGTH - 1] == 0)
    return parse_codes(codes[:, :NAME_LENGTH], wrong_length, lambda index: str(names[index]))


def parse_codes(body: np.ndarray, bad: np.ndarray, name_of: Callable[[int], str]) -> FFINames:
    """Parts from an (n, NAME_LENGTH) array of character codes; `bad` marks rows known wrong."""
    body = body.astype(np.uint32)
    digits = body - np.uint32(ord("0"))
    bad = bad.copy()
    bad |= np.any((body[:, _LITERAL] != _CODES[_LITERAL]), axis=1)
    bad |= np.any(digits[:, _DIGITS] > 9, axis=1)
    kind = body[:, _KIND]
    bad |= (kind != ord("c")) & (kind != ord("r"))
    values = digits.astype(np.int64)
    stamp = _number(values, 4, 17)
    sector = _number(values, 19, 23)
    camera, ccd = values[:, 24], values[:, 26]
    bad |= (camera < 1) | (camera > 4) | (ccd < 1) | (ccd > 4) | (sector < 1)
    year, doy = stamp // 10**9, stamp // 10**6 % 1000
    hour, minute, second = stamp // 10**4 % 100, stamp // 100 % 100, stamp % 100
    bad |= (year < 2018) | (doy < 1) | (doy > 366) | (hour > 23) | (minute > 59) | (second > 59)
    if bad.any():
        index = int(np.argmax(bad))
        raise NotAnFFIName(
            index,
            name_of(index),
            "not a SPOC FFI file name (tessYYYYDDDHHMMSS-sSSSS-C-D-CCCC-s_ffic.fits)",
        )
    return FFINames(
        stamp=stamp,
        sector=sector,
        camera=camera,
        ccd=ccd,
        scconfig=_number(values, 28, 32),
        raw=kind == ord("r"),
    )


def stamp_seconds(stamp: np.ndarray) -> np.ndarray:
    """Unix seconds (UTC) of YYYYDDDHHMMSS stamps."""
    year = stamp // 10**9
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[s]").astype(np.int64)
    doy = stamp // 10**6 % 1000
    clock = (stamp // 10**4 % 100) * 3600 + (stamp // 100 % 100) * 60 + stamp % 100
    return np.asarray(start + (doy - 1) * 86400 + clock, dtype=np.int64)


def cadence_numbers(stamp: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """The FFIINDEX-compatible cadence number of each name (int64, exact integer arithmetic)."""
    cadence = _SPACING[np.clip(sector, 0, len(_SPACING) - 1)]
    elapsed = stamp_seconds(stamp) - EPOCH_UNIX
    return np.asarray((elapsed + cadence // 2) // cadence, dtype=np.int64)


def _number(digits: np.ndarray, start: int, stop: int) -> np.ndarray:
    result = np.zeros(len(digits), dtype=np.int64)
    for column in range(start, stop):
        result = result * 10 + digits[:, column]
    return result
