"""The demo's loading: every file, star and FFI frame of a tiny demo archive through the
ingest API."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from lcdb.demo.archive import CATALOGUE, generate, reusable
from lcdb.demo.frames import FRAMES_DIRECTORY, fetch_frames
from lcdb.demo.real import REAL_FILES
from tap_service.demo import load_demo, prepare_demo
from tests.lcdb.demo.support import TINY, catalogue_ids, connect, seeded_root
from tests.real_files import fetched_all

FRAMES = {1: 20512, 2: 24688}  # rows of tess-cloud's catalogues: every SPOC FFI of the sector


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = seeded_root(tmp_path_factory.mktemp("demo"), fetched_all())
    generate(root, TINY)
    return root


@pytest.fixture(scope="module")
def frame_catalogues(tiny_root: Path) -> tuple[Path, ...]:
    messages: list[str] = []
    catalogues = fetch_frames(tiny_root, messages.append)
    assert len(catalogues) == 2 and not messages
    return catalogues


def lightcurve_files(root: Path) -> tuple[Path, ...]:
    real = tuple(sorted((root / "real").glob("*.fits")))
    return (*real, *(reusable(root, TINY) or ()))


def test_loading_puts_every_file_and_star_in_the_archive_and_a_second_load_adds_nothing(
    tiny_root: Path, migrated_database_url: str
) -> None:
    real = tuple(sorted((tiny_root / "real").glob("*.fits")))
    lightcurves = (*real, *(reusable(tiny_root, TINY) or ()))
    messages: list[str] = []
    first = load_demo(
        migrated_database_url,
        [real, lightcurves[3:]],
        tiny_root / CATALOGUE,
        messages.append,
        replace=True,
        jobs=2,
    )
    assert first.new == len(lightcurves) and not first.summary.failures
    assert messages[-1].startswith(f"loaded {len(lightcurves)} lightcurves (0 already there")
    with connect(migrated_database_url) as conn:
        logged = {row[0] for row in conn.execute("SELECT path FROM lcdb_internal.ingested_file")}
        assert logged == {str(path.resolve()) for path in lightcurves}
        names = {row[0] for row in conn.execute("SELECT name FROM lcdb.target")}
        assert names >= set(catalogue_ids(tiny_root)) | {real.tic_id for real in REAL_FILES}
        with (tiny_root / CATALOGUE).open() as stream:
            star = next(csv.DictReader(stream))
        ra, dec = conn.execute(
            "SELECT ra, dec FROM lcdb.target WHERE name = %s", (int(star["tic_id"]),)
        ).fetchone() or (None, None)
        assert (ra, dec) == (pytest.approx(float(star["ra"])), pytest.approx(float(star["dec"])))
    again = load_demo(
        migrated_database_url,
        [lightcurves],
        tiny_root / CATALOGUE,
        messages.append,
        replace=False,
        jobs=2,
    )
    assert again.new == 0 and again.targets_created == 0
    assert again.unchanged == len(lightcurves)


FRAMES_PER_CCD = """
SELECT o.sector, count(DISTINCT o.instrument_id), count(*), count(DISTINCT f.cadence),
    count(f.footprint), count(DISTINCT (o.instrument_id, f.footprint))
FROM lcdb.fits_frame f JOIN lcdb.observation o ON o.id = f.observation_id
GROUP BY o.sector ORDER BY o.sector
"""
# Per lightcurve: is its target inside a frame footprint of its sector and CCD, and is the
# opposite point of the sky (a check of the polygons' orientation) inside one?
CONTAINED = """
WITH footprints AS (
    SELECT DISTINCT o.sector, o.instrument_id, f.footprint
    FROM lcdb.fits_frame f JOIN lcdb.observation o ON o.id = f.observation_id
)
SELECT t.name, o.sector, o.cadence_seconds,
    bool_or(adql_udf.geo_point_in_polygon(t.ra, t.dec, p.footprint)),
    bool_or(adql_udf.geo_point_in_polygon(mod(t.ra::numeric + 180, 360)::float8, -t.dec,
                                          p.footprint)),
    count(DISTINCT p.footprint)
FROM lcdb.dataset d
JOIN lcdb.target t ON t.id = d.target_id
JOIN lcdb.observation o ON o.id = d.observation_id
LEFT JOIN footprints p ON p.sector = o.sector AND p.instrument_id = o.instrument_id
GROUP BY t.name, o.sector, o.cadence_seconds
"""
# Per FFI observation: its cadences, its frames' distinct cadences, and its datasets' lengths.
ALIGNED = """
SELECT o.cadence_reference,
    ARRAY(SELECT DISTINCT f.cadence FROM lcdb.fits_frame f WHERE f.observation_id = o.id
          ORDER BY 1),
    ARRAY(SELECT DISTINCT cardinality(d.values) FROM lcdb.dataset d WHERE d.observation_id = o.id)
FROM lcdb.observation o WHERE o.cadence_seconds = 1800
"""


def check_frames(url: str) -> None:
    """Both sectors' real FFIs on all 16 CCDs; each lightcurve's target inside a footprint of
    its CCD; QLP lightcurves and frames on the same cadences."""
    with connect(url) as conn:
        per_sector = conn.execute(FRAMES_PER_CCD).fetchall()
        contained = conn.execute(CONTAINED).fetchall()
        aligned = conn.execute(ALIGNED).fetchall()
    # every frame has a footprint, the one of its CCD (catalogue rows have no WCS of their own)
    assert per_sector == [
        (1, 16, FRAMES[1], 1282, FRAMES[1], 16),
        (2, 16, FRAMES[2], 1245, FRAMES[2], 16),
    ]
    assert len(contained) >= TINY.counts.qlp + TINY.counts.spoc + len(REAL_FILES)
    for name, sector, cadence, inside, opposite, footprints in contained:
        assert footprints == 1, (name, sector, cadence)  # catalogue rows: one per CCD
        assert inside and not opposite, (name, sector, cadence)
    assert len(aligned) == 32  # 2 sectors x 16 CCDs
    for reference, cadences, lengths in aligned:
        assert reference == cadences
        assert set(lengths) <= {len(reference)}  # every QLP array spans every cadence


def test_frames_load_after_the_lightcurves_and_a_second_load_adds_nothing(
    tiny_root: Path, frame_catalogues: tuple[Path, ...], migrated_database_url: str
) -> None:
    lightcurves = lightcurve_files(tiny_root)
    messages: list[str] = []
    first = load_demo(
        migrated_database_url,
        [lightcurves],
        tiny_root / CATALOGUE,
        messages.append,
        replace=True,
        jobs=2,
        frames=frame_catalogues,
    )
    assert not first.summary.failures and not first.frames.failures
    assert first.new_frames == sum(FRAMES.values())
    assert f"{sum(FRAMES.values()):,} FFI frame records (0 of 2 sector catalogues" in messages[-1]
    check_frames(migrated_database_url)
    for catalogue in frame_catalogues:  # touched, as if fetched again: read again, changes nothing
        os.utime(catalogue)
    for again in (
        load_demo(
            migrated_database_url,
            [lightcurves],
            tiny_root / CATALOGUE,
            messages.append,
            replace=False,
            jobs=2,
            frames=frame_catalogues,
        )
        for _ in range(2)  # the second time the ingest log skips the catalogues unread
    ):
        assert again.new == 0 and again.new_frames == 0 and not again.frames.failures
        assert again.frames.count(None) == 0
    assert (
        "0 FFI frame records (2 of 2 sector catalogues already there, 0 failed)" in (messages[-1])
    )
    check_frames(migrated_database_url)


def test_frames_may_load_before_the_lightcurves(
    tiny_root: Path, frame_catalogues: tuple[Path, ...], migrated_database_url: str
) -> None:
    """Frames first create the FFI observations; the QLP lightcurves find their cadences."""
    messages: list[str] = []
    catalogue = tiny_root / CATALOGUE
    url = migrated_database_url
    frames = load_demo(
        url, [], catalogue, messages.append, replace=False, jobs=1, frames=frame_catalogues
    )
    assert frames.new_frames == sum(FRAMES.values())
    loaded = load_demo(
        url, [lightcurve_files(tiny_root)], catalogue, messages.append, replace=False, jobs=2
    )
    assert not loaded.summary.failures and loaded.new == len(lightcurve_files(tiny_root))
    check_frames(url)


def test_offline_the_demo_says_so_and_loads_everything_but_the_frames(
    tiny_root: Path, tmp_path: Path, offline: None, migrated_database_url: str
) -> None:
    """No FFI catalogues fetched yet and no network: the lightcurves load, the frames wait."""
    root = tmp_path / "files"
    shutil.copytree(tiny_root, root, ignore=shutil.ignore_patterns(FRAMES_DIRECTORY))
    messages: list[str] = []
    loaded = prepare_demo(migrated_database_url, root, TINY, messages.append, jobs=2)
    assert [m for m in messages if "FFI catalogues" in m] == [
        next(m for m in messages if m.startswith("the real FFI catalogues could not all be had"))
    ]
    assert loaded.new == len(lightcurve_files(root)) and not loaded.summary.failures
    assert loaded.frames.results == () and loaded.new_frames == 0
    assert "0 FFI frame records (0 of 0 sector catalogues already there, 0 failed)" in messages[-1]
    with connect(migrated_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM lcdb.fits_frame").fetchone() == (0,)
