"""`lcdb-tap demo`'s work before serving: where the demo lives, build it, load it, refresh.

By default a demo never mixes with an operator's archive: it has an embedded PostgreSQL
cluster of its own under ``$LCDB_HOME/demo`` and its files under ``$LCDB_HOME/demo/files``.
Given a database URL it loads into that database instead (the files stay local).

The files are made by `lcdb.demo`; loading uses the same calls as `lcdb-tap ingest`: every
lightcurve file in its own transaction (in batches, as the generator hands them over), then
the catalogue, whose values are authoritative over what the headers said, then the FFI frame
records of the sectors' real FFI catalogues (`lcdb.demo.frames`, one transaction each). The
ingest log makes a second start cheap: files loaded before are skipped without being opened.
The QLP lightcurves and the frames share their observations' cadences (SPOC's FFIINDEX), so
either may load first. This orchestration lives here, above `lcdb` and `obscore`, because
after loading it refreshes the ObsCore table, and `lcdb` must not import `obscore`
(tests/test_layout.py).
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lcdb.demo.archive import CATALOGUE, Report, Request, fetch_real, reusable
from lcdb.demo.background import generated_chunks
from lcdb.demo.frames import fetch_frames
from lcdb.ingest.ffi_run import ingest_ffi_catalogs
from lcdb.ingest.load import Outcome
from lcdb.ingest.run import FileResult, Summary, ingest_lightcurves
from lcdb.ingest.targets import ingest_targets
from lcdb.settings import DatabaseSettings
from obscore.cli import refresh_url

DEMO_DIRECTORY = "demo"
PROGRESS_EVERY = 5.0  # seconds between progress lines


def demo_database(settings: DatabaseSettings) -> DatabaseSettings:
    """The demo's own embedded cluster, or the external database the user named."""
    if settings.embedded:
        return dataclasses.replace(settings, home=settings.home / DEMO_DIRECTORY)
    return settings


def demo_files(settings: DatabaseSettings) -> Path:
    return settings.home / DEMO_DIRECTORY / "files"


def prepare_demo(url: str, root: Path, request: Request, report: Report, *, jobs: int) -> Loaded:
    """Build the files (or reuse them) and load them into the database at `url`.

    The real files (lightcurves, then the FFI catalogues) are fetched (pip: waiting on the
    network) while the synthetic ones are generated and loaded, and are loaded last.
    """
    root.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcdb-demo-fetch") as pool:
        real = pool.submit(fetch_real, root, report)
        frames = pool.submit(fetch_frames, root, report)
        synthetic = reusable(root, request)
        batches: Iterable[tuple[Path, ...]]
        if synthetic is not None:
            report(f"reusing the demo files in {root}")
            batches = itertools.chain([synthetic], _last(real))
        else:
            counts = request.counts
            report(
                f"generating about {counts.qlp} QLP and {counts.spoc} SPOC 2-min synthetic "
                f"lightcurves (sectors {', '.join(map(str, request.sectors))}) in {root}, "
                "loading them as they are written"
            )
            batches = itertools.chain(generated_chunks(root, request), _last(real))
        replace = synthetic is None
        return load_demo(
            url,
            batches,
            root / CATALOGUE,
            report,
            replace=replace,
            jobs=jobs,
            frames=_each(frames),
        )


def _last(future: Future[tuple[Path, ...]]) -> Iterator[tuple[Path, ...]]:
    """The future's files as a batch, waited for only when that batch is due."""
    yield future.result()


def _each(future: Future[tuple[Path, ...]]) -> Iterator[Path]:
    """The future's files one by one, waited for only when the first is due."""
    yield from future.result()


@dataclass(frozen=True, slots=True)
class Loaded:
    summary: Summary  # the lightcurve files
    targets_created: int
    targets_updated: int
    frames: Summary  # the FFI catalogues; `points` counts each one's frames

    @property
    def new(self) -> int:
        return self.summary.count(Outcome.LOADED) + self.summary.count(Outcome.REPLACED)

    @property
    def unchanged(self) -> int:
        return self.summary.count(Outcome.UNCHANGED)

    @property
    def new_frames(self) -> int:
        """Frame records of the catalogues loaded this time (none of those skipped)."""
        changed = (Outcome.LOADED, Outcome.REPLACED)
        return sum(result.points for result in self.frames.results if result.outcome in changed)


def load_demo(
    url: str,
    batches: Iterable[Sequence[Path]],
    catalogue: Path,
    report: Report,
    *,
    replace: bool,
    jobs: int,
    frames: Iterable[Path] = (),
) -> Loaded:
    """Load every batch of lightcurves, then the catalogue, then the FFI catalogues `frames`,
    into the database at `url`.

    `replace` (for freshly generated files) overwrites what an older demo version loaded
    under the same names instead of keeping it; frame records are real data, never replaced.
    """
    started = last = time.monotonic()
    results: list[FileResult] = []
    for batch in batches:
        for result in ingest_lightcurves(url, batch, replace=replace, jobs=jobs):
            results.append(result)
            if result.failed:
                report(f"failed to load {result.path}: {result.reason}")
            if time.monotonic() - last > PROGRESS_EVERY:
                last = time.monotonic()
                report(f"loading lightcurves: {len(results)} so far")
    targets = ingest_targets(url, catalogue)
    catalogues = tuple(ingest_ffi_catalogs(url, list(frames), jobs=jobs))
    for result in catalogues:
        if result.failed:
            report(f"failed to load {result.path}: {result.reason}")
    loaded = Loaded(Summary(tuple(results)), targets.created, targets.updated, Summary(catalogues))
    refresh_obscore(url)
    report(
        f"loaded {loaded.new} lightcurves ({loaded.unchanged} already there, "
        f"{len(loaded.summary.failures)} failed), {loaded.new_frames:,} FFI frame records "
        f"({loaded.frames.count(Outcome.UNCHANGED)} of {len(catalogues)} sector catalogues "
        f"already there, {len(loaded.frames.failures)} failed) and a catalogue of "
        f"{targets.created + targets.updated} targets in {time.monotonic() - started:.1f} s"
    )
    return loaded


def refresh_obscore(url: str) -> None:
    """Refresh the ObsCore table from the archive just loaded: in full, because the catalogue
    loaded last may have moved targets; a start that changed nothing writes nothing."""
    refresh_url(url, full=True)
