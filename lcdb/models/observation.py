"""Observations (polymorphic by mission) and the per-target times measured during them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base, described
from lcdb.models.types import float64_array, int64_array

if TYPE_CHECKING:
    from lcdb.models.dataset import DataSet
    from lcdb.models.frame import FITSFrame
    from lcdb.models.instrument import Instrument
    from lcdb.models.mission import Target
    from lcdb.models.quality import QualityFlagArray


class Observation(Base):
    """A span of data taking by one instrument, e.g. a TESS sector.

    Single-table inheritance on ``type``: a mission adds its own columns by subclassing (see
    `lcdb.missions.tess`), so queries over all observations need no joins and the base class never
    changes when a mission is added.
    """

    __tablename__ = "observation"
    __table_args__ = {
        "comment": "Observations (e.g. TESS sectors); the type column names the mission kind"
    }
    __mapper_args__ = {"polymorphic_identity": "observation", "polymorphic_on": "type"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Identity(),
        primary_key=True,
        **described("Observation identifier", ucd="meta.id;meta.main"),
    )
    type: orm.Mapped[str] = orm.mapped_column(
        sa.String(64),
        index=True,
        **described("Kind of observation (mission subclass)", ucd="meta.code.class"),
    )
    cadence_reference: orm.Mapped[np.ndarray] = orm.mapped_column(
        int64_array(),
        **described("Cadence numbers of the observation, in time order", ucd="meta.number;time"),
    )
    instrument_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey("instrument.id", ondelete="CASCADE"),
        index=True,
        **described("Instrument that took the observation", ucd="meta.id;instr"),
    )

    instrument: orm.Mapped[Instrument] = orm.relationship(back_populates="observations")
    fits_frames: orm.Mapped[list[FITSFrame]] = orm.relationship(
        back_populates="observation", cascade="all, delete-orphan", passive_deletes=True
    )
    datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        back_populates="observation", cascade="all, delete-orphan", passive_deletes=True
    )
    target_specific_times: orm.Mapped[list[TargetSpecificTime]] = orm.relationship(
        back_populates="observation", cascade="all, delete-orphan", passive_deletes=True
    )
    quality_flag_arrays: orm.Mapped[list[QualityFlagArray]] = orm.relationship(
        back_populates="observation", cascade="all, delete-orphan", passive_deletes=True
    )


class TargetSpecificTime(Base):
    """Barycentric times of one target in one observation.

    Barycentric correction depends on the target's position, so each target has its own time
    array even when it shares cadences with thousands of others.
    """

    __tablename__ = "target_specific_time"
    __table_args__ = (
        sa.UniqueConstraint("target_id", "observation_id"),
        {"comment": "Barycentric times of each target in each observation"},
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        sa.Identity(),
        primary_key=True,
        **described("Time-series identifier", ucd="meta.id;meta.main"),
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
    barycentric_julian_dates: orm.Mapped[np.ndarray] = orm.mapped_column(
        float64_array(),
        **described(
            "Barycentric times, in the mission's time format (TESS: BJD - 2457000, TDB)",
            unit="d",
            ucd="time.epoch",
        ),
    )

    # Computed by the database at write time (lcdb.finite_min/max/count, migration 0011), so
    # that time ranges (ObsCore's t_min, t_max, t_exptime) never read the arrays themselves.
    time_min: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        sa.Computed("lcdb.finite_min(barycentric_julian_dates)", persisted=True),
        sort_order=2,
        **described(
            "First barycentric time (NaN times left out), in the mission's time format",
            unit="d",
            ucd="time.start",
        ),
    )
    time_max: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        sa.Computed("lcdb.finite_max(barycentric_julian_dates)", persisted=True),
        sort_order=2,
        **described(
            "Last barycentric time (NaN times left out), in the mission's time format",
            unit="d",
            ucd="time.end",
        ),
    )
    time_count: orm.Mapped[int | None] = orm.mapped_column(
        sa.Integer,
        sa.Computed("lcdb.finite_count(barycentric_julian_dates)", persisted=True),
        sort_order=2,
        **described("Number of cadences with a time (not NaN)", ucd="meta.number"),
    )

    target: orm.Mapped[Target] = orm.relationship(back_populates="target_specific_times")
    observation: orm.Mapped[Observation] = orm.relationship(back_populates="target_specific_times")
