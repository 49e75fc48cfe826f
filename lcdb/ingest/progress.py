"""How an ingest run reports: a progress bar on a terminal, one plain line per file otherwise.

Logs and CI output need every file's outcome as a line they can search; a person at a terminal
wants counts and a rate, with only the failures spelled out (tqdm draws the bar).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from lcdb.ingest.run import FileResult


class Report:
    """Receives every `FileResult` of a run, in order."""

    def __init__(self, label: str, total: Callable[[], int], stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stdout
        self.counts: Counter[str] = Counter()
        self.points = 0
        self.started = time.perf_counter()
        self._bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total(), unit="file", desc=label, file=sys.stderr, leave=True)

    def add(self, result: FileResult) -> None:
        self.counts["failed" if result.failed else str(result.outcome)] += 1
        self.points += result.points
        if self._bar is None:
            print(result.line(), file=self.stream, flush=True)
            return
        if result.failed:
            self._bar.write(result.line(), file=sys.stderr)
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        self._bar.set_postfix_str(
            f"{self.counts['loaded']} loaded, {self.counts['unchanged']} unchanged, "
            f"{self.counts['failed']} failed, {self.points / elapsed:,.0f} cadences/s",
            refresh=False,
        )
        self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
