"""Lightcurve datasets, how they were made, and the lineage between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base, NameAndDescription, described
from lcdb.models.types import float64_array

if TYPE_CHECKING:
    from lcdb.models.mission import Target
    from lcdb.models.observation import Observation


class PhotometricSource(NameAndDescription, Base):
    """How photometry was extracted (an aperture, a PSF fit...)."""

    __tablename__ = "photometric_source"
    __table_args__ = {"comment": "Ways photometry was extracted, e.g. an aperture"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Identity(),
        primary_key=True,
        **described("Photometric source identifier", ucd="meta.id;meta.main"),
    )
    datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        back_populates="photometric_source", cascade="all, delete-orphan", passive_deletes=True
    )


class ProcessingMethod(NameAndDescription, Base):
    """A one-to-one transformation applied to a dataset, e.g. PDC detrending."""

    __tablename__ = "processing_method"
    __table_args__ = {"comment": "Processing steps applied to datasets, e.g. detrending"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Identity(),
        primary_key=True,
        **described("Processing method identifier", ucd="meta.id;meta.main"),
    )
    datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        back_populates="processing_method", cascade="all, delete-orphan", passive_deletes=True
    )


class DataSetHierarchy(Base):
    """Lineage edge: the child dataset was derived from the source dataset."""

    __tablename__ = "datasethierarchy"
    __table_args__ = (
        sa.CheckConstraint("source_dataset_id <> child_dataset_id", name="not_self_derived"),
        {"comment": "Lineage between datasets: child derived from source"},
    )

    source_dataset_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("dataset.id", ondelete="CASCADE"),
        primary_key=True,
        **described("Dataset the child was derived from", ucd="meta.id;meta.dataset"),
    )
    child_dataset_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("dataset.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
        **described("Derived dataset", ucd="meta.id;meta.dataset"),
    )


class DataSet(Base):
    """One lightcurve: the flux values (and errors) of a target in an observation.

    A whole lightcurve is one row with array columns, so storage stays close to the raw array
    bytes and a lightcurve is read with one index lookup.
    """

    __tablename__ = "dataset"
    __table_args__ = (
        sa.CheckConstraint(
            "errors IS NULL OR cardinality(errors) = cardinality(values)",
            name="errors_match_values",
        ),
        # The natural key ingest upserts on: one lightcurve per target, observation, extraction
        # and processing (NULL processing = raw photometry, counted as one value).
        sa.UniqueConstraint(
            "target_id",
            "observation_id",
            "photometric_method_id",
            "processing_method_id",
            name="uq_dataset_natural_key",
            postgresql_nulls_not_distinct=True,
        ),
        {"comment": "Lightcurves: flux values and errors of a target in an observation"},
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Identity(),
        primary_key=True,
        **described("Dataset identifier", ucd="meta.id;meta.dataset;meta.main"),
    )
    target_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("target.id", ondelete="CASCADE"),
        index=True,
        **described("Target", ucd="meta.id"),
    )
    observation_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("observation.id", ondelete="CASCADE"),
        index=True,
        **described("Observation", ucd="meta.id"),
    )
    photometric_method_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("photometric_source.id", ondelete="CASCADE"),
        index=True,
        **described("How the photometry was extracted", ucd="meta.id"),
    )
    processing_method_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("processing_method.id", ondelete="CASCADE"),
        index=True,
        **described("How the data were processed; NULL for raw photometry", ucd="meta.id"),
    )
    values: orm.Mapped[np.ndarray] = orm.mapped_column(
        float64_array(),
        **described("Flux values, one per cadence, in values_unit", ucd="phot.flux"),
    )
    errors: orm.Mapped[np.ndarray | None] = orm.mapped_column(
        float64_array(),
        **described(
            "Flux uncertainties, one per value, in values_unit", ucd="stat.error;phot.flux"
        ),
    )
    # Pipelines differ: SPOC fluxes are in electron/s, QLP's are normalised to 1, so the unit
    # belongs to the dataset rather than to the column.
    # Computed by the database at write time, so that summaries (ObsCore's t_xel, sizes) never
    # read the arrays themselves: a 20,000-cadence lightcurve is 160 kB to detoast.
    value_count: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Computed('cardinality("values")', persisted=True),
        sort_order=2,  # migration 0011 added it after the others
        **described("Number of values (cadences) in the lightcurve", ucd="meta.number"),
    )
    values_unit: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(32),
        **described(
            "Unit of values and errors (VOUnit; empty string for normalised flux)",
            ucd="meta.unit",
        ),
    )
    product_path: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text,
        **described("Archive path of the file this lightcurve was loaded from", ucd="meta.ref.url"),
    )
    pipeline_version: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(64),
        **described("Version of the pipeline that made the product (PROCVER)", ucd="meta.version"),
    )
    data_release: orm.Mapped[int | None] = orm.mapped_column(
        sa.Integer, **described("Mission data release number (DATA_REL)", ucd="meta.version")
    )
    cdpp_0_5: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Combined differential photometric precision over 0.5 h, in parts per million",
            ucd="stat.stdev;phot.flux",
        ),
    )
    cdpp_1_0: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Combined differential photometric precision over 1 h, in parts per million",
            ucd="stat.stdev;phot.flux",
        ),
    )
    cdpp_2_0: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Combined differential photometric precision over 2 h, in parts per million",
            ucd="stat.stdev;phot.flux",
        ),
    )
    crowding: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Fraction of the flux in the aperture that comes from the target (CROWDSAP)",
            ucd="arith.ratio;phot.flux",
        ),
    )
    flux_fraction: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Fraction of the target's flux captured by the aperture (FLFRCSAP)",
            ucd="arith.ratio;phot.flux",
        ),
    )

    target: orm.Mapped[Target] = orm.relationship(back_populates="datasets")
    observation: orm.Mapped[Observation] = orm.relationship(back_populates="datasets")
    photometric_source: orm.Mapped[PhotometricSource | None] = orm.relationship(
        back_populates="datasets"
    )
    processing_method: orm.Mapped[ProcessingMethod | None] = orm.relationship(
        back_populates="datasets"
    )

    source_datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        secondary="lcdb.datasethierarchy",
        primaryjoin="DataSet.id == DataSetHierarchy.child_dataset_id",
        secondaryjoin="DataSet.id == DataSetHierarchy.source_dataset_id",
        back_populates="derived_datasets",
        passive_deletes=True,
    )
    derived_datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        secondary="lcdb.datasethierarchy",
        primaryjoin="DataSet.id == DataSetHierarchy.source_dataset_id",
        secondaryjoin="DataSet.id == DataSetHierarchy.child_dataset_id",
        back_populates="source_datasets",
        passive_deletes=True,
    )
