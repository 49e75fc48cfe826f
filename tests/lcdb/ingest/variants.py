"""Broken and altered copies of a SPOC lightcurve, written with astropy in a test's tmp_path."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits


def copy_of(source: Path, directory: Path, name: str | None = None) -> Path:
    target = directory / (name or source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def truncated(source: Path, target: Path, *, keep: int = 1_000_000) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes()[:keep])
    return target


def variant(
    source: Path,
    target: Path,
    *,
    tic: int | None = None,
    flux_scale: float | None = None,
    cadence_shift: int | None = None,
    drop: str | None = None,
    telescope: str | None = None,
    unsigned_quality: bool = False,
) -> Path:
    """A copy with another TIC id, scaled fluxes, shifted CADENCENO or one column dropped."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # astropy notes about rewritten checksums and cards
        with fits.open(source) as hdus:
            primary = hdus[0].copy()
            table = hdus[1]
            data = table.data.copy()
            if tic is not None:
                primary.header["TICID"] = tic
                primary.header["OBJECT"] = f"TIC {tic}"
            if telescope is not None:
                primary.header["TELESCOP"] = telescope
            if flux_scale is not None:
                for name in ("SAP_FLUX", "PDCSAP_FLUX"):
                    data[name] = data[name] * np.float32(flux_scale)
            if cadence_shift is not None:
                data["CADENCENO"] = data["CADENCENO"] + cadence_shift
            columns = [column for column in table.columns if column.name != drop]
            if unsigned_quality:  # uint16 as FITS stores it: int16 with TZERO = 32768
                columns = [
                    fits.Column(name="QUALITY", format="I", bzero=32768, array=data["QUALITY"])
                    if column.name == "QUALITY"
                    else column
                    for column in columns
                ]
            header = table.header.copy()
            for key in [k for k in header if k[:5] in ("TTYPE", "TFORM", "TUNIT", "TDISP")]:
                del header[key]
            rebuilt = fits.BinTableHDU.from_columns(
                fits.ColDefs(
                    [
                        fits.Column(
                            name=c.name,
                            format=c.format,
                            unit=c.unit,
                            bzero=c.bzero,
                            array=data[c.name].astype(np.uint16)
                            if c.bzero == 32768
                            else data[c.name],
                        )
                        for c in columns
                    ]
                ),
                header=header,
            )
            fits.HDUList([primary, rebuilt, hdus[2].copy()]).writeto(target, overwrite=True)
    return target


def qlp_file(
    target: Path,
    *,
    tic: int,
    sector: int = 1,
    camera: int = 1,
    ccd: int = 2,
    cadences: np.ndarray | None = None,
    era: str = "KSPSAP",
    drop: str | None = None,
    seed: int = 0,
) -> Path:
    """A QLP HLSP lightcurve in the published layout (tess.md 2.2), with random values.

    No QLP file ships in any package, so the layout is written from the format description;
    values are random and returned through the file itself (tests read them back with astropy).
    """
    rng = np.random.default_rng(seed)
    cadences = np.arange(1000, 1100, dtype=np.int32) if cadences is None else cadences
    n = cadences.size
    primary = fits.PrimaryHDU()
    for key, value in {
        "TELESCOP": "TESS",
        "ORIGIN": "MIT/QLP",
        "TICID": tic,
        "SECTOR": sector,
        "CAMERA": camera,
        "CCD": ccd,
        "RA_OBJ": 84.291190,
        "DEC_OBJ": -80.469170,
        "TESSMAG": 10.5,
        "TEFF": 5800.0,
        "LOGG": 4.4,
        "MH": 0.1,
        "RADIUS": 1.02,
    }.items():
        primary.header[key] = value
    time = 1325.3 + (cadences - cadences[0]) / 48.0
    time[::17] = np.nan
    quality = np.zeros(n, dtype=np.int32)
    quality[::11] = 4096
    quality[::13] |= 32
    flux_names = {
        "KSPSAP": ("KSPSAP_FLUX", "KSPSAP_FLUX_ERR", "KSPSAP_FLUX_SML", "KSPSAP_FLUX_LAG"),
        "DET": ("DET_FLUX", "DET_FLUX_ERR", "DET_FLUX_SML", "DET_FLUX_LAG"),
    }[era]
    columns = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=time),
        fits.Column("CADENCENO", "J", array=cadences),
        fits.Column("SAP_FLUX", "E", array=1 + 0.01 * rng.standard_normal(n)),
        *[fits.Column(name, "E", array=1 + 0.001 * rng.standard_normal(n)) for name in flux_names],
        fits.Column("QUALITY", "J", array=quality),
        fits.Column("ORBITID", "J", array=np.where(np.arange(n) < n // 2, 9, 10)),
        fits.Column("SAP_X", "E", array=rng.uniform(0, 2048, n)),
        fits.Column("SAP_Y", "E", array=rng.uniform(0, 2048, n)),
        fits.Column("SAP_BKG", "E", array=rng.standard_normal(n)),
        fits.Column("SAP_BKG_ERR", "E", array=np.abs(rng.standard_normal(n))),
    ]
    table = fits.BinTableHDU.from_columns([c for c in columns if c.name != drop])
    table.name = "LIGHTCURVE"
    for key, value in {
        "TIMEREF": "SOLARSYSTEM",
        "TIMESYS": "TDB",
        "BJDREFI": 2457000,
        "BJDREFF": 0.0,
        "TIMEUNIT": "d",
    }.items():
        table.header[key] = value
    target.parent.mkdir(parents=True, exist_ok=True)
    fits.HDUList([primary, table]).writeto(target, overwrite=True)
    return target
