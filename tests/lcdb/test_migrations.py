"""Migrations are the only way the schema changes: they round-trip and match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lcdb import migrate
from lcdb.db import create_engine
from lcdb.migrate import VERSION_TABLE_SCHEMA, include_name
from lcdb.schema import metadata
from obscore.model import metadata as obscore_metadata


def lcdb_tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return (
            set(sa.inspect(engine).get_table_names(schema="lcdb")) if _has_schema(engine) else set()
        )
    finally:
        engine.dispose()


def _has_schema(engine: sa.Engine) -> bool:
    return "lcdb" in sa.inspect(engine).get_schema_names()


def test_upgrade_downgrade_upgrade_round_trip(fresh_database_url: str) -> None:
    url = fresh_database_url
    assert migrate.current(url) is None
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    assert lcdb_tables(url) == {
        table.name for table in metadata.sorted_tables if table.schema == "lcdb"
    }
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert lcdb_tables(url) == set()
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    assert lcdb_tables(url) == {
        table.name for table in metadata.sorted_tables if table.schema == "lcdb"
    }


def test_migrated_schema_matches_the_models(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_schemas": True,
                    "include_name": include_name,
                    "compare_type": True,
                    "version_table_schema": VERSION_TABLE_SCHEMA,
                },
            )
            differences = compare_metadata(context, [metadata, obscore_metadata])
    finally:
        engine.dispose()
    assert differences == []


def test_upgrade_is_idempotent(migrated_database_url: str) -> None:
    migrate.upgrade(migrated_database_url)
    assert migrate.current(migrated_database_url) == migrate.head()


def test_column_comments_come_from_the_model_declarations(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("dataset", schema="lcdb")}
    finally:
        engine.dispose()
    assert columns["values"]["comment"] == metadata.tables["lcdb.dataset"].c["values"].comment
    assert columns["values"]["comment"]


@pytest.mark.parametrize(
    ("sql_file", "variable"),
    [
        ("pg_functions.sql", "FUNCTIONS_SQL"),
        ("pg_geometry.sql", "GEOMETRY_SQL"),
        ("pg_sky_index.sql", "SKY_INDEX_SQL"),
    ],
)
def test_latest_adql_functions_revision_installs_the_current_sql(
    sql_file: str, variable: str
) -> None:
    """A change to adql/<sql_file> needs a new revision carrying the new text."""
    import importlib.util
    from importlib import resources

    current = resources.files("adql").joinpath(sql_file).read_text()
    versions = resources.files("migrations").joinpath("versions")
    carriers = []
    for path in sorted(versions.iterdir(), key=lambda p: p.name):
        if path.name.endswith(".py") and variable in path.read_text():
            spec = importlib.util.spec_from_file_location(f"_rev_{path.name[:-3]}", str(path))
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            carriers.append(module)
    assert carriers, f"no revision installs adql/{sql_file}"
    latest = max(carriers, key=lambda m: m.revision)
    assert current == getattr(latest, variable)


def test_adql_functions_are_installed_by_migration(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT adql_udf.ivo_hashlist_has('a#B#c', 'b')").scalar()
    finally:
        engine.dispose()
    assert value == 1
