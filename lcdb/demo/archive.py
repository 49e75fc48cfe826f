"""Build the demo archive's files once, and load them through the ordinary ingest path.

The tree under `root` (by default ``$LCDB_HOME/demo/files``):

    real/                    the real SPOC lightcurves (sha256-checked, see `real.py`)
    spoc/s0001/*_lc.fits     synthetic SPOC 2-min lightcurves, real file names
    qlp/s0001/*_llc.fits     synthetic QLP HLSP lightcurves
    targets.csv              the synthetic stars' catalogue (tic_id, ra, dec, tmag, ...)
    demo.json                written last: what was generated (version, size, seed, counts)

A start whose `demo.json` matches the request skips generation. Loading goes through
`lcdb.ingest`, whose log skips files already loaded with the same size and modification time,
so a second start reads nothing and an interrupted first start resumes where it stopped.
"""

from __future__ import annotations

import csv
import datetime
import json
import shutil
import time
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

DEMO_VERSION = 1  # bump whenever the generator writes different files for the same request
DEFAULT_SEED = 20180725  # the day TESS science operations began
STAMP = "demo.json"
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


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """The files of a built demo archive."""

    root: Path
    synthetic: tuple[Path, ...]
    real: tuple[Path, ...]
    catalogue: Path
    generated: bool  # made by this call (False: reused from an earlier start)
    problems: tuple[str, ...]  # why real files are missing, if they are

    @property
    def lightcurves(self) -> tuple[Path, ...]:
        return (*self.real, *self.synthetic)


def build_files(root: Path, request: Request, report: Report) -> DemoFiles:
    """The demo files under `root`: reused when `demo.json` matches `request`, else made."""
    fetched = fetch_all(REAL_FILES, root / "real")
    for problem in fetched.problems:
        report(f"real TESS files could not be fetched, continuing without them: {problem}")
    stamp = root / STAMP
    if stamp.is_file() and _stamp_matches(stamp, request):
        synthetic = tuple(sorted([*root.glob("spoc/*/*_lc.fits"), *root.glob("qlp/*/*_llc.fits")]))
        recorded = json.loads(stamp.read_text())["files"]
        if len(synthetic) == recorded:
            report(f"reusing the demo files in {root}")
            return DemoFiles(
                root, synthetic, fetched.paths, root / CATALOGUE, False, fetched.problems
            )
    started = time.monotonic()
    counts = request.counts
    report(
        f"generating about {counts.qlp} QLP and {counts.spoc} SPOC 2-min synthetic lightcurves "
        f"(sectors {', '.join(map(str, request.sectors))}) in {root}"
    )
    synthetic = generate(root, request)
    report(f"generated {len(synthetic)} files in {time.monotonic() - started:.1f} s")
    return DemoFiles(root, synthetic, fetched.paths, root / CATALOGUE, True, fetched.problems)


def generate(root: Path, request: Request) -> tuple[Path, ...]:
    """Write the synthetic files and the catalogue, then the stamp; returns the files."""
    stamp = root / STAMP
    stamp.unlink(missing_ok=True)  # from here on the tree is incomplete until rewritten
    for stale in ("spoc", "qlp"):
        shutil.rmtree(root / stale, ignore_errors=True)
    sectors = {n: build_sector(SECTOR_SPECS[n], request.seed) for n in request.sectors}
    footprints = Footprints(request.sectors)
    reserved = {real.tic_id for real in REAL_FILES}
    members = draw_population(footprints, request.counts, request.seed, reserved)
    writer = Writer(sectors, datetime.date.today())
    written = [
        path
        for member in members
        for path in _write_member(root, member, sectors, writer, request.seed)
    ]
    write_catalogue(root / CATALOGUE, members)
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


def _stamp_matches(stamp: Path, request: Request) -> bool:
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    expected = {**asdict(request), "sectors": list(request.sectors)}
    return all(recorded.get(key) == value for key, value in expected.items())
