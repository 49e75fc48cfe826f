"""Translated queries run on PostgreSQL and return what ADQL prescribes."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import psycopg
import pytest

import adql
from tests.adql import golden
from tests.adql.adql_testcatalog import CATALOG

Conn = psycopg.Connection[tuple[Any, ...]]


def rows(conn: Conn, query: str, maxrec: int | None = None) -> list[tuple[Any, ...]]:
    sql = adql.translate(query, CATALOG, maxrec=maxrec)
    return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def one(conn: Conn, query: str) -> tuple[Any, ...]:
    (row,) = rows(conn, query)
    return row


def approx(values: tuple[Any, ...]) -> list[Any]:
    return [
        pytest.approx(float(v)) if v is not None and not isinstance(v, str) else v for v in values
    ]


def test_math_functions_follow_adql_semantics(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT ABS(-2), CEILING(1.2), FLOOR(-1.5), LOG(EXP(1)), LOG10(1000), "
        "POWER(2, 10), SQRT(16), PI(), DEGREES(PI()), RADIANS(180), EXP(0) "
        "FROM lcdb.target WHERE id = 1",
    )
    assert approx(got) == [2, 2, -2, 1, 3, 1024, 4, math.pi, 180, math.pi, 1]


def test_trigonometric_functions(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT ACOS(1), ASIN(1), ATAN(1), ATAN2(1, -1), COS(0), COT(1), "
        "SIN(PI() / 2), TAN(PI() / 4) FROM lcdb.target WHERE id = 1",
    )
    assert approx(got) == [0, math.pi / 2, math.pi / 4, 3 * math.pi / 4, 1, 1 / math.tan(1), 1, 1]


def test_round_and_truncate_with_precision_on_doubles(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT ROUND(ra / 3, 2), ROUND(1234.5678, -2), ROUND(2.5), "
        "ROUND(-2.5), TRUNCATE(ra / 3, 3), TRUNCATE(-2.7), TRUNCATE(1299, -2), "
        "ROUND(tmag, 1) FROM lcdb.target WHERE id = 1",
    )
    assert approx(got) == [3.33, 1200, 3, -3, 3.333, -2, 1200, 8.5]


def test_mod_on_integers_and_doubles(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT MOD(7, 3), MOD(-7, 3), MOD(7.5, 2), MOD(ra, 3), MOD(name, 7) "
        "FROM lcdb.target WHERE id = 1",
    )
    assert approx(got) == [1, -1, 1.5, 1, 2]


def test_integer_division_is_not_truncated(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT 1 / 2, 7 / 2, name / 400, catalog_id / id, 7.0 / 2 FROM lcdb.target WHERE id = 1",
    )
    assert approx(got) == [0.5, 3.5, 0.25, 1.0, 3.5]


def test_null_handling(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT COUNT(*), COUNT(tmag), COUNT(label), SUM(tmag), "
        "MIN(COALESCE(tmag, -1)) FROM lcdb.target",
    )
    assert approx(got) == [4, 3, 3, 27.75, -1]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE tmag IS NULL") == [(3,)]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE tmag = NULL") == []
    assert one(adql_db, "SELECT tmag + 1, NULL FROM lcdb.target WHERE id = 3") == (None, None)
    got = rows(adql_db, "SELECT id FROM lcdb.target WHERE label NOT LIKE 'b%' ORDER BY id")
    assert got == [(1,), (4,)]  # NULL label is neither LIKE nor NOT LIKE


def test_string_functions_and_like(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT LOWER(label), UPPER(label), label || '-' || name FROM lcdb.target WHERE id = 2",
    )
    assert got == ("beta", "BETA", "beta-200")
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE label LIKE '_eta'") == [(2,)]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE label ILIKE 'ALPHA%'") == [(1,)]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE label LIKE 'alpha%'") == []
    # a backslash is an ordinary character in ADQL patterns and strings
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE label LIKE '%a\\b'") == [(4,)]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE label = 'O''Brien a\\b'") == [(4,)]


def test_ordering_top_and_offset(adql_db: Conn) -> None:
    assert rows(adql_db, "SELECT id FROM lcdb.target ORDER BY ra DESC") == [(4,), (3,), (2,), (1,)]
    assert rows(adql_db, "SELECT TOP 2 id FROM lcdb.target ORDER BY id OFFSET 1") == [(2,), (3,)]
    assert rows(adql_db, "SELECT id, ra AS r FROM lcdb.target ORDER BY 2 DESC, r") == [
        (4, 359.9),
        (3, 30.5),
        (2, 20.0),
        (1, 10.0),
    ]


def test_set_operations(adql_db: Conn) -> None:
    union = "SELECT target_id FROM lcdb.dataset UNION SELECT target_id FROM lcdb.observation"
    assert sorted(rows(adql_db, union)) == [(1,), (2,), (9,)]
    union_all = union.replace("UNION", "UNION ALL")
    assert len(rows(adql_db, union_all)) == 8
    assert rows(
        adql_db, "SELECT id FROM lcdb.target EXCEPT SELECT target_id FROM lcdb.dataset ORDER BY id"
    ) == [(3,), (4,)]
    assert rows(
        adql_db,
        "SELECT id FROM lcdb.target INTERSECT SELECT target_id FROM lcdb.observation ORDER BY 1",
    ) == [(1,), (2,)]
    assert rows(
        adql_db,
        "SELECT TOP 1 id FROM lcdb.target UNION SELECT TOP 1 id FROM lcdb.dataset ORDER BY id DESC",
    ) == [(1,)]


def test_common_table_expressions(adql_db: Conn) -> None:
    got = rows(
        adql_db,
        "WITH bright AS (SELECT id, tmag FROM lcdb.target WHERE tmag < 10), "
        "b2 AS (SELECT id FROM bright WHERE tmag > 8) "
        "SELECT bright.id FROM bright JOIN b2 ON b2.id = bright.id",
    )
    assert got == [(1,)]


def test_joins(adql_db: Conn) -> None:
    left = rows(
        adql_db,
        "SELECT t.id, d.id FROM lcdb.target AS t LEFT OUTER JOIN "
        "lcdb.dataset AS d ON d.target_id = t.id ORDER BY t.id, d.id",
    )
    assert left == [(1, 1), (1, 2), (2, 3), (3, None), (4, None)]
    full = rows(
        adql_db,
        "SELECT COUNT(*) FROM lcdb.target AS t FULL OUTER JOIN "
        "lcdb.dataset AS d ON d.target_id = t.id",
    )
    assert full == [(6,)]
    natural = rows(
        adql_db,
        "SELECT id, target_id, sector FROM lcdb.observation NATURAL JOIN lcdb.dataset ORDER BY id",
    )
    assert natural == [(1, 1, 1), (2, 1, 2), (3, 2, 1)]
    using = rows(
        adql_db, "SELECT id, exptime FROM lcdb.observation JOIN lcdb.dataset USING (id) ORDER BY id"
    )
    assert using == [(1, 120.0), (2, 60.0), (3, 30.0)]


def test_subqueries(adql_db: Conn) -> None:
    assert rows(
        adql_db,
        "SELECT id FROM lcdb.target WHERE id IN (SELECT target_id FROM lcdb.dataset) ORDER BY id",
    ) == [(1,), (2,)]
    assert rows(
        adql_db,
        "SELECT t.id FROM lcdb.target AS t WHERE NOT EXISTS (SELECT 1 FROM "
        "lcdb.dataset AS d WHERE d.target_id = t.id) ORDER BY t.id",
    ) == [(3,), (4,)]
    assert rows(
        adql_db, "SELECT id FROM lcdb.target WHERE ra > (SELECT AVG(ra) FROM lcdb.target)"
    ) == [(4,)]


def test_booleans_and_arrays(adql_db: Conn) -> None:
    assert rows(adql_db, "SELECT id FROM lcdb.dataset WHERE is_good = 1 ORDER BY id") == [
        (1,),
        (5,),
    ]
    assert rows(adql_db, 'SELECT "values" FROM lcdb.dataset WHERE id = 1') == [([1.0, 2.0],)]


def test_in_unit_converts(adql_db: Conn) -> None:
    got = one(
        adql_db,
        "SELECT IN_UNIT(ra, 'rad'), IN_UNIT(exptime, 'min') FROM "
        "lcdb.target, lcdb.dataset WHERE lcdb.target.id = 1 AND "
        "lcdb.dataset.id = 1",
    )
    assert approx(got) == [math.radians(10), 2]


def test_tap_schema_is_reachable_under_its_adql_name(adql_db: Conn) -> None:
    got = rows(
        adql_db,
        'SELECT table_name, "size" FROM TAP_SCHEMA.tables '
        "WHERE schema_name = 'lcdb' ORDER BY table_name",
    )
    assert got == [("lcdb.dataset", 4), ("lcdb.target", 4)]


def test_udfs(adql_db: Conn) -> None:
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE ivo_hasword(label, 'quasar') = 1") == [
        (1,)
    ]
    assert rows(adql_db, "SELECT id FROM lcdb.target WHERE ivo_nocasematch(label, 'BET_') = 1") == [
        (2,)
    ]
    got = one(
        adql_db,
        "SELECT ivo_hashlist_has('a#Beta#c', 'beta'), "
        "ivo_hashlist_has('a#b', 'x'), ivo_interval_overlaps(1, 2, 2, 3), "
        "ivo_interval_overlaps(1, 2, 2.5, 3) FROM lcdb.target WHERE id = 1",
    )
    assert got == (1, 0, 1, 0)


def test_rand_is_in_range_and_repeatable_with_a_seed(adql_db: Conn) -> None:
    values = [v for (v,) in rows(adql_db, "SELECT RAND() FROM lcdb.target")]
    assert all(0 <= v < 1 for v in values)
    first = rows(adql_db, "SELECT RAND(42) FROM lcdb.target ORDER BY id")
    adql_db.rollback()
    second = rows(adql_db, "SELECT RAND(42) FROM lcdb.target ORDER BY id")
    assert first == second
    assert len(set(first)) > 1  # a sequence, not one value repeated


def test_maxrec_overflow_is_detectable(adql_db: Conn) -> None:
    compiled = adql.compile("SELECT id FROM lcdb.target", CATALOG, maxrec=2)
    assert compiled.row_limit == 2
    assert len(adql_db.execute(compiled.sql).fetchall()) == 3  # type: ignore[arg-type]
    compiled = adql.compile("SELECT TOP 2 id FROM lcdb.target", CATALOG, maxrec=2)
    assert compiled.row_limit is None
    assert len(adql_db.execute(compiled.sql).fetchall()) == 2  # type: ignore[arg-type]


def test_pg_functions_install_idempotently(adql_database_url: str) -> None:
    from tests.adql.conftest import PG_FUNCTIONS, libpq_url

    with psycopg.connect(libpq_url(adql_database_url)) as conn:
        conn.execute(PG_FUNCTIONS.read_text(encoding="utf-8"))  # a second install
        (n,) = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'adql_udf'::regnamespace"
        ).fetchone() or (0,)
        conn.rollback()
    assert n >= 8


GOLDEN_OK = [c for c in golden.load_all() if c.error is None and c.meta.get("schema") != "none"]


@pytest.mark.parametrize("case", GOLDEN_OK, ids=[c.id for c in GOLDEN_OK])
def test_golden_sql_is_accepted_by_postgresql(adql_db: Conn, case: golden.Case) -> None:
    plan = adql_db.execute("EXPLAIN " + case.expected).fetchall()  # type: ignore[arg-type]
    assert plan


GOLDEN_ROWS = [c for c in golden.load_all() if c.rows is not None]


def plain(value: object) -> object:
    """A database value as golden rows write it: NUMERIC as float, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def close_to(value: object) -> object:
    """An expected value, floats compared approximately."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-12, abs=1e-12)
    if isinstance(value, list):
        return [close_to(v) for v in value]
    return value


def sort_key(row: tuple[object, ...]) -> str:
    """Orders rows the same whether floats are exact or off in the last digits."""
    return repr(tuple(f"{v:.9g}" if isinstance(v, float) else v for v in row))


@pytest.mark.parametrize("case", GOLDEN_ROWS, ids=[c.id for c in GOLDEN_ROWS])
def test_golden_rows(adql_db: Conn, case: golden.Case) -> None:
    """The case's SQL, as the file shows it, returns the rows the file shows (in order
    when the query has an outer ORDER BY)."""
    rows = adql_db.execute(case.expected).fetchall()  # type: ignore[arg-type]
    assert len(rows) == case.rows
    if not case.row_values:
        return  # a count-only case (RAND and the like)
    got = [tuple(plain(v) for v in row) for row in rows]
    expected = list(case.row_values)
    if not adql.parse(case.query).body.order_by:
        got, expected = sorted(got, key=sort_key), sorted(expected, key=sort_key)
    assert got == [tuple(close_to(v) for v in row) for row in expected]


def test_golden_rows_cover_the_language() -> None:
    assert len(GOLDEN_ROWS) >= 30
    executed = {c.path.stem for c in GOLDEN_ROWS}
    assert {"select", "joins", "subqueries", "setops", "functions", "udf", "limits"} <= executed


def test_using_columns_in_outer_joins(adql_db: Conn) -> None:
    right = rows(
        adql_db,
        "SELECT id, sector FROM lcdb.dataset RIGHT OUTER JOIN "
        "lcdb.observation USING (id) ORDER BY id",
    )
    assert right == [(1, 1), (2, 2), (3, 1), (4, 3)]
    full = rows(
        adql_db, "SELECT id FROM lcdb.target FULL OUTER JOIN lcdb.dataset USING (id) ORDER BY id"
    )
    assert full == [(1,), (2,), (3,), (4,), (5,)]
