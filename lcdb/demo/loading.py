"""Load a built demo archive into a database with the ingest API, reporting as it goes.

The demo uses the same calls as `lcdb-tap ingest`: the catalogue first (targets with their TIC
properties), then every lightcurve, each file in its own transaction. The ingest log makes a
second start cheap: files loaded before are skipped without being opened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lcdb.demo.archive import DemoFiles, Report
from lcdb.ingest.load import Outcome
from lcdb.ingest.run import FileResult, Summary, ingest_lightcurves
from lcdb.ingest.targets import ingest_targets

PROGRESS_EVERY = 5.0  # seconds between progress lines


@dataclass(frozen=True, slots=True)
class Loaded:
    targets_created: int
    summary: Summary

    @property
    def new(self) -> int:
        return self.summary.count(Outcome.LOADED) + self.summary.count(Outcome.REPLACED)


def load_demo(url: str, files: DemoFiles, report: Report, *, jobs: int) -> Loaded:
    """Load the catalogue and every lightcurve of `files` into the database at `url`."""
    started = time.monotonic()
    targets = ingest_targets(url, files.catalogue)
    total = len(files.lightcurves)
    results: list[FileResult] = []
    last = time.monotonic()
    # Regenerated files replace what an older demo version loaded under the same names.
    for result in ingest_lightcurves(url, files.lightcurves, replace=files.generated, jobs=jobs):
        results.append(result)
        if result.failed:
            report(f"failed to load {result.path}: {result.reason}")
        if time.monotonic() - last > PROGRESS_EVERY:
            last = time.monotonic()
            report(f"loading lightcurves: {len(results)} of {total}")
    loaded = Loaded(targets.created, Summary(tuple(results)))
    refresh_obscore(url)
    report(
        f"loaded {loaded.new} lightcurves ({loaded.summary.count(Outcome.UNCHANGED)} already "
        f"there, {len(loaded.summary.failures)} failed) and {targets.created} new targets "
        f"in {time.monotonic() - started:.1f} s"
    )
    return loaded


def refresh_obscore(url: str) -> None:
    """TODO(ObsCore, issue #5): refresh the ObsCore table from the archive just loaded.

    A deliberate no-op until the `obscore` package can materialise `ivoa.obscore`; the demo
    calls it after every load so that, once it exists, the demo's lightcurves appear in
    ObsCore without touching the demo again.
    """
    del url
