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
