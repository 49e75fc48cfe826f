"""Build the demo archive's files once, and load them through the ordinary ingest path.

The tree under `root` (by default ``$LCDB_HOME/demo/files``):

    real/                    the real SPOC lightcurves (sha256-checked, see `real.py`)
    spoc/s0001/*_lc.fits     synthetic SPOC 2-min lightcurves, real file names
    qlp/s0001/*_llc.fits     synthetic QLP HLSP lightcurves
    targets.csv              the synthetic stars' catalogue (tic_id, ra, dec, tmag, ...)
    demo.json                written last: what was generated (version, size, seed, counts)

A start whose `demo.json` matches the request reuses the files (`reusable`); otherwise
`generate` writes them, handing them over in chunks so that loading can begin at once.
"""

from __future__ import annotations

import csv
import datetime
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lcdb.demo.fits_writer import Writer
from lcdb.demo.population import Counts, Member, draw_population
from lcdb.demo.real import REAL_FILES, fetch_all
from lcdb.demo.sectors import DEMO_SECTORS, SECTOR_SPECS, Sector, build_sector
from lcdb.demo.signals import star_model
from lcdb.demo.sky import Footprints
from lcdb.demo.synthetic import simulate_qlp, simulate_spoc

DEMO_VERSION = 2  # bump whenever the generator writes different files for the same request
DEFAULT_SEED = 20180725  # the day TESS science operations began
STAMP = "demo.json"
CHUNK = 200  # files handed to the loader at a time while generating
CATALOGUE = "targets.csv"
CATALOGUE_COLUMNS = ("tic_id", "ra", "dec", "tmag", "teff", "logg", "mh", "radius")
Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Request:
    """What a demo archive is made of; equal requests give byte-equal data."""

    size: float = 1.0
    seed: int = DEFAULT_SEED
    version: int = DEMO_VERSION
    sectors: tuple[int, ...] = DEMO_SECTORS

    @property
    def counts(self) -> Counts:
        return Counts.for_size(self.size)


def fetch_real(root: Path, report: Report) -> tuple[Path, ...]:
    """The real files under ``root/real``, fetched if needed; a missing one is reported."""
    fetched = fetch_all(REAL_FILES, root / "real")
    if fetched.problems:
        missing = len(REAL_FILES) - len(fetched.paths)
        report(
            f"{missing} real TESS files could not be fetched, continuing without them "
            f"({'; '.join(fetched.problems)})"
        )
    return fetched.paths


def reusable(root: Path, request: Request) -> tuple[Path, ...] | None:
    """The synthetic files of an earlier start for the same request, or None."""
    stamp = root / STAMP
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
    expected = {**asdict(request), "sectors": list(request.sectors)}
    if any(recorded.get(key) != value for key, value in expected.items()):
        return None
    synthetic = tuple(sorted([*root.glob("spoc/*/*_lc.fits"), *root.glob("qlp/*/*_llc.fits")]))
    return synthetic if len(synthetic) == recorded.get("files") else None


def generate(
    root: Path,
    request: Request,
    ready: Callable[[tuple[Path, ...]], None] = lambda _: None,
    *,
    chunk: int = CHUNK,
) -> tuple[Path, ...]:
    """Write the catalogue, then the synthetic files, then the stamp; returns the files.

    `ready` gets the files in chunks as they are written, so loading can start before the
    last file exists.
    """
    stamp = root / STAMP
    stamp.unlink(missing_ok=True)  # from here on the tree is incomplete until rewritten
    for stale in ("spoc", "qlp"):
        shutil.rmtree(root / stale, ignore_errors=True)
    sectors = {n: build_sector(SECTOR_SPECS[n], request.seed) for n in request.sectors}
    footprints = Footprints(request.sectors)
    reserved = {real.tic_id for real in REAL_FILES}
    members = draw_population(footprints, request.counts, request.seed, reserved)
    write_catalogue(root / CATALOGUE, members)
    writer = Writer(sectors, datetime.date.today())
    written: list[Path] = []
    pending: list[Path] = []
    for member in members:
        pending += _write_member(root, member, sectors, writer, request.seed)
        if len(pending) >= chunk:
            ready(tuple(pending))
            written += pending
            pending = []
    if pending:
        ready(tuple(pending))
        written += pending
    record = {**asdict(request), "sectors": list(request.sectors), "files": len(written)}
    partial = stamp.with_name(STAMP + ".partial")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(stamp)
    return tuple(sorted(written))


def _write_member(
    root: Path, member: Member, sectors: dict[int, Sector], writer: Writer, seed: int
) -> list[Path]:
    star = member.target.star
    model = star_model(star, seed, transit_fraction=member.transit_fraction)
    written = []
    for placement in member.target.placements:
        sector = sectors[placement.sector]
        if member.two_minute:
            directory = _directory(root / "spoc" / f"s{placement.sector:04d}")
            written.append(
                writer.write_spoc(simulate_spoc(star, model, placement, sector, seed), directory)
            )
        if member.qlp:
            directory = _directory(root / "qlp" / f"s{placement.sector:04d}")
            written.append(
                writer.write_qlp(simulate_qlp(star, model, placement, sector, seed), directory)
            )
    return written


def write_catalogue(path: Path, members: Sequence[Member]) -> None:
    """The stars as a CSV target table (empty cells where the TIC has no value)."""
    with path.open("w", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(CATALOGUE_COLUMNS)
        for member in members:
            star = member.target.star
            values = [getattr(star, column) for column in CATALOGUE_COLUMNS]
            out.writerow(["" if value is None else value for value in values])


def _directory(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
