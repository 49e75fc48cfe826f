"""Every function and operator over every kind of argument: whatever the type checker
accepts, PostgreSQL can type too (plans it with EXPLAIN). The systematic counterpart of
the property test, which found the first such gaps (|| of two numbers, untyped NULLs)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import adql
from adql.functions import FUNCTIONS, Feature
from tests.adql.adql_testcatalog import CATALOG
from tests.adql.conftest import libpq_url

FROM = " FROM lcdb.target AS t, lcdb.observation AS o, lcdb.dataset AS d"
#: One of each kind: int, short, bigint literal, real, double, string, boolean, NULL, ...
ARGS = [
    "catalog_id",
    "o.sector",
    "3000000000",
    "tmag",
    "ra",
    "label",
    "d.is_good",
    "NULL",
    "3",
    "-2",
    "2.5",
    "'x'",
]
FEW = ["ra", "catalog_id", "label", "NULL", "2.5"]


def function_calls() -> Iterator[str]:
    for name, fdef in FUNCTIONS.items():
        if fdef.feature is Feature.GEOMETRY:
            continue
        top = fdef.max_args if fdef.max_args is not None else 3
        for k in range(fdef.min_args, top + 1):
            for combo in itertools.product(ARGS if k <= 2 else FEW, repeat=k):
                yield f"SELECT {name}({', '.join(combo)}){FROM}"


def operators() -> Iterator[str]:
    for a, b in itertools.product(ARGS, repeat=2):
        for op in ("+", "-", "*", "/", "||"):
            yield f"SELECT {a} {op} {b}{FROM}"
        for op in ("=", "<", "LIKE", "ILIKE"):
            yield f"SELECT 1{FROM} WHERE {a} {op} {b}"
        yield f"SELECT 1{FROM} WHERE {a} BETWEEN {b} AND {a}"
        yield f"SELECT 1{FROM} WHERE {a} IN ({b}, {a})"
        yield f"SELECT {a}{FROM} UNION SELECT {b}{FROM}"
    for a in ARGS:
        yield f"SELECT -{a}{FROM}"
        for t in (
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "REAL",
            "DOUBLE PRECISION",
            "VARCHAR(3)",
            "TIMESTAMP",
        ):
            yield f"SELECT CAST({a} AS {t}){FROM}"
        for f in ("AVG", "MIN", "SUM"):
            yield f"SELECT {f}({a}){FROM}"


@pytest.fixture(scope="module")
def conn(adql_database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    with psycopg.connect(libpq_url(adql_database_url), autocommit=True) as c:
        yield c


def test_accepted_combinations_are_typable_by_postgresql(
    conn: psycopg.Connection[tuple[Any, ...]],
) -> None:
    accepted = rejected = 0
    failures = []
    for query in itertools.chain(function_calls(), operators()):
        try:
            sql = adql.translate(query, CATALOG)
        except adql.ADQLError:
            rejected += 1
            continue
        accepted += 1
        try:
            conn.execute("EXPLAIN " + sql)  # type: ignore[arg-type]
        except psycopg.DataError:
            pass  # e.g. a constant out of range, folded at planning: the user's data error
        except psycopg.Error as exc:
            failures.append(f"{query}\n  {sql}\n  {str(exc).splitlines()[0]}")
    assert not failures, "\n".join(failures[:20])
    assert accepted > 1500 and rejected > 1500  # both sides of the checker are exercised
