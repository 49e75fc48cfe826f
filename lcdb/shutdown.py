"""SIGTERM ends a command the way Ctrl-C does: by unwinding, so that every `with` cleans up.

Why: Python's default for SIGTERM is to die on the spot, running no `finally`: an embedded
PostgreSQL the command started would be left running, and systemd, Docker and Kubernetes stop
services with SIGTERM. Inside `terminating_unwinds`, SIGTERM raises `Terminated` in the main
thread instead; `lcdb-tap` turns it into exit status 0 (a requested stop is not a failure).

uvicorn handles SIGINT and SIGTERM itself while it serves (its graceful shutdown), then puts
back the handlers it found and raises the signal again: the re-raised SIGTERM meets this
handler and becomes `Terminated` only after the graceful shutdown, so the service stops first
and the database after it. Only the first SIGTERM raises: a second one (an impatient operator,
a supervisor that signals every process) must not interrupt the clean-up the first started.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt: `except Exception` lets it by."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def terminating_unwinds() -> Iterator[None]:
    """While the block runs, SIGTERM raises `Terminated` (once) in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    raised = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if raised.is_set():
            return
        raised.set()
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
