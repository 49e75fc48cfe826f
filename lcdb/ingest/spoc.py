"""SPOC lightcurves: target lightcurves (`*_lc.fits`, `*fast-lc.fits`) and the TESS-SPOC HLSP.

A file is read completely and checked before anything touches the database, so a broken file
fails here with the path and the reason and a load never starts on half a file. Format: TESS
Science Data Products Description Document; `/work/shared/tess.md` section 2.1. The TESS-SPOC
HLSP (SPOC's pipeline run on full-frame images) has the same layout at the FFI cadence.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from lcdb.ingest.errors import NotALightcurve
from lcdb.ingest.fitsfile import (
    as_dec,
    as_float,
    as_int,
    as_ra,
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
    TargetProperties,
    first_orbit,
)
from lcdb.missions.tess import TESS_QUALITY_FLAGS

if TYPE_CHECKING:
    from astropy.io import fits  # annotations only; astropy is untyped, so Any to mypy

SPOC_OPTIMAL_APERTURE = "spoc-optimal-aperture"
"""PhotometricSource name of SPOC's simple aperture photometry in the optimal aperture."""
PDC = "PDC"

LIGHTCURVE_COLUMNS = (
    "TIME",
    "CADENCENO",
    "SAP_FLUX",
    "SAP_FLUX_ERR",
    "PDCSAP_FLUX",
    "PDCSAP_FLUX_ERR",
    "QUALITY",
)
SHORTEST_FFI_CADENCE = 200.0  # s; SPOC target lightcurves are 120 s or 20 s


def read_spoc_lightcurve(path: Path | str) -> Lightcurve:
    """Read and check one SPOC or TESS-SPOC lightcurve; raises an `IngestError` if broken."""
    return read_checked(path, parse_spoc)


def is_spoc(primary: fits.Header) -> bool:
    return str(primary.get("TELESCOP", "")).strip() == "TESS"


def parse_spoc(path: Path, stream: BinaryIO, hdus: fits.HDUList) -> Lightcurve:
    primary = hdus[0].header
    if not is_spoc(primary):
        raise NotALightcurve(path, f"TELESCOP is {primary.get('TELESCOP')!r}, not 'TESS'")
    table, header = lightcurve_table(path, hdus, LIGHTCURVE_COLUMNS)
    check_time_system(path, header)
    data = read_columns(path, stream, table, LIGHTCURVE_COLUMNS)
    cadences = increasing_cadences(path, data)
    sector = keyword_int(path, primary, "SECTOR", 1, 10_000)
    seconds = cadence_seconds(path, header)
    pipeline = (
        Pipeline.TESS_SPOC
        if path.name.startswith("hlsp_tess-spoc") or seconds >= SHORTEST_FFI_CADENCE
        else Pipeline.SPOC
    )
    sap = Flux(
        SPOC_OPTIMAL_APERTURE,
        None,
        column(path, data, "SAP_FLUX", np.float64),
        column(path, data, "SAP_FLUX_ERR", np.float64),
    )
    pdc = Flux(
        SPOC_OPTIMAL_APERTURE,
        PDC,
        column(path, data, "PDCSAP_FLUX", np.float64),
        column(path, data, "PDCSAP_FLUX_ERR", np.float64),
        derived_from=0,
        cdpp=(
            as_float(header.get("CDPP0_5")),
            as_float(header.get("CDPP1_0")),
            as_float(header.get("CDPP2_0")),
        ),
    )
    return Lightcurve(
        path=path,
        tic_id=keyword_int(path, primary, "TICID", 1, 2**63 - 1),
        sector=sector,
        camera=keyword_int(path, primary, "CAMERA", 1, 4),
        ccd=keyword_int(path, primary, "CCD", 1, 4),
        cadence_seconds=seconds,
        orbit_number=first_orbit(sector),
        cadences=cadences,
        time=column(path, data, "TIME", np.float64),
        quality=column(path, data, "QUALITY", np.int32),
        quality_type=TESS_QUALITY_FLAGS,
        fluxes=(sap, pdc),
        target=target_properties(primary),
        info=ProductInfo(
            pipeline=pipeline,
            values_unit="electron/s",
            pipeline_version=as_text(primary.get("PROCVER")),
            data_release=as_int(primary.get("DATA_REL")),
            crowding=as_float(header.get("CROWDSAP")),
            flux_fraction=as_float(header.get("FLFRCSAP")),
            pdc_method=as_text(header.get("PDCMETHD")),
        ),
    )


def target_properties(primary: fits.Header) -> TargetProperties:
    """The TIC values TESS products quote in their primary header."""
    return TargetProperties(
        ra=as_ra(primary.get("RA_OBJ")),
        dec=as_dec(primary.get("DEC_OBJ")),
        pmra=as_float(primary.get("PMRA")),
        pmdec=as_float(primary.get("PMDEC")),
        magnitude=as_float(primary.get("TESSMAG")),
        teff=as_float(primary.get("TEFF")),
        logg=as_float(primary.get("LOGG")),
        metallicity=as_float(primary.get("MH")),
        radius=as_float(primary.get("RADIUS")),
    )
