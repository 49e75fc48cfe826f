"""QLP lightcurves: the MIT Quick-Look Pipeline HLSP (`hlsp_qlp_tess_ffi_*_llc.fits`).

QLP measures every star on the full-frame images in three apertures and detrends each with a
spline: KSPSAP columns for sectors 1-55, renamed DET from sector 56 (lightkurve `io/qlp.py`,
`/work/shared/tess.md` section 2.2). Fluxes are normalised, so their unit is empty. The raw
optimal-aperture flux (SAP_FLUX, without errors in the product) is stored as raw photometry and
its detrended series as derived from it; the small- and large-aperture series have no raw flux
in the product, so they carry no lineage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from lcdb.ingest import bintable
from lcdb.ingest.errors import MissingColumn, NotALightcurve
from lcdb.ingest.fitsfile import (
    as_int,
    as_text,
    cadence_seconds,
    check_time_system,
    column,
    increasing_cadences,
    keyword_int,
    lightcurve_table,
    read_checked,
    read_columns,
)
from lcdb.ingest.product import (
    Flux,
    Lightcurve,
    Pipeline,
    ProductInfo,
    first_orbit,
)
from lcdb.ingest.spoc import target_properties
from lcdb.missions.tess import QLP_QUALITY_FLAGS, ffi_cadence_seconds

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

OPTIMAL = "qlp-optimal-aperture"
SMALL = "qlp-small-aperture"
LARGE = "qlp-large-aperture"
COMMON_COLUMNS = ("TIME", "CADENCENO", "SAP_FLUX", "QUALITY")
# detrended flux columns per naming era: (method, flux, error, small, large)
ERAS = (
    ("KSPSAP", "KSPSAP_FLUX", "KSPSAP_FLUX_ERR", "KSPSAP_FLUX_SML", "KSPSAP_FLUX_LAG"),
    ("DET", "DET_FLUX", "DET_FLUX_ERR", "DET_FLUX_SML", "DET_FLUX_LAG"),
)


def read_qlp_lightcurve(path: Path | str) -> Lightcurve:
    """Read and check one QLP lightcurve; raises an `IngestError` naming the problem."""
    return read_checked(path, parse_qlp)


def is_qlp(primary: fits.Header) -> bool:
    return "mit/qlp" in str(primary.get("ORIGIN", "")).lower()


def parse_qlp(path: Path, stream: BinaryIO, hdus: fits.HDUList) -> Lightcurve:
    primary = hdus[0].header
    if not is_qlp(primary):
        raise NotALightcurve(path, f"ORIGIN is {primary.get('ORIGIN')!r}, not 'MIT/QLP'")
    table, header = lightcurve_table(path, hdus, COMMON_COLUMNS)
    names = {name.upper() for name in bintable.column_names(header)}  # not astropy's ColDefs: slow
    era = next((era for era in ERAS if era[1] in names), None)
    if era is None:
        raise MissingColumn(path, "LIGHTCURVE has neither KSPSAP_FLUX nor DET_FLUX")
    method, flux_name, error_name, small_name, large_name = era
    optional = [name for name in (error_name, small_name, large_name) if name in names]
    wanted = (*COMMON_COLUMNS, flux_name, *optional)
    check_time_system(path, header)
    data = read_columns(path, stream, table, wanted)
    sector = keyword_int(path, primary, "SECTOR", 1, 10_000)
    raw = Flux(OPTIMAL, None, column(path, data, "SAP_FLUX", np.float64), None)
    fluxes = [
        raw,
        Flux(
            OPTIMAL,
            method,
            column(path, data, flux_name, np.float64),
            column(path, data, error_name, np.float64) if error_name in optional else None,
            derived_from=0,
        ),
    ]
    for aperture, name in ((SMALL, small_name), (LARGE, large_name)):
        if name in optional:
            fluxes.append(Flux(aperture, method, column(path, data, name, np.float64), None))
    return Lightcurve(
        path=path,
        tic_id=keyword_int(path, primary, "TICID", 1, 2**63 - 1),
        sector=sector,
        camera=keyword_int(path, primary, "CAMERA", 1, 4),
        ccd=keyword_int(path, primary, "CCD", 1, 4),
        cadence_seconds=(
            cadence_seconds(path, header) if "TIMEDEL" in header else ffi_cadence_seconds(sector)
        ),
        orbit_number=first_orbit(sector),
        cadences=increasing_cadences(path, data),
        time=column(path, data, "TIME", np.float64),
        quality=column(path, data, "QUALITY", np.int32),
        quality_type=QLP_QUALITY_FLAGS,
        fluxes=tuple(fluxes),
        target=target_properties(primary),
        info=ProductInfo(
            pipeline=Pipeline.QLP,
            values_unit="",
            pipeline_version=as_text(primary.get("PROCVER")) or as_text(primary.get("VERSION")),
            data_release=as_int(primary.get("DATA_REL")),
        ),
    )
