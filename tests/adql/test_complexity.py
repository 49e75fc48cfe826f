"""Deep nesting and long chains: refused cleanly beyond the limits, followed within them.

For every kind of nesting the deepest query the parser accepts is found, then translated
with only a bounded number of Python frames left (so "the later passes can follow whatever
the parser accepts" is measured, not assumed) and planned by PostgreSQL; queries far beyond
the limits must be ADQLTooComplex errors with a position, never a RecursionError.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import psycopg
import pytest

import adql
from adql.complexity import MAX_COLUMNS, MAX_DEPTH, MAX_PARENTHESES
from adql.pg_geometry import PgGeometry
from adql.pg_sky_index import SkyIndex
from tests.adql.adql_testcatalog import CATALOG
from tests.adql.conftest import libpq_url

T = TypeVar("T")
#: The frames a translation may use (the module docstring of adql.complexity promises 600).
FRAMES = 600
GEOMETRY = PgGeometry(index=SkyIndex())
WHERE = "SELECT id FROM lcdb.target WHERE "


def _chain(op: str, term: str) -> Callable[[int], str]:
    return lambda n: op.join([term] * n)


#: name -> query with its nesting (or chain length) n.
FAMILIES: dict[str, Callable[[int], str]] = {
    "condition_parentheses": lambda n: WHERE + "(" * n + "ra > 1" + ")" * n,
    "value_parentheses": lambda n: "SELECT " + "(" * n + "ra" + ")" * n + " FROM lcdb.target",
    "function_calls": lambda n: "SELECT " + "ABS(" * n + "ra" + ")" * n + " FROM lcdb.target",
    "casts": lambda n: "SELECT " + "CAST(" * n + "ra" + " AS REAL)" * n + " FROM lcdb.target",
    "set_functions_in_parentheses": lambda n: (
        "SELECT MAX(" + "(" * n + "ra" + ")" * n + ") FROM lcdb.target"
    ),
    "nots": lambda n: WHERE + "NOT " * n + "ra > 1",
    "plus_chain": lambda n: "SELECT " + _chain(" + ", "ra")(n) + " FROM lcdb.target",
    "minus_chain": lambda n: "SELECT " + _chain(" - ", "ra")(n) + " FROM lcdb.target",
    "divide_chain": lambda n: "SELECT " + _chain(" / ", "ra")(n) + " FROM lcdb.target",
    "concat_chain": lambda n: "SELECT " + _chain(" || ", "label")(n) + " FROM lcdb.target",
    "sum_in_where": lambda n: WHERE + _chain(" + ", "ra")(n) + " > 1",
    "sum_in_group_by_having_order_by": lambda n: (
        f"SELECT {_chain('+', 'ra')(n)} AS s FROM lcdb.target GROUP BY {_chain('+', 'ra')(n)} "
        f"HAVING COUNT(*) > 0 ORDER BY {_chain('+', 'ra')(n)}"
    ),
    "sum_in_aggregate": lambda n: "SELECT SUM(" + _chain("+", "ra")(n) + ") FROM lcdb.target",
    "union_chain": _chain(" UNION ", "SELECT id FROM lcdb.target"),
    "union_all_chain": _chain(" UNION ALL ", "SELECT id FROM lcdb.target"),
    "intersect_chain": _chain(" INTERSECT ", "SELECT id FROM lcdb.target"),
    "except_chain": _chain(" EXCEPT ", "SELECT id FROM lcdb.target"),
    "join_chain": lambda n: (
        "SELECT t0.id FROM lcdb.target AS t0 "
        + " ".join(f"JOIN lcdb.target AS t{i} ON t{i}.id = t0.id" for i in range(1, n))
    ),
    "nested_joins": lambda n: (
        "SELECT a.id FROM "
        + "(" * n
        + "lcdb.target AS a"
        + "".join(f" JOIN lcdb.target AS b{i} ON b{i}.id = a.id)" for i in range(n))
    ),
    "in_subqueries": lambda n: (
        WHERE + "id IN (SELECT id FROM lcdb.target WHERE " * n + "ra > 1" + ")" * n
    ),
    "exists_subqueries": lambda n: (
        WHERE + "EXISTS (SELECT id FROM lcdb.target WHERE " * n + "ra > 1" + ")" * n
    ),
    "scalar_subqueries": lambda n: (
        "SELECT " + "(SELECT MAX(" * n + "ra" + ") FROM lcdb.target)" * n + " FROM lcdb.target"
    ),
    "derived_tables": lambda n: (
        "SELECT * FROM " + "(SELECT * FROM " * n + "lcdb.target" + ") AS t" * n
    ),
    "ordered_subqueries": lambda n: (
        "SELECT * FROM " + "(SELECT TOP 5 * FROM " * n + "lcdb.target" + " ORDER BY ra) AS t" * n
    ),
    "geometry_arguments": lambda n: (
        WHERE
        + "1 = CONTAINS(POINT('ICRS', "
        + "ABS(" * n
        + "ra"
        + ")" * n
        + ", dec), CIRCLE('ICRS', 10, 20, 1))"
    ),
    "distance_of_a_chain": lambda n: (
        WHERE + "DISTANCE(POINT(ra, dec), POINT(" + _chain(" + ", "ra")(n) + ", 0)) < 1"
    ),
    "chains_in_parentheses": lambda n: (
        WHERE + "(ra + " * n + _chain(" * ", "dec")(n) + ")" * n + " > 1"
    ),
}


def _limit(family: Callable[[int], str]) -> int:
    """The largest n the parser accepts (every family has one, well below 300)."""
    low, high = 1, 300
    assert _accepted(family(low)) and not _accepted(family(high))
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if _accepted(family(mid)) else (low, mid)
    return low


def _accepted(query: str) -> bool:
    try:
        adql.parse(query)
    except adql.ADQLTooComplex:
        return False
    return True


def _with_frames(frames: int, work: Callable[[], T]) -> T:
    """`work()` with only `frames` Python frames to spare above the current stack."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back  # type: ignore[assignment]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        return work()
    finally:
        sys.setrecursionlimit(old)


@pytest.fixture(scope="module")
def explain(adql_database_url: str) -> Iterator[Callable[[str], Any]]:
    with psycopg.connect(libpq_url(adql_database_url), autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = on")
        yield lambda sql: conn.execute("EXPLAIN " + sql).fetchall()


@pytest.mark.parametrize("name", FAMILIES)
def test_deepest_accepted_query_translates_in_bounded_frames_and_plans(
    name: str, explain: Callable[[str], Any]
) -> None:
    family = FAMILIES[name]
    query = family(_limit(family))
    compiled = _with_frames(
        FRAMES, lambda: adql.compile(query, CATALOG, maxrec=10, geometry=GEOMETRY)
    )
    explain(compiled.sql)


@pytest.mark.parametrize("name", FAMILIES)
def test_far_beyond_the_limit_is_refused_with_a_position(name: str) -> None:
    family = FAMILIES[name]
    with pytest.raises(adql.ADQLTooComplex) as caught:
        adql.compile(family(2000), CATALOG, geometry=GEOMETRY)
    error = caught.value
    assert error.message.startswith("Query too complex: ")
    assert error.line == 1 and error.column >= 1
    assert len(str(error)) < 600  # the offending line is shown around the column, not whole


def test_limits_are_where_the_messages_say() -> None:
    assert _limit(FAMILIES["condition_parentheses"]) == MAX_PARENTHESES
    assert _limit(FAMILIES["function_calls"]) == MAX_PARENTHESES
    # a chain of n terms has n - 1 operators; the tree is Query > Select > SelectItem > ...
    assert MAX_DEPTH - 10 < _limit(FAMILIES["plus_chain"]) <= MAX_DEPTH
    assert MAX_DEPTH - 10 < _limit(FAMILIES["nots"]) <= MAX_DEPTH
    with pytest.raises(adql.ADQLTooComplex, match="nested deeper than 40") as caught:
        adql.parse(FAMILIES["condition_parentheses"](41))
    assert (caught.value.line, caught.value.column) == (1, len(WHERE) + 41)


def test_too_deep_chain_is_reported_where_it_starts() -> None:
    with pytest.raises(adql.ADQLTooComplex, match="nested deeper than 100 levels") as caught:
        adql.parse(FAMILIES["plus_chain"](10_000))
    assert (caught.value.line, caught.value.column) == (1, len("SELECT ") + 1)


@pytest.mark.parametrize("op", ["OR", "AND"])
def test_ten_thousand_term_or_and_chains_work(op: str, explain: Callable[[str], Any]) -> None:
    query = WHERE + f" {op} ".join(f"id <> {i}" for i in range(10_000))
    compiled = _with_frames(FRAMES, lambda: adql.compile(query, CATALOG, maxrec=10))
    assert compiled.sql.count(f" {op} ") == 9_999
    explain(compiled.sql)


def test_short_chains_keep_their_written_shape() -> None:
    """Up to 16 terms the tree (and so the SQL) is left-deep, as before balancing existed."""
    sql = adql.translate("SELECT a FROM t WHERE a = 1 OR a = 2 OR a = 3 AND b = 1 AND b = 2")
    assert sql.endswith('WHERE "a" = 1 OR "a" = 2 OR "a" = 3 AND "b" = 1 AND "b" = 2')


def test_balanced_chain_means_the_same(adql_db: psycopg.Connection[tuple[Any, ...]]) -> None:
    """NULLs included (tmag is NULL in a row): OR/AND are associative in 3-valued logic."""
    terms = ["tmag > 8", "id > 3", "ra < 15", "NOT tmag > 8", "dec > 40"] * 5
    for op, join in (("OR", " AND "), ("AND", " OR ")):
        # mixed: each term of the long chain is a short chain of the other operator
        pairs = zip(terms, terms[1:] + terms[:1], strict=True)
        chain = f" {op} ".join(f"({a}{join}{b})" for a, b in pairs)
        query = f"SELECT id FROM lcdb.target WHERE {chain}"
        got = adql_db.execute(adql.compile(query, CATALOG).sql).fetchall()
        assert sorted(got) == sorted(adql_db.execute(query).fetchall())
        body = adql.parse(query).body.body
        assert isinstance(body, adql.ast.Select)
        where = body.where
        assert isinstance(where, adql.ast.Or | adql.ast.And)
        assert type(where.right) is type(where)  # balanced: the right side is a chain too


@pytest.mark.parametrize("width", [MAX_COLUMNS, MAX_COLUMNS + 1, 30_000])
def test_select_list_width(width: int, explain: Callable[[str], Any]) -> None:
    query = "SELECT " + ", ".join(["ra"] * width) + " FROM lcdb.target"
    if width <= MAX_COLUMNS:
        compiled = adql.compile(query, CATALOG)
        assert len(compiled.columns) == width
        explain(compiled.sql)
        return
    with pytest.raises(adql.ADQLTooComplex, match="more than 1664") as caught:
        adql.compile(query, CATALOG)
    assert caught.value.column == len("SELECT ") + 1 + 4 * MAX_COLUMNS  # the 1665th item


def test_select_star_over_joins_counts_the_expanded_columns() -> None:
    per_table = len(adql.compile("SELECT * FROM lcdb.target", CATALOG).columns)
    tables = MAX_COLUMNS // per_table + 1
    query = "SELECT * FROM " + ", ".join(f"lcdb.target AS t{i}" for i in range(tables))
    with pytest.raises(adql.ADQLTooComplex, match=r"with this \* expanded"):
        adql.compile(query, CATALOG)
    fits = "SELECT * FROM " + ", ".join(f"lcdb.target AS t{i}" for i in range(tables - 1))
    assert len(adql.compile(fits, CATALOG).columns) == per_table * (tables - 1)


def test_wide_subquery_is_refused_too() -> None:
    inner = ", ".join(f"ra AS c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(adql.ADQLTooComplex, match="more than 1664"):
        adql.compile(f"SELECT TOP 1 c0 FROM (SELECT {inner} FROM lcdb.target) AS s", CATALOG)


@pytest.mark.parametrize(
    "tail",
    [
        "ORDER BY dec",
        "GROUP BY ra, dec",
        "GROUP BY ra, dec ORDER BY dec",
        "ORDER BY 1",
        "ORDER BY ra",
    ],
)
def test_order_and_group_by_count_towards_the_width(
    tail: str, explain: Callable[[str], Any]
) -> None:
    """PostgreSQL adds ORDER BY/GROUP BY expressions to its target list: 1664 + 1 fails there
    (measured: TooManyColumns), so it is refused here; positions and aliases add nothing."""
    width = MAX_COLUMNS if "GROUP BY" not in tail else MAX_COLUMNS - 1
    items = ", ".join(["ra"] * width) + (", MAX(tmag) AS m" if "GROUP BY" in tail else "")
    query = f"SELECT {items} FROM lcdb.target {tail}"
    if tail == "ORDER BY 1":
        explain(adql.compile(query, CATALOG).sql)
        return
    with pytest.raises(adql.ADQLTooComplex, match="BY expressions have more than 1664"):
        adql.compile(query, CATALOG)
    narrower = query.replace("ra, ", "", 5)
    explain(adql.compile(narrower, CATALOG).sql)
