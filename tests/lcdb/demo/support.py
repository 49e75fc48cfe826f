"""What the demo tests share: a tiny demo request and a demo root with the real files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from lcdb.demo.archive import CATALOGUE, Request

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
