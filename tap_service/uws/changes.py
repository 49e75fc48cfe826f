"""Wakes requests blocked in a UWS WAIT when a job's phase may have changed.

A broadcast: every waiter holds the current event; `fire` sets it and puts a fresh one in
its place. `fire` runs on the event loop; the worker threads reach it through
`threadsafe_fire`. Waiters re-read the job from the database after waking, so a spurious
wake-up costs one query and a missed one (a job run by another service process) at most
the poll interval of `wait`.
"""

from __future__ import annotations

import asyncio
import contextlib

import anyio


class Changes:
    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def threadsafe_fire(self) -> None:
        """`fire` from any thread (a worker that just changed a job)."""
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            self._loop.call_soon_threadsafe(self.fire)

    async def wait(self, timeout: float) -> None:
        """Until the next `fire`, or `timeout` seconds."""
        event = self._event
        with anyio.move_on_after(timeout):
            await event.wait()
