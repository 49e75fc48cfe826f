"""Migrations are the only way the schema changes: they round-trip and match the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lcdb import migrate
from lcdb.db import create_engine
from lcdb.migrate import VERSION_TABLE_SCHEMA, include_name
from lcdb.schema import metadata


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
    assert lcdb_tables(url) == {table.name for table in metadata.sorted_tables}
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert lcdb_tables(url) == set()
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    assert lcdb_tables(url) == {table.name for table in metadata.sorted_tables}


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
            differences = compare_metadata(context, metadata)
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
