"""SPOC-format FFI files for the tests, built around a real FFI WCS header.

A real calibrated FFI is 35 MB; only its headers matter to ingest. The files written here have
the SPOC layout (empty primary HDU; HDU 1 the 2136 x 2078 float32 image with CAMERA, CCD, the
time keywords, DQUALITY, EXPOSURE and the real TAN-SIP WCS of astrocut's ``ex_ffi_wcs.txt``;
HDU 2 the uncertainty image) and their full length, but the pixel blocks are left as holes
(sparse files), so a file costs a few kilobytes of disk and no time to write.
"""

from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from tests.lcdb.ingest.ffi_data import ffi_wcs_header

WIDTH, HEIGHT = 2136, 2078
BLOCK = 2880
DATA_BYTES = WIDTH * HEIGHT * 4
PADDED_DATA = -(-DATA_BYTES // BLOCK) * BLOCK


def real_wcs() -> fits.Header:
    """The WCS cards of the real FFI header (without its NAXIS cards)."""
    text = ffi_wcs_header().read_text(encoding="ascii")
    header = fits.Header.fromstring(text)
    for key in ("NAXIS", "NAXIS1", "NAXIS2"):
        header.remove(key, ignore_missing=True)
    return header


def write_ffi(
    directory: Path,
    name: str,
    *,
    camera: int = 1,
    ccd: int = 1,
    tstart: float = 1614.715,
    tstop: float = 1614.7358333333,
    quality: int = 0,
    exposure: float = 1425.6,
    drop: str | None = None,
    keep_bytes: int | None = None,
) -> Path:
    """One FFI named `name`; `drop` removes a keyword of HDU 1, `keep_bytes` truncates."""
    primary = fits.Header()
    primary["SIMPLE"] = True
    primary["BITPIX"] = 8
    primary["NAXIS"] = 0
    primary["EXTEND"] = True
    for key, value in {
        "NEXTEND": 2,
        "ORIGIN": "NASA/Ames",
        "TELESCOP": "TESS",
        "INSTRUME": "TESS Photometer",
        "TSTART": tstart,
        "TSTOP": tstop,
        "SCCONFIG": 143,
        "RADESYS": "ICRS",
        "EQUINOX": 2000.0,
    }.items():
        primary[key] = value
    image = fits.Header()
    image["XTENSION"] = "IMAGE"
    image["BITPIX"] = -32
    image["NAXIS"] = 2
    image["NAXIS1"] = WIDTH
    image["NAXIS2"] = HEIGHT
    image["PCOUNT"] = 0
    image["GCOUNT"] = 1
    image["EXTNAME"] = f"CAMERA.CCD {camera}.{ccd} cal"
    image.extend(real_wcs(), unique=True)
    for key, value in {
        "CAMERA": camera,
        "CCD": ccd,
        "TSTART": tstart,
        "TSTOP": tstop,
        "BJDREFI": 2457000,
        "BJDREFF": 0.0,
        "TIMESYS": "TDB",
        "DQUALITY": quality,
        "EXPOSURE": exposure,
        "BARYCORR": 0.0052951504,
    }.items():
        image[key] = value
    if drop is not None:
        del image[drop]
    uncertainty = image.copy()
    uncertainty["EXTNAME"] = f"CAMERA.CCD {camera}.{ccd} uncert"
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        stream.write(primary.tostring().encode("ascii"))
        for header in (image, uncertainty):
            stream.write(header.tostring().encode("ascii"))
            stream.seek(PADDED_DATA, 1)
        stream.truncate(stream.tell() if keep_bytes is None else keep_bytes)
    return path
