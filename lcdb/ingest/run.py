"""Ingest many files: find them, load each in its own transaction, report each one.

A file that fails is reported with its reason and leaves nothing behind; the others load
regardless. Reading the next FITS file in Python overlaps the server writing the previous
ones, `jobs` of them at a time, each on its own connection.
"""

from __future__ import annotations

import collections
import queue
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lcdb.db import normalise_url
from lcdb.ingest.errors import IngestError
from lcdb.ingest.load import FileStamp, Loader, Outcome, ensure_dimensions, logged
from lcdb.ingest.product import Lightcurve, Pipeline
from lcdb.ingest.readers import ALL_KINDS, read_lightcurve

LIGHTCURVE_PATTERN = "*lc.fits"  # SPOC *_lc.fits, 20-s *_fast-lc.fits, QLP *_llc.fits


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one file: an outcome, or the reason it failed."""

    path: Path
    outcome: Outcome | None
    reason: str | None = None
    what: str = ""  # e.g. "TIC 358108509 sector 1 camera 3 CCD 3 120 s"
    points: int = 0

    @property
    def failed(self) -> bool:
        return self.outcome is None

    def line(self) -> str:
        if self.failed:
            return f"failed    {self.path}: {self.reason}"
        return f"{self.outcome!s:<9} {self.path} ({self.what}, {self.points} cadences)"


@dataclass(frozen=True, slots=True)
class Summary:
    results: tuple[FileResult, ...]

    def count(self, outcome: Outcome | None) -> int:
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def failures(self) -> list[FileResult]:
        return [result for result in self.results if result.failed]

    def line(self) -> str:
        counts = ", ".join(f"{self.count(outcome)} {outcome}" for outcome in Outcome)
        return f"{counts}, {len(self.failures)} failed"


def find_files(
    paths: Iterable[Path], patterns: Sequence[str], result: type[FileResult] = FileResult
) -> Iterator[Path | FileResult]:
    """Files named directly, and files matching `patterns` under directories (recursively,
    sorted, once each).

    A directory without any such file yields a failed `result`, so a typo is not a silent no-op.
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted({p for pattern in patterns for p in path.rglob(pattern) if p.is_file()})
            if not found:
                yield result(path, None, f"no {' or '.join(patterns)} files in this directory")
        else:
            found = [path]
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                yield file


def find_lightcurves(paths: Iterable[Path]) -> Iterator[Path | FileResult]:
    return find_files(paths, (LIGHTCURVE_PATTERN,))


def count_files(found: Iterable[Path | FileResult]) -> int:
    """How many files a run will look at (for a progress bar's total)."""
    return sum(1 for item in found if not isinstance(item, FileResult))


def ingest_lightcurves(
    url: str,
    paths: Sequence[Path],
    *,
    kinds: Collection[Pipeline] = ALL_KINDS,
    replace: bool = False,
    jobs: int = 1,
    resume: bool = True,
) -> Iterator[FileResult]:
    """Load every lightcurve under `paths`, yielding one result per file, in order.

    Files are read in the calling thread (astropy's warnings handling is not thread-safe, and
    reading holds the GIL anyway) while up to `jobs` threads write the files already read,
    each on its own connection. With `resume`, files the ingest log has with the same size and
    modification time are skipped without being opened (an interrupted run picks up where it
    stopped); `replace` reads and rewrites every file.
    """
    libpq = normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    loaders: queue.SimpleQueue[Loader] = queue.SimpleQueue()
    opened = [psycopg.connect(libpq) for _ in range(max(1, jobs))]
    try:
        dims = ensure_dimensions(opened[0])
        done = logged(opened[0]) if resume and not replace else {}
        opened[0].commit()
        for conn in opened:
            loaders.put(Loader(conn, dims))

        def load(lightcurve: Lightcurve, stamp: FileStamp) -> FileResult:
            loader = loaders.get()
            try:
                return load_file(loader, lightcurve, replace=replace, stamp=stamp)
            finally:
                loaders.put(loader)

        with ThreadPoolExecutor(max_workers=len(opened)) as pool:
            # Results in file order; a bounded window keeps memory flat however many files.
            window: collections.deque[Future[FileResult] | FileResult] = collections.deque()
            for item in find_lightcurves(paths):
                if isinstance(item, FileResult):
                    window.append(item)
                else:
                    window.append(_submit(pool, load, item, kinds, done))
                while len(window) > len(opened) or (window and _ready(window[0])):
                    yield _result(window.popleft())
            while window:
                yield _result(window.popleft())
    finally:
        for conn in opened:
            conn.close()


def ingest_spoc(
    url: str, paths: Sequence[Path], *, replace: bool = False, jobs: int = 1
) -> Iterator[FileResult]:
    """SPOC target lightcurves only (see `ingest_lightcurves`)."""
    return ingest_lightcurves(url, paths, kinds={Pipeline.SPOC}, replace=replace, jobs=jobs)


def _submit(
    pool: ThreadPoolExecutor,
    load: Callable[[Lightcurve, FileStamp], FileResult],
    path: Path,
    kinds: Collection[Pipeline],
    done: Mapping[str, tuple[int, int]],
) -> Future[FileResult] | FileResult:
    try:
        stamp = FileStamp.of(path)
    except OSError as exc:
        return FileResult(path, None, f"cannot read the file ({exc.strerror or exc})")
    if done.get(stamp.path) == (stamp.size, stamp.mtime_ns):
        return FileResult(path, Outcome.UNCHANGED, what="already loaded, per the ingest log")
    try:
        return pool.submit(load, read_lightcurve(path, kinds), stamp)
    except IngestError as exc:
        return FileResult(path, None, exc.reason)


def _ready(item: Future[FileResult] | FileResult) -> bool:
    return isinstance(item, FileResult) or item.done()


def _result(item: Future[FileResult] | FileResult) -> FileResult:
    return item if isinstance(item, FileResult) else item.result()


def load_file(
    loader: Loader,
    lightcurve: Lightcurve,
    *,
    replace: bool,
    stamp: FileStamp | None = None,
) -> FileResult:
    """Load one file that has been read; every failure becomes a result naming the reason."""
    path = lightcurve.path
    try:
        outcome = loader.load(lightcurve, replace=replace, stamp=stamp)
    except IngestError as exc:
        return FileResult(path, None, exc.reason)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return FileResult(path, None, f"database refused the file: {first}")
    return FileResult(path, outcome, what=lightcurve.describe(), points=lightcurve.size)
