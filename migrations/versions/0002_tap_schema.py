"""TAP_SCHEMA 1.1: the tables through which TAP clients discover what is published.

Only the structure lives here; the rows are generated from the models' declarations and
written by the service (`tap_service.tap_schema.sync`), so they always match the code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "tap_schema"


def upgrade() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.create_table(
        "schemas",
        sa.Column("schema_name", sa.String(64), primary_key=True),
        sa.Column("utype", sa.String(512)),
        sa.Column("description", sa.Text),
        sa.Column("schema_index", sa.Integer),
        schema=SCHEMA,
    )
    op.create_table(
        "tables",
        sa.Column(
            "schema_name",
            sa.String(64),
            sa.ForeignKey(f"{SCHEMA}.schemas.schema_name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("table_name", sa.String(128), primary_key=True),
        sa.Column("table_type", sa.String(8), nullable=False),
        sa.Column("utype", sa.String(512)),
        sa.Column("description", sa.Text),
        sa.Column("table_index", sa.Integer),
        sa.CheckConstraint("table_type IN ('table', 'view')", name="ck_tables_table_type"),
        schema=SCHEMA,
    )
    op.create_table(
        "columns",
        sa.Column(
            "table_name",
            sa.String(128),
            sa.ForeignKey(f"{SCHEMA}.tables.table_name", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("column_name", sa.String(64), primary_key=True),
        sa.Column("datatype", sa.String(64), nullable=False),
        sa.Column("arraysize", sa.String(16)),
        sa.Column("xtype", sa.String(64)),
        sa.Column("size", sa.Integer),
        sa.Column("description", sa.Text),
        sa.Column("utype", sa.String(512)),
        sa.Column("unit", sa.String(64)),
        sa.Column("ucd", sa.String(64)),
        sa.Column("indexed", sa.Integer, nullable=False),
        sa.Column("principal", sa.Integer, nullable=False),
        sa.Column("std", sa.Integer, nullable=False),
        sa.Column("column_index", sa.Integer),
        sa.CheckConstraint(
            "indexed IN (0, 1) AND principal IN (0, 1) AND std IN (0, 1)", name="ck_columns_flags"
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "keys",
        sa.Column("key_id", sa.String(128), primary_key=True),
        sa.Column(
            "from_table",
            sa.String(128),
            sa.ForeignKey(f"{SCHEMA}.tables.table_name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "target_table",
            sa.String(128),
            sa.ForeignKey(f"{SCHEMA}.tables.table_name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("description", sa.Text),
        sa.Column("utype", sa.String(512)),
        schema=SCHEMA,
    )
    op.create_table(
        "key_columns",
        sa.Column(
            "key_id",
            sa.String(128),
            sa.ForeignKey(f"{SCHEMA}.keys.key_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("from_column", sa.String(64), primary_key=True),
        sa.Column("target_column", sa.String(64), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("key_columns", "keys", "columns", "tables", "schemas"):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA}")
