"""Load the demo archive into a database with the ingest API, reporting as it goes.

The demo uses the same calls as `lcdb-tap ingest`: every lightcurve file in its own
transaction (in batches, as the generator hands them over), then the catalogue, whose values
are authoritative over what the headers said. The ingest log makes a second start cheap:
files loaded before are skipped without being opened.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lcdb.demo.archive import Report
from lcdb.ingest.load import Outcome
from lcdb.ingest.run import FileResult, Summary, ingest_lightcurves
from lcdb.ingest.targets import ingest_targets

PROGRESS_EVERY = 5.0  # seconds between progress lines


@dataclass(frozen=True, slots=True)
class Loaded:
    summary: Summary
    targets_created: int
    targets_updated: int

    @property
    def new(self) -> int:
        return self.summary.count(Outcome.LOADED) + self.summary.count(Outcome.REPLACED)

    @property
    def unchanged(self) -> int:
        return self.summary.count(Outcome.UNCHANGED)


def load_demo(
    url: str,
    batches: Iterable[Sequence[Path]],
    catalogue: Path,
    report: Report,
    *,
    replace: bool,
    jobs: int,
) -> Loaded:
    """Load every batch of lightcurves, then the catalogue, into the database at `url`.

    `replace` (for freshly generated files) overwrites what an older demo version loaded
    under the same names instead of keeping it.
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
    loaded = Loaded(Summary(tuple(results)), targets.created, targets.updated)
    refresh_obscore(url)
    report(
        f"loaded {loaded.new} lightcurves ({loaded.unchanged} already there, "
        f"{len(loaded.summary.failures)} failed) and a catalogue of "
        f"{targets.created + targets.updated} targets in {time.monotonic() - started:.1f} s"
    )
    return loaded


def refresh_obscore(url: str) -> None:
    """TODO(ObsCore, issue #5): refresh the ObsCore table from the archive just loaded.

    A deliberate no-op until the `obscore` package can materialise `ivoa.obscore`; the demo
    calls it after every load so that, once it exists, the demo's lightcurves appear in
    ObsCore without touching the demo again.
    """
    del url
