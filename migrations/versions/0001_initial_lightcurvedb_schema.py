"""Initial LightcurveDB schema: every table of the data model, in schema ``lcdb``.

Frozen: later changes go in new revisions. Types are spelled out here (not imported from
`lcdb.models`) so this file keeps meaning the same schema whatever the models become.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS lcdb")
    op.create_table(
        "instrument",
        sa.Column("id", sa.Uuid(), nullable=False, comment="Instrument identifier"),
        sa.Column(
            "name", sa.String(length=64), nullable=False, comment="Instrument name, e.g. Camera 1"
        ),
        sa.Column(
            "properties",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
            comment="Free-form properties (JSON)",
        ),
        sa.Column(
            "parent_id",
            sa.Uuid(),
            nullable=True,
            comment="Instrument this is a part of; NULL for a top-level instrument",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["lcdb.instrument.id"],
            name=op.f("fk_instrument_parent_id_instrument"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument")),
        schema="lcdb",
        comment="Instruments as a tree of parts (e.g. camera > CCD)",
    )
    op.create_index(
        op.f("ix_instrument_parent_id"), "instrument", ["parent_id"], unique=False, schema="lcdb"
    )
    op.create_table(
        "mission",
        sa.Column("id", sa.Uuid(), nullable=False, comment="Mission identifier"),
        sa.Column("name", sa.String(length=64), nullable=False, comment="Mission name, e.g. TESS"),
        sa.Column("description", sa.Text(), nullable=True, comment="About the mission"),
        sa.Column(
            "time_unit",
            sa.String(length=16),
            nullable=False,
            comment="Unit of mission time values (an astropy unit name, e.g. d)",
        ),
        sa.Column(
            "time_epoch",
            sa.Numeric(),
            nullable=False,
            comment="Absolute time of mission time zero, in time_epoch_format",
        ),
        sa.Column(
            "time_epoch_scale",
            sa.String(length=16),
            nullable=False,
            comment="Time scale of the epoch (astropy name, e.g. tdb)",
        ),
        sa.Column(
            "time_epoch_format",
            sa.String(length=16),
            nullable=False,
            comment="Format of the epoch value (astropy name, e.g. jd)",
        ),
        sa.Column(
            "time_format_name",
            sa.String(length=32),
            nullable=False,
            comment="Name of the mission time format, e.g. btjd",
        ),
        sa.Column(
            "created_on",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was created",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission")),
        sa.UniqueConstraint("name", name=op.f("uq_mission_name")),
        sa.UniqueConstraint("time_format_name", name=op.f("uq_mission_time_format_name")),
        schema="lcdb",
        comment="Missions and surveys, with the time system of their products",
    )
    op.create_table(
        "photometric_source",
        sa.Column(
            "id",
            sa.Integer(),
            sa.Identity(always=False),
            nullable=False,
            comment="Photometric source identifier",
        ),
        sa.Column("name", sa.String(length=64), nullable=False, comment="Unique short name"),
        sa.Column("description", sa.Text(), nullable=True, comment="What this is, in words"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photometric_source")),
        sa.UniqueConstraint("name", name=op.f("uq_photometric_source_name")),
        schema="lcdb",
        comment="Ways photometry was extracted, e.g. an aperture",
    )
    op.create_table(
        "processing_method",
        sa.Column(
            "id",
            sa.Integer(),
            sa.Identity(always=False),
            nullable=False,
            comment="Processing method identifier",
        ),
        sa.Column("name", sa.String(length=64), nullable=False, comment="Unique short name"),
        sa.Column("description", sa.Text(), nullable=True, comment="What this is, in words"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_method")),
        sa.UniqueConstraint("name", name=op.f("uq_processing_method_name")),
        schema="lcdb",
        comment="Processing steps applied to datasets, e.g. detrending",
    )
    op.create_table(
        "mission_catalog",
        sa.Column(
            "id",
            sa.Integer(),
            sa.Identity(always=False),
            nullable=False,
            comment="Catalogue identifier",
        ),
        sa.Column(
            "host_mission_id", sa.Uuid(), nullable=False, comment="Mission that runs this catalogue"
        ),
        sa.Column("name", sa.String(length=64), nullable=False, comment="Catalogue name, e.g. TIC"),
        sa.Column("description", sa.Text(), nullable=True, comment="About the catalogue"),
        sa.Column(
            "created_on",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was created",
        ),
        sa.ForeignKeyConstraint(
            ["host_mission_id"],
            ["lcdb.mission.id"],
            name=op.f("fk_mission_catalog_host_mission_id_mission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_catalog")),
        sa.UniqueConstraint("name", name=op.f("uq_mission_catalog_name")),
        schema="lcdb",
        comment="Target catalogues, e.g. the TESS Input Catalog",
    )
    op.create_index(
        op.f("ix_mission_catalog_host_mission_id"),
        "mission_catalog",
        ["host_mission_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_table(
        "observation",
        sa.Column(
            "id",
            sa.Integer(),
            sa.Identity(always=False),
            nullable=False,
            comment="Observation identifier",
        ),
        sa.Column(
            "type",
            sa.String(length=64),
            nullable=False,
            comment="Kind of observation (mission subclass)",
        ),
        sa.Column(
            "cadence_reference",
            postgresql.ARRAY(sa.BigInteger(), dimensions=1),
            nullable=False,
            comment="Cadence numbers of the observation, in time order",
        ),
        sa.Column(
            "instrument_id",
            sa.Uuid(),
            nullable=False,
            comment="Instrument that took the observation",
        ),
        sa.Column("sector", sa.SmallInteger(), nullable=True, comment="TESS sector number"),
        sa.Column(
            "orbit_number",
            sa.SmallInteger(),
            nullable=True,
            comment="First spacecraft orbit of the sector",
        ),
        sa.Column(
            "cadence_seconds",
            sa.Float(precision=53),
            nullable=True,
            comment="Time between cadences (20, 120, 200, 600 or 1800)",
        ),
        sa.CheckConstraint(
            "type <> 'tess_observation' OR (sector IS NOT NULL AND sector > 0)",
            name=op.f("ck_observation_tess_has_sector"),
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["lcdb.instrument.id"],
            name=op.f("fk_observation_instrument_id_instrument"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
        schema="lcdb",
        comment="Observations (e.g. TESS sectors); the type column names the mission kind",
    )
    op.create_index(
        op.f("ix_observation_instrument_id"),
        "observation",
        ["instrument_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_observation_sector"), "observation", ["sector"], unique=False, schema="lcdb"
    )
    op.create_index(
        op.f("ix_observation_type"), "observation", ["type"], unique=False, schema="lcdb"
    )
    op.create_table(
        "fits_frame",
        sa.Column(
            "id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Frame identifier",
        ),
        sa.Column("type", sa.String(length=64), nullable=False, comment="Kind of frame (subclass)"),
        sa.Column(
            "cadence", sa.BigInteger(), nullable=False, comment="Cadence number of the frame"
        ),
        sa.Column("observation_id", sa.Integer(), nullable=False, comment="Observation"),
        sa.Column(
            "simple",
            sa.Boolean(),
            nullable=False,
            comment="FITS SIMPLE: the file conforms to the FITS standard",
        ),
        sa.Column(
            "bitpix", sa.SmallInteger(), nullable=False, comment="FITS BITPIX: bits per data value"
        ),
        sa.Column("naxis", sa.SmallInteger(), nullable=False, comment="FITS NAXIS: number of axes"),
        sa.Column(
            "naxis_values",
            postgresql.ARRAY(sa.Integer(), dimensions=1),
            nullable=False,
            comment="FITS NAXIS1..NAXISn: length of each axis",
        ),
        sa.Column(
            "extended",
            sa.Boolean(),
            nullable=False,
            comment="FITS EXTEND: the file may contain extensions",
        ),
        sa.Column(
            "bscale",
            sa.Float(precision=53),
            server_default=sa.text("1.0"),
            nullable=False,
            comment="FITS BSCALE: physical = BZERO + BSCALE * stored",
        ),
        sa.Column(
            "bzero",
            sa.Float(precision=53),
            server_default=sa.text("0.0"),
            nullable=False,
            comment="FITS BZERO: physical value of stored zero",
        ),
        sa.Column(
            "file_path", sa.Text(), nullable=True, comment="Path of the FITS file in the archive"
        ),
        sa.Column(
            "created_on",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was created",
        ),
        sa.CheckConstraint(
            "bitpix IN (8, 16, 32, 64, -32, -64)", name=op.f("ck_fits_frame_bitpix_allowed")
        ),
        sa.CheckConstraint(
            "cardinality(naxis_values) = naxis", name=op.f("ck_fits_frame_naxis_values_match")
        ),
        sa.CheckConstraint("naxis >= 0 AND naxis <= 999", name=op.f("ck_fits_frame_naxis_range")),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["lcdb.observation.id"],
            name=op.f("fk_fits_frame_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fits_frame")),
        sa.UniqueConstraint("type", "cadence", name=op.f("uq_fits_frame_type_cadence")),
        schema="lcdb",
        comment="FITS frames (image files) and their primary header keywords",
    )
    op.create_index(
        op.f("ix_fits_frame_cadence"), "fits_frame", ["cadence"], unique=False, schema="lcdb"
    )
    op.create_index(
        op.f("ix_fits_frame_observation_id"),
        "fits_frame",
        ["observation_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(op.f("ix_fits_frame_type"), "fits_frame", ["type"], unique=False, schema="lcdb")
    op.create_table(
        "target",
        sa.Column(
            "id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Target identifier",
        ),
        sa.Column(
            "catalog_id", sa.Integer(), nullable=False, comment="Catalogue this target belongs to"
        ),
        sa.Column(
            "name",
            sa.BigInteger(),
            nullable=False,
            comment="Number of the target in its catalogue (e.g. TIC id)",
        ),
        sa.ForeignKeyConstraint(
            ["catalog_id"],
            ["lcdb.mission_catalog.id"],
            name=op.f("fk_target_catalog_id_mission_catalog"),
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
        sa.UniqueConstraint("catalog_id", "name", name=op.f("uq_target_catalog_id_name")),
        schema="lcdb",
        comment="Observed objects, identified by their catalogue number (e.g. TIC id)",
    )
    op.create_index(
        op.f("ix_target_catalog_id"), "target", ["catalog_id"], unique=False, schema="lcdb"
    )
    op.create_index(op.f("ix_target_name"), "target", ["name"], unique=False, schema="lcdb")
    op.create_table(
        "dataset",
        sa.Column(
            "id",
            sa.Integer(),
            sa.Identity(always=False),
            nullable=False,
            comment="Dataset identifier",
        ),
        sa.Column("target_id", sa.BigInteger(), nullable=False, comment="Target"),
        sa.Column("observation_id", sa.Integer(), nullable=False, comment="Observation"),
        sa.Column(
            "photometric_method_id",
            sa.Integer(),
            nullable=True,
            comment="How the photometry was extracted",
        ),
        sa.Column(
            "processing_method_id",
            sa.Integer(),
            nullable=True,
            comment="How the data were processed; NULL for raw photometry",
        ),
        sa.Column(
            "values",
            postgresql.ARRAY(sa.Float(precision=53), dimensions=1),
            nullable=False,
            comment="Flux values, one per cadence",
        ),
        sa.Column(
            "errors",
            postgresql.ARRAY(sa.Float(precision=53), dimensions=1),
            nullable=True,
            comment="Flux uncertainties, one per value",
        ),
        sa.CheckConstraint(
            "errors IS NULL OR cardinality(errors) = cardinality(values)",
            name=op.f("ck_dataset_errors_match_values"),
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["lcdb.observation.id"],
            name=op.f("fk_dataset_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photometric_method_id"],
            ["lcdb.photometric_source.id"],
            name=op.f("fk_dataset_photometric_method_id_photometric_source"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["processing_method_id"],
            ["lcdb.processing_method.id"],
            name=op.f("fk_dataset_processing_method_id_processing_method"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["lcdb.target.id"],
            name=op.f("fk_dataset_target_id_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
        schema="lcdb",
        comment="Lightcurves: flux values and errors of a target in an observation",
    )
    op.create_index(
        op.f("ix_dataset_observation_id"),
        "dataset",
        ["observation_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_dataset_photometric_method_id"),
        "dataset",
        ["photometric_method_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_dataset_processing_method_id"),
        "dataset",
        ["processing_method_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_dataset_target_id"), "dataset", ["target_id"], unique=False, schema="lcdb"
    )
    op.create_table(
        "quality_flag_array",
        sa.Column(
            "id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Flag array identifier",
        ),
        sa.Column(
            "type",
            sa.String(length=64),
            nullable=False,
            comment="Kind of flags (subclass), which fixes the bit meanings",
        ),
        sa.Column("observation_id", sa.Integer(), nullable=False, comment="Observation"),
        sa.Column(
            "target_id",
            sa.BigInteger(),
            nullable=True,
            comment="Target; NULL when the flags apply to the whole observation",
        ),
        sa.Column(
            "quality_flags",
            postgresql.ARRAY(sa.Integer(), dimensions=1),
            nullable=False,
            comment="Quality bits, one 32-bit word per cadence",
        ),
        sa.Column(
            "created_on",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
            comment="When this row was created",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["lcdb.observation.id"],
            name=op.f("fk_quality_flag_array_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["lcdb.target.id"],
            name=op.f("fk_quality_flag_array_target_id_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_flag_array")),
        sa.UniqueConstraint(
            "type",
            "observation_id",
            "target_id",
            name=op.f("uq_quality_flag_array_type_observation_id_target_id"),
            postgresql_nulls_not_distinct=True,
        ),
        schema="lcdb",
        comment="Quality-flag bits per cadence, for an observation or one target in it",
    )
    op.create_index(
        op.f("ix_quality_flag_array_observation_id"),
        "quality_flag_array",
        ["observation_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_quality_flag_array_target_id"),
        "quality_flag_array",
        ["target_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_quality_flag_array_type"),
        "quality_flag_array",
        ["type"],
        unique=False,
        schema="lcdb",
    )
    op.create_table(
        "target_specific_time",
        sa.Column(
            "id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Time-series identifier",
        ),
        sa.Column("target_id", sa.BigInteger(), nullable=False, comment="Target"),
        sa.Column("observation_id", sa.Integer(), nullable=False, comment="Observation"),
        sa.Column(
            "barycentric_julian_dates",
            postgresql.ARRAY(sa.Float(precision=53), dimensions=1),
            nullable=False,
            comment="Barycentric times, in the mission's time format (TESS: BJD - 2457000, TDB)",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["lcdb.observation.id"],
            name=op.f("fk_target_specific_time_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["lcdb.target.id"],
            name=op.f("fk_target_specific_time_target_id_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_specific_time")),
        schema="lcdb",
        comment="Barycentric times of each target in each observation",
    )
    op.create_index(
        op.f("ix_target_specific_time_observation_id"),
        "target_specific_time",
        ["observation_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_index(
        op.f("ix_target_specific_time_target_id"),
        "target_specific_time",
        ["target_id"],
        unique=False,
        schema="lcdb",
    )
    op.create_table(
        "datasethierarchy",
        sa.Column(
            "source_dataset_id",
            sa.Integer(),
            nullable=False,
            comment="Dataset the child was derived from",
        ),
        sa.Column("child_dataset_id", sa.Integer(), nullable=False, comment="Derived dataset"),
        sa.CheckConstraint(
            "source_dataset_id <> child_dataset_id",
            name=op.f("ck_datasethierarchy_not_self_derived"),
        ),
        sa.ForeignKeyConstraint(
            ["child_dataset_id"],
            ["lcdb.dataset.id"],
            name=op.f("fk_datasethierarchy_child_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_dataset_id"],
            ["lcdb.dataset.id"],
            name=op.f("fk_datasethierarchy_source_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "source_dataset_id", "child_dataset_id", name=op.f("pk_datasethierarchy")
        ),
        schema="lcdb",
        comment="Lineage between datasets: child derived from source",
    )
    op.create_index(
        op.f("ix_datasethierarchy_child_dataset_id"),
        "datasethierarchy",
        ["child_dataset_id"],
        unique=False,
        schema="lcdb",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_datasethierarchy_child_dataset_id"), table_name="datasethierarchy", schema="lcdb"
    )
    op.drop_table("datasethierarchy", schema="lcdb")
    op.drop_index(
        op.f("ix_target_specific_time_target_id"), table_name="target_specific_time", schema="lcdb"
    )
    op.drop_index(
        op.f("ix_target_specific_time_observation_id"),
        table_name="target_specific_time",
        schema="lcdb",
    )
    op.drop_table("target_specific_time", schema="lcdb")
    op.drop_index(
        op.f("ix_quality_flag_array_type"), table_name="quality_flag_array", schema="lcdb"
    )
    op.drop_index(
        op.f("ix_quality_flag_array_target_id"), table_name="quality_flag_array", schema="lcdb"
    )
    op.drop_index(
        op.f("ix_quality_flag_array_observation_id"), table_name="quality_flag_array", schema="lcdb"
    )
    op.drop_table("quality_flag_array", schema="lcdb")
    op.drop_index(op.f("ix_dataset_target_id"), table_name="dataset", schema="lcdb")
    op.drop_index(op.f("ix_dataset_processing_method_id"), table_name="dataset", schema="lcdb")
    op.drop_index(op.f("ix_dataset_photometric_method_id"), table_name="dataset", schema="lcdb")
    op.drop_index(op.f("ix_dataset_observation_id"), table_name="dataset", schema="lcdb")
    op.drop_table("dataset", schema="lcdb")
    op.drop_index(op.f("ix_target_name"), table_name="target", schema="lcdb")
    op.drop_index(op.f("ix_target_catalog_id"), table_name="target", schema="lcdb")
    op.drop_table("target", schema="lcdb")
    op.drop_index(op.f("ix_fits_frame_type"), table_name="fits_frame", schema="lcdb")
    op.drop_index(op.f("ix_fits_frame_observation_id"), table_name="fits_frame", schema="lcdb")
    op.drop_index(op.f("ix_fits_frame_cadence"), table_name="fits_frame", schema="lcdb")
    op.drop_table("fits_frame", schema="lcdb")
    op.drop_index(op.f("ix_observation_type"), table_name="observation", schema="lcdb")
    op.drop_index(op.f("ix_observation_sector"), table_name="observation", schema="lcdb")
    op.drop_index(op.f("ix_observation_instrument_id"), table_name="observation", schema="lcdb")
    op.drop_table("observation", schema="lcdb")
    op.drop_index(
        op.f("ix_mission_catalog_host_mission_id"), table_name="mission_catalog", schema="lcdb"
    )
    op.drop_table("mission_catalog", schema="lcdb")
    op.drop_table("processing_method", schema="lcdb")
    op.drop_table("photometric_source", schema="lcdb")
    op.drop_table("mission", schema="lcdb")
    op.drop_index(op.f("ix_instrument_parent_id"), table_name="instrument", schema="lcdb")
    op.drop_table("instrument", schema="lcdb")
    op.execute("DROP SCHEMA IF EXISTS lcdb")
