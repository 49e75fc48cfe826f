"""Real TESS sample files for the tests, fetched from PyPI once and cached (`lcdb.demo.real`).

The cache is `LCDB_TEST_DATA` (default ``~/.cache/lcdb-tap-test-data``). A file that cannot be
fetched fails the tests that need it, with instructions for running offline: they are never
skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lcdb.demo.real import REAL_FILES, FetchError, PinnedFile, fetch, fetch_all

ENV_TEST_DATA = "LCDB_TEST_DATA"


def data_directory() -> Path:
    configured = os.environ.get(ENV_TEST_DATA)
    return Path(configured) if configured else Path.home() / ".cache" / "lcdb-tap-test-data"


def fetched(real: PinnedFile) -> Path:
    """The checked file in the cache (read it, never write it: copy it first)."""
    cache = data_directory()
    try:
        return fetch(real, cache)
    except FetchError as exc:
        pytest.fail(
            f"cannot fetch the real TESS file {real.name}: {exc}\n"
            f"Put {real.name} (from {real.requirement}, member {real.member}) into {cache} "
            f"(or set {ENV_TEST_DATA}) to run offline."
        )


def fetched_all() -> dict[str, Path]:
    """Every real file of the demo, by name (each release downloaded once)."""
    cache = data_directory()
    result = fetch_all(REAL_FILES, cache)
    if result.problems:
        pytest.fail(
            "cannot fetch the real TESS files: " + "; ".join(result.problems) + f"\nPut "
            f"{', '.join(real.name for real in REAL_FILES)} into {cache} (or set "
            f"{ENV_TEST_DATA}) to run offline."
        )
    return {path.name: path for path in result.paths}
