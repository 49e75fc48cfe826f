"""The package dependency direction: tap_service -> obscore -> lcdb, tap_service -> adql."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = {
    "adql": {"lcdb", "obscore", "tap_service", "migrations", "sqlalchemy", "psycopg"},
    "lcdb": {"adql", "obscore", "tap_service"},
    "obscore": {"adql", "tap_service"},
}


def imported_top_level_packages(module: str) -> set[str]:
    """Top-level packages loaded by importing `module` (and its submodules) in a clean interpreter."""
    script = (
        "import importlib, pkgutil, sys, json\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_nothing_above_them(package: str) -> None:
    loaded = imported_top_level_packages(package)
    assert package in loaded
    assert not (loaded & FORBIDDEN[package]), (
        f"{package} pulls in {sorted(loaded & FORBIDDEN[package])}"
    )
