"""Cone searches over HTTP: what a TOPCAT or pyvo user waits for, against the database alone.

    python bench/geometry_http.py [--points 1000000] [--repeat 200] [--radius 0.1]

Not a test. Starts a throw-away embedded PostgreSQL at the latest schema (so with the sky
indexes of migration 0008), fills lcdb.target with N random positions uniform on the sphere,
clusters it on the zone index as an operator would after a load, and serves the service on
a loopback port (uvicorn). Then, for `--repeat` random centres, it times

* `SELECT TOP 100 name, ra, dec FROM lcdb.target WHERE 1 = CONTAINS(POINT(ra, dec),
  CIRCLE(lon, lat, r))` through /tap/sync, like curl (a new connection per request) and like
  pyvo (one kept-alive connection), VOTable BINARY2;
* the translated SQL through a persistent psycopg connection (the in-database floor);

and prints medians, p90 and the ratio HTTP / database. Target (issue #11): HTTP median under
10 ms for TOP 100 within 0.1 deg. bench/geometry.py measures the in-database side at 10M
points against pgsphere and q3c.
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import statistics
import time
import urllib.parse

import psycopg
from served import served_archive

from tap_service.service import Service
from tap_service.settings import Settings

QUERY = (
    "SELECT TOP 100 name, ra, dec FROM lcdb.target "
    "WHERE 1 = CONTAINS(POINT(ra, dec), CIRCLE({lon}, {lat}, {r}))"
)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def filler(points: int):  # type: ignore[no-untyped-def]
    def fill(url: str) -> None:
        started = time.perf_counter()
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            (catalog,) = conn.execute("SELECT id FROM lcdb.mission_catalog LIMIT 1").fetchone()  # type: ignore[misc]
            conn.execute("SELECT setseed(0.11)")
            conn.execute(
                "INSERT INTO lcdb.target (catalog_id, name, ra, dec) "
                "SELECT %s, 1000000000 + i, 360 * random(), degrees(asin(2 * random() - 1)) "
                "FROM generate_series(1, %s) AS i",
                (catalog, points),
            )
            conn.execute("CLUSTER lcdb.target")
            conn.execute("ANALYZE lcdb.target")
        print(f"filled and clustered {points:,} targets in {time.perf_counter() - started:.1f} s")

    return fill


def centres(repeat: int) -> list[tuple[float, float]]:
    rng = random.Random(7)
    return [
        (rng.uniform(0, 360), math.degrees(math.asin(rng.uniform(-1, 1)))) for _ in range(repeat)
    ]


def summary(label: str, times: list[float]) -> float:
    median = statistics.median(times) * 1000
    p90 = statistics.quantiles(times, n=10)[-1] * 1000
    print(f"{label:<44} median {median:7.3f} ms   p90 {p90:7.3f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--radius", type=float, default=0.1)
    args = parser.parse_args()
    settings = Settings(maxrec_default=1000)
    with served_archive(settings, fill=filler(args.points)) as served:
        queries = [QUERY.format(lon=a, lat=b, r=args.radius) for a, b in centres(args.repeat)]
        paths = [
            "/tap/sync?" + urllib.parse.urlencode({"LANG": "ADQL", "QUERY": q}) for q in queries
        ]
        rows = 0
        fresh = []
        for path in paths:  # like curl: a new connection per request
            start = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", served.port)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 200 and b"QUERY_STATUS" in body, body[:500]
            fresh.append(time.perf_counter() - start)
        kept = []
        connection = http.client.HTTPConnection("127.0.0.1", served.port)
        for path in paths:  # like pyvo: one kept-alive connection
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            kept.append(time.perf_counter() - start)
        connection.close()

        service = Service(settings, served.url)
        database = []
        with psycopg.connect(libpq(served.url)) as conn:
            conn.execute("SET jit = off")
            for query in queries:
                sql = service.dialect.compile(query, service.catalog, maxrec=1000).sql
                start = time.perf_counter()
                rows += len(conn.execute(sql).fetchall())  # type: ignore[arg-type]
                database.append(time.perf_counter() - start)

        print(
            f"{args.points:,} targets; {args.repeat} cones of {args.radius} deg; "
            f"{rows / args.repeat:.1f} rows per cone on average"
        )
        http_ms = summary("HTTP /tap/sync, new connection each", fresh)
        kept_ms = summary("HTTP /tap/sync, kept-alive connection", kept)
        db_ms = summary("same SQL through psycopg (database floor)", database)
        print(
            f"ratio HTTP (new connection) / database: {http_ms / db_ms:.1f}x; "
            f"kept-alive: {kept_ms / db_ms:.1f}x; target: HTTP median under 10 ms"
        )


if __name__ == "__main__":
    main()
