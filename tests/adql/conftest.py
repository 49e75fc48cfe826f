"""ADQL test options: ``pytest tests/adql --update-golden`` rewrites golden expectations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

ADQL_DIR = Path(__file__).resolve().parents[2] / "adql"
#: The server-side functions the translations call (the migrations install the same files).
PG_FUNCTIONS = ADQL_DIR / "pg_functions.sql"
PG_GEOMETRY = ADQL_DIR / "pg_geometry.sql"
PG_SKY_INDEX = ADQL_DIR / "pg_sky_index.sql"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/adql/golden/*.adqlt with the current output (review the diff)",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False))


# ------------------------------------------------------------------ PostgreSQL fixtures

SCHEMA_SQL = """
CREATE SCHEMA lcdb;
CREATE SCHEMA tap_schema;
CREATE TABLE lcdb.target (id bigint PRIMARY KEY, catalog_id integer, name bigint,
    ra double precision, dec double precision, tmag real, label text, "Mixed" integer);
CREATE TABLE lcdb.dataset (id integer PRIMARY KEY, target_id bigint, observation_id integer,
    "values" double precision[], errors double precision[], exposure_time double precision,
    is_good boolean);
CREATE TABLE lcdb.observation (id integer PRIMARY KEY, target_id bigint, sector smallint,
    mid_time double precision);
CREATE TABLE lcdb.field (id integer PRIMARY KEY, outline text);
CREATE TABLE tap_schema.tables (schema_name text, table_name text, table_type text,
    description text, size bigint);
CREATE TABLE tap_schema.columns (table_name text, column_name text, datatype text);
INSERT INTO lcdb.target VALUES
    (1, 1, 100, 10.0, -5.0, 8.5, 'Alpha quasars here', 1),
    (2, 1, 200, 20.0, 5.0, 12.0, 'beta', 2),
    (3, 2, 300, 30.5, 45.0, NULL, NULL, 3),
    (4, 2, 400, 359.9, -89.5, 7.25, 'O''Brien a\\b', NULL);
INSERT INTO lcdb.dataset VALUES
    (1, 1, 1, '{1,2}', '{0.1,0.2}', 120, true),
    (2, 1, 2, '{3}', '{0.3}', 60, false),
    (3, 2, 3, NULL, NULL, 30, NULL),
    (5, 9, 4, '{}', '{}', 10, true);
INSERT INTO lcdb.observation VALUES
    (1, 1, 1, 1500.5), (2, 1, 2, 1530.0), (3, 2, 1, 1500.5), (4, 9, 3, 1600.0);
INSERT INTO lcdb.field VALUES
    (1, 'POLYGON ICRS 9 -6 11 -6 11 -4 9 -4'),
    (2, 'CIRCLE ICRS 20 5 0.5'),
    (3, 'Polygon 359 -1 1 -1 1 1 359 1'),
    (4, NULL);
INSERT INTO tap_schema.tables VALUES
    ('lcdb', 'lcdb.target', 'table', 'Targets', 4),
    ('lcdb', 'lcdb.dataset', 'table', 'Datasets', 4),
    ('TAP_SCHEMA', 'TAP_SCHEMA.tables', 'table', NULL, NULL);
INSERT INTO tap_schema.columns VALUES ('lcdb.target', 'ra', 'double');
"""


@pytest.fixture(scope="session")
def adql_database_url(pg_server: Any) -> Iterator[str]:
    """A database with lcdb-like tables matching ``adql_testcatalog`` and the adql UDFs."""
    url = pg_server.create_database()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(SCHEMA_SQL)
        conn.execute(PG_FUNCTIONS.read_text(encoding="utf-8"))
        conn.execute(PG_GEOMETRY.read_text(encoding="utf-8"))
        conn.execute(PG_SKY_INDEX.read_text(encoding="utf-8"))
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def adql_db(adql_database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """A read-only connection, rolled back after the test."""
    with psycopg.connect(libpq_url(adql_database_url)) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        yield conn
        conn.rollback()


def libpq_url(url: str) -> str:
    return url.replace("+psycopg", "")
