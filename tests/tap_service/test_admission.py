"""Admission: requests beyond the query slots wait their turn, up to a bound, then get 503 with
Retry-After; a large result moves out of the small queries' way.

The lanes are exercised on a real event loop; the service's behaviour over real HTTP on the
test archive, with one query slot so that contention is certain.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from tap_service.admission import SMALL_BYTES, Admission, Limits
from tap_service.errors import ServiceBusy
from tests.lcdb.support import Graph
from tests.service_fixtures import SERVICE_SETTINGS, served
from tests.tap_service.test_sync import assert_dali_error

#: Runs until the time limit (four copies of TAP_SCHEMA.columns joined: ~10^10 rows).
SLOW = (
    "SELECT COUNT(*) AS n FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, "
    "TAP_SCHEMA.columns AS c, TAP_SCHEMA.columns AS d"
)
SMALL = "SELECT TOP 1 name FROM lcdb.target"
#: Far more than the socket buffers hold: 40 MB of TAP_SCHEMA descriptions.
ROWS = 500_000
LARGE = (
    f"SELECT TOP {ROWS} a.column_name, a.description, b.description AS other "
    "FROM TAP_SCHEMA.columns AS a, TAP_SCHEMA.columns AS b, TAP_SCHEMA.columns AS c"
)


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_requests_are_admitted_in_arrival_order() -> None:
    async def scenario() -> list[int]:
        admission = Admission(Limits(queries=1, extractions=1, queue=10, wait=5))
        order: list[int] = []

        async def request(number: int) -> None:
            async with admission.admitted():
                order.append(number)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(request(n) for n in range(6)))
        return order

    assert run(scenario()) == [0, 1, 2, 3, 4, 5]


def test_beyond_the_queue_a_request_is_refused_at_once_with_retry_after() -> None:
    async def scenario() -> tuple[ServiceBusy, float]:
        admission = Admission(Limits(queries=1, extractions=1, queue=1, wait=30))
        held = asyncio.Event()

        async def holder() -> None:
            async with admission.admitted():
                held.set()
                await asyncio.sleep(0.5)

        async def waiter() -> None:
            async with admission.admitted():
                pass

        tasks = [asyncio.create_task(holder())]
        await held.wait()
        tasks.append(asyncio.create_task(waiter()))  # the one that may wait
        await asyncio.sleep(0.01)
        start = time.monotonic()
        with pytest.raises(ServiceBusy) as refused:
            async with admission.admitted():
                pass
        elapsed = time.monotonic() - start
        await asyncio.gather(*tasks)
        return refused.value, elapsed

    refused, elapsed = run(scenario())  # type: ignore[misc]
    assert elapsed < 0.1
    assert refused.status == 503 and refused.retry_after >= 1
    assert "1 requests are already waiting" in refused.message


def test_a_wait_longer_than_the_limit_is_refused() -> None:
    async def scenario() -> ServiceBusy:
        admission = Admission(Limits(queries=1, extractions=1, queue=5, wait=0.1))
        held = asyncio.Event()

        async def holder() -> None:
            async with admission.admitted():
                held.set()
                await asyncio.sleep(0.5)

        task = asyncio.create_task(holder())
        await held.wait()
        with pytest.raises(ServiceBusy) as refused:
            async with admission.admitted():
                pass
        await task
        # the abandoned wait left no trace: the slot is free again
        async with admission.admitted():
            assert admission.active == 1
        return refused.value

    assert "within 0.1 s" in run(scenario()).message  # type: ignore[attr-defined]


def test_a_cancelled_waiter_passes_its_turn_on() -> None:
    async def scenario() -> list[str]:
        admission = Admission(Limits(queries=1, extractions=1, queue=5, wait=5))
        events: list[str] = []
        held = asyncio.Event()

        async def holder() -> None:
            async with admission.admitted():
                held.set()
                await asyncio.sleep(0.1)

        async def waiter(name: str) -> None:
            async with admission.admitted():
                events.append(name)

        first = asyncio.create_task(holder())
        await held.wait()
        gone = asyncio.create_task(waiter("gone"))
        later = asyncio.create_task(waiter("later"))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.gather(first, later, return_exceptions=True)
        return events

    assert run(scenario()) == ["later"]


def test_a_promoted_extraction_gives_its_query_slot_to_small_queries() -> None:
    async def scenario() -> bool:
        admission = Admission(Limits(queries=1, extractions=1, queue=5, wait=0.5))
        promoted = asyncio.Event()
        finish = asyncio.Event()

        async def extraction() -> None:
            async with admission.admitted() as ticket:
                await ticket.promote()
                promoted.set()
                await finish.wait()

        task = asyncio.create_task(extraction())
        await promoted.wait()
        async with admission.admitted():  # would time out if the slot were still held
            small_ran = True
        finish.set()
        await task
        return small_ran

    assert run(scenario()) is True


def test_extractions_beyond_their_slots_wait_without_taking_small_slots() -> None:
    async def scenario() -> bool:
        admission = Admission(Limits(queries=1, extractions=1, queue=5, wait=0.5))
        finish = asyncio.Event()
        started = []

        async def extraction() -> None:
            async with admission.admitted() as ticket:
                await ticket.promote()
                started.append(True)
                await finish.wait()

        tasks = [asyncio.create_task(extraction()) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert len(started) == 1  # one extraction slot
        async with admission.admitted():  # the waiting extraction holds no query slot
            pass
        finish.set()
        await asyncio.gather(*tasks)
        return len(started) == 2

    assert run(scenario()) is True


# -- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
def one_slot(archive: tuple[str, Graph]) -> Iterator[str]:
    """The test archive served with one query slot and no queue."""
    settings = dataclasses.replace(SERVICE_SETTINGS, max_queries=1, queue_length=0, sync_timeout=3)
    with served(archive[0], settings) as url:
        yield url


@contextlib.contextmanager
def slot_taken(url: str) -> Iterator[list[httpx.Response]]:
    """A query holding the one slot (until its 3 s limit) while the block runs; its response."""
    results: list[httpx.Response] = []

    def slow() -> None:
        results.append(httpx.post(f"{url}/sync", data={"LANG": "ADQL", "QUERY": SLOW}, timeout=60))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    try:
        yield results
    finally:
        thread.join()


def test_a_query_beyond_the_slots_and_queue_gets_503_with_retry_after(one_slot: str) -> None:
    with slot_taken(one_slot) as results:
        refused = httpx.post(f"{one_slot}/sync", data={"LANG": "ADQL", "QUERY": SMALL}, timeout=60)
    assert_dali_error(results[0], 400, "longer than")  # it held the slot for its 3 s
    assert_dali_error(refused, 503, "concurrent queries")
    assert int(refused.headers["retry-after"]) >= 1


def test_small_queries_wait_their_turn_and_are_answered(archive: tuple[str, Graph]) -> None:
    settings = dataclasses.replace(SERVICE_SETTINGS, max_queries=1, queue_length=20)
    with served(archive[0], settings) as url:

        def small() -> int:
            response = httpx.post(f"{url}/sync", data={"LANG": "ADQL", "QUERY": SMALL}, timeout=60)
            return response.status_code

        threads_results: list[int] = []
        threads = [
            threading.Thread(target=lambda: threads_results.append(small())) for _ in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert threads_results == [200] * 12


def test_a_large_result_does_not_hold_up_small_queries(archive: tuple[str, Graph]) -> None:
    settings = dataclasses.replace(
        SERVICE_SETTINGS, max_queries=1, queue_length=5, queue_wait=3, maxrec_limit=ROWS
    )
    with served(archive[0], settings) as url, httpx.Client(timeout=60) as client:
        params = {"LANG": "ADQL", "QUERY": LARGE, "MAXREC": str(ROWS), "RESPONSEFORMAT": "csv"}
        with client.stream("POST", f"{url}/sync", data=params) as large:
            assert large.status_code == 200
            received = b""
            chunks = large.iter_bytes()
            while len(received) <= 2 * SMALL_BYTES:  # the service has sent > SMALL_BYTES
                received += next(chunks)
            # the large result is mid-stream and its client is not reading: a small query
            # still gets the one query slot
            start = time.monotonic()
            small = httpx.post(f"{url}/sync", data={"LANG": "ADQL", "QUERY": SMALL}, timeout=60)
            assert small.status_code == 200, small.text
            assert time.monotonic() - start < 2
            received += b"".join(chunks)
        rows = list(csv.reader(io.StringIO(received.decode())))
        assert len(rows) == 1 + ROWS  # the extraction completed, whole


def test_datalink_documents_are_admitted_like_queries(one_slot: str) -> None:
    """A DataLink request beyond the slots is refused the same way, not failed."""
    with slot_taken(one_slot):
        refused = httpx.get(f"{one_slot}/datalink", params={"ID": "ivo://x/y?1"}, timeout=60)
    assert_dali_error(refused, 503, "concurrent queries")


def test_the_client_sees_no_pool_timeout_with_the_default_limits(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    pool = service.engine.pool
    limits = service.limits
    assert pool.size() >= limits.connections + service.settings.async_workers
