"""Target catalogues: positions and properties for many targets, all or nothing per file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table

from lcdb.ingest.errors import IngestError, MissingColumn
from lcdb.ingest.run import ingest_lightcurves
from lcdb.ingest.targets import ingest_targets
from tap_service.cli import main
from tests.lcdb.ingest.support import connect


def stored(url: str) -> dict[int, tuple[object, ...]]:
    with connect(url) as conn:
        rows = conn.execute("SELECT name, ra, dec, magnitude, teff FROM lcdb.target").fetchall()
    return {int(row[0]): tuple(row[1:]) for row in rows}  # type: ignore[call-overload]


@pytest.mark.parametrize("suffix", [".csv", ".ecsv", ".xml", ".fits"])
def test_catalogue_creates_targets_in_every_table_format(
    migrated_database_url: str, tmp_path: Path, suffix: str
) -> None:
    table = Table(
        {
            "TIC_ID": np.array([10, 20, 30], dtype=np.int64),
            "RA": [0.0, 359.5, 84.29119],
            "Dec": [-90.0, 12.25, -80.46917],
            "Tmag": [7.5, 12.0, 15.25],
        }
    )
    path = tmp_path / f"targets{suffix}"
    table.write(
        path,
        format={".csv": "ascii.csv", ".ecsv": "ascii.ecsv", ".xml": "votable", ".fits": "fits"}[
            suffix
        ],
    )
    loaded = ingest_targets(migrated_database_url, path)
    assert (loaded.created, loaded.updated) == (3, 0)
    assert stored(migrated_database_url) == {
        10: (0.0, -90.0, 7.5, None),
        20: (359.5, 12.25, 12.0, None),
        30: (84.29119, -80.46917, 15.25, None),
    }


def test_catalogue_overrides_header_values_and_headers_do_not_override_it(
    migrated_database_url: str, spoc_lc_file: Path, tmp_path: Path
) -> None:
    list(ingest_lightcurves(migrated_database_url, [spoc_lc_file]))
    header_values = stored(migrated_database_url)[358108509]
    assert header_values[0] is not None  # RA_OBJ from the header
    catalogue = tmp_path / "tic.csv"
    catalogue.write_text("ticid,ra,dec,tessmag,teff\n358108509,10.5,-20.25,9.5,\n77,1,2,3,4000\n")
    loaded = ingest_targets(migrated_database_url, catalogue)
    assert (loaded.created, loaded.updated) == (1, 1)
    after = stored(migrated_database_url)
    assert after[358108509] == (10.5, -20.25, 9.5, None)  # an empty cell is unknown
    assert after[77] == (1.0, 2.0, 3.0, 4000.0)
    list(ingest_lightcurves(migrated_database_url, [spoc_lc_file], replace=True))
    assert stored(migrated_database_url)[358108509][:3] == (10.5, -20.25, 9.5)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("ra,dec\n1,2\n", MissingColumn, "no id column (one of tic_id, ticid, id)"),
        ("id,ra\n1,2\n", MissingColumn, "no dec column"),
        ("id,ra,dec\n1,2,3\n2,3,95\n", IngestError, "row 2: dec = 95.0 is outside [-90, 90]"),
        ("id,ra,dec\n1,360,3\n", IngestError, "row 1: ra = 360.0 is outside [0, 360)"),
        ("id,ra,dec\n1,2,3\n1,3,4\n", IngestError, "id 1 appears more than once"),
        ("id,ra,dec\n1,2,\n", IngestError, "row 1: dec is empty"),
        ("id,ra,dec\nx,2,3\n", IngestError, "column id holds"),
        ("id,ra,dec\n0,2,3\n", IngestError, "row 1: id = 0"),
    ],
)
def test_a_bad_catalogue_loads_nothing_and_says_where(
    migrated_database_url: str, tmp_path: Path, text: str, error: type[Exception], message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(error) as caught:
        ingest_targets(migrated_database_url, path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert stored(migrated_database_url) == {}


def test_targets_command_reports_and_fails_per_file(
    migrated_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("tic_id,ra,dec\n5,1,1\n")
    unknown = tmp_path / "bad.txt"
    unknown.write_text("tic_id,ra,dec\n6,1,1\n")
    argv = ["--database-url", migrated_database_url, "ingest", "targets", str(good), str(unknown)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert f"targets   {good}: 1 created, 0 updated" in captured.out
    assert f"lcdb-tap: failed: {unknown}: unknown table format '.txt'" in captured.err
    assert set(stored(migrated_database_url)) == {5}
