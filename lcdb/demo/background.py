"""Generate the demo files in a child process while the parent loads what is ready.

Generation (numpy and file writes) and loading (FITS reading in Python, then the server) each
keep one core busy; run one after the other they add up, side by side the first start takes
about as long as loading alone. The child is spawned, not forked (the parent may hold threads
and connections), writes the files in chunks and sends each chunk's paths over a queue; the
parent yields them. An error in the child ends the parent's iteration with its message.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from pathlib import Path

from lcdb.demo.archive import Request, generate
from lcdb.errors import LcdbError

POLL = 1.0  # seconds between checks that the child is still alive


class GenerationError(LcdbError):
    """The child process that writes the demo files failed."""


def generated_chunks(root: Path, request: Request) -> Iterator[tuple[Path, ...]]:
    """The synthetic files in chunks, as a spawned child process writes them."""
    context = multiprocessing.get_context("spawn")
    channel: multiprocessing.Queue[tuple[Path, ...] | str | None] = context.Queue()
    child = context.Process(
        target=_generate, args=(root, request, channel), name="lcdb-demo-generator"
    )
    child.start()
    try:
        while (item := _next(channel, child)) is not None:
            if isinstance(item, str):
                raise GenerationError(f"generating the demo files failed: {item}")
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        channel.close()


def _next(
    channel: multiprocessing.Queue[tuple[Path, ...] | str | None],
    child: multiprocessing.process.BaseProcess,
) -> tuple[Path, ...] | str | None:
    while True:
        try:
            return channel.get(timeout=POLL)
        except queue.Empty:
            if not child.is_alive():
                try:  # whatever it sent before exiting has been flushed by now
                    return channel.get(timeout=POLL)
                except queue.Empty:
                    return f"the generator process ended with exit code {child.exitcode}"


def _generate(
    root: Path, request: Request, channel: multiprocessing.Queue[tuple[Path, ...] | str | None]
) -> None:
    try:
        generate(root, request, channel.put)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the parent says so
        return
    except Exception as exc:
        channel.put(f"{type(exc).__name__}: {exc}")
    else:
        channel.put(None)
