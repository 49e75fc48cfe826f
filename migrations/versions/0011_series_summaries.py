"""Summaries of the big arrays, computed at write time: lightcurve length, time range.

ObsCore (and anyone listing lightcurves) needs each lightcurve's number of cadences and first
and last time; computing them at query time detoasts whole arrays (160 kB per 20,000-cadence
lightcurve), which makes a refresh of a million lightcurves read hundreds of GB. As generated
columns they are computed once, when a row is written. ``lcdb.finite_min/max/count`` leave NaN
times out (TESS writes NaN for cadences without a time).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SUMMARY_SQL = r"""
CREATE FUNCTION lcdb.finite_min(a double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT min(x) FROM unnest(a) AS x WHERE x <> 'NaN');

CREATE FUNCTION lcdb.finite_max(a double precision[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT max(x) FROM unnest(a) AS x WHERE x <> 'NaN');

CREATE FUNCTION lcdb.finite_count(a double precision[]) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT count(*)::integer FROM unnest(a) AS x WHERE x <> 'NaN');
"""


def upgrade() -> None:
    op.execute(SUMMARY_SQL)
    op.execute(
        "ALTER TABLE lcdb.dataset ADD COLUMN value_count integer GENERATED ALWAYS AS "
        '(cardinality("values")) STORED NOT NULL'
    )
    op.execute(
        "ALTER TABLE lcdb.target_specific_time "
        "ADD COLUMN time_min double precision GENERATED ALWAYS AS "
        "(lcdb.finite_min(barycentric_julian_dates)) STORED, "
        "ADD COLUMN time_max double precision GENERATED ALWAYS AS "
        "(lcdb.finite_max(barycentric_julian_dates)) STORED, "
        "ADD COLUMN time_count integer GENERATED ALWAYS AS "
        "(lcdb.finite_count(barycentric_julian_dates)) STORED"
    )
    op.execute(
        "COMMENT ON COLUMN lcdb.dataset.value_count IS "
        "'Number of values (cadences) in the lightcurve'"
    )
    op.execute(
        "COMMENT ON COLUMN lcdb.target_specific_time.time_min IS "
        "'First barycentric time (NaN times left out), in the mission''s time format'"
    )
    op.execute(
        "COMMENT ON COLUMN lcdb.target_specific_time.time_max IS "
        "'Last barycentric time (NaN times left out), in the mission''s time format'"
    )
    op.execute(
        "COMMENT ON COLUMN lcdb.target_specific_time.time_count IS "
        "'Number of cadences with a time (not NaN)'"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE lcdb.dataset DROP COLUMN value_count")
    op.execute(
        "ALTER TABLE lcdb.target_specific_time "
        "DROP COLUMN time_min, DROP COLUMN time_max, DROP COLUMN time_count"
    )
    for name in ("finite_min", "finite_max", "finite_count"):
        op.execute(f"DROP FUNCTION lcdb.{name}")
