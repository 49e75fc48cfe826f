"""Run FFI loads over many paths and report one result per file (or catalogue).

Headers (`ingest_ffi`): files are read and checked in the calling thread, in batches of
`BATCH`; each batch of good files is written by one of `jobs` connections in one transaction
(set-based, `lcdb.ingest.frames`), so a million small files do not cost a million commits. If
the database refuses a batch, its files are written again one transaction each, so only the
file at fault fails and every other file still loads whole. Catalogues (`ingest_ffi_catalogs`):
one transaction per catalogue file.
"""

from __future__ import annotations

import collections
import queue
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

from lcdb.db import normalise_url
from lcdb.ingest.errors import IngestError
from lcdb.ingest.ffi import FFIFrame, read_ffi
from lcdb.ingest.ffi_catalog import FrameCatalog, describe, read_catalog
from lcdb.ingest.footprint import FootprintUnavailable
from lcdb.ingest.frames import FrameLoader, Written
from lcdb.ingest.load import FileStamp, Outcome, ensure_dimensions, is_logged, logged
from lcdb.ingest.run import FileResult, find_files

FFI_PATTERNS = ("*ffic.fits", "*ffir.fits")
BATCH = 500  # files per transaction on the header path
LOGGED = "already loaded, per the ingest log"


@dataclass(frozen=True, slots=True)
class FrameResult(FileResult):
    """A file's result whose description says what was stored (no cadence count)."""

    def line(self) -> str:
        if self.failed:
            return f"failed    {self.path}: {self.reason}"
        return f"{self.outcome!s:<9} {self.path} ({self.what})"


def find_ffis(paths: Iterable[Path]) -> Iterator[Path | FileResult]:
    """Files named directly, and FFIs under directories (recursively, sorted, once each)."""
    return find_files(paths, FFI_PATTERNS, FrameResult)


def ingest_ffi(
    url: str,
    paths: Sequence[Path],
    *,
    replace: bool = False,
    jobs: int = 1,
    batch: int = BATCH,
    resume: bool = True,
) -> Iterator[FileResult]:
    """Load the headers of every FFI under `paths`; one result per file, in order.

    With `resume`, files the ingest log has (same size and modification time) are skipped
    unopened, as `lcdb.ingest.run` does for lightcurves.
    """
    with _Loaders(url, jobs) as loaders:
        done = loaders.done if resume and not replace else {}

        def write(
            items: list[FFIFrame | FrameResult], stamps: dict[Path, FileStamp]
        ) -> list[FileResult]:
            loader = loaders.queue.get()
            try:
                return write_batch(loader, items, stamps, replace=replace)
            finally:
                loaders.queue.put(loader)

        with ThreadPoolExecutor(max_workers=loaders.queue.qsize()) as pool:
            window: collections.deque[Future[list[FileResult]]] = collections.deque()
            for items, stamps in _batches(find_ffis(paths), batch, done):
                window.append(pool.submit(write, items, stamps))
                while len(window) > jobs or (window and window[0].done()):
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()


def ingest_ffi_catalogs(
    url: str,
    paths: Sequence[Path],
    *,
    replace: bool = False,
    jobs: int = 1,
    resume: bool = True,
) -> Iterator[FileResult]:
    """Load every FFI catalogue file, each in its own transaction; one result per file.

    Catalogues are read in the calling thread while up to `jobs` others are written, each on
    its own connection (different sectors touch different observations).
    """
    with _Loaders(url, jobs) as loaders:
        done = loaders.done if resume and not replace else {}

        def write(catalog: FrameCatalog, stamp: FileStamp) -> FileResult:
            loader = loaders.queue.get()
            try:
                return _write_catalog(loader, catalog, stamp, replace=replace)
            finally:
                loaders.queue.put(loader)

        with ThreadPoolExecutor(max_workers=loaders.queue.qsize()) as pool:
            window: collections.deque[Future[FileResult] | FileResult] = collections.deque()
            for path in paths:
                try:
                    stamp = FileStamp.of(path)
                    if is_logged(done, stamp):
                        window.append(FrameResult(path, Outcome.UNCHANGED, what=LOGGED))
                    else:
                        window.append(pool.submit(write, read_catalog(path), stamp))
                except IngestError as exc:
                    window.append(FrameResult(path, None, exc.reason))
                except OSError as exc:
                    window.append(FrameResult(path, None, _unreadable(exc)))
                while len(window) > jobs or (window and _ready(window[0])):
                    yield _result(window.popleft())
            while window:
                yield _result(window.popleft())


def _write_catalog(
    loader: FrameLoader, catalog: FrameCatalog, stamp: FileStamp, *, replace: bool
) -> FileResult:
    path = catalog.path
    try:
        written = loader.load_catalog(catalog, replace=replace, stamp=stamp)
    except FootprintUnavailable as exc:
        return FrameResult(path, None, str(exc))
    except psycopg.Error as exc:
        return FrameResult(path, None, f"database refused the file: {_first_line(exc)}")
    what = (
        f"{describe(catalog)}: {written.staged:,} frames, {written.inserted:,} new, "
        f"{written.updated:,} replaced, {written.unchanged:,} already there"
    )
    return FrameResult(path, _outcome(written), what=what, points=written.staged)


def _ready(item: Future[FileResult] | FileResult) -> bool:
    return isinstance(item, FileResult) or item.done()


def _result(item: Future[FileResult] | FileResult) -> FileResult:
    return item if isinstance(item, FileResult) else item.result()


@dataclass
class _Connected:
    queue: queue.SimpleQueue[FrameLoader]
    done: dict[str, tuple[int, int]]  # the ingest log: path -> (size, mtime_ns)


class _Loaders:
    """`jobs` connections with a FrameLoader each, closed on exit."""

    def __init__(self, url: str, jobs: int) -> None:
        self.libpq = (
            normalise_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self.jobs = max(1, jobs)
        self.opened: list[psycopg.Connection[tuple[object, ...]]] = []

    def __enter__(self) -> _Connected:
        loaders: queue.SimpleQueue[FrameLoader] = queue.SimpleQueue()
        try:
            self.opened = [psycopg.connect(self.libpq) for _ in range(self.jobs)]
            dims = ensure_dimensions(self.opened[0])
            done = logged(self.opened[0])
            self.opened[0].commit()
            for conn in self.opened:
                loaders.put(FrameLoader(conn, dims))
        except BaseException:
            self.__exit__()
            raise
        return _Connected(loaders, done)

    def __exit__(self, *_: object) -> None:
        for conn in self.opened:
            conn.close()


def _batches(
    items: Iterable[Path | FileResult], size: int, done: Mapping[str, tuple[int, int]]
) -> Iterator[tuple[list[FFIFrame | FrameResult], dict[Path, FileStamp]]]:
    """Read files in order; a failed read (or a logged file) becomes its result, in place."""
    current: list[FFIFrame | FrameResult] = []
    stamps: dict[Path, FileStamp] = {}
    for item in items:
        if isinstance(item, FileResult):
            current.append(FrameResult(item.path, item.outcome, item.reason))
        else:
            try:
                stamp = FileStamp.of(item)
                if is_logged(done, stamp):
                    current.append(FrameResult(item, Outcome.UNCHANGED, what=LOGGED))
                else:
                    current.append(read_ffi(item))
                    stamps[item] = stamp
            except IngestError as exc:
                current.append(FrameResult(item, None, exc.reason))
            except OSError as exc:
                current.append(FrameResult(item, None, _unreadable(exc)))
        if len(current) >= size:
            yield current, stamps
            current, stamps = [], {}
    if current:
        yield current, stamps


def write_batch(
    loader: FrameLoader,
    items: list[FFIFrame | FrameResult],
    stamps: Mapping[Path, FileStamp],
    *,
    replace: bool,
) -> list[FileResult]:
    frames = [item for item in items if isinstance(item, FFIFrame)]
    written: dict[Path, FileResult] = {}
    if frames:
        try:
            done = loader.load_frames(
                frames, replace=replace, stamps=[stamps[f.path] for f in frames if f.path in stamps]
            )
            fresh, replaced = done.fresh_names, done.replaced_names
            written = {frame.path: _frame_result(frame, fresh, replaced) for frame in frames}
        except psycopg.Error:
            for frame in frames:  # find the file at fault; the others load on their own
                written[frame.path] = _write_one(
                    loader, frame, stamps.get(frame.path), replace=replace
                )
    return [item if isinstance(item, FrameResult) else written[item.path] for item in items]


def _write_one(
    loader: FrameLoader, frame: FFIFrame, stamp: FileStamp | None, *, replace: bool
) -> FileResult:
    try:
        done = loader.load_frames([frame], replace=replace, stamps=[stamp] if stamp else [])
        return _frame_result(frame, done.fresh_names, done.replaced_names)
    except psycopg.Error as exc:
        return FrameResult(frame.path, None, f"database refused the file: {_first_line(exc)}")


def _frame_result(frame: FFIFrame, fresh: frozenset[str], replaced: frozenset[str]) -> FileResult:
    name = frame.name.name
    if name in fresh:
        outcome = Outcome.LOADED
    elif name in replaced:
        outcome = Outcome.REPLACED
    else:
        outcome = Outcome.UNCHANGED
    what = (
        f"sector {frame.name.sector} camera {frame.name.camera} CCD {frame.name.ccd} "
        f"cadence {frame.cadence}"
    )
    return FrameResult(frame.path, outcome, what=what, points=1)


def _outcome(written: Written) -> Outcome:
    if written.inserted:
        return Outcome.LOADED
    return Outcome.REPLACED if written.updated else Outcome.UNCHANGED


def _unreadable(exc: OSError) -> str:
    return f"cannot read the file ({exc.strerror or exc})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
