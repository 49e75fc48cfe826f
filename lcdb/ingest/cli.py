"""`lcdb-tap ingest ...`: load mission products from files, one line per file.

Added to the root parser by `tap_service.cli` (like `lcdb.cli`'s db commands), so loading
works without the HTTP service. Exit status 0 when every file loaded or was already there,
1 when any file failed (each failure is listed again after the summary).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lcdb import migrate
from lcdb.db import database_url
from lcdb.errors import MigrationError
from lcdb.ingest.run import FileResult, Summary, ingest_spoc
from lcdb.settings import DatabaseSettings

DEFAULT_JOBS = min(2, os.cpu_count() or 1)


def add_ingest_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="load mission products (lightcurve files) into the database",
        description="Load mission products into the database. Each file is loaded in its own "
        "transaction: completely or not at all. Loading a file again changes nothing.",
    )
    commands = ingest.add_subparsers(dest="ingest_command", metavar="KIND", required=True)
    spoc = commands.add_parser(
        "spoc",
        help="SPOC target lightcurves (*_lc.fits, *_fast-lc.fits)",
        description="Load TESS SPOC 2-min and 20-s target lightcurves: SAP and PDCSAP flux, "
        "barycentric times and quality flags. Directories are searched recursively for *lc.fits.",
    )
    spoc.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="file or directory")
    spoc.add_argument(
        "--replace",
        action="store_true",
        help="overwrite the fluxes, times and flags already stored for these files",
    )
    spoc.add_argument(
        "--jobs",
        type=_positive_int,
        default=DEFAULT_JOBS,
        help=f"files loaded at the same time, one connection each (default {DEFAULT_JOBS})",
    )
    spoc.set_defaults(handler=run_spoc)


def run_spoc(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        _require_schema(url, embedded=settings.embedded)
        results: list[FileResult] = []
        for result in ingest_spoc(url, args.paths, replace=args.replace, jobs=args.jobs):
            results.append(result)
            print(result.line(), flush=True)
    summary = Summary(tuple(results))
    print(f"ingest spoc: {summary.line()}", flush=True)
    for failure in summary.failures:
        print(f"lcdb-tap: failed: {failure.path}: {failure.reason}", file=sys.stderr)
    return 1 if summary.failures else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _require_schema(url: str, *, embedded: bool) -> None:
    if embedded:
        migrate.upgrade(url)
        return
    current = migrate.current(url)
    if current != migrate.head():
        raise MigrationError(
            f"the database is at schema revision {current or 'none'}, ingest needs "
            f"{migrate.head()}: run `lcdb-tap db upgrade` first"
        )
