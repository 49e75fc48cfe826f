"""A watchdog that starts the embedded server again when it crashes under a running service.

Why: the service holds a connection pool that pre-pings, so it serves again as soon as the
database answers; but nothing else would start an embedded PostgreSQL whose postmaster was
killed (kill -9, the OOM killer) while `lcdb-tap serve` runs. The watchdog checks the
postmaster every `INTERVAL` seconds from a thread of its own and lets
`EmbeddedPostgres.ensure_running` clear the crash and start the server, which replays its
WAL. A clean stop (``lcdb-tap db stop``) is left alone.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Protocol

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds between checks: a crash is noticed within this
RETRY = 5.0  # seconds before trying again after a failed restart


class Supervised(Protocol):
    def ensure_running(self) -> bool: ...


class Watchdog:
    """While entered, keeps `server` running (see the module docstring)."""

    def __init__(self, server: Supervised, *, interval: float = INTERVAL) -> None:
        self.server = server
        self.interval = interval
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="lcdb-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop watching; returns once a restart in progress has finished."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        pause = self.interval
        while not self._stopping.wait(pause):
            pause = self.interval
            try:
                if self.server.ensure_running():
                    self.restarts += 1
                    log.warning("the embedded PostgreSQL is running again")
            except Exception as exc:  # a dead watchdog would leave the service down for good
                log.error(
                    "could not start the embedded PostgreSQL again (%s: %s); trying again in %g s",
                    type(exc).__name__,
                    exc,
                    RETRY,
                )
                pause = RETRY
