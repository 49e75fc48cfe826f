"""What the demo tests share: a tiny demo request and a demo root with the real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from lcdb.demo.archive import CATALOGUE, Request
from lcdb.demo.frames import FFI_CATALOGS, FRAMES_DIRECTORY
from tests.real_files import fetched

TINY = Request(size=0.005)  # 15 QLP and 2 SPOC lightcurves


def seeded_root(tmp_path: Path, real_files: dict[str, Path]) -> Path:
    """A demo root whose real files are already in place (as after an earlier start): the
    lightcurves and the FFI catalogues."""
    root = tmp_path / "files"
    (root / "real").mkdir(parents=True)
    for name, path in real_files.items():
        shutil.copyfile(path, root / "real" / name)
    seed_ffi_catalogs(root)
    return root


def seed_ffi_catalogs(root: Path) -> None:
    """The demo's FFI catalogues from the test cache, where the demo keeps them (no download)."""
    directory = root / FRAMES_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    for pinned in FFI_CATALOGS.values():
        shutil.copyfile(fetched(pinned), directory / pinned.name)


def catalogue_ids(root: Path) -> list[int]:
    with (root / CATALOGUE).open() as stream:
        return [int(row["tic_id"]) for row in csv.DictReader(stream)]


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
