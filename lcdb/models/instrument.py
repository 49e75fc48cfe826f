"""The instrument tree: a mission's hardware as nested parts (spacecraft > camera > CCD)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects.postgresql import JSONB

from lcdb.models.base import Base, described

if TYPE_CHECKING:
    from lcdb.models.observation import Observation


class Instrument(Base):
    """A piece of hardware; children are its parts, properties its free-form characteristics."""

    __tablename__ = "instrument"
    __table_args__ = (
        # Names are unique among siblings (and among top-level instruments), so a part is found
        # by its path of names, e.g. TESS > Camera 3 > CCD 3.
        sa.UniqueConstraint("parent_id", "name", postgresql_nulls_not_distinct=True),
        {"comment": "Instruments as a tree of parts (e.g. camera > CCD)"},
    )

    id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.Uuid,
        primary_key=True,
        default=uuid.uuid4,
        **described("Instrument identifier", ucd="meta.id;meta.main"),
    )
    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(64),
        **described("Instrument name, e.g. Camera 1", ucd="meta.id;instr", principal=True),
    )
    properties: orm.Mapped[dict[str, Any]] = orm.mapped_column(
        JSONB,
        default=dict,
        server_default=sa.text("'{}'::jsonb"),
        **described("Free-form properties (JSON)"),
    )
    parent_id: orm.Mapped[uuid.UUID | None] = orm.mapped_column(
        sa.ForeignKey("instrument.id", ondelete="CASCADE"),
        index=True,
        **described("Instrument this is a part of; NULL for a top-level instrument", ucd="meta.id"),
    )

    parent: orm.Mapped[Instrument | None] = orm.relationship(
        back_populates="children", remote_side=[id]
    )
    children: orm.Mapped[list[Instrument]] = orm.relationship(
        back_populates="parent", cascade="all, delete-orphan", passive_deletes=True
    )
    observations: orm.Mapped[list[Observation]] = orm.relationship(
        back_populates="instrument", cascade="all, delete-orphan", passive_deletes=True
    )
