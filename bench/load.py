"""Many clients at once: do small queries stay fast while extractions and jobs run?

    python bench/load.py [--clients 50] [--seconds 60]

The service runs as `lcdb-tap serve` in its own process on a throw-away archive
(bench/service_process.py). For `--seconds`, `--clients` clients on loopback each repeat one
kind of request, back to back, in this mix (of 50): 20 `TOP 1`, 10 a join, 10 a `COUNT(*)`,
5 a 10,000-row extraction (CSV and VOTable in turn), 5 an async job's whole cycle (create
with PHASE=RUN, WAIT, fetch the result, DELETE). It prints, per kind: requests, errors by
kind (HTTP status, or the exception), p50/p95/p99 latency; the server's RSS before, at the
end of the load and after 15 s of rest; and the targets of issue #15 (0 errors, p99 of the
small queries under 5 s). The reference in the same run is the small queries' latency on an
idle service.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_process import service_process

SMALL = {
    "top1": "SELECT TOP 1 name, ra, dec FROM lcdb.target",
    "join": "SELECT TOP 20 t.name, d.id FROM lcdb.target AS t JOIN lcdb.dataset AS d "
    "ON d.target_id = t.id WHERE t.magnitude < 6.1 ORDER BY t.name",
    "count": "SELECT COUNT(*) AS n FROM lcdb.dataset",
}
EXTRACT = 'SELECT TOP 10000 d.id, d.target_id, d."values", d.errors FROM lcdb.dataset AS d'
JOB = "SELECT TOP 2000 name, ra, dec, magnitude FROM lcdb.target ORDER BY magnitude"
MIX = (("top1", 20), ("join", 10), ("count", 10), ("extract", 5), ("job", 5))


class Tally:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter[str]] = defaultdict(Counter)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        self.times[kind].append(seconds)
        if error is not None:
            self.errors[kind][error] += 1


async def sync(client: httpx.AsyncClient, query: str, fmt: str = "votable") -> str | None:
    response = await client.post(
        "/sync", data={"LANG": "ADQL", "QUERY": query, "RESPONSEFORMAT": fmt}
    )
    await response.aread()
    return None if response.status_code == 200 else f"HTTP {response.status_code}"


async def job_cycle(client: httpx.AsyncClient) -> str | None:
    created = await client.post(
        "/async", data={"LANG": "ADQL", "QUERY": JOB, "PHASE": "RUN"}, follow_redirects=False
    )
    if created.status_code != 303:
        return f"create HTTP {created.status_code}"
    location = created.headers["location"]
    phase = ""
    for _ in range(20):
        job = await client.get(location, params={"WAIT": "10", "PHASE": "QUEUED"})
        if job.status_code != 200:
            return f"job HTTP {job.status_code}"
        phase = await _phase(client, location)
        if phase in ("COMPLETED", "ERROR", "ABORTED"):
            break
        await client.get(location, params={"WAIT": "10", "PHASE": "EXECUTING"})
    if phase != "COMPLETED":
        return f"job {phase}"
    result = await client.get(f"{location}/results/result")
    await client.delete(location)
    return None if result.status_code == 200 else f"result HTTP {result.status_code}"


async def _phase(client: httpx.AsyncClient, location: str) -> str:
    response = await client.get(f"{location}/phase")
    return response.text.strip()


async def client_loop(base: str, kind: str, stop_at: float, tally: Tally, number: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        n = number
        while time.monotonic() < stop_at:
            n += 1
            start = time.perf_counter()
            try:
                error = await one_request(client, kind, n)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            tally.record(kind, time.perf_counter() - start, error)


async def one_request(client: httpx.AsyncClient, kind: str, n: int) -> str | None:
    if kind == "extract":
        return await sync(client, EXTRACT, "csv" if n % 2 else "votable")
    if kind == "job":
        return await job_cycle(client)
    return await sync(client, SMALL[kind])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def idle_reference(base: str, repeat: int = 30) -> dict[str, float]:
    medians = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for kind, query in SMALL.items():
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                error = await sync(client, query)
                assert error is None, error
                times.append(time.perf_counter() - start)
            medians[kind] = statistics.median(times)
    return medians


async def run(base: str, clients: int, seconds: float) -> Tally:
    tally = Tally()
    stop_at = time.monotonic() + seconds
    tasks = []
    scale = clients / sum(count for _, count in MIX)
    number = 0
    for kind, count in MIX:
        for _ in range(max(1, round(count * scale))):
            number += 1
            tasks.append(client_loop(base, kind, stop_at, tally, number))
    await asyncio.gather(*tasks)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rest", type=float, default=15, help="seconds of rest before RSS")
    parser.add_argument("flags", nargs="*", help="extra `lcdb-tap serve` flags")
    args = parser.parse_args()
    with service_process(flags=args.flags) as service:
        idle = asyncio.run(idle_reference(service.base))
        rss_before = service.rss_mb()
        started = time.perf_counter()
        tally = asyncio.run(run(service.base, args.clients, args.seconds))
        elapsed = time.perf_counter() - started
        rss_loaded = service.rss_mb()
        time.sleep(args.rest)
        rss_after = service.rss_mb()
        peak = service.peak_rss_mb()

    total = sum(len(t) for t in tally.times.values())
    errors = sum(sum(c.values()) for c in tally.errors.values())
    print(f"{args.clients} clients for {elapsed:.1f} s: {total:,} requests, {errors} errors")
    print(
        f"{'kind':8s} {'requests':>9s} {'errors':>7s} {'p50 ms':>8s} {'p95 ms':>8s} "
        f"{'p99 ms':>8s} {'idle p50':>9s}  errors by kind"
    )
    for kind, _ in MIX:
        times = tally.times.get(kind, [])
        kinds = ", ".join(f"{k}: {v}" for k, v in tally.errors[kind].most_common()) or "-"
        reference = f"{idle[kind] * 1000:9.1f}" if kind in idle else f"{'':9s}"
        print(
            f"{kind:8s} {len(times):9,d} {sum(tally.errors[kind].values()):7d} "
            f"{percentile(times, 0.5) * 1000:8.1f} {percentile(times, 0.95) * 1000:8.1f} "
            f"{percentile(times, 0.99) * 1000:8.1f} {reference}  {kinds}"
        )
    small = [t for kind in SMALL for t in tally.times.get(kind, [])]
    p99 = percentile(small, 0.99)
    idle_p50 = statistics.median(idle.values())
    print(
        f"small queries: p50 {percentile(small, 0.5) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
        f"(x{percentile(small, 0.5) / idle_p50:.1f} of idle p50 {idle_p50 * 1000:.1f} ms)"
    )
    print(
        f"server RSS: {rss_before:.0f} MB before, {rss_loaded:.0f} MB at the end of the load, "
        f"{rss_after:.0f} MB after {args.rest:g} s of rest (peak {peak:.0f} MB)"
    )
    verdict = "met" if errors == 0 and p99 < 5 else "MISSED"
    print(f"target (0 errors, small-query p99 < 5 s): {verdict}")


if __name__ == "__main__":
    main()
