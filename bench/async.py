"""Asynchronous jobs: 200 small jobs submitted at once, against the same queries through /sync.

    python bench/async.py [--jobs 200] [--clients 20] [--workers 2]

Starts a throw-away embedded PostgreSQL and the service (uvicorn, on a free loopback port),
then:

1. latency, one at a time: a small query through /sync, and the same query as a job
   (create with PHASE=RUN, block with WAIT until it finishes, fetch the result, delete);
   the difference is the per-job overhead of UWS;
2. burst: `--jobs` distinct small queries submitted at once from `--clients` threads, each
   job waited for and its result checked (none may be lost: each result must carry its own
   number, and the job list must show every job COMPLETED), against the same queries
   through /sync from the same threads.

The machine is shared and noisy, so the figures to compare are the ratios, measured in the
same run.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from lxml import etree
from served import served_archive

from tap_service.settings import Settings

QUERY = "SELECT TOP 1 {number} AS job_number, t.name FROM lcdb.target AS t"
UWS = {"uws": "http://www.ivoa.net/xml/UWS/v1.0"}
local = threading.local()


def connection(port: int) -> http.client.HTTPConnection:
    """One kept-alive connection per client thread (as pyvo's requests session does)."""
    if getattr(local, "connection", None) is None:
        local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    return local.connection


def request(port: int, method: str, path: str, body: dict[str, str] | None = None) -> tuple:
    conn = connection(port)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    data = urllib.parse.urlencode(body) if body else None
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.getheader("Location"), response.read()


def run_sync(port: int, number: int) -> str:
    params = {"LANG": "ADQL", "QUERY": QUERY.format(number=number), "RESPONSEFORMAT": "csv"}
    status, _, body = request(port, "POST", "/tap/sync", params)
    assert status == 200, body
    return body.decode()


def run_job(port: int, number: int, *, delete: bool) -> str:
    params = {
        "LANG": "ADQL",
        "QUERY": QUERY.format(number=number),
        "RESPONSEFORMAT": "csv",
        "PHASE": "RUN",
    }
    status, location, body = request(port, "POST", "/tap/async", params)
    assert status == 303 and location, body
    path = urllib.parse.urlsplit(location).path
    while True:
        status, _, body = request(port, "GET", f"{path}?WAIT=30")
        phase = etree.fromstring(body).findtext("uws:phase", namespaces=UWS)
        if phase in ("COMPLETED", "ERROR", "ABORTED"):
            break
    assert phase == "COMPLETED", body
    status, _, result = request(port, "GET", f"{path}/results/result")
    assert status == 200, result
    if delete:
        request(port, "DELETE", path)
    return result.decode()


def check(number: int, csv: str) -> None:
    lines = csv.split()
    assert lines[0].startswith("job_number") and lines[1].startswith(f"{number},"), (number, csv)


def timed(function, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=50, help="sequential latency samples")
    args = parser.parse_args()

    with served_archive(Settings(async_workers=args.workers)) as served:
        port = served.port
        for number in range(5):  # warm up both paths
            check(number, run_sync(port, number))
            check(number, run_job(port, number, delete=True))
        sync_latency = [timed(run_sync, port, n) for n in range(args.repeat)]
        job_latency = [timed(run_job, port, n, delete=True) for n in range(args.repeat)]

        numbers = list(range(1000, 1000 + args.jobs))
        with ThreadPoolExecutor(args.clients) as pool:
            start = time.perf_counter()
            sync_results = list(pool.map(lambda n: run_sync(port, n), numbers))
            sync_total = time.perf_counter() - start
        with ThreadPoolExecutor(args.clients) as pool:
            start = time.perf_counter()
            job_results = list(pool.map(lambda n: run_job(port, n, delete=False), numbers))
            job_total = time.perf_counter() - start
        for number, sync_csv, job_csv in zip(numbers, sync_results, job_results, strict=True):
            check(number, job_csv)
            assert job_csv == sync_csv, (number, job_csv, sync_csv)
        local.connection = None  # the main thread's idle connection has timed out by now
        _, _, listing = request(port, "GET", f"/tap/async?PHASE=COMPLETED&LAST={args.jobs}")
        completed = len(etree.fromstring(listing).findall("uws:jobref", UWS))

        sync_ms = statistics.median(sync_latency) * 1000
        job_ms = statistics.median(job_latency) * 1000
        print(f"query: {QUERY.format(number='N')}; result as CSV")
        print(f"async workers: {args.workers}; client threads: {args.clients}")
        print(f"one at a time ({args.repeat} each, median):")
        print(f"  /sync:                                  {sync_ms:8.2f} ms")
        print(f"  job (create+RUN, WAIT, result, delete): {job_ms:8.2f} ms")
        print(f"  per-job overhead: {job_ms - sync_ms:.2f} ms ({job_ms / sync_ms:.1f}x sync)")
        print(f"burst of {args.jobs} distinct queries, submitted at once:")
        print(f"  /sync total:  {sync_total:6.2f} s ({args.jobs / sync_total:6.1f} queries/s)")
        print(f"  async total:  {job_total:6.2f} s ({args.jobs / job_total:6.1f} jobs/s)")
        overhead = (job_total - sync_total) / args.jobs * 1000
        print(f"  per-job overhead in the burst: {overhead:.2f} ms")
        print(f"  ratio async / sync: {job_total / sync_total:.2f}x")
        print(f"  jobs completed with the right result: {len(job_results)}/{args.jobs}")
        print(f"  listed COMPLETED at /async: {completed}; lost: {args.jobs - completed}")


if __name__ == "__main__":
    main()
