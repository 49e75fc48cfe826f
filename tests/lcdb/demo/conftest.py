"""Fixtures for the demo generator: tess-point footprints, sector timelines, a star or two,
and the real files (lightcurves, FFI catalogues) from the test cache."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest

from lcdb.demo.fits_writer import Writer
from lcdb.demo.frames import FFI_CATALOGS
from lcdb.demo.sectors import DEMO_SECTORS, SECTOR_SPECS, Sector, build_sector
from lcdb.demo.sky import TWO_MINUTE_MAGNITUDES, Footprints, Target, draw_targets
from tests.real_files import fetched, fetched_all

SEED = 7


@pytest.fixture(scope="session")
def footprints() -> Footprints:
    return Footprints(DEMO_SECTORS)


@pytest.fixture(scope="session")
def sectors() -> dict[int, Sector]:
    return {n: build_sector(SECTOR_SPECS[n], SEED) for n in DEMO_SECTORS}


@pytest.fixture(scope="session")
def writer(sectors: dict[int, Sector]) -> Writer:
    return Writer(sectors, datetime.date(2026, 11, 23))


@pytest.fixture(scope="session")
def targets(footprints: Footprints) -> list[Target]:
    """A dozen targets, the first of them in both sectors."""
    stream = draw_targets(footprints, np.random.default_rng(SEED), TWO_MINUTE_MAGNITUDES, set())
    drawn = [next(stream) for _ in range(12)]
    return sorted(drawn, key=lambda target: -len(target.placements))


@pytest.fixture(scope="session")
def real_files() -> dict[str, Path]:
    """The demo's real SPOC files in the test cache, by name (read them, never write them)."""
    return fetched_all()


@pytest.fixture(scope="session")
def ffi_catalogs() -> dict[int, Path]:
    """tess-cloud's Parquet catalogues of the demo's sectors in the test cache (read only)."""
    return {sector: fetched(pinned) for sector, pinned in FFI_CATALOGS.items()}
