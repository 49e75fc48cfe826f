"""`lcdb-tap ingest ffi-catalog`: frame records from tess-cloud's real FFI catalogue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from astropy.io import fits
from astropy.table import Table

from lcdb.ingest.errors import BadCatalog
from lcdb.ingest.ffi_catalog import read_catalog
from lcdb.ingest.ffi_name import parse_name
from tap_service.cli import main
from tests.lcdb.ingest.ffi_data import sector_catalog, tesscut_cutout
from tests.lcdb.ingest.ffi_files import write_ffi
from tests.lcdb.ingest.ffi_support import frame_count, frames, observations, table_text
from tests.lcdb.ingest.output import ingest_output
from tests.lcdb.ingest.support import connect


@pytest.fixture(scope="module")
def sector_1() -> Path:
    return sector_catalog(1)


def test_a_sector_loads_as_pyarrow_reads_it(
    migrated_database_url: str, sector_1: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pq.read_table(sector_1).to_pydict()
    argv = ["--database-url", migrated_database_url, "ingest", "ffi-catalog", str(sector_1)]
    assert main(argv) == 0
    rows = len(table["path"])
    assert ingest_output(capsys) == [
        f"loaded    {sector_1} (sector 1: {rows:,} frames, {rows:,} new, 0 replaced, "
        "0 already there)",
        "ingest ffi-catalog: 1 loaded, 0 unchanged, 0 replaced, 0 failed",
    ]
    assert main(argv) == 0  # a second run finds the catalogue in the ingest log, unopened
    assert ingest_output(capsys) == [
        f"unchanged {sector_1} (already loaded, per the ingest log)",
        "ingest ffi-catalog: 0 loaded, 1 unchanged, 0 replaced, 0 failed",
    ]
    stored = frames(migrated_database_url)
    assert set(stored) == set(table["path"])
    for path, quality, camera, ccd in zip(
        table["path"], table["quality"], table["camera"], table["ccd"], strict=True
    ):
        row = stored[path]
        assert (row["quality"], row["camera"], row["ccd"], row["sector"]) == (
            quality,
            camera,
            ccd,
            1,
        )
    assert {row["cadence_seconds"] for row in stored.values()} == {1800.0}
    assert {(row["bitpix"], row["naxis"]) for row in stored.values()} == {(-32, 2)}
    assert all(len(row["footprint"]) == 8 for row in stored.values())  # type: ignore[arg-type]
    by_observation = observations(migrated_database_url)
    assert len(by_observation) == 16  # one per CCD
    for reference, cadences in by_observation.values():
        assert np.array_equal(reference, cadences) and len(cadences) == rows // 16
    assert main(argv) == 0  # again: nothing changes
    assert ingest_output(capsys)[-1] == (
        "ingest ffi-catalog: 0 loaded, 1 unchanged, 0 replaced, 0 failed"
    )
    assert frame_count(migrated_database_url) == rows


# Each CCD's footprint (one per CCD: catalogue rows share their CCD's), decided by the archive's
# own function for a point and for its antipode.
INSIDE = """
SELECT camera, ccd, adql_udf.geo_point_in_polygon(ra, dec, footprint),
       adql_udf.geo_point_in_polygon(mod(ra::numeric + 180, 360)::float8, -dec, footprint)
FROM (SELECT DISTINCT (i.properties ->> 'camera')::int AS camera,
             (i.properties ->> 'ccd')::int AS ccd, f.footprint
      FROM lcdb.fits_frame f JOIN lcdb.observation o ON o.id = f.observation_id
      JOIN lcdb.instrument i ON i.id = o.instrument_id) AS footprints
CROSS JOIN LATERAL (SELECT %s::float8 AS ra, %s::float8 AS dec) AS point
WHERE (camera, ccd) = (%s, %s)
"""


def test_each_footprint_holds_its_ccds_centre_and_not_the_antipode(
    migrated_database_url: str, sector_1: Path
) -> None:
    """The stored polygons read as DALI reads them (inside on the left of the edges): the SQL
    function finds the CCD's centre inside. The centre is computed apart from the footprint
    code: tess-point at the middle pixel of the science area, and the mean of the corners' unit
    vectors (a polygon stored the other way round would hold the antipode instead)."""
    import tess_stars2px as model

    argv = ["--database-url", migrated_database_url, "ingest", "ffi-catalog", str(sector_1)]
    assert main(argv) == 0
    pointing = model.TESS_Spacecraft_Pointing_Data(trySector=1)
    checked = 0
    with connect(migrated_database_url) as conn:
        for camera in range(1, 5):
            for ccd in range(1, 5):
                middle = model.tess_stars2px_reverse_function_entry(
                    1, camera, ccd, 1068.5, 1024.5, scInfo=pointing
                )
                corners = [
                    model.tess_stars2px_reverse_function_entry(
                        1, camera, ccd, column, row, scInfo=pointing
                    )
                    for column, row in (
                        (44.5, 0.5),
                        (2092.5, 0.5),
                        (2092.5, 2048.5),
                        (44.5, 2048.5),
                    )
                ]
                for ra, dec in ((middle[0], middle[1]), _mean_direction(corners)):
                    rows = conn.execute(INSIDE, (ra, dec, camera, ccd)).fetchall()
                    assert [(inside, antipode) for *_, inside, antipode in rows] == [
                        (True, False)
                    ], (camera, ccd, ra, dec)
                    checked += 1
    assert checked == 32


def _mean_direction(corners: list[tuple[float, ...]]) -> tuple[float, float]:
    ra, dec = np.radians([c[0] for c in corners]), np.radians([c[1] for c in corners])
    x, y, z = (
        np.sum(np.cos(dec) * np.cos(ra)),
        np.sum(np.cos(dec) * np.sin(ra)),
        np.sum(np.sin(dec)),
    )
    return float(np.degrees(np.arctan2(y, x)) % 360.0), float(
        np.degrees(np.arctan2(z, np.hypot(x, y)))
    )


def test_catalogue_times_are_the_headers_tstart(sector_1: Path) -> None:
    """The real TESScut cube keeps its first FFI's TSTART; the catalogue gives it back."""
    with fits.open(tesscut_cutout()) as cutout:
        tstart = float(cutout[0].header["TSTART"])
        first = str(cutout[1].data["FFI_FILE"][0]).strip() + "c.fits"
    catalog = read_catalog(sector_1)
    matches = (catalog.names.camera == 4) & (catalog.names.ccd == 2)
    matches &= catalog.cadence == parse_name(first).cadence
    row = int(np.flatnonzero(matches)[0])
    # the catalogue cut DATE-OBS to whole seconds: at most 1 s early, never late
    assert 0.0 <= (tstart - catalog.start_time[row]) * 86400.0 < 1.0


def test_csv_fits_and_parquet_give_the_same_rows(sector_1: Path, tmp_path: Path) -> None:
    table = pq.read_table(sector_1)
    csv, fits_table = tmp_path / "sector1.csv", tmp_path / "sector1.fits"
    pacsv.write_csv(table, csv)
    Table(table.to_pydict()).write(fits_table)
    from_parquet = read_catalog(sector_1)
    for other in (read_catalog(csv), read_catalog(fits_table)):
        for name in ("cadence", "start_time", "stop_time", "quality"):
            assert np.array_equal(getattr(from_parquet, name), getattr(other, name)), name
        assert np.array_equal(from_parquet.names.stamp, other.names.stamp)


def test_a_header_load_and_a_catalogue_load_of_one_file_are_one_row(
    migrated_database_url: str, sector_1: Path, tmp_path: Path
) -> None:
    table = pq.read_table(sector_1).slice(0, 1).to_pylist()[0]
    name = table["path"].rpartition("/")[2]
    write_ffi(tmp_path, name, camera=table["camera"], ccd=table["ccd"], exposure=1425.6)
    url_args = ["--database-url", migrated_database_url, "ingest"]
    assert main([*url_args, "ffi", str(tmp_path)]) == 0
    assert main([*url_args, "ffi-catalog", str(sector_1)]) == 0
    assert frame_count(migrated_database_url) == pq.read_metadata(sector_1).num_rows
    row = frames(migrated_database_url, table["path"])[table["path"]]
    assert row["exposure_time"] == 1425.6  # the header's row stayed
    catalog = read_catalog(sector_1)
    assert row["cadence"] == int(catalog.cadence[0])
    assert main([*url_args, "ffi-catalog", "--replace", str(sector_1)]) == 0
    replaced = frames(migrated_database_url, table["path"])[table["path"]]
    assert replaced["start_time"] == catalog.start_time[0] != row["start_time"]
    assert replaced["exposure_time"] == 1425.6  # the catalogue has none: the header's stays
    assert (replaced["cadence"], replaced["observation_id"]) == (
        row["cadence"],
        row["observation_id"],
    )
    assert len(observations(migrated_database_url)) == 16


def test_a_bad_row_fails_the_whole_catalogue(
    migrated_database_url: str, sector_1: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pq.read_table(sector_1)
    cameras = table["camera"].to_numpy().copy()
    cameras[100] = 3 if cameras[100] != 3 else 2
    broken = tmp_path / "broken.parquet"
    pq.write_table(table.set_column(2, "camera", pa.array(cameras)), broken)
    argv = ["--database-url", migrated_database_url, "ingest", "ffi-catalog", str(broken)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert (
        f"lcdb-tap: failed: {broken}: row 101: camera is {cameras[100]}, but the file name" in err
    )
    assert table_text(migrated_database_url, "fits_frame") == []
    assert table_text(migrated_database_url, "observation") == []


def test_unreadable_catalogues_name_the_reason(tmp_path: Path) -> None:
    csv = tmp_path / "short.csv"
    csv.write_text("path,camera,ccd,start\nx,1,1,2018-07-25T19:37:18\n")
    with pytest.raises(BadCatalog, match="no column stop, quality"):
        read_catalog(csv)
    text = tmp_path / "frames.txt"
    text.write_text("")
    with pytest.raises(BadCatalog, match=r"unknown catalogue format '\.txt'"):
        read_catalog(text)
