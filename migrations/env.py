"""Alembic environment: migrations run online, against the URL `lcdb.migrate` configured."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from lcdb.db import normalise_url
from lcdb.migrate import VERSION_TABLE_SCHEMA, include_name
from lcdb.schema import metadata
from obscore.model import metadata as obscore_metadata


def run_migrations_online() -> None:
    url = normalise_url(context.config.get_main_option("sqlalchemy.url") or "")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{VERSION_TABLE_SCHEMA}"'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=[metadata, obscore_metadata],
            version_table_schema=VERSION_TABLE_SCHEMA,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("lcdb-tap migrations run online only: use `lcdb-tap db upgrade`")
run_migrations_online()
