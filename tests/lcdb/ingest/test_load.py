"""Loading SPOC lightcurves into PostgreSQL: exact values, lineage, idempotence, atomicity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from lcdb.ingest.load import Outcome
from lcdb.ingest.run import FileResult, Summary, ingest_spoc
from tests.lcdb.ingest.support import counts, snapshot, stored_lightcurve, targets
from tests.lcdb.ingest.variants import copy_of, truncated, variant

TIC = 358108509


def ingest(url: str, *paths: Path, replace: bool = False, jobs: int = 1) -> list[FileResult]:
    return list(ingest_spoc(url, list(paths), replace=replace, jobs=jobs))


def test_database_holds_exactly_what_astropy_reads(
    migrated_database_url: str, spoc_lc_file: Path
) -> None:
    [result] = ingest(migrated_database_url, spoc_lc_file)
    assert result.outcome is Outcome.LOADED, result.reason
    assert result.points == 20076
    stored = stored_lightcurve(migrated_database_url, TIC)
    with fits.open(spoc_lc_file) as hdus:
        data = hdus[1].data
        pairs = {
            "cadences": (data["CADENCENO"], np.int64),
            "time": (data["TIME"], np.float64),
            "sap": (data["SAP_FLUX"], np.float64),
            "sap_err": (data["SAP_FLUX_ERR"], np.float64),
            "pdc": (data["PDCSAP_FLUX"], np.float64),
            "pdc_err": (data["PDCSAP_FLUX_ERR"], np.float64),
            "quality": (data["QUALITY"], np.int32),
        }
        for name, (column, dtype) in pairs.items():
            expected = np.asarray(column, dtype=dtype)
            actual = stored[name]
            assert isinstance(actual, np.ndarray)
            assert actual.shape == expected.shape, name
            if dtype is np.float64:
                np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=name)
            np.testing.assert_array_equal(actual, expected, err_msg=name)  # NaN == NaN here
    assert np.isnan(stored["time"]).sum() == 20076 - 19261  # type: ignore[call-overload]
    assert stored["cadence_type"] == "bigint[]"
    assert stored["flux_type"] == "double precision[]"
    assert stored["time_type"] == "double precision[]"
    assert stored["quality_type"] == "integer[]"
    assert (stored["sector"], stored["orbit"], stored["cadence_seconds"]) == (1, 9, 120.0)
    assert (stored["spacecraft"], stored["camera"], stored["ccd"]) == ("TESS", "Camera 3", "CCD 3")
    assert stored["spacecraft_is_top"]
    assert (stored["observation_type"], stored["flags_type"]) == (
        "tess_observation",
        "tess_quality_flags",
    )
    assert (stored["aperture"], stored["processing"]) == ("spoc-optimal-aperture", "PDC")
    assert stored["sap_is_raw"]
    assert (stored["mission"], stored["catalog"]) == ("TESS", "TIC")
    assert (stored["time_unit"], stored["time_epoch"], stored["time_scale"]) == (
        "d",
        2457000,
        "tdb",
    )
    assert (stored["time_format"], stored["time_format_name"]) == ("jd", "btjd")


def test_pdcsap_is_recorded_as_derived_from_sap(
    migrated_database_url: str, spoc_lc_file: Path
) -> None:
    ingest(migrated_database_url, spoc_lc_file)
    stored = stored_lightcurve(migrated_database_url, TIC)
    assert stored["lineage"] == [(stored["sap_id"], stored["pdc_id"])]


def test_loading_the_same_file_again_changes_nothing(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    ingest(migrated_database_url, spoc_lc_file)
    before = snapshot(migrated_database_url)
    assert counts(migrated_database_url)["dataset"] == 2
    again = copy_of(spoc_lc_file, tmp_path / "elsewhere")  # same file under another path
    results = ingest(migrated_database_url, spoc_lc_file, again, jobs=2)
    assert [result.outcome for result in results] == [Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert snapshot(migrated_database_url) == before


def test_a_second_target_shares_the_observation_and_instruments(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    other = variant(spoc_lc_file, tmp_path / "other_lc.fits", tic=123, flux_scale=0.5)
    results = ingest(migrated_database_url, spoc_lc_file, other, jobs=2)
    assert [result.outcome for result in results] == [Outcome.LOADED, Outcome.LOADED]
    rows = counts(migrated_database_url)
    assert rows["observation"] == 1
    assert rows["instrument"] == 1 + 4 + 16  # the spacecraft, its cameras and CCDs
    assert rows["dataset"] == 4
    assert rows["datasethierarchy"] == 2
    first, second = (
        stored_lightcurve(migrated_database_url, TIC),
        stored_lightcurve(migrated_database_url, 123),
    )
    assert first["observation_id"] == second["observation_id"]
    np.testing.assert_array_equal(second["sap"], np.float32(0.5) * first["sap"].astype(np.float32))  # type: ignore[union-attr]


def test_replace_overwrites_values_and_keeps_ids(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    ingest(migrated_database_url, spoc_lc_file)
    before = stored_lightcurve(migrated_database_url, TIC)
    rows = counts(migrated_database_url)
    doubled = variant(spoc_lc_file, tmp_path / "doubled_lc.fits", flux_scale=2.0)

    [kept] = ingest(migrated_database_url, doubled)
    assert kept.outcome is Outcome.UNCHANGED  # without --replace the stored data stay
    np.testing.assert_array_equal(
        stored_lightcurve(migrated_database_url, TIC)["sap"], before["sap"]
    )

    [replaced] = ingest(migrated_database_url, doubled, replace=True)
    assert replaced.outcome is Outcome.REPLACED
    after = stored_lightcurve(migrated_database_url, TIC)
    assert counts(migrated_database_url) == rows
    for key in ("sap_id", "pdc_id", "observation_id", "target_id", "lineage"):
        assert after[key] == before[key], key
    expected = before["sap"].astype(np.float32) * np.float32(2.0)  # type: ignore[union-attr]
    np.testing.assert_array_equal(after["sap"], expected.astype(np.float64))
    np.testing.assert_array_equal(after["time"], before["time"])


def test_broken_files_leave_nothing_and_the_others_load(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    cut = truncated(
        variant(spoc_lc_file, tmp_path / "src" / "cut_lc.fits", tic=111), tmp_path / "cut_lc.fits"
    )
    no_pdc = variant(spoc_lc_file, tmp_path / "nopdc_lc.fits", tic=222, drop="PDCSAP_FLUX")
    # Fails inside the database transaction, after its target row was written:
    clash = variant(spoc_lc_file, tmp_path / "clash_lc.fits", tic=333, cadence_shift=7)
    good = variant(spoc_lc_file, tmp_path / "good_lc.fits", tic=444)

    results = ingest(migrated_database_url, spoc_lc_file, cut, no_pdc, clash, good)
    outcome = {result.path.name: result for result in results}
    assert outcome[spoc_lc_file.name].outcome is Outcome.LOADED
    assert outcome["good_lc.fits"].outcome is Outcome.LOADED
    assert "truncated" in (outcome["cut_lc.fits"].reason or "")
    assert outcome["nopdc_lc.fits"].reason == "LIGHTCURVE has no column PDCSAP_FLUX"
    assert "that the stored observation of sector 1 camera 3 CCD 3 at 120 s does not have" in (
        outcome["clash_lc.fits"].reason or ""
    )
    assert targets(migrated_database_url) == {TIC, 444}
    assert counts(migrated_database_url)["dataset"] == 4
    summary = Summary(tuple(results))
    assert summary.line() == "2 loaded, 0 unchanged, 0 replaced, 3 failed"
    assert [failure.path for failure in summary.failures] == [cut, no_pdc, clash]


def test_directories_are_searched_for_lightcurves(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    variant(spoc_lc_file, tmp_path / "s0001" / "a" / "x_lc.fits", tic=1)
    variant(spoc_lc_file, tmp_path / "s0001" / "b" / "y_fast-lc.fits", tic=2)
    (tmp_path / "s0001" / "b" / "notes.txt").write_text("ignored")
    empty = tmp_path / "empty"
    empty.mkdir()
    results = ingest(migrated_database_url, tmp_path / "s0001", empty)
    assert [r.outcome for r in results if not r.failed] == [Outcome.LOADED, Outcome.LOADED]
    assert [(r.path, r.reason) for r in results if r.failed] == [
        (empty, "no *lc.fits files in this directory")
    ]
    assert targets(migrated_database_url) == {1, 2}


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_files_load_with_any_number_of_jobs(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path, jobs: int
) -> None:
    for tic in range(10, 16):
        variant(spoc_lc_file, tmp_path / f"t{tic}_lc.fits", tic=tic)
    results = ingest(migrated_database_url, tmp_path, jobs=jobs)
    assert [r.outcome for r in results] == [Outcome.LOADED] * 6
    assert targets(migrated_database_url) == set(range(10, 16))
    assert counts(migrated_database_url)["datasethierarchy"] == 6
