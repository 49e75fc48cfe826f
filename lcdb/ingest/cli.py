"""`lcdb-tap ingest ...`: load mission products from files, one line per file.

Added to the root parser by `tap_service.cli` (like `lcdb.cli`'s db commands), so loading
works without the HTTP service. Exit status 0 when every file loaded or was already there,
1 when any file failed (each failure is listed again after the summary).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from lcdb import migrate
from lcdb.db import database_url
from lcdb.ingest.errors import IngestError
from lcdb.ingest.ffi_run import find_ffis, ingest_ffi, ingest_ffi_catalogs
from lcdb.ingest.load import CATALOG
from lcdb.ingest.product import Pipeline
from lcdb.ingest.progress import Report
from lcdb.ingest.run import (
    FileResult,
    Summary,
    count_files,
    find_lightcurves,
    ingest_lightcurves,
)
from lcdb.ingest.targets import ID_COLUMNS, ingest_targets
from lcdb.settings import DatabaseSettings

DEFAULT_JOBS = min(2, os.cpu_count() or 1)

#: What runs after a load, with the database URL and whether data may have changed in place
#: (--replace, a target catalogue) rather than only been added: the layer above `lcdb`
#: refreshes ObsCore with it (`lcdb` cannot import `obscore`).
AfterIngest = Callable[[str, bool], None]


def add_ingest_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    after: AfterIngest | None = None,
) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="load mission products (lightcurve files) into the database",
        description="Load mission products into the database. Each file is loaded in its own "
        "transaction: completely or not at all. Loading a file again changes nothing.",
    )
    ingest.set_defaults(after_ingest=after)
    commands = ingest.add_subparsers(dest="ingest_command", metavar="KIND", required=True)
    lightcurves = commands.add_parser(
        "lightcurves",
        help="TESS lightcurves of any known pipeline (SPOC, TESS-SPOC, QLP), told apart by header",
        description="Load TESS lightcurve files of any pipeline the archive knows: SPOC 2-min "
        "and 20-s target lightcurves, the TESS-SPOC and QLP full-frame-image HLSPs. "
        "Directories are searched recursively for *lc.fits.",
    )
    _lightcurve_options(lightcurves, set(Pipeline))
    for kind, text in KIND_HELP.items():
        _lightcurve_options(
            commands.add_parser(kind, help=text[0], description=text[1]), {Pipeline(kind)}
        )
    targets = commands.add_parser(
        "targets",
        help="a target catalogue table (TIC id, RA, Dec, magnitude...) for target positions",
        description="Load a target catalogue (CSV, ECSV, VOTable or FITS table) with an id "
        f"column ({' or '.join(ID_COLUMNS)}), ra and dec in degrees, and optionally a "
        "magnitude (tmag, tessmag or magnitude), pmra, pmdec, teff, logg, mh, radius. "
        "Targets are created or their properties updated; each file is one transaction.",
    )
    targets.add_argument("paths", nargs="+", type=Path, metavar="FILE", help="catalogue file")
    targets.add_argument(
        "--catalog", default=CATALOG, help=f"catalogue the ids belong to (default {CATALOG})"
    )
    targets.set_defaults(handler=run_targets)
    add_ffi_commands(commands)


KIND_HELP = {
    "spoc": (
        "SPOC target lightcurves (*_lc.fits, *_fast-lc.fits)",
        "Load TESS SPOC 2-min and 20-s target lightcurves: SAP and PDCSAP flux, barycentric "
        "times and quality flags. Directories are searched recursively for *lc.fits.",
    ),
    "tess-spoc": (
        "TESS-SPOC FFI lightcurves (hlsp_tess-spoc_*_lc.fits)",
        "Load TESS-SPOC HLSP lightcurves (SPOC's pipeline on full-frame images).",
    ),
    "qlp": (
        "QLP FFI lightcurves (hlsp_qlp_*_llc.fits)",
        "Load MIT Quick-Look Pipeline lightcurves: the raw optimal-aperture flux and the "
        "detrended flux in three apertures (KSPSAP or DET).",
    ),
}


def _lightcurve_options(parser: argparse.ArgumentParser, kinds: set[Pipeline]) -> None:
    _loading_options(
        parser,
        metavar="PATH",
        path_help="file or directory",
        replace_help="read every file again and overwrite its stored fluxes, times and flags",
        jobs_unit="files loaded",
    )
    parser.set_defaults(handler=run_lightcurves, kinds=frozenset(kinds))


def _loading_options(
    parser: argparse.ArgumentParser,
    *,
    metavar: str,
    path_help: str,
    replace_help: str,
    jobs_unit: str,
) -> None:
    """What every loading command takes: paths, --replace, --jobs and --no-resume."""
    parser.add_argument("paths", nargs="+", type=Path, metavar=metavar, help=path_help)
    parser.add_argument("--replace", action="store_true", help=replace_help)
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=DEFAULT_JOBS,
        help=f"{jobs_unit} at the same time, one connection each (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="open every file, even those the ingest log says are loaded and unchanged",
    )


def run_lightcurves(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        _require_schema(url, embedded=settings.embedded)
        results = ingest_lightcurves(
            url,
            args.paths,
            kinds=args.kinds,
            replace=args.replace,
            jobs=args.jobs,
            resume=args.resume,
        )
        status = _report(
            f"ingest {args.ingest_command}",
            results,
            lambda: count_files(find_lightcurves(args.paths)),
        )
        _after(args, url, changed_in_place=args.replace)
        return status


def run_targets(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    failed = 0
    with database_url(settings) as url:
        _require_schema(url, embedded=settings.embedded)
        for path in args.paths:
            try:
                loaded = ingest_targets(url, path, catalog=args.catalog)
            except IngestError as exc:
                failed += 1
                print(f"lcdb-tap: failed: {exc.path}: {exc.reason}", file=sys.stderr)
            else:
                print(
                    f"targets   {path}: {loaded.created} created, {loaded.updated} updated",
                    flush=True,
                )
        _after(args, url, changed_in_place=True)
    return 1 if failed else 0


def add_ffi_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ffi = commands.add_parser(
        "ffi",
        help="SPOC full-frame images (*_ffic.fits, *_ffir.fits): frame records from headers",
        description="Load TESS SPOC full-frame images as frame records: header keywords, "
        "times, quality and the WCS footprint (pixels are not read). Directories are searched "
        "recursively for *ffic.fits and *ffir.fits.",
    )
    _loading_options(
        ffi,
        metavar="PATH",
        path_help="file or directory",
        replace_help="overwrite the frames already stored for these files",
        jobs_unit="batches written",
    )
    ffi.set_defaults(handler=run_ffi)
    catalog = commands.add_parser(
        "ffi-catalog",
        help="frame records of many FFIs from a catalogue table, without the files",
        description="Load FFI frame records from catalogue tables (path, camera, ccd, start, "
        "stop, quality; e.g. the tess-cloud package's per-sector Parquet files, or the same "
        "as CSV, ECSV, VOTable or FITS). Each catalogue loads completely or not at all.",
    )
    _loading_options(
        catalog,
        metavar="FILE",
        path_help="catalogue file",
        replace_help="overwrite the frames already stored for these rows",
        jobs_unit="catalogues written",
    )
    catalog.set_defaults(handler=run_ffi_catalog)


def run_ffi(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        _require_schema(url, embedded=settings.embedded)
        results = ingest_ffi(
            url, args.paths, replace=args.replace, jobs=args.jobs, resume=args.resume
        )
        status = _report("ingest ffi", results, lambda: count_files(find_ffis(args.paths)))
        _after(args, url, changed_in_place=args.replace)
        return status


def run_ffi_catalog(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    with database_url(settings) as url:
        _require_schema(url, embedded=settings.embedded)
        results = ingest_ffi_catalogs(
            url, args.paths, replace=args.replace, jobs=args.jobs, resume=args.resume
        )
        status = _report("ingest ffi-catalog", results, lambda: len(args.paths))
        _after(args, url, changed_in_place=args.replace)
        return status


def _after(args: argparse.Namespace, url: str, *, changed_in_place: bool) -> None:
    after: AfterIngest | None = getattr(args, "after_ingest", None)
    if after is not None:
        after(url, changed_in_place)


def _report(label: str, results: Iterable[FileResult], total: Callable[[], int]) -> int:
    """Show each result (a bar on a terminal), then the summary and every failure again."""
    done: list[FileResult] = []
    report = Report(label, total=total)
    try:
        for result in results:
            done.append(result)
            report.add(result)
    finally:
        report.close()
    summary = Summary(tuple(done))
    print(f"{label}: {summary.line()}", flush=True)
    for failure in summary.failures:
        print(f"lcdb-tap: failed: {failure.path}: {failure.reason}", file=sys.stderr)
    return 1 if summary.failures else 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _require_schema(url: str, *, embedded: bool) -> None:
    migrate.prepare(url, embedded=embedded, needed_by="ingest")
