"""The demo archive: built once and reused, then loaded through the ingest API (real database)."""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from lcdb.demo.archive import CATALOGUE, STAMP, Request, build_files
from lcdb.demo.loading import load_demo
from lcdb.demo.real import REAL_FILES
from lcdb.ingest.load import Outcome

TINY = Request(size=0.005)  # 15 QLP and 2 SPOC lightcurves


def seeded_root(tmp_path: Path, real_files: dict[str, Path]) -> Path:
    """A demo root whose real files are already in place (as after an earlier start)."""
    root = tmp_path / "files"
    (root / "real").mkdir(parents=True)
    for name, path in real_files.items():
        shutil.copyfile(path, root / "real" / name)
    return root


def catalogue_ids(root: Path) -> list[int]:
    with (root / CATALOGUE).open() as stream:
        return [int(row["tic_id"]) for row in csv.DictReader(stream)]


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))


@pytest.fixture(scope="module")
def tiny_root(real_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = seeded_root(tmp_path_factory.mktemp("demo"), real_files)
    build_files(root, TINY, lambda _: None)
    return root


def test_files_are_built_once_and_reused(tiny_root: Path) -> None:
    messages: list[str] = []
    files = build_files(tiny_root, TINY, messages.append)
    assert not files.generated and messages == [f"reusing the demo files in {tiny_root}"]
    spoc = [p for p in files.synthetic if p.name.endswith("-s_lc.fits")]
    qlp = [p for p in files.synthetic if p.name.endswith("_llc.fits")]
    assert len(spoc) >= TINY.counts.spoc and len(qlp) >= TINY.counts.qlp
    assert len(files.synthetic) == len(spoc) + len(qlp)
    assert sorted(p.name for p in files.real) == sorted(real.name for real in REAL_FILES)
    assert (tiny_root / STAMP).is_file()
    ids = catalogue_ids(tiny_root)
    assert len(ids) == len(set(ids)) and not {real.tic_id for real in REAL_FILES} & set(ids)
    for path in files.synthetic:
        assert int(path.name.split("-")[2 if path in spoc else 1][:16]) in ids


def test_a_bigger_size_regenerates_and_keeps_the_smaller_demos_stars(
    tiny_root: Path, real_files: dict[str, Path], tmp_path: Path
) -> None:
    root = seeded_root(tmp_path, real_files)
    files = build_files(root, Request(size=0.01), lambda _: None)
    assert files.generated
    assert set(catalogue_ids(tiny_root)) <= set(catalogue_ids(root))


def test_loading_puts_every_file_and_star_in_the_archive_and_a_second_load_adds_nothing(
    tiny_root: Path, migrated_database_url: str
) -> None:
    files = build_files(tiny_root, TINY, lambda _: None)
    messages: list[str] = []
    first = load_demo(migrated_database_url, files, messages.append, jobs=2)
    assert first.new == len(files.lightcurves) and not first.summary.failures
    assert messages[-1].startswith(f"loaded {len(files.lightcurves)} lightcurves (0 already there")
    with connect(migrated_database_url) as conn:
        logged = {row[0] for row in conn.execute("SELECT path FROM lcdb_internal.ingested_file")}
        assert logged == {str(path.resolve()) for path in files.lightcurves}
        names = {row[0] for row in conn.execute("SELECT name FROM lcdb.target")}
        assert names >= set(catalogue_ids(tiny_root)) | {real.tic_id for real in REAL_FILES}
        with (tiny_root / CATALOGUE).open() as stream:
            star = next(csv.DictReader(stream))
        ra, dec = conn.execute(
            "SELECT ra, dec FROM lcdb.target WHERE name = %s", (int(star["tic_id"]),)
        ).fetchone() or (None, None)
        assert (ra, dec) == (pytest.approx(float(star["ra"])), pytest.approx(float(star["dec"])))
    reused = dataclasses.replace(files, generated=False)  # as a second start sees them
    again = load_demo(migrated_database_url, reused, messages.append, jobs=2)
    assert again.new == 0 and again.targets_created == 0
    assert again.summary.count(Outcome.UNCHANGED) == len(files.lightcurves)
