"""QLP lightcurves: read as written, stored with lineage, aligned to their FFI observation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lcdb.ingest.errors import MissingColumn, WrongKind
from lcdb.ingest.load import Outcome
from lcdb.ingest.product import Pipeline
from lcdb.ingest.qlp import read_qlp_lightcurve
from lcdb.ingest.readers import read_lightcurve
from lcdb.ingest.run import FileResult, ingest_lightcurves
from tests.lcdb.ingest.support import connect
from tests.lcdb.ingest.variants import qlp_file


def ingest(url: str, *paths: Path, **options: object) -> list[FileResult]:
    return list(ingest_lightcurves(url, list(paths), **options))  # type: ignore[arg-type]


def column(path: Path, name: str) -> np.ndarray:
    with fits.open(path) as hdus:
        return np.asarray(hdus[1].data[name], dtype=np.float64)


@pytest.mark.parametrize("era", ["KSPSAP", "DET"])
def test_reads_both_column_eras_as_astropy_does(tmp_path: Path, era: str) -> None:
    path = qlp_file(tmp_path / f"hlsp_qlp_{era}_llc.fits", tic=42, sector=2, era=era)
    lc = read_qlp_lightcurve(path)
    assert (lc.tic_id, lc.sector, lc.camera, lc.ccd) == (42, 2, 1, 2)
    assert lc.cadence_seconds == 1800.0  # sector 2 full-frame images
    assert lc.info.pipeline is Pipeline.QLP
    assert lc.info.values_unit == ""
    assert lc.quality_type == "qlp_quality_flags"
    assert [(f.aperture, f.processing, f.derived_from) for f in lc.fluxes] == [
        ("qlp-optimal-aperture", None, None),
        ("qlp-optimal-aperture", era, 0),
        ("qlp-small-aperture", era, None),
        ("qlp-large-aperture", era, None),
    ]
    raw, detrended, small, large = lc.fluxes
    np.testing.assert_array_equal(raw.values, column(path, "SAP_FLUX"))
    assert raw.errors is None  # QLP gives no error for the raw flux
    np.testing.assert_array_equal(detrended.values, column(path, f"{era}_FLUX"))
    np.testing.assert_array_equal(detrended.errors, column(path, f"{era}_FLUX_ERR"))
    np.testing.assert_array_equal(small.values, column(path, f"{era}_FLUX_SML"))
    np.testing.assert_array_equal(large.values, column(path, f"{era}_FLUX_LAG"))
    np.testing.assert_array_equal(lc.time, column(path, "TIME"))
    assert (lc.target.ra, lc.target.dec, lc.target.magnitude) == (84.29119, -80.46917, 10.5)
    assert lc.target.metallicity == 0.1


def test_a_qlp_file_without_detrended_flux_is_refused(tmp_path: Path) -> None:
    path = qlp_file(tmp_path / "x_llc.fits", tic=1, drop="KSPSAP_FLUX")
    with pytest.raises(MissingColumn, match="neither KSPSAP_FLUX nor DET_FLUX"):
        read_qlp_lightcurve(path)


def test_kind_restricted_reading_names_the_right_command(
    tmp_path: Path, spoc_lc_file: Path
) -> None:
    qlp = qlp_file(tmp_path / "x_llc.fits", tic=1)
    with pytest.raises(
        WrongKind, match=r"a qlp lightcurve, not spoc: load it with `lcdb-tap ingest qlp`"
    ):
        read_lightcurve(qlp, {Pipeline.SPOC})
    with pytest.raises(WrongKind, match="a spoc lightcurve, not qlp"):
        read_lightcurve(spoc_lc_file, {Pipeline.QLP})


def test_qlp_and_spoc_load_side_by_side_with_their_metadata(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    qlp = qlp_file(tmp_path / "hlsp_qlp_llc.fits", tic=358108509, sector=1, camera=3, ccd=3)
    # one after the other: the first file to name the target fills its properties
    results = ingest(migrated_database_url, spoc_lc_file) + ingest(migrated_database_url, qlp)
    assert [r.outcome for r in results] == [Outcome.LOADED, Outcome.LOADED], results
    with connect(migrated_database_url) as conn:
        rows = conn.execute(
            "SELECT ps.name, pm.name, d.values_unit, d.product_path, d.pipeline_version, "
            "d.data_release, d.cdpp_1_0, d.crowding, o.cadence_seconds, d.errors IS NULL "
            "FROM lcdb.dataset d JOIN lcdb.photometric_source ps ON ps.id = d.photometric_method_id "
            "LEFT JOIN lcdb.processing_method pm ON pm.id = d.processing_method_id "
            "JOIN lcdb.observation o ON o.id = d.observation_id ORDER BY d.id"
        ).fetchall()
        lineage = conn.execute(
            "SELECT s.name, c.name FROM lcdb.datasethierarchy h "
            "JOIN lcdb.dataset sd ON sd.id = h.source_dataset_id "
            "JOIN lcdb.dataset cd ON cd.id = h.child_dataset_id "
            "JOIN lcdb.photometric_source s ON s.id = sd.photometric_method_id "
            "JOIN lcdb.processing_method c ON c.id = cd.processing_method_id ORDER BY 1"
        ).fetchall()
        flags = conn.execute("SELECT type FROM lcdb.quality_flag_array ORDER BY 1").fetchall()
        target = conn.execute(
            "SELECT ra, dec, magnitude, teff, radius FROM lcdb.target WHERE name = 358108509"
        ).fetchone()
    with fits.open(spoc_lc_file) as hdus:
        primary, header = hdus[0].header, hdus[1].header
    spoc_path, qlp_path = str(spoc_lc_file.resolve()), str(qlp.resolve())
    assert sorted(rows, key=repr) == sorted(
        [
            (
                "spoc-optimal-aperture",
                None,
                "electron/s",
                spoc_path,
                primary["PROCVER"],
                1,
                None,
                header["CROWDSAP"],
                120.0,
                False,
            ),
            (
                "spoc-optimal-aperture",
                "PDC",
                "electron/s",
                spoc_path,
                primary["PROCVER"],
                1,
                header["CDPP1_0"],
                header["CROWDSAP"],
                120.0,
                False,
            ),
            ("qlp-optimal-aperture", None, "", qlp_path, None, None, None, None, 1800.0, True),
            ("qlp-optimal-aperture", "KSPSAP", "", qlp_path, None, None, None, None, 1800.0, False),
            ("qlp-small-aperture", "KSPSAP", "", qlp_path, None, None, None, None, 1800.0, True),
            ("qlp-large-aperture", "KSPSAP", "", qlp_path, None, None, None, None, 1800.0, True),
        ],
        key=repr,
    )
    assert lineage == [("qlp-optimal-aperture", "KSPSAP"), ("spoc-optimal-aperture", "PDC")]
    assert flags == [("qlp_quality_flags",), ("tess_quality_flags",)]
    # the first file to name the target filled its properties; later headers do not overwrite
    assert target == (
        primary["RA_OBJ"],
        primary["DEC_OBJ"],
        primary["TESSMAG"],
        primary["TEFF"],
        primary["RADIUS"],
    )


def test_a_product_with_fewer_cadences_is_padded_to_the_observation(
    migrated_database_url: str, tmp_path: Path
) -> None:
    full = qlp_file(tmp_path / "a" / "full_llc.fits", tic=1, cadences=np.arange(100, 200))
    part = np.arange(100, 200)[[3, 4, 10, 50, 99]]
    partial = qlp_file(tmp_path / "b" / "part_llc.fits", tic=2, cadences=part, seed=1)
    results = ingest(migrated_database_url, full, partial)
    assert [r.outcome for r in results] == [Outcome.LOADED, Outcome.LOADED], results
    with connect(migrated_database_url) as conn:
        values, times, flags = conn.execute(
            "SELECT d.values, t.barycentric_julian_dates, q.quality_flags FROM lcdb.dataset d "
            "JOIN lcdb.target g ON g.id = d.target_id "
            "JOIN lcdb.target_specific_time t ON t.target_id = g.id "
            "JOIN lcdb.quality_flag_array q ON q.target_id = g.id "
            "WHERE g.name = 2 AND d.processing_method_id IS NULL"
        ).fetchone()  # type: ignore[misc]
    index = part - 100
    expected = np.full(100, np.nan)
    expected[index] = column(partial, "SAP_FLUX")
    np.testing.assert_array_equal(np.asarray(values), expected)
    assert np.isnan(np.delete(np.asarray(times, dtype=float), index)).all()
    np.testing.assert_array_equal(np.asarray(flags)[index], column(partial, "QUALITY"))
    assert not np.asarray(flags)[np.setdiff1d(np.arange(100), index)].any()


def test_cadences_outside_the_observation_are_refused(
    migrated_database_url: str, tmp_path: Path
) -> None:
    first = qlp_file(tmp_path / "a" / "first_llc.fits", tic=1, cadences=np.arange(100, 200))
    beyond = qlp_file(tmp_path / "b" / "beyond_llc.fits", tic=2, cadences=np.arange(150, 250))
    results = ingest(migrated_database_url, first, beyond)
    assert results[0].outcome is Outcome.LOADED
    assert results[1].failed
    assert "CADENCENO has 50 cadences (first 200)" in (results[1].reason or "")
    with connect(migrated_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM lcdb.target WHERE name = 2").fetchone() == (0,)


def test_a_spoc_layout_at_an_ffi_cadence_is_tess_spoc(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    """The TESS-SPOC HLSP is SPOC's layout on full-frame images: same reader, FFI observation."""
    path = tmp_path / "hlsp_tess-spoc_tess_phot_0000000000000042-s0001_tess_v1_lc.fits"
    with fits.open(spoc_lc_file) as hdus:
        hdus[0].header["TICID"] = 42
        hdus[1].header["TIMEDEL"] = 1800.0 / 86400.0
        hdus.writeto(path)
    lc = read_lightcurve(path)
    assert (lc.info.pipeline, lc.cadence_seconds) == (Pipeline.TESS_SPOC, 1800.0)
    with pytest.raises(WrongKind, match="a tess-spoc lightcurve, not spoc"):
        read_lightcurve(path, {Pipeline.SPOC})
    [result] = ingest(migrated_database_url, path, kinds={Pipeline.TESS_SPOC})
    assert result.outcome is Outcome.LOADED, result.reason
    assert result.what == "tess-spoc TIC 42 sector 1 camera 3 CCD 3 1800 s"
