"""Wakes requests blocked in a UWS WAIT when their job's phase may have changed.

Waiters wait on an event of their own job, so a change wakes only the requests that care
(with hundreds of clients blocked, a broadcast would make every one of them re-read its job
on every change). `fire` runs on the event loop; the runner's listener thread reaches it
through `threadsafe_fire` when PostgreSQL reports a change (NOTIFY, from any service
process). A request starts to `watch` its job before it reads it, so a change between the
read and the wait is not missed; it re-reads the job after waking.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class _Waiters:
    event: asyncio.Event = field(default_factory=asyncio.Event)
    count: int = 0


class Changes:
    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._jobs: dict[str, _Waiters] = {}

    def fire(self, job_id: str | None = None) -> None:
        """Wake the waiters of `job_id` (None: of every job)."""
        if job_id is None:
            woken = list(self._jobs.values())
            self._jobs.clear()
        else:
            waiters = self._jobs.pop(job_id, None)
            woken = [waiters] if waiters is not None else []
        for waiters in woken:
            waiters.event.set()

    def threadsafe_fire(self, job_id: str | None = None) -> None:
        """`fire` from any thread."""
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            self._loop.call_soon_threadsafe(self.fire, job_id)

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[asyncio.Event]:
        """An event set at the next change of `job_id` after entering the block."""
        waiters = self._jobs.setdefault(job_id, _Waiters())
        waiters.count += 1
        try:
            yield waiters.event
        finally:
            waiters.count -= 1
            if waiters.count == 0 and self._jobs.get(job_id) is waiters:
                del self._jobs[job_id]
