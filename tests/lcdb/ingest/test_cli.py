"""`lcdb-tap ingest spoc` end to end, through the real command-line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from tap_service.cli import main
from tests.lcdb.ingest.support import counts, targets
from tests.lcdb.ingest.variants import truncated, variant


def test_ingest_spoc_loads_a_file_and_reports_it(
    migrated_database_url: str, spoc_lc_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--database-url", migrated_database_url, "ingest", "spoc", str(spoc_lc_file)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"loaded    {spoc_lc_file} (spoc TIC 358108509 sector 1 camera 3 CCD 3 120 s, 20076 cadences)",
        "ingest spoc: 1 loaded, 0 unchanged, 0 replaced, 0 failed",
    ]
    # then ObsCore gets the new lightcurves (raw and PDC): incremental after a plain load
    assert out[2].startswith("lcdb-tap: ObsCore incremental refresh: 2 rows derived, 2 written")
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "ingest spoc: 0 loaded, 1 unchanged, 0 replaced, 0 failed"
    assert out[-1].startswith("lcdb-tap: ObsCore incremental refresh: 0 rows derived")
    assert main([*argv, "--replace"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "ingest spoc: 0 loaded, 0 unchanged, 1 replaced, 0 failed"
    assert out[-1].startswith("lcdb-tap: ObsCore full refresh: 2 rows derived")  # in place
    assert counts(migrated_database_url)["dataset"] == 2


def test_ingest_spoc_exits_non_zero_naming_each_failed_file(
    migrated_database_url: str,
    spoc_lc_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = variant(spoc_lc_file, tmp_path / "good_lc.fits", tic=5)
    cut = truncated(spoc_lc_file, tmp_path / "cut_lc.fits")
    no_pdc = variant(spoc_lc_file, tmp_path / "nopdc_lc.fits", tic=6, drop="PDCSAP_FLUX")
    argv = ["--database-url", migrated_database_url, "ingest", "spoc", str(tmp_path)]
    assert main([*argv, "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    assert f"loaded    {good} " in captured.out
    assert f"failed    {no_pdc}: LIGHTCURVE has no column PDCSAP_FLUX" in captured.out
    assert "ingest spoc: 1 loaded, 0 unchanged, 0 replaced, 2 failed" in captured.out
    assert f"lcdb-tap: failed: {cut}: truncated FITS file" in captured.err
    assert f"lcdb-tap: failed: {no_pdc}: LIGHTCURVE has no column PDCSAP_FLUX" in captured.err
    assert targets(migrated_database_url) == {5}


def test_ingest_refuses_a_database_without_the_schema(
    fresh_database_url: str, spoc_lc_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--database-url", fresh_database_url, "ingest", "spoc", str(spoc_lc_file)]
    assert main(argv) == 1
    assert "run `lcdb-tap db upgrade` first" in capsys.readouterr().err


def test_ingest_rejects_zero_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["ingest", "spoc", "--jobs", "0", "x_lc.fits"])
    assert caught.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
