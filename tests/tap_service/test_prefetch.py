"""`Prefetched` runs its source in a thread, a bounded number of items ahead, and stops it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tap_service.prefetch import Prefetched


def counting(produced: list[int], stop_after: int | None = None) -> Iterator[int]:
    for i in range(100):
        produced.append(i)
        yield i
        if stop_after is not None and i == stop_after:
            raise RuntimeError(f"failed after {i}")


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "test-reader"]


def test_items_come_in_order_from_another_thread() -> None:
    seen: list[str] = []

    def source() -> Iterator[int]:
        for i in range(50):
            seen.append(threading.current_thread().name)
            yield i

    assert list(Prefetched(source(), name="test-reader")) == list(range(50))
    assert set(seen) == {"test-reader"}
    assert not reader_threads()


def test_the_reader_runs_at_most_depth_items_ahead() -> None:
    produced: list[int] = []
    items = Prefetched(counting(produced), depth=2, name="test-reader")
    assert next(items) == 0
    time.sleep(0.3)  # time enough to run away, were it unbounded
    # one handed out, two queued, one held by the reader waiting for room
    assert len(produced) <= 4
    items.close()
    assert not reader_threads()


def test_a_failure_is_raised_where_it_happened() -> None:
    items = Prefetched(counting([], stop_after=5), name="test-reader")
    assert [next(items) for _ in range(6)] == list(range(6))
    with pytest.raises(RuntimeError, match="failed after 5"):
        next(items)
    assert not reader_threads()
    with pytest.raises(StopIteration):
        next(items)


def test_close_stops_a_reader_waiting_for_room_and_closes_the_source() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.set()

    items = Prefetched(source(), depth=1, name="test-reader")
    assert next(items) == 0
    items.close()
    assert not reader_threads()
    assert closed.is_set()
    with pytest.raises(StopIteration):
        next(items)


def test_close_interrupts_a_reader_blocked_in_its_source() -> None:
    release = threading.Event()
    interrupted: list[float] = []

    def source() -> Iterator[int]:
        yield 1
        release.wait(timeout=30)  # a slow query: nothing comes until it is cancelled
        yield 2

    def interrupt() -> None:
        interrupted.append(time.monotonic())
        release.set()

    items = Prefetched(source(), interrupt=interrupt, name="test-reader")
    assert next(items) == 1
    start = time.monotonic()
    items.close()
    assert interrupted and time.monotonic() - start < 5
    assert not reader_threads()
