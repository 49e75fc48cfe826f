"""The FITS cards and columns of the demo's SPOC and QLP lightcurve files.

Card lists follow the real sector 1 SPOC product (keywords, order, comments) and the QLP HLSP
keywords lightkurve reads (`/work/shared/tess.md` sections 2.1 and 2.2). Cards that differ
between files hold placeholders in the lists; the `*_values` functions give a file's own
values for them, which `fits_writer` writes into the rendered templates.
"""

from __future__ import annotations

import datetime

import numpy as np

from lcdb.demo.sectors import BTJD_EPOCH, DAY, FFI_CADENCE, TWO_MINUTES, Sector
from lcdb.demo.sky import Placement, Star
from lcdb.demo.synthetic import DEADC, QlpSeries, SpocSeries

CREATOR = "lcdb-tap demo (synthetic)"
PROCVER = "lcdb-tap-demo-1"
PIXEL_DEG = 21.0 / 3600.0  # TESS plate scale, 21 arcsec per pixel
APERTURE_SIZE = 11
TIME_UNIT = "BJD - 2457000, days"
Card = tuple[str, object, str]

SPOC_COLUMNS = (  # name, FITS format, unit, display, series attribute
    ("TIME", "D", TIME_UNIT, "D14.7", "time"),
    ("TIMECORR", "E", "d", "E14.7", "timecorr"),
    ("CADENCENO", "J", None, "I10", "cadenceno"),
    ("SAP_FLUX", "E", "e-/s", "E14.7", "sap_flux"),
    ("SAP_FLUX_ERR", "E", "e-/s", "E14.7", "sap_flux_err"),
    ("SAP_BKG", "E", "e-/s", "E14.7", "sap_bkg"),
    ("SAP_BKG_ERR", "E", "e-/s", "E14.7", "sap_bkg_err"),
    ("PDCSAP_FLUX", "E", "e-/s", "E14.7", "pdcsap_flux"),
    ("PDCSAP_FLUX_ERR", "E", "e-/s", "E14.7", "pdcsap_flux_err"),
    ("QUALITY", "J", None, "B16.16", "quality"),
    ("PSF_CENTR1", "D", "pixel", "F10.5", None),  # SPOC left PSF centroids empty in 2018
    ("PSF_CENTR1_ERR", "E", "pixel", "E14.7", None),
    ("PSF_CENTR2", "D", "pixel", "F10.5", None),
    ("PSF_CENTR2_ERR", "E", "pixel", "E14.7", None),
    ("MOM_CENTR1", "D", "pixel", "F10.5", "mom_centr1"),
    ("MOM_CENTR1_ERR", "E", "pixel", "E14.7", "mom_centr1_err"),
    ("MOM_CENTR2", "D", "pixel", "F10.5", "mom_centr2"),
    ("MOM_CENTR2_ERR", "E", "pixel", "E14.7", "mom_centr2_err"),
    ("POS_CORR1", "E", "pixels", "E14.7", "pos_corr1"),
    ("POS_CORR2", "E", "pixels", "E14.7", "pos_corr2"),
)
QLP_COLUMNS = (  # name, FITS format, unit, series attribute
    ("TIME", "D", TIME_UNIT, "time"),
    ("CADENCENO", "J", None, "cadenceno"),
    ("SAP_FLUX", "E", None, "sap_flux"),
    ("KSPSAP_FLUX", "E", None, "kspsap_flux"),
    ("KSPSAP_FLUX_ERR", "E", None, "kspsap_flux_err"),
    ("QUALITY", "J", None, "quality"),
    ("ORBITID", "J", None, "orbitid"),
    ("SAP_X", "E", "pixel", "sap_x"),
    ("SAP_Y", "E", "pixel", "sap_y"),
    ("SAP_BKG", "E", None, "sap_bkg"),
    ("SAP_BKG_ERR", "E", None, "sap_bkg_err"),
    ("KSPSAP_FLUX_SML", "E", None, "kspsap_flux_sml"),
    ("KSPSAP_FLUX_LAG", "E", None, "kspsap_flux_lag"),
)


def extension_cards() -> list[Card]:
    return [
        ("INHERIT", True, "inherit the primary header"),
        ("EXTVER", 1, "extension version number (not format version)"),
        ("SIMDATA", True, "file is based on simulated data"),
    ]


def target_cards() -> list[Card]:
    """The target's cards; values are placeholders that `_set_star` fills per file."""
    return [
        ("OBJECT", "TIC 0", "string version of target id"),
        ("TICID", 0, "unique tess target identifier"),
        ("RADESYS", "ICRS", "reference frame of celestial coordinates"),
        ("RA_OBJ", 0.0, "[deg] right ascension"),
        ("DEC_OBJ", 0.0, "[deg] declination"),
        ("EQUINOX", 2000.0, "equinox of celestial coordinate system"),
    ]


def star_cards(sector: Sector) -> list[Card]:
    """Primary-header cards of the target (placeholders, filled by `_with_star`)."""
    target = target_cards()
    return [
        ("TELESCOP", "TESS", "telescope"),
        ("INSTRUME", "TESS Photometer", "detector type"),
        *target[:2],
        ("SECTOR", sector.number, "Observing sector"),
        ("CAMERA", 0, "Camera number"),
        ("CCD", 0, "CCD chip number"),
        *target[2:],
        ("TESSMAG", 0.0, "[mag] TESS magnitude"),
        ("TEFF", 0.0, "[K] Effective temperature"),
        ("LOGG", 0.0, "[cm/s2] log10 surface gravity"),
        ("MH", None, "[log10([M/H])] metallicity"),
        ("RADIUS", 0.0, "[solar radii] stellar radius"),
    ]


def file_cards(origin: str, sector: Sector, created: datetime.date) -> list[Card]:
    return [
        ("SIMDATA", True, "file is based on simulated data"),
        ("ORIGIN", origin, "institution responsible for creating this file"),
        ("DATE", created.isoformat(), "file creation date."),
        ("TSTART", sector.start, "observation start time in TJD"),
        ("TSTOP", sector.stop, "observation stop time in TJD"),
        ("DATE-OBS", sector.date_obs, "TSTART as UTC calendar date"),
        ("DATE-END", sector.date_end, "TSTOP as UTC calendar date"),
        ("CREATOR", CREATOR, "program that made this file"),
        ("PROCVER", PROCVER, "SW version"),
    ]


def spoc_primary_cards(sector: Sector, created: datetime.date) -> list[Card]:
    return [
        ("NEXTEND", 2, "number of standard extensions"),
        ("EXTNAME", "PRIMARY", "name of extension"),
        ("EXTVER", 1, "extension version number (not format version)"),
        *file_cards("NASA/Ames", sector, created),
        ("FILEVER", "1.0", "file format version"),
        ("TIMVERSN", "OGIP/93-003", "OGIP memo number for file format"),
        ("DATA_REL", 1, "data release version number"),
        *star_cards(sector),
        ("PMRA", 0.0, "[mas/yr] RA proper motion"),
        ("PMDEC", 0.0, "[mas/yr] Dec proper motion"),
        ("PMTOTAL", 0.0, "[mas/yr] total proper motion"),
        ("TICVER", 8, "TICVER"),
        ("CRMITEN", True, "spacecraft cosmic ray mitigation enabled"),
        ("CRBLKSZ", 10, "[exposures] s/c cosmic ray mitigation block siz"),
        ("CRSPOC", False, "SPOC cosmic ray cleaning enabled"),
    ]


def qlp_primary_cards(sector: Sector, created: datetime.date) -> list[Card]:
    return [*file_cards("MIT/QLP", sector, created), *star_cards(sector)]


def time_cards(tstart: float, tstop: float, cadence: float, sector: Sector) -> list[Card]:
    elapsed = tstop - tstart
    return [
        ("TIMEREF", "SOLARSYSTEM", "barycentric correction applied to times"),
        ("TASSIGN", "SPACECRAFT", "where time is assigned"),
        ("TIMESYS", "TDB", "time system is Barycentric Dynamical Time (TDB)"),
        ("BJDREFI", int(BTJD_EPOCH), "integer part of BTJD reference date"),
        ("BJDREFF", 0.0, "fraction of the day in BTJD reference date"),
        ("TIMEUNIT", "d", "time unit for TIME, TSTART and TSTOP"),
        ("TELAPSE", elapsed, "[d] TSTOP - TSTART"),
        ("LIVETIME", elapsed * DEADC, "[d] TELAPSE multiplied by DEADC"),
        ("TSTART", tstart, "observation start time in BTJD"),
        ("TSTOP", tstop, "observation stop time in BTJD"),
        ("DATE-OBS", sector.date_obs, "TSTART as UTC calendar date"),
        ("DATE-END", sector.date_end, "TSTOP as UTC calendar date"),
        ("DEADC", DEADC, "deadtime correction"),
        ("TIMEPIXR", 0.5, "bin time beginning=0 middle=0.5 end=1"),
        ("TIERRELA", 1.16e-05, "[d] relative time error"),
        ("INT_TIME", 1.98, "[s] photon accumulation time per frame"),
        ("READTIME", 0.02, "[s] readout time per frame"),
        ("FRAMETIM", 2.0, "[s] frame time (INT_TIME + READTIME)"),
        ("NUM_FRM", int(cadence / 2.0), "number of frames per time stamp"),
        ("TIMEDEL", cadence / DAY, "[d] time resolution of data"),
        ("EXPOSURE", elapsed * DEADC, "[d] time on source"),
    ]


def spoc_table_cards(sector: Sector) -> list[Card]:
    """LIGHTCURVE keywords; the per-target ones are placeholders (`_spoc_table_values`)."""
    return [
        *extension_cards(),
        ("TELESCOP", "TESS", "telescope"),
        ("INSTRUME", "TESS Photometer", "detector type"),
        *target_cards(),
        *time_cards(sector.start, sector.stop, TWO_MINUTES, sector),
        ("BACKAPP", True, "background is subtracted"),
        ("DEADAPP", True, "deadtime applied"),
        ("VIGNAPP", True, "vignetting or collimator correction applied"),
        ("CDPP0_5", 0.0, "RMS CDPP on 0.5-hr time scales"),
        ("CDPP1_0", 0.0, "RMS CDPP on 1.0-hr time scales"),
        ("CDPP2_0", 0.0, "RMS CDPP on 2.0-hr time scales"),
        ("CROWDSAP", 1.0, "Ratio of target flux to total flux in op. ap."),
        ("FLFRCSAP", 1.0, "Frac. of target flux w/in the op. aperture"),
        ("PDCVAR", 0.0, "Target variability"),
        ("PDCMETHD", "MAP", "PDC algorithm used for target"),
        ("NUMBAND", 1, "Number of scale bands"),
    ]


def spoc_table_values(series: SpocSeries) -> dict[str, object]:
    cdpp05, cdpp1, cdpp2 = series.cdpp
    return {
        **target_values(series.star),
        **span_values(series.time, TWO_MINUTES),
        "CDPP0_5": cdpp05,
        "CDPP1_0": cdpp1,
        "CDPP2_0": cdpp2,
        "CROWDSAP": series.crowdsap,
        "FLFRCSAP": series.flfrcsap,
        "PDCVAR": series.pdcvar,
        "PDCMETHD": "msMAP" if series.star.tmag < 9.0 else "MAP",
    }


def aperture_image(series: SpocSeries) -> np.ndarray:
    """SPOC pixel bits: 1 collected, 2 optimal aperture, 4 background, 8 centroid, and the
    CCD output (32/64/128/256 for A-D, 512 columns each) the pixels are read through."""
    size = APERTURE_SIZE
    output = 32 << min(3, max(0, int(series.placement.column - 45.0) // 512))
    y, x = np.mgrid[0:size, 0:size]
    distance = np.hypot(x - size // 2, y - size // 2)
    order = np.argsort(distance, axis=None, kind="stable")
    image = np.full(size * size, 1 | output, dtype=np.int32)
    image[order[: series.aperture_pixels]] |= 2 | 8
    image[order[-16:]] |= 4  # the corners measure the sky
    return image.reshape(size, size)


def aperture_cards() -> list[Card]:
    """APERTURE keywords; target and WCS values are placeholders (`aperture_values`)."""
    return [
        *extension_cards(),
        ("TELESCOP", "TESS", "telescope"),
        ("INSTRUME", "TESS Photometer", "detector type"),
        *target_cards(),
        ("WCSAXES", 2, "number of WCS axes"),
        ("CTYPE1", "RA---TAN", "right ascension coordinate type"),
        ("CTYPE2", "DEC--TAN", "declination coordinate type"),
        ("CRPIX1", 0.0, "[pixel] reference pixel along image axis 1"),
        ("CRPIX2", 0.0, "[pixel] reference pixel along image axis 2"),
        ("CRVAL1", 0.0, "[deg] right ascension at reference pixel"),
        ("CRVAL2", 0.0, "[deg] declination at reference pixel"),
        ("CUNIT1", "deg", "physical unit in column dimension"),
        ("CUNIT2", "deg", "physical unit in row dimension"),
        ("CDELT1", -PIXEL_DEG, "[deg] pixel scale in RA dimension"),
        ("CDELT2", PIXEL_DEG, "[deg] pixel scale in Dec dimension"),
        ("WCSNAMEP", "PHYSICAL", "name of world coordinate system alternate P"),
        ("WCSAXESP", 2, "number of WCS physical axes"),
        ("CTYPE1P", "RAWX", "physical WCS axis 1 type CCD col"),
        ("CUNIT1P", "PIXEL", "physical WCS axis 1 unit"),
        ("CRPIX1P", 1, "reference CCD column"),
        ("CRVAL1P", 0, "value at reference CCD column"),
        ("CDELT1P", 1.0, "physical WCS axis 1 step"),
        ("CTYPE2P", "RAWY", "physical WCS axis 2 type CCD row"),
        ("CUNIT2P", "PIXEL", "physical WCS axis 2 units"),
        ("CRPIX2P", 1, "reference CCD row"),
        ("CRVAL2P", 0, "value at reference CCD row"),
        ("CDELT2P", 1.0, "physical WCS axis 2 step"),
        ("NPIXSAP", 0, "Number of pixels in optimal aperture"),
        ("NPIXMISS", 0, "Number of op. aperture pixels not collected"),
    ]


def aperture_values(series: SpocSeries) -> dict[str, object]:
    """The aperture's WCS: a tangent plane centred on the star at the TESS plate scale."""
    star, placement = series.star, series.placement
    centre = APERTURE_SIZE // 2 + 1  # FITS pixels are 1-based
    return {
        **target_values(star),
        "CRPIX1": centre + placement.column % 1.0 - 0.5,
        "CRPIX2": centre + placement.row % 1.0 - 0.5,
        "CRVAL1": star.ra,
        "CRVAL2": star.dec,
        "CRVAL1P": round(placement.column) - APERTURE_SIZE // 2,
        "CRVAL2P": round(placement.row) - APERTURE_SIZE // 2,
        "NPIXSAP": series.aperture_pixels,
    }


def target_values(star: Star) -> dict[str, object]:
    return {
        "OBJECT": f"TIC {star.tic_id}",
        "TICID": star.tic_id,
        "RA_OBJ": star.ra,
        "DEC_OBJ": star.dec,
    }


def star_values(star: Star, placement: Placement) -> dict[str, object]:
    """A primary header's own values: the target and where it fell."""
    return {
        **target_values(star),
        "CAMERA": placement.camera,
        "CCD": placement.ccd,
        "TESSMAG": star.tmag,
        "TEFF": star.teff,
        "LOGG": star.logg,
        "MH": star.mh,
        "RADIUS": star.radius,
    }


def span_values(time: np.ndarray, cadence: float) -> dict[str, object]:
    """The time span of the finite TIME values, as the LIGHTCURVE keywords give it."""
    finite = time[np.isfinite(time)]
    start, stop = float(finite[0]), float(finite[-1])
    return {
        "TSTART": start,
        "TSTOP": stop,
        "TELAPSE": stop - start,
        "LIVETIME": (stop - start) * DEADC,
        "EXPOSURE": finite.size * cadence * DEADC / DAY,
    }


def qlp_table_cards(sector: Sector) -> list[Card]:
    return [*extension_cards(), *time_cards(sector.start, sector.stop, FFI_CADENCE, sector)]


def qlp_table_values(series: QlpSeries) -> dict[str, object]:
    return span_values(series.time, FFI_CADENCE)


def empty_column(rows: int, form: str) -> np.ndarray:
    return np.zeros(rows, dtype={"D": np.float64, "E": np.float32, "J": np.int32}[form])
