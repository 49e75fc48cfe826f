"""The demo's loading: every file and star of a tiny demo archive through the ingest API."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lcdb.demo.archive import CATALOGUE, generate, reusable
from lcdb.demo.real import REAL_FILES
from tap_service.demo import load_demo
from tests.lcdb.demo.support import TINY, catalogue_ids, connect, seeded_root
from tests.real_files import fetched_all


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = seeded_root(tmp_path_factory.mktemp("demo"), fetched_all())
    generate(root, TINY)
    return root


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
