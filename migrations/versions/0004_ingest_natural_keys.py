"""Natural keys for ingest: re-loading a file finds its rows instead of duplicating them.

`lcdb.ingest` upserts with ``INSERT ... ON CONFLICT``, which needs a unique constraint per
natural key: an instrument's name among its siblings, a TESS observation's (CCD, sector,
cadence), a target's times per observation, and a lightcurve per (target, observation,
extraction, processing). NULLs count as equal where NULL is a meaningful value (a top-level
instrument, raw photometry without a processing method).

The array columns are also stored uncompressed (STORAGE EXTERNAL, still out of line in
TOAST): pglz almost never shrinks float arrays, yet trying made a binary COPY of a
20,000-cadence lightcurve about 9 times slower (176 ms against 19 ms for 1.6 MB, measured on
PostgreSQL 16 while writing lcdb.ingest). The column storage is physical, not part of the
models, so only this migration records it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "lcdb"
ARRAY_COLUMNS = (
    ("observation", "cadence_reference"),
    ("dataset", "values"),
    ("dataset", "errors"),
    ("target_specific_time", "barycentric_julian_dates"),
    ("quality_flag_array", "quality_flags"),
)


def _set_array_storage(storage: str) -> None:
    for table, column in ARRAY_COLUMNS:
        op.execute(f'ALTER TABLE {SCHEMA}.{table} ALTER COLUMN "{column}" SET STORAGE {storage}')


def upgrade() -> None:
    op.create_unique_constraint(
        op.f("uq_instrument_parent_id_name"),
        "instrument",
        ["parent_id", "name"],
        schema=SCHEMA,
        postgresql_nulls_not_distinct=True,
    )
    op.create_unique_constraint(
        op.f("uq_observation_tess_key"),
        "observation",
        ["instrument_id", "sector", "cadence_seconds"],
        schema=SCHEMA,
    )
    op.create_unique_constraint(
        op.f("uq_target_specific_time_target_id_observation_id"),
        "target_specific_time",
        ["target_id", "observation_id"],
        schema=SCHEMA,
    )
    op.create_unique_constraint(
        op.f("uq_dataset_natural_key"),
        "dataset",
        ["target_id", "observation_id", "photometric_method_id", "processing_method_id"],
        schema=SCHEMA,
        postgresql_nulls_not_distinct=True,
    )
    _set_array_storage("EXTERNAL")


def downgrade() -> None:
    _set_array_storage("EXTENDED")
    op.drop_constraint(op.f("uq_dataset_natural_key"), "dataset", schema=SCHEMA, type_="unique")
    op.drop_constraint(
        op.f("uq_target_specific_time_target_id_observation_id"),
        "target_specific_time",
        schema=SCHEMA,
        type_="unique",
    )
    op.drop_constraint(
        op.f("uq_observation_tess_key"), "observation", schema=SCHEMA, type_="unique"
    )
    op.drop_constraint(
        op.f("uq_instrument_parent_id_name"), "instrument", schema=SCHEMA, type_="unique"
    )
