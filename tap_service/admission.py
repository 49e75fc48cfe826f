"""Admission of queries: many clients get answers (slower, not refused), up to a bound.

Every request that runs a query in the database (sync queries, DataLink documents) first
takes one of `queries` slots, waiting on the event loop in arrival order for at most `wait`
seconds; while more than `queue` requests wait, or when the wait runs out, the request is
refused at once with 503 and a ``Retry-After`` (`Busy`). So the database sees at most a
known number of queries, the connection pool is sized to fit them (`pool_size`), and a
burst of clients queues instead of failing on the pool's own timeout.

Large results must not starve small queries. A query's size is not known before it runs,
so a streamed result that outgrows `SMALL_BYTES` is *promoted*: it moves to one of
`extractions` slots of its own and gives its query slot back. Waiting for an extraction slot
(the client then simply receives its bytes later) holds no query slot, up to `extractions`
waiters more; beyond that, a promoted stream keeps its query slot while it waits, which
bounds the connections in use at ``queries + 2 * extractions``. Small queries therefore
always find slots unless more than that many extractions stream at once.

Everything here runs on the event loop; nothing blocks a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tap_service.errors import ServiceBusy

#: Bytes of output after which a streamed result counts as an extraction.
SMALL_BYTES = 1 << 20
#: Seconds an extraction pauses between chunks while small queries wait.
PACE = 0.02


@dataclass(frozen=True)
class Limits:
    queries: int
    extractions: int
    queue: int
    wait: float

    @property
    def connections(self) -> int:
        """Database connections that admitted queries may hold at once."""
        return self.queries + 2 * self.extractions


class Lane:
    """A counted set of slots, handed out in arrival order, with a bounded queue."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @property
    def busy(self) -> bool:
        return self._free <= 0 or bool(self._waiters)

    async def take(self, timeout: float = math.inf) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            if math.isinf(timeout):
                await waiter
            else:
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give()  # granted just as the wait ended: pass the slot on
            else:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def give(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the oldest waiter
                return
        self._free += 1


class Admission:
    def __init__(
        self,
        limits: Limits,
        *,
        on_idle: Callable[[], None] = lambda: None,
        on_busy: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_idle` is called when the last admitted request ends, `on_busy` when one
        starts while none ran (the service trims its memory in between)."""
        self.limits = limits
        self._queries = Lane(limits.queries)
        self._extractions = Lane(limits.extractions)
        self._on_idle = on_idle
        self._on_busy = on_busy
        self._active = 0

    @property
    def active(self) -> int:
        """Admitted requests not yet finished."""
        return self._active

    @property
    def contended(self) -> bool:
        """Requests are waiting for a query slot."""
        return self._queries.waiting > 0

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[Ticket]:
        """Hold a query slot for the block; refused with `ServiceBusy` beyond the bounds."""
        if self._queries.busy and self._queries.waiting >= self.limits.queue:
            raise self._busy(f"{self._queries.waiting} requests are already waiting")
        try:
            await self._queries.take(self.limits.wait)
        except TimeoutError:
            raise self._busy(f"no query slot came free within {self.limits.wait:g} s") from None
        ticket = Ticket(self)
        self._active += 1
        if self._active == 1:
            self._on_busy()
        try:
            yield ticket
        finally:
            ticket.release()
            self._active -= 1
            if self._active == 0:
                self._on_idle()

    def _busy(self, why: str) -> ServiceBusy:
        return ServiceBusy(
            f"the service is at its limit of {self.limits.queries} concurrent queries and "
            f"{why}; retry in a few seconds",
            retry_after=max(1, math.ceil(self.limits.wait / 10)),
        )


class Ticket:
    """One admitted request: its query slot, and its extraction slot once promoted."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self._query_slot = True
        self._extraction_slot = False
        self.promoted = False

    async def pace(self) -> None:
        """Between chunks of an extraction: let waiting small queries have the CPU first.

        The service's Python work shares one interpreter lock; an extraction formatting its
        rows takes it for as long as the small queries' threads would need it. Pausing
        while small queries wait gives them their turn; the extraction resumes as soon as
        none waits.
        """
        if self.promoted and self._admission.contended:
            await asyncio.sleep(PACE)

    async def promote(self) -> None:
        """This request streams a large result: move it to an extraction slot."""
        if self.promoted:
            return
        self.promoted = True
        lanes = self._admission
        if lanes._extractions.waiting < lanes.limits.extractions:
            self._give_query_slot()  # wait without holding a slot small queries need
        await lanes._extractions.take()
        self._extraction_slot = True
        self._give_query_slot()

    def _give_query_slot(self) -> None:
        if self._query_slot:
            self._query_slot = False
            self._admission._queries.give()

    def release(self) -> None:
        self._give_query_slot()
        if self._extraction_slot:
            self._extraction_slot = False
            self._admission._extractions.give()
