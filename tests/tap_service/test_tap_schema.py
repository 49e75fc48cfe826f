"""TAP_SCHEMA, the ADQL catalogue and the database agree, because one declaration feeds them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

import adql
from lcdb.db import create_engine
from lcdb.published import PublishedTable, votable_type
from tap_service.publishers import publication
from tap_service.tap_schema import TAP_SCHEMA, sync
from tests.lcdb.support import build_graph

PUBLISHED = publication()


@pytest.fixture
def engine(migrated_database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(migrated_database_url)
    with engine.begin() as conn:
        sync(conn, PUBLISHED)
    yield engine
    engine.dispose()


def run_adql(engine: sa.Engine, query: str) -> tuple[adql.Compiled, list[tuple[object, ...]]]:
    compiled = adql.compile(query, PUBLISHED.catalog())
    with engine.connect() as conn:
        return compiled, [tuple(row) for row in conn.exec_driver_sql(compiled.sql)]


def test_tap_schema_lists_every_published_table_and_describes_itself(engine: sa.Engine) -> None:
    _, rows = run_adql(
        engine, "SELECT schema_name, table_name FROM TAP_SCHEMA.tables ORDER BY table_index"
    )
    names = [name for _, name in rows]
    assert names[:3] == ["lcdb.mission", "lcdb.mission_catalog", "lcdb.target"]
    assert {
        f"{TAP_SCHEMA}.{t}" for t in ("schemas", "tables", "columns", "keys", "key_columns")
    } <= set(names)
    assert "lcdb_internal.alembic_version" not in names


def leading_columns(inspector: sa.Inspector, table: str, schema: str) -> set[str]:
    """Columns that lead an index, the primary key or a unique constraint, as reflected."""
    leading = set(inspector.get_pk_constraint(table, schema=schema)["constrained_columns"][:1])
    for key in inspector.get_unique_constraints(table, schema=schema):
        leading.add(key["column_names"][0])
    for index in inspector.get_indexes(table, schema=schema):
        first = index["column_names"][0]
        if first is not None:
            leading.add(first)
        else:  # an expression index: the columns its leading expression is computed from
            expression = index.get("expressions", [""])[0]
            leading |= set(re.findall(r"\b([a-z_]+)\b(?!\s*\()", expression.split(".", 1)[-1]))
    return leading


def base_table(engine: sa.Engine, schema: str, name: str) -> str:
    """The table a view selects from (the one table it uses), or `name` for a table."""
    with engine.connect() as conn:
        used = conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.view_table_usage "
                "WHERE view_schema = :schema AND view_name = :name"
            ),
            {"schema": schema, "name": name},
        ).scalars()
        tables = list(used)
    assert len(tables) <= 1, tables
    return tables[0] if tables else name


@pytest.mark.parametrize("table", PUBLISHED.tables, ids=lambda t: t.qualified_name)
def test_every_published_table_matches_its_ddl(engine: sa.Engine, table: PublishedTable) -> None:
    """TAP_SCHEMA's self-description (written by hand, after TAP 1.1 §4) is checked against
    migration 0002's DDL like the model-derived tables: names, order, types, keys, NULLs."""
    inspector = sa.inspect(engine)
    schema = table.sql_schema
    db_columns = {c["name"]: c for c in inspector.get_columns(table.name, schema=schema)}
    # every column is published, but the DALI shape arrays beside region columns in STC-S
    hidden = {c.shape for c in table.columns if c.shape is not None}
    assert hidden <= set(db_columns)
    assert [c.name for c in table.columns] == [c for c in db_columns if c not in hidden]
    base = base_table(engine, schema, table.name)  # a view (ivoa.obscore): its table's keys
    indexed = leading_columns(inspector, base, schema)
    indexed |= {c.name for c in table.columns if c.shape in indexed}  # s_region: its array's
    base_columns = {c["name"]: c for c in inspector.get_columns(base, schema=schema)}
    for column in table.columns:
        reflected = {**db_columns[column.name], **base_columns.get(column.name, {})}
        datatype, arraysize, xtype = votable_type(reflected["type"])
        assert (datatype, arraysize) == (column.datatype, column.arraysize), column.name
        # a declared xtype (a float8[] of polygon vertices is a `polygon`) says more than the
        # database type; one the type implies (timestamp) must be kept
        assert column.xtype == xtype or xtype is None, column.name
        assert column.nullable == reflected["nullable"], column.name
        assert column.indexed == (column.name in indexed), column.name


def test_columns_metadata_in_tap_schema_matches_query_results(engine: sa.Engine) -> None:
    """taplint's metadata check: SELECT * fields agree with TAP_SCHEMA.columns."""
    _, declared = run_adql(
        engine,
        "SELECT column_name, datatype, arraysize, unit, ucd, xtype FROM TAP_SCHEMA.columns "
        "WHERE table_name = 'lcdb.dataset' ORDER BY column_index",
    )
    compiled, _ = run_adql(engine, "SELECT TOP 1 * FROM lcdb.dataset")
    from_results = [
        (adql_name, c.datatype, c.arraysize, c.unit, c.ucd, c.xtype)
        for adql_name, c in zip([row[0] for row in declared], compiled.columns, strict=True)
    ]
    assert declared == from_results
    assert [c.name for c in compiled.columns] == [
        "id",
        "target_id",
        "observation_id",
        "photometric_method_id",
        "processing_method_id",
        "values",
        "errors",
        "values_unit",
        "product_path",
        "pipeline_version",
        "data_release",
        "cdpp_0_5",
        "cdpp_1_0",
        "cdpp_2_0",
        "crowding",
        "flux_fraction",
        "value_count",
    ]
    assert ('"values"', "double", "*", None, "phot.flux", None) in declared
    assert ("values_unit", "char", "32*", None, "meta.unit", None) in declared


def test_foreign_keys_are_published_with_existing_columns(engine: sa.Engine) -> None:
    _, pairs = run_adql(
        engine,
        "SELECT k.from_table, kc.from_column, k.target_table, kc.target_column "
        "FROM TAP_SCHEMA.keys AS k JOIN TAP_SCHEMA.key_columns AS kc ON k.key_id = kc.key_id",
    )
    assert ("lcdb.dataset", "target_id", "lcdb.target", "id") in pairs
    assert ("lcdb.datasethierarchy", "child_dataset_id", "lcdb.dataset", "id") in pairs
    _, columns = run_adql(engine, "SELECT table_name, column_name FROM TAP_SCHEMA.columns")
    known = set(columns)
    for from_table, from_column, target_table, target_column in pairs:
        assert (from_table, from_column) in known
        assert (target_table, target_column) in known


def test_adql_queries_the_archive_through_the_published_catalogue(engine: sa.Engine) -> None:
    with orm.Session(engine) as session:
        graph = build_graph(session)
    _, rows = run_adql(
        engine,
        'SELECT t.name, d."values", o.sector FROM lcdb.dataset AS d '
        "JOIN lcdb.target AS t ON d.target_id = t.id JOIN lcdb.observation AS o ON d.observation_id = o.id "
        f"WHERE d.processing_method_id IS NULL AND t.id = {graph.target}",
    )
    assert len(rows) == 1
    name, values, sector = rows[0]
    assert name == 358108509 and sector == 1
    assert len(values) == 10  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM lcdb_internal.alembic_version",
        "SELECT * FROM pg_catalog.pg_user",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM tap_schema.nosuchtable",
    ],
)
def test_nothing_outside_the_published_catalogue_can_be_named(query: str) -> None:
    with pytest.raises(adql.ADQLSemanticError):
        adql.compile(query, PUBLISHED.catalog())


def test_sync_is_repeatable(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        sync(conn, PUBLISHED)
    _, rows = run_adql(engine, "SELECT COUNT(*) FROM TAP_SCHEMA.tables")
    assert rows == [(len(PUBLISHED.tables),)]


def test_the_catalogue_says_which_columns_are_indexed() -> None:
    """The ADQL catalogue carries TAP_SCHEMA's `indexed` (geometry translators choose an
    index-able form by it)."""
    catalog = {table.qualified_name: table for table in PUBLISHED.catalog().tables}
    for table in PUBLISHED.tables:
        columns = catalog[table.qualified_name].columns
        assert [c.indexed for c in columns] == [c.indexed for c in table.columns]
    target = catalog["lcdb.target"]
    assert {c.name for c in target.columns if c.indexed} >= {"id", "catalog_id"}
