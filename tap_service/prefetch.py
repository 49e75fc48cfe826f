"""Run an iterator in a thread of its own, a few items ahead of its consumer.

Why: a large COPY is read and written by the same thread, so while it encodes one batch
nobody reads the socket, PostgreSQL's send buffer (a few hundred kB) fills and the backend
waits; then, while the thread reads the next batch, it waits for the backend. Reading in a
thread of its own overlaps the two: the reader spends its time in ``select`` on the socket
(the GIL released) while the writer encodes with numpy. Measured over HTTP in
bench/stream_http.py (see the README's figures).

The reader runs at most `depth` items ahead, so memory holds `depth` + 1 batches. Exceptions
of the reader are raised in the consumer, at the item where they happened. `close` stops the
reader and waits for it, so the source (and its database connection) is free again for the
consumer's thread afterwards: a reader blocked on a slow query is woken by `interrupt`
(cancelling the query on the server), never left running.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetched(Generic[T]):
    """The items of `source`, produced in a daemon thread while the consumer works."""

    def __init__(
        self,
        source: Iterator[T],
        *,
        depth: int = 2,
        interrupt: Callable[[], object] | None = None,
        name: str = "prefetch",
    ) -> None:
        self._source = source
        self._interrupt = interrupt
        self._queue: queue.Queue[object] = queue.Queue(depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is _END:
            self._finish()
            raise StopIteration
        if isinstance(item, _Failure):
            self._finish()
            raise item.error
        return item  # type: ignore[return-value]  # what the source yielded

    def close(self) -> None:
        """Stop the reader (cancelling what it waits for if need be) and wait for its end."""
        if self._done:
            return
        self._stop.set()
        self._drain()
        self._thread.join(timeout=0.2)
        if self._thread.is_alive() and self._interrupt is not None:
            self._interrupt()
        while self._thread.is_alive():
            self._drain()
            self._thread.join(timeout=0.2)
        self._finish()

    def _finish(self) -> None:
        self._done = True
        self._thread.join()
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Failure(exc))
            return
        self._put(_END)

    def _put(self, item: object) -> bool:
        """Queue `item` unless the consumer stopped; False if it did."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False
