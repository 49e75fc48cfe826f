"""`lcdb-tap demo`'s work before serving: where the demo lives, build it, load it.

By default a demo never mixes with an operator's archive: it has an embedded PostgreSQL
cluster of its own under ``$LCDB_HOME/demo`` and its files under ``$LCDB_HOME/demo/files``.
Given a database URL it loads into that database instead (the files stay local).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from lcdb.demo.archive import CATALOGUE, Report, Request, fetch_real, reusable
from lcdb.demo.background import generated_chunks
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
    """Build the files (or reuse them) and load them into the database at `url`.

    The real files are fetched (pip: waiting on the network) while the synthetic ones are
    generated and loaded, and are loaded last.
    """
    root.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcdb-demo-fetch") as pool:
        real = pool.submit(fetch_real, root, report)
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
        return load_demo(url, batches, root / CATALOGUE, report, replace=replace, jobs=jobs)


def _last(future: Future[tuple[Path, ...]]) -> Iterator[tuple[Path, ...]]:
    """The future's files as a batch, waited for only when that batch is due."""
    yield future.result()
