"""`lcdb-tap ingest ffi`: frame records from SPOC FFI headers, end to end."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from lcdb.ingest.errors import MissingKeyword, NotSPOCFFI, UnreadableFile
from lcdb.ingest.ffi import read_ffi
from lcdb.ingest.ffi_name import parse_name
from lcdb.ingest.ffi_run import write_batch
from lcdb.ingest.frames import FrameLoader
from lcdb.ingest.load import ensure_dimensions
from tap_service.cli import main
from tests.lcdb.ingest.ffi_data import tesscut_cutout
from tests.lcdb.ingest.ffi_files import write_ffi
from tests.lcdb.ingest.ffi_support import frame_count, frames, observations, table_text
from tests.lcdb.ingest.output import ingest_output
from tests.lcdb.ingest.support import connect

NAME = "tess2019131050742-s0011-1-1-0143-s_ffic.fits"
ARCHIVE_PATH = f"ffi/s0011/2019/131/1-1/{NAME}"


def test_cadence_number_is_spoc_ffiindex_of_real_ffis() -> None:
    with fits.open(tesscut_cutout()) as cutout:
        ffiindex = int(cutout[0].header["FFIINDEX"])  # of the cube's first FFI
        files = [str(name).strip() for name in cutout[1].data["FFI_FILE"]]
    cadences = [parse_name(f"{name}c.fits").cadence for name in files]
    assert cadences[0] == ffiindex
    assert np.all(np.diff(cadences) == 1)  # the cutout's 30-min FFIs are consecutive
    # A 10-min sector: FFIINDEX 151696 in the real S36 camera 4 CCD 3 TESScut header shipped
    # in the tessilator 0.1.2 sdist (DATE-OBS 2021-03-07T09:38:25.019, which tess-cloud's
    # catalogue gives to this file).
    assert parse_name("tess2021066093907-s0036-4-3-0207-s_ffic.fits").cadence == 151696


def test_header_values_and_footprint_are_stored_as_astropy_reads_them(
    migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_ffi(tmp_path, NAME, camera=1, ccd=1, quality=2048, exposure=1425.6)
    argv = ["--database-url", migrated_database_url, "ingest", "ffi", str(tmp_path)]
    assert main(argv) == 0
    out = ingest_output(capsys)
    assert out == [
        f"loaded    {path} (sector 11 camera 1 CCD 1 cadence {parse_name(NAME).cadence})",
        "ingest ffi: 1 loaded, 0 unchanged, 0 replaced, 0 failed",
    ]
    stored = frames(migrated_database_url)
    assert list(stored) == [ARCHIVE_PATH]
    row = stored[ARCHIVE_PATH]
    with fits.open(path) as hdus:
        primary, image = hdus[0].header, hdus[1].header
        assert (row["simple"], row["extended"]) == (primary["SIMPLE"], primary["EXTEND"])
        assert (row["bitpix"], row["naxis"]) == (image["BITPIX"], image["NAXIS"])
        assert list(row["naxis_values"]) == [image["NAXIS1"], image["NAXIS2"]]  # type: ignore[call-overload]
        assert (row["bscale"], row["bzero"]) == (1.0, 0.0)
        assert (row["start_time"], row["stop_time"]) == (image["TSTART"], image["TSTOP"])
        assert (row["exposure_time"], row["quality"]) == (image["EXPOSURE"], image["DQUALITY"])
        science = WCS(image)[0:2048, 44:2092]  # rows 1..2048, columns 45..2092 (1-based)
        expected = science.calc_footprint(axes=(2048, 2048), center=False)
    vertices = np.asarray(row["footprint"]).reshape(-1, 2)
    assert len(vertices) == 4
    for corner in expected:  # the same corners, within 1e-6 deg, in our order
        assert np.min(np.max(np.abs(vertices - corner), axis=1)) < 1e-6
    assert _has_its_inside_on_the_left(vertices)
    assert (row["sector"], row["cadence_seconds"], row["camera"], row["ccd"]) == (11, 1800.0, 1, 1)
    assert (row["type"], row["observation_type"]) == ("tess_ffi", "tess_observation")
    assert [
        (list(reference), list(cadences))
        for reference, cadences in observations(migrated_database_url).values()
    ] == [([row["cadence"]], [row["cadence"]])]


def _has_its_inside_on_the_left(vertices: np.ndarray) -> bool:
    """DALI order, as adql/pg_geometry.sql reads a stored polygon: the centre is on the left
    of every edge a -> b, (a x b) . centre > 0 (counter-clockwise in a lon-right plot)."""
    ra, dec = np.radians(vertices[:, 0]), np.radians(vertices[:, 1])
    unit = np.column_stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    turning = np.cross(unit, np.roll(unit, -1, axis=0)) @ unit.sum(axis=0)
    return bool(np.all(turning > 0))


def test_broken_files_fail_with_path_and_reason_and_leave_nothing(
    migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_ffi(tmp_path, NAME)
    cut = write_ffi(tmp_path, "tess2019131052742-s0011-1-1-0143-s_ffic.fits", keep_bytes=10_000_000)
    no_start = write_ffi(tmp_path, "tess2019131055742-s0011-1-1-0143-s_ffic.fits", drop="TSTART")
    wrong_ccd = write_ffi(tmp_path, "tess2019131062742-s0011-1-2-0143-s_ffic.fits", ccd=3)
    argv = ["--database-url", migrated_database_url, "ingest", "ffi", str(tmp_path)]
    assert main([*argv, "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    assert f"loaded    {good} " in captured.out
    assert "ingest ffi: 1 loaded, 0 unchanged, 0 replaced, 3 failed" in captured.out
    assert f"lcdb-tap: failed: {cut}: truncated FITS file" in captured.err
    assert f"lcdb-tap: failed: {no_start}: the HDU 1 header has no TSTART" in captured.err
    assert f"lcdb-tap: failed: {wrong_ccd}: CCD = 3 in HDU 1, but the file name says 2" in (
        captured.err
    )
    assert list(frames(migrated_database_url)) == [ARCHIVE_PATH]


def test_reader_refuses_what_is_not_an_ffi(tmp_path: Path) -> None:
    with pytest.raises(NotSPOCFFI, match="not a SPOC FFI file name"):
        read_ffi(write_ffi(tmp_path, "frame-0001.fits"))
    with pytest.raises(UnreadableFile, match="no such file"):
        read_ffi(tmp_path / NAME)
    with pytest.raises(MissingKeyword, match="has no DQUALITY"):
        read_ffi(write_ffi(tmp_path, NAME, drop="DQUALITY"))


def test_loading_again_changes_nothing_and_replace_updates(
    migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_ffi(tmp_path, NAME, quality=0)
    argv = ["--database-url", migrated_database_url, "ingest", "ffi", str(path)]
    assert main(argv) == 0
    before = {
        table: table_text(migrated_database_url, table) for table in ("fits_frame", "observation")
    }
    assert main(argv) == 0
    assert ingest_output(capsys)[-1] == ("ingest ffi: 0 loaded, 1 unchanged, 0 replaced, 0 failed")
    assert {t: table_text(migrated_database_url, t) for t in before} == before
    write_ffi(tmp_path, NAME, quality=128, exposure=1000.0)
    assert main([*argv, "--replace"]) == 0
    assert ingest_output(capsys)[-1] == ("ingest ffi: 0 loaded, 0 unchanged, 1 replaced, 0 failed")
    row = frames(migrated_database_url)[ARCHIVE_PATH]
    assert (row["quality"], row["exposure_time"]) == (128, 1000.0)
    assert frame_count(migrated_database_url) == 1


def test_a_batch_the_database_refuses_is_written_again_file_by_file(
    migrated_database_url: str, tmp_path: Path
) -> None:
    good = read_ffi(write_ffi(tmp_path, NAME))
    other = read_ffi(write_ffi(tmp_path, "tess2019131052742-s0011-1-1-0143-s_ffic.fits"))
    refused = dataclasses.replace(other, bitpix=12)  # only the database's check catches it
    with connect(migrated_database_url) as conn:
        loader = FrameLoader(conn, ensure_dimensions(conn))
        results = write_batch(loader, [good, refused], {}, replace=False)
    assert [(r.path, r.outcome) for r in results] == [(good.path, "loaded"), (other.path, None)]
    assert results[1].reason is not None
    assert "database refused the file" in results[1].reason
    assert "bitpix_allowed" in results[1].reason
    assert list(frames(migrated_database_url)) == [ARCHIVE_PATH]
