"""An archive for the lightcurve-document tests, loaded with the real ingest code.

Two products: the real SPOC 2-minute lightcurve of TIC 358108509 (sector 1, camera 3 CCD 3; a
raw and a PDC dataset) and a QLP lightcurve made by the demo generator (`lcdb.demo`: there is
no real QLP file in the test cache) for another star on the same CCD, at the 30-minute FFI
cadence (raw, KSPSAP and the small- and large-aperture KSPSAP datasets).
"""

from __future__ import annotations

import datetime
import importlib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import psycopg
from astropy.io import fits
from sqlalchemy.engine import make_url

from lcdb.demo.fits_writer import Writer
from lcdb.demo.real import ALTAIPONY_S1
from lcdb.demo.sectors import SECTOR_SPECS, build_sector
from lcdb.demo.signals import star_model
from lcdb.demo.sky import Placement, Star
from lcdb.demo.synthetic import simulate_qlp
from lcdb.ingest.run import ingest_lightcurves
from tap_service.datalink.lightcurve import Lightcurve, load_lightcurve
from tests.real_files import fetched

SPOC_TIC = 358108509
QLP_TIC = 2_100_000_001  # beyond 2**31: the TIC id is a bigint
QLP_STAR = Star(QLP_TIC, 51.2, -77.3, 10.5, 5600.0, 4.4, None, 1.0)
SEED = 7
SPOC = "spoc-optimal-aperture"
QLP = "qlp-optimal-aperture"


@dataclass(frozen=True)
class Archive:
    url: str
    spoc_file: Path
    qlp_file: Path
    datasets: dict[tuple[int, str, str | None], int]  # (TIC, source, processing) -> dataset id

    def dataset(self, tic: int, source: str, processing: str | None) -> int:
        return self.datasets[tic, source, processing]

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """A connection whose changes are rolled back: tests may alter the archive."""
        with connect(self.url) as conn:
            try:
                yield conn
            finally:
                conn.rollback()


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))


def write_qlp_file(directory: Path) -> Path:
    """A QLP HLSP file (sector 1, camera 3 CCD 3) as the demo writes them."""
    sector = build_sector(SECTOR_SPECS[1], SEED)
    model = star_model(QLP_STAR, SEED, transit_fraction=1.0)
    series = simulate_qlp(QLP_STAR, model, Placement(1, 3, 3, 1000.0, 1000.0), sector, SEED)
    writer = Writer({1: sector}, datetime.date(2026, 1, 1))
    return writer.write_qlp(series, directory)


def load_archive(url: str, directory: Path) -> Archive:
    spoc_file = fetched(ALTAIPONY_S1)
    qlp_file = write_qlp_file(directory)
    for result in ingest_lightcurves(url, [spoc_file, qlp_file]):
        assert not result.failed, result.reason
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT t.name, s.name, p.name, d.id FROM lcdb.dataset d "
            "JOIN lcdb.target t ON t.id = d.target_id "
            "JOIN lcdb.photometric_source s ON s.id = d.photometric_method_id "
            "LEFT JOIN lcdb.processing_method p ON p.id = d.processing_method_id"
        ).fetchall()
    datasets = {
        (int(str(t)), str(s), None if p is None else str(p)): int(str(i)) for t, s, p, i in rows
    }
    return Archive(url, spoc_file, qlp_file, datasets)


def file_columns(path: Path) -> dict[str, np.ndarray]:
    """Every column of a product's LIGHTCURVE table, as float64 / int64 numpy arrays."""
    with fits.open(path) as hdus:
        data = hdus[1].data
        return {
            name: np.asarray(
                data[name], dtype=np.int64 if data[name].dtype.kind in "iu" else np.float64
            )
            for name in data.columns.names
        }


def lightkurve() -> ModuleType:
    """lightkurve, imported without its import-time warning (oktopus is not installed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module("lightkurve")


def load(archive: Archive, tic: int, source: str, processing: str | None) -> Lightcurve:
    """The lightcurve of TIC `tic` by photometric source and processing, as the service loads it."""
    with archive.connection() as conn:
        found = load_lightcurve(conn, archive.dataset(tic, source, processing))
    assert found is not None
    return found
