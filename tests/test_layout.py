"""The package layout: dependency direction (tap_service -> obscore -> lcdb, tap_service ->
adql), and data files that a non-editable install ships."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_every_data_file_of_the_packages_is_installed() -> None:
    """A non-editable install ships only what [tool.setuptools.package-data] names: every
    other file a package reads at run time (obscore-1.1.tsv, the SQL) must match a pattern."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    for package in ("adql", "lcdb", "obscore", "tap_service", "migrations"):
        for path in (root / package).rglob("*"):
            if (
                path.is_file()
                and path.suffix not in (".py", ".pyc")
                and "__pycache__" not in path.parts
            ):
                assert any(fnmatch.fnmatch(path.name, p) for p in patterns), (
                    f"{path.relative_to(root)} is not installed: add it to package-data"
                )


def test_what_the_packages_import_is_a_declared_dependency() -> None:
    """A plain ``pip install .`` gets only [project] dependencies, not the test extra: every
    third-party module the packages import (at the top or inside a function) must come from
    one of them."""
    import ast
    import re
    import tomllib
    from importlib.metadata import packages_distributions, requires

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())
    declared = {
        re.split(r"[\[<>=; ]", spec, maxsplit=1)[0].lower().replace("_", "-")
        for spec in config["project"]["dependencies"]
    }
    # what the declared distributions themselves bring (starlette brings anyio, ...)
    brought = set(declared)
    for name in list(declared):
        for spec in requires(name) or []:
            if "extra ==" not in spec:
                brought.add(re.split(r"[\[<>=; (]", spec, maxsplit=1)[0].lower().replace("_", "-"))
    ours = {"adql", "lcdb", "obscore", "tap_service", "migrations"}
    distributions = packages_distributions()
    missing = set()
    for package in ours - {"migrations"}:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in ours or top in sys.stdlib_module_names or top == "__future__":
                        continue
                    owners = {d.lower().replace("_", "-") for d in distributions.get(top, [])}
                    if not owners & brought:
                        missing.add(f"{top} ({path.relative_to(root)})")
    assert not missing, sorted(missing)


def test_the_app_defers_the_libraries_few_requests_need() -> None:
    """See `tap_service.lazy`: they were a third of the service's memory before any query."""
    from tap_service.lazy import DEFERRED

    script = (
        "import sys, json, tap_service.app, tap_service.cli\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(result.stdout)
    early = sorted({m for m in loaded for d in DEFERRED if m == d or m.startswith(d + ".")})
    assert not early, f"importing the app loads {early[:5]}"
