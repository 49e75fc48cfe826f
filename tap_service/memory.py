"""Giving memory back after a burst of large results (glibc's allocator; elsewhere a no-op).

Measured with bench/load.py (50 clients, 10,000-row extractions with array columns): the
server's RSS rose from 167 MB to 1.1 GB and stayed there after the load. The memory was
free inside the process but not returned: CPython hands large buffers to malloc, glibc gives
each thread that allocates its own arena (up to 8 per core), and it returns arena memory to
the system only when asked (``malloc_trim``). So the service limits the arenas before its
threads start and trims once it has been idle for a moment after work.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import threading

log = logging.getLogger(__name__)

#: glibc's mallopt parameter number for the most arenas (malloc.h: M_ARENA_MAX).
M_ARENA_MAX = -8
ARENAS = 2
#: Seconds of idleness before trimming: a burst's next request usually comes sooner.
TRIM_DELAY = 1.0


@functools.cache  # finding libc runs ldconfig: once per process, not per trim
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 (glibc only)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas() -> None:
    """Cap glibc's malloc arenas, so that threads share freed memory instead of each keeping
    its own (the cap applies to arenas created from now on)."""
    libc = _libc()
    if libc is not None and not libc.mallopt(M_ARENA_MAX, ARENAS):
        log.debug("mallopt(M_ARENA_MAX) was refused")


def trim() -> None:
    """Return the allocator's free memory to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


class Trimmer:
    """Trims `TRIM_DELAY` after the service went idle, unless work began again meanwhile."""

    def __init__(self) -> None:
        self._pending: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()

    def soon(self) -> None:
        """Called on the event loop when the last running query finished."""
        if self._pending is not None:
            self._pending.cancel()
        loop = asyncio.get_running_loop()
        self._pending = loop.call_later(TRIM_DELAY, self._start)

    def cancel(self) -> None:
        """Work began again: not now."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _start(self) -> None:
        self._pending = None
        threading.Thread(target=self._trim, name="malloc-trim", daemon=True).start()

    def _trim(self) -> None:
        if self._lock.acquire(blocking=False):  # one trim at a time
            try:
                trim()
            finally:
                self._lock.release()
