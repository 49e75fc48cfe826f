"""Benchmark: ADQL -> PostgreSQL translations per second, against queryparser-python3.

Not a test: run ``python bench/adql_translate.py`` (``pip install queryparser-python3`` for
the comparison). Both translators get the same fixed set of representative queries in the
same run, interleaved, so machine load affects both alike. The target is >= 100x the
throughput of queryparser's ``ADQLQueryTranslator(q).to_postgresql()``, and well under a
millisecond for a typical join + where + order query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import adql

# The golden tests' catalogue: lcdb-like tables with positions and magnitudes.
from tests.adql.adql_testcatalog import CATALOG

#: (name, query); "typical" is the join + where + order case the latency target refers to.
QUERIES = [
    (
        "typical",
        "SELECT t.name, d.id, d.exptime FROM lcdb.target AS t JOIN lcdb.dataset AS d "
        "ON d.target_id = t.id WHERE t.tmag < 10 AND d.exptime > 100 ORDER BY t.name",
    ),
    (
        "top_between",
        "SELECT TOP 10 name, ra, dec FROM lcdb.target WHERE ra BETWEEN 10 AND 20 ORDER BY ra",
    ),
    (
        "aggregate",
        "SELECT catalog_id, COUNT(*) AS n, AVG(tmag) AS mean_tmag FROM lcdb.target "
        "GROUP BY catalog_id HAVING COUNT(*) > 5 ORDER BY n DESC",
    ),
    (
        "in_subquery",
        "SELECT name FROM lcdb.target WHERE id IN (SELECT target_id FROM "
        "lcdb.dataset WHERE exptime > 10)",
    ),
    (
        "exists",
        "SELECT t.name FROM lcdb.target AS t WHERE EXISTS (SELECT * FROM lcdb.dataset "
        "AS d WHERE d.target_id = t.id)",
    ),
    (
        "union",
        "SELECT id FROM lcdb.target WHERE ra > 10 UNION SELECT target_id FROM "
        "lcdb.observation WHERE sector = 3",
    ),
    (
        "math",
        "SELECT ROUND(ra, 2) AS r, SQRT(POWER(ra, 2) + POWER(dec, 2)) AS d, "
        "LOG10(tmag) AS l FROM lcdb.target WHERE MOD(id, 10) = 0",
    ),
    (
        "strings",
        "SELECT label FROM lcdb.target WHERE LOWER(label) LIKE 'a%' OR label LIKE '%quasar%'",
    ),
    (
        "three_way_join",
        "SELECT t.name, o.sector, d.exptime FROM lcdb.target AS t JOIN "
        "lcdb.observation AS o ON o.target_id = t.id JOIN lcdb.dataset AS d "
        "ON d.observation_id = o.id WHERE o.sector > 2",
    ),
    (
        "tap_schema",
        "SELECT table_name, description FROM TAP_SCHEMA.tables WHERE schema_name = 'lcdb'",
    ),
]


def ours(query: str) -> str:
    return adql.translate(query, CATALOG, maxrec=1000)


def queryparser_translator() -> Callable[[str], str] | None:
    try:
        from queryparser.adql import ADQLQueryTranslator
    except ImportError:
        return None

    def translate(query: str) -> str:
        return str(ADQLQueryTranslator(query).to_postgresql())

    return translate


def rate(fn: Callable[[str], str], queries: list[str], seconds: float) -> float:
    """Queries per second over repeated passes, best of a few rounds."""
    rates = []
    for _ in range(3):
        n = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            for q in queries:
                fn(q)
            n += len(queries)
        rates.append(n / elapsed)
    return max(rates)


def latency_us(fn: Callable[[str], str], query: str, n: int = 2000) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n // 5):
            fn(query)
        samples.append((time.perf_counter() - start) / (n // 5) * 1e6)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="time per translator")
    args = parser.parse_args()
    queries = [q for _, q in QUERIES]
    for q in queries:
        ours(q)  # warm up, and fail early if a query does not translate
    print(
        f"{len(queries)} queries; typical (join + where + order) latency: "
        f"{latency_us(ours, QUERIES[0][1]):.0f} us"
    )
    for name, q in QUERIES:
        print(f"  {name:15s} {latency_us(ours, q, 500):7.0f} us")
    qp = queryparser_translator()
    if qp is None:
        print(
            f"adql: {rate(ours, queries, args.seconds):.0f} queries/s "
            "(queryparser-python3 not installed: no ratio)"
        )
        return 0
    supported = []
    for name, q in QUERIES:
        try:
            qp(q)
            supported.append(q)
        except Exception as exc:  # queryparser raises assorted errors for what it lacks
            print(f"  queryparser cannot translate {name!r}: {type(exc).__name__}")
    theirs = rate(qp, supported, args.seconds)
    mine = rate(ours, supported, args.seconds)
    print(f"adql:        {mine:10.0f} queries/s")
    print(f"queryparser: {theirs:10.1f} queries/s  (same {len(supported)} queries, same run)")
    print(f"ratio:       {mine / theirs:10.0f}x  (target >= 100x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
