"""Target catalogue properties, product metadata, FFI frame keys and the ingest log.

- ``target`` gains the catalogue properties a SPOC header or a target catalogue gives
  (position, proper motion, TESS magnitude, Teff, log g, [M/H], radius).
- ``dataset`` gains what its product header says about it (unit of the flux, source path,
  PROCVER, DATA_REL, CDPP, CROWDSAP, FLFRCSAP): SPOC fluxes are in electron/s, QLP's are
  normalised, so the unit moves from the column to the row.
- ``fits_frame``: the upstream key (type, cadence) cannot hold for TESS full-frame images,
  16 of which (one per CCD) share each cadence number; the archive path is the frame's natural
  key instead. Frames also get their exposure times, quality flags and WCS footprint.
- ``lcdb_internal.ingested_file`` records loaded files so that an interrupted ingest resumes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "lcdb"
INTERNAL = "lcdb_internal"
DOUBLE = sa.Float(precision=53)
FLOAT_ARRAY = sa.ARRAY(DOUBLE, dimensions=1)

TARGET_COLUMNS = (
    ("ra", DOUBLE, "Right ascension (ICRS, catalogue epoch)"),
    ("dec", DOUBLE, "Declination (ICRS, catalogue epoch)"),
    ("pmra", DOUBLE, "Proper motion in RA (times cos dec)"),
    ("pmdec", DOUBLE, "Proper motion in declination"),
    ("magnitude", DOUBLE, "Catalogue magnitude in the mission band (TESS magnitude for the TIC)"),
    ("teff", DOUBLE, "Effective temperature"),
    ("logg", DOUBLE, "Surface gravity, log10 of g in cm/s**2"),
    ("metallicity", DOUBLE, "Metallicity [M/H]"),
    ("radius", DOUBLE, "Stellar radius"),
)
DATASET_COLUMNS = (
    (
        "values_unit",
        sa.String(32),
        "Unit of values and errors (VOUnit; empty string for normalised flux)",
    ),
    ("product_path", sa.Text(), "Archive path of the file this lightcurve was loaded from"),
    ("pipeline_version", sa.String(64), "Version of the pipeline that made the product (PROCVER)"),
    ("data_release", sa.Integer(), "Mission data release number (DATA_REL)"),
    (
        "cdpp_0_5",
        DOUBLE,
        "Combined differential photometric precision over 0.5 h, in parts per million",
    ),
    (
        "cdpp_1_0",
        DOUBLE,
        "Combined differential photometric precision over 1 h, in parts per million",
    ),
    (
        "cdpp_2_0",
        DOUBLE,
        "Combined differential photometric precision over 2 h, in parts per million",
    ),
    (
        "crowding",
        DOUBLE,
        "Fraction of the flux in the aperture that comes from the target (CROWDSAP)",
    ),
    ("flux_fraction", DOUBLE, "Fraction of the target's flux captured by the aperture (FLFRCSAP)"),
)
FRAME_COLUMNS = (
    (
        "start_time",
        DOUBLE,
        "Start of the exposure, in the mission's time system (TSTART; BTJD for TESS)",
    ),
    (
        "stop_time",
        DOUBLE,
        "End of the exposure, in the mission's time system (TSTOP; BTJD for TESS)",
    ),
    ("exposure_time", DOUBLE, "Effective exposure time (EXPOSURE)"),
    ("quality", sa.Integer(), "Frame quality flags (DQUALITY; TESS quality bits)"),
    (
        "footprint",
        FLOAT_ARRAY,
        "Sky footprint from the frame's WCS: polygon vertices as ICRS ra, dec pairs",
    ),
)
OLD_VALUES_COMMENT = "Flux values, one per cadence"
OLD_ERRORS_COMMENT = "Flux uncertainties, one per value"


def _add(table: str, columns: tuple[tuple[str, sa.types.TypeEngine[object], str], ...]) -> None:
    for name, type_, comment in columns:
        op.add_column(table, sa.Column(name, type_, nullable=True, comment=comment), schema=SCHEMA)


def _drop(table: str, columns: tuple[tuple[str, sa.types.TypeEngine[object], str], ...]) -> None:
    for name, _type, _comment in reversed(columns):
        op.drop_column(table, name, schema=SCHEMA)


def upgrade() -> None:
    _add("target", TARGET_COLUMNS)
    op.create_check_constraint(
        op.f("ck_target_ra_range"), "target", "ra >= 0 AND ra < 360", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_target_dec_range"), "target", "dec >= -90 AND dec <= 90", schema=SCHEMA
    )

    _add("dataset", DATASET_COLUMNS)
    op.execute("UPDATE lcdb.dataset SET values_unit = 'electron/s'")  # what 0001 declared
    op.alter_column(
        "dataset", "values", comment="Flux values, one per cadence, in values_unit", schema=SCHEMA
    )
    op.alter_column(
        "dataset",
        "errors",
        comment="Flux uncertainties, one per value, in values_unit",
        schema=SCHEMA,
    )

    op.drop_constraint(
        op.f("uq_fits_frame_type_cadence"), "fits_frame", schema=SCHEMA, type_="unique"
    )
    _add("fits_frame", FRAME_COLUMNS)
    op.create_unique_constraint(
        op.f("uq_fits_frame_type_file_path"), "fits_frame", ["type", "file_path"], schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_fits_frame_time_order"), "fits_frame", "start_time <= stop_time", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_fits_frame_footprint_pairs"),
        "fits_frame",
        "footprint IS NULL OR (cardinality(footprint) >= 6 AND cardinality(footprint) % 2 = 0)",
        schema=SCHEMA,
    )

    op.create_table(
        "ingested_file",
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_ingested_file")),
        schema=INTERNAL,
        comment="Files loaded by lcdb-tap ingest (checkpoint for resumed runs)",
    )


def downgrade() -> None:
    op.drop_table("ingested_file", schema=INTERNAL)

    op.drop_constraint(
        op.f("ck_fits_frame_footprint_pairs"), "fits_frame", schema=SCHEMA, type_="check"
    )
    op.drop_constraint(op.f("ck_fits_frame_time_order"), "fits_frame", schema=SCHEMA, type_="check")
    op.drop_constraint(
        op.f("uq_fits_frame_type_file_path"), "fits_frame", schema=SCHEMA, type_="unique"
    )
    _drop("fits_frame", FRAME_COLUMNS)
    op.create_unique_constraint(
        op.f("uq_fits_frame_type_cadence"), "fits_frame", ["type", "cadence"], schema=SCHEMA
    )

    op.alter_column("dataset", "errors", comment=OLD_ERRORS_COMMENT, schema=SCHEMA)
    op.alter_column("dataset", "values", comment=OLD_VALUES_COMMENT, schema=SCHEMA)
    _drop("dataset", DATASET_COLUMNS)

    op.drop_constraint(op.f("ck_target_dec_range"), "target", schema=SCHEMA, type_="check")
    op.drop_constraint(op.f("ck_target_ra_range"), "target", schema=SCHEMA, type_="check")
    _drop("target", TARGET_COLUMNS)
