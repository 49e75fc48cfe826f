"""Synthetic lightcurves written as real-format files: readable by astropy, equal to what was
simulated, with the SPOC and QLP keywords and columns, and sane noise, NaNs and flags."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.timeseries import TimeSeries
from astropy.units import UnitsWarning

from lcdb.demo.fits_writer import Writer
from lcdb.demo.sectors import PDC_GAPPED, Sector
from lcdb.demo.signals import star_model
from lcdb.demo.sky import Star, Target
from lcdb.demo.synthetic import QlpSeries, SpocSeries, simulate_qlp, simulate_spoc
from tests.lcdb.demo.conftest import SEED

SPOC_NAME = re.compile(r"tess\d{13}-s\d{4}-\d{16}-\d{4}-s_lc\.fits")
SPOC_COLUMNS = [
    "TIME", "TIMECORR", "CADENCENO", "SAP_FLUX", "SAP_FLUX_ERR", "SAP_BKG", "SAP_BKG_ERR",
    "PDCSAP_FLUX", "PDCSAP_FLUX_ERR", "QUALITY", "PSF_CENTR1", "PSF_CENTR1_ERR", "PSF_CENTR2",
    "PSF_CENTR2_ERR", "MOM_CENTR1", "MOM_CENTR1_ERR", "MOM_CENTR2", "MOM_CENTR2_ERR",
    "POS_CORR1", "POS_CORR2",
]  # fmt: skip
QLP_COLUMNS = [
    "TIME", "CADENCENO", "SAP_FLUX", "KSPSAP_FLUX", "KSPSAP_FLUX_ERR", "QUALITY", "ORBITID",
    "SAP_X", "SAP_Y", "SAP_BKG", "SAP_BKG_ERR", "KSPSAP_FLUX_SML", "KSPSAP_FLUX_LAG",
]  # fmt: skip
PRIMARY_STAR_KEYWORDS = ("TICID", "SECTOR", "CAMERA", "CCD", "RA_OBJ", "DEC_OBJ", "TESSMAG")


def spoc(target: Target, sectors: dict[int, Sector], seed: int = SEED) -> SpocSeries:
    placement = target.placements[0]
    model = star_model(target.star, seed, transit_fraction=1.0)
    return simulate_spoc(target.star, model, placement, sectors[placement.sector], seed)


def qlp(target: Target, sectors: dict[int, Sector], seed: int = SEED) -> QlpSeries:
    placement = target.placements[-1]
    model = star_model(target.star, seed, transit_fraction=1.0)
    return simulate_qlp(target.star, model, placement, sectors[placement.sector], seed)


@pytest.fixture(scope="module")
def spoc_file(
    targets: list[Target],
    sectors: dict[int, Sector],
    writer: Writer,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[SpocSeries, Path]:
    series = spoc(targets[0], sectors)
    return series, writer.write_spoc(series, tmp_path_factory.mktemp("spoc"))


@pytest.fixture(scope="module")
def qlp_file(
    targets: list[Target],
    sectors: dict[int, Sector],
    writer: Writer,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[QlpSeries, Path]:
    series = qlp(targets[0], sectors)
    return series, writer.write_qlp(series, tmp_path_factory.mktemp("qlp"))


def test_spoc_file_reads_with_astropys_tess_reader_and_holds_the_simulated_values(
    spoc_file: tuple[SpocSeries, Path],
) -> None:
    series, path = spoc_file
    assert SPOC_NAME.fullmatch(path.name)
    with warnings.catch_warnings():
        # As with the real files: their TIME unit 'BJD - 2457000, days' is not a FITS unit,
        # and the reader drops (and warns about) the downlink gap's rows.
        warnings.simplefilter("ignore", UnitsWarning)
        warnings.filterwarnings("ignore", "Ignoring [0-9]+ rows with NaN times", UserWarning)
        table = TimeSeries.read(path, format="tess.fits")
    finite = np.isfinite(series.time)
    assert len(table) == finite.sum()  # the reader drops the gap's rows, as for real files
    assert np.allclose(table.time.tdb.jd - 2457000.0, series.time[finite], rtol=0, atol=1e-8)
    for column in ("sap_flux", "pdcsap_flux", "sap_bkg", "quality", "cadenceno", "mom_centr1"):
        assert np.array_equal(
            np.asarray(table[column].value), getattr(series, column)[finite], equal_nan=True
        ), column
    assert table.meta["TICID"] == series.star.tic_id
    assert table.meta["OBJECT"] == f"TIC {series.star.tic_id}"


def test_spoc_file_has_the_real_products_layout(spoc_file: tuple[SpocSeries, Path]) -> None:
    series, path = spoc_file
    with fits.open(path) as hdus:
        hdus.verify("exception")
        assert [hdu.name for hdu in hdus] == ["PRIMARY", "LIGHTCURVE", "APERTURE"]
        primary, table = hdus[0].header, hdus["LIGHTCURVE"]
        assert primary["TELESCOP"] == "TESS" and primary["ORIGIN"] == "NASA/Ames"
        assert primary["SIMDATA"] is True and primary["OBJECT"] == f"TIC {series.star.tic_id}"
        for keyword in PRIMARY_STAR_KEYWORDS:
            assert keyword in primary
        assert table.columns.names == SPOC_COLUMNS
        assert table.columns["SAP_FLUX"].unit == "e-/s"
        assert table.columns["QUALITY"].format == "J"
        header = table.header
        assert (header["TIMEREF"], header["TIMESYS"], header["BJDREFI"]) == (
            "SOLARSYSTEM",
            "TDB",
            2457000,
        )
        assert header["TIMEDEL"] * 86400.0 == pytest.approx(120.0)
        aperture = hdus["APERTURE"]
        assert aperture.data.shape == (11, 11)
        assert np.sum(aperture.data & 2 != 0) == aperture.header["NPIXSAP"]
        assert np.all(aperture.data & 1)


def test_qlp_file_has_the_hlsp_keywords_and_columns(qlp_file: tuple[QlpSeries, Path]) -> None:
    series, path = qlp_file
    assert path.name == (
        f"hlsp_qlp_tess_ffi_s{series.placement.sector:04d}-{series.star.tic_id:016d}_tess_v01_llc.fits"
    )
    with fits.open(path) as hdus:
        hdus.verify("exception")
        primary, table = hdus[0].header, hdus[1]
        assert primary["ORIGIN"] == "MIT/QLP"
        for keyword in (*PRIMARY_STAR_KEYWORDS, "TEFF", "LOGG", "MH", "RADIUS"):
            assert keyword in primary
        assert primary["TICID"] == series.star.tic_id
        assert primary["CAMERA"] == series.placement.camera
        assert table.columns.names == QLP_COLUMNS
        header = table.header
        assert (header["TIMEREF"], header["TIMESYS"]) == ("SOLARSYSTEM", "TDB")
        assert (header["BJDREFI"], header["BJDREFF"]) == (2457000, 0.0)
        for column in QLP_COLUMNS:
            assert np.array_equal(
                table.data[column], getattr(series, column.lower()), equal_nan=True
            )
        assert set(np.unique(table.data["ORBITID"])) <= {9, 10, 11, 12}


def test_spoc_nans_follow_the_gap_and_the_quality_flags(spoc_file: tuple[SpocSeries, Path]) -> None:
    series, _ = spoc_file
    gap = series.sector.gap.contains(series.sector.two_minute_grid()[1])
    assert np.array_equal(np.isnan(series.time), gap)
    assert np.array_equal(np.isnan(series.sap_flux), gap)
    assert np.array_equal(np.isnan(series.pdcsap_flux), gap | ((series.quality & PDC_GAPPED) != 0))


def test_noise_follows_the_magnitude(targets: list[Target], sectors: dict[int, Sector]) -> None:
    """The scatter of a quiet star's normalised flux grows from bright to faint stars."""
    base = targets[0]
    scatter = []
    for tmag in (8.0, 12.0, 15.0):
        star = Star(base.star.tic_id, base.star.ra, base.star.dec, tmag, 5000.0, 4.5, None, 1.0)
        quiet = star_model(star, SEED, transit_fraction=0.0)
        quiet = type(quiet)(None, (), 0.0, (0.0, 0.0), SEED, star.tic_id)  # no signal at all
        placement = base.placements[0]
        series = simulate_qlp(star, quiet, placement, sectors[placement.sector], SEED)
        flux = series.kspsap_flux[series.quality == 0]
        scatter.append(float(np.std(flux)))
        assert np.median(series.kspsap_flux_err[series.quality == 0]) == pytest.approx(
            scatter[-1], rel=0.1
        )
    assert scatter[0] < scatter[1] < scatter[2]
    assert scatter[0] < 3e-4 and scatter[2] > 3e-3


def test_generation_is_deterministic(targets: list[Target], sectors: dict[int, Sector]) -> None:
    first, again, other = (
        spoc(targets[1], sectors),
        spoc(targets[1], sectors),
        spoc(targets[1], sectors, SEED + 1),
    )
    assert np.array_equal(first.pdcsap_flux, again.pdcsap_flux, equal_nan=True)
    assert np.array_equal(first.quality, again.quality)
    assert not np.array_equal(first.pdcsap_flux, other.pdcsap_flux, equal_nan=True)
    assert np.array_equal(qlp(targets[2], sectors).sap_flux, qlp(targets[2], sectors).sap_flux)


def test_a_transiting_planet_shows_in_the_pdcsap_flux_at_its_depth(
    targets: list[Target], sectors: dict[int, Sector]
) -> None:
    base = targets[0]
    star = Star(base.star.tic_id, base.star.ra, base.star.dec, 9.0, 5700.0, 4.4, 0.0, 1.0)
    model = star_model(star, SEED, transit_fraction=1.0)
    assert model.transit is not None
    model = type(model)(model.transit, (), 0.0, (0.0, 0.0), SEED, star.tic_id)  # transits only
    placement = base.placements[0]
    series = simulate_spoc(star, model, placement, sectors[placement.sector], SEED)
    good = np.isfinite(series.pdcsap_flux)
    flux = series.pdcsap_flux[good] / np.median(series.pdcsap_flux[good])
    depth = -model.transit.flux(series.time[good])
    inside, outside = depth > 0.9 * model.transit.depth, depth == 0
    assert inside.sum() > 10
    measured = np.median(flux[outside]) - np.median(flux[inside])
    noise = np.std(flux[outside]) / np.sqrt(inside.sum())
    assert measured == pytest.approx(model.transit.depth, abs=4 * noise + 2e-5)
