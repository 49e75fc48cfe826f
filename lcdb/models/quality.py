"""Quality-flag bit arrays, per observation or per target (polymorphic by mission)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base, CreatedOn, described
from lcdb.models.types import int32_array

if TYPE_CHECKING:
    from lcdb.models.mission import Target
    from lcdb.models.observation import Observation


class QualityFlagArray(CreatedOn, Base):
    """One 32-bit flag word per cadence; a NULL target means the flags apply to every target.

    At most one array per (type, observation, target), with NULL targets counted as equal
    (PostgreSQL 15 ``NULLS NOT DISTINCT``), so there is a single observation-wide array per type.
    Subclasses give the bits names (see `lcdb.missions.tess.TESSQualityFlags`).
    """

    __tablename__ = "quality_flag_array"
    __table_args__ = (
        sa.UniqueConstraint(
            "type", "observation_id", "target_id", postgresql_nulls_not_distinct=True
        ),
        {"comment": "Quality-flag bits per cadence, for an observation or one target in it"},
    )
    __mapper_args__ = {"polymorphic_identity": "base_quality_flag", "polymorphic_on": "type"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        sa.Identity(),
        primary_key=True,
        **described("Flag array identifier", ucd="meta.id;meta.main"),
    )
    type: orm.Mapped[str] = orm.mapped_column(
        sa.String(64),
        index=True,
        **described(
            "Kind of flags (subclass), which fixes the bit meanings", ucd="meta.code.class"
        ),
    )
    observation_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("observation.id", ondelete="CASCADE"),
        index=True,
        **described("Observation", ucd="meta.id"),
    )
    target_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("target.id", ondelete="CASCADE"),
        index=True,
        **described("Target; NULL when the flags apply to the whole observation", ucd="meta.id"),
    )
    quality_flags: orm.Mapped[np.ndarray] = orm.mapped_column(
        int32_array(),
        **described("Quality bits, one 32-bit word per cadence", ucd="meta.code.qual"),
    )

    observation: orm.Mapped[Observation] = orm.relationship(back_populates="quality_flag_arrays")
    target: orm.Mapped[Target | None] = orm.relationship(back_populates="quality_flag_arrays")
