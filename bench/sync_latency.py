"""Median latency of a tiny sync query over HTTP, against the same SQL through psycopg.

    python bench/sync_latency.py [--repeat 200]

Starts a throw-away embedded PostgreSQL and the service (uvicorn, on a free loopback port),
then times `SELECT TOP 1 ...` through /tap/sync (curl-like: a new connection per request,
and also over one kept-alive connection)
and the translated SQL through a persistent psycopg connection. The machine is shared and
noisy, so the figure to compare is the ratio, measured in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import time
import urllib.parse

import psycopg
from served import served_archive

import adql
from tap_service.publishers import publication

QUERY = "SELECT TOP 1 t.id, t.name, t.catalog_id FROM lcdb.target AS t"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    with served_archive() as served:
        port, server = served.port, served.database
        path = "/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": QUERY})
        http_times = []  # like curl: a new TCP connection per request
        for _ in range(args.repeat):
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 200 and b"QUERY_STATUS" in body
            http_times.append(time.perf_counter() - start)
        kept_times = []  # a client that keeps its connection open (pyvo's requests session)
        connection = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(args.repeat):
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            kept_times.append(time.perf_counter() - start)
        connection.close()

        sql = adql.compile(QUERY, publication().catalog()).sql
        db_times = []
        with psycopg.connect(server.libpq_url()) as conn:
            for _ in range(args.repeat):
                start = time.perf_counter()
                conn.execute(sql).fetchall()
                db_times.append(time.perf_counter() - start)

        http_ms = statistics.median(http_times) * 1000
        db_ms = statistics.median(db_times) * 1000
        print(f"query: {QUERY}")
        print(f"repeats: {args.repeat}")
        p90 = statistics.quantiles(http_times, n=10)[-1] * 1000
        print(f"HTTP /tap/sync median, new connection each: {http_ms:.2f} ms (p90 {p90:.2f} ms)")
        kept_ms = statistics.median(kept_times) * 1000
        print(f"HTTP /tap/sync median, kept-alive connection: {kept_ms:.2f} ms")
        print(f"psycopg same SQL median: {db_ms:.3f} ms")
        print(f"ratio HTTP (new connection) / direct SQL: {http_ms / db_ms:.1f}x")


if __name__ == "__main__":
    main()
