"""`lcdb-tap demo`'s work before serving: where the demo lives, build it, load it.

By default a demo never mixes with an operator's archive: it has an embedded PostgreSQL
cluster of its own under ``$LCDB_HOME/demo`` and its files under ``$LCDB_HOME/demo/files``.
Given a database URL it loads into that database instead (the files stay local).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lcdb.demo.archive import Report, Request, build_files
from lcdb.demo.loading import Loaded, load_demo
from lcdb.settings import DatabaseSettings

DEMO_DIRECTORY = "demo"


def demo_database(settings: DatabaseSettings) -> DatabaseSettings:
    """The demo's own embedded cluster, or the external database the user named."""
    if settings.embedded:
        return dataclasses.replace(settings, home=settings.home / DEMO_DIRECTORY)
    return settings


def demo_files(settings: DatabaseSettings) -> Path:
    return settings.home / DEMO_DIRECTORY / "files"


def prepare_demo(url: str, root: Path, request: Request, report: Report, *, jobs: int) -> Loaded:
    """Build the files (or reuse them) and load them into the database at `url`."""
    root.mkdir(parents=True, exist_ok=True)
    files = build_files(root, request, report)
    return load_demo(url, files, report, jobs=jobs)
