"""FITS frames: one row per image file, with the primary keywords a FITS reader needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base, CreatedOn, described
from lcdb.models.types import float64_array, int32_array

if TYPE_CHECKING:
    from lcdb.models.observation import Observation


class FITSFrame(CreatedOn, Base):
    """A FITS image (e.g. a TESS full-frame image), polymorphic on ``type``.

    The checks encode the FITS standard (allowed BITPIX values, one NAXISn per axis) so that a
    malformed header is refused at load time rather than discovered by a user.
    """

    __tablename__ = "fits_frame"
    __table_args__ = (
        # A file is a frame: all 16 CCD images of a TESS cadence share the cadence number, so
        # (type, cadence) -- the upstream key -- cannot be unique; the archive path is.
        sa.UniqueConstraint("type", "file_path"),
        sa.CheckConstraint("start_time <= stop_time", name="time_order"),
        sa.CheckConstraint(
            "footprint IS NULL OR (cardinality(footprint) >= 6 AND cardinality(footprint) % 2 = 0)",
            name="footprint_pairs",
        ),
        sa.CheckConstraint("bitpix IN (8, 16, 32, 64, -32, -64)", name="bitpix_allowed"),
        sa.CheckConstraint("naxis >= 0 AND naxis <= 999", name="naxis_range"),
        sa.CheckConstraint("cardinality(naxis_values) = naxis", name="naxis_values_match"),
        {"comment": "FITS frames (image files) and their primary header keywords"},
    )
    __mapper_args__ = {"polymorphic_identity": "basefits", "polymorphic_on": "type"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        sa.Identity(),
        primary_key=True,
        **described("Frame identifier", ucd="meta.id;meta.main"),
    )
    type: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), index=True, **described("Kind of frame (subclass)", ucd="meta.code.class")
    )
    cadence: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        index=True,
        **described("Cadence number of the frame", ucd="meta.number;time", principal=True),
    )
    observation_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("observation.id", ondelete="CASCADE"),
        index=True,
        **described("Observation", ucd="meta.id"),
    )
    simple: orm.Mapped[bool] = orm.mapped_column(
        **described("FITS SIMPLE: the file conforms to the FITS standard")
    )
    bitpix: orm.Mapped[int] = orm.mapped_column(
        sa.SmallInteger, **described("FITS BITPIX: bits per data value")
    )
    naxis: orm.Mapped[int] = orm.mapped_column(
        sa.SmallInteger, **described("FITS NAXIS: number of axes")
    )
    naxis_values: orm.Mapped[np.ndarray] = orm.mapped_column(
        int32_array(), **described("FITS NAXIS1..NAXISn: length of each axis", unit="pix")
    )
    extended: orm.Mapped[bool] = orm.mapped_column(
        **described("FITS EXTEND: the file may contain extensions")
    )
    bscale: orm.Mapped[float] = orm.mapped_column(
        sa.Float(precision=53),
        server_default=sa.text("1.0"),
        **described("FITS BSCALE: physical = BZERO + BSCALE * stored"),
    )
    bzero: orm.Mapped[float] = orm.mapped_column(
        sa.Float(precision=53),
        server_default=sa.text("0.0"),
        **described("FITS BZERO: physical value of stored zero"),
    )
    file_path: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text, **described("Path of the FITS file in the archive", ucd="meta.ref.url")
    )
    start_time: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        sort_order=1,  # migration 0005 added it after created_on
        **described(
            "Start of the exposure, in the mission's time system (TSTART; BTJD for TESS)",
            unit="d",
            ucd="time.start;obs.exposure",
        ),
    )
    stop_time: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        sort_order=1,  # migration 0005 added it after created_on
        **described(
            "End of the exposure, in the mission's time system (TSTOP; BTJD for TESS)",
            unit="d",
            ucd="time.end;obs.exposure",
        ),
    )
    exposure_time: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        sort_order=1,  # migration 0005 added it after created_on
        **described(
            "Effective exposure time (EXPOSURE)", unit="s", ucd="time.duration;obs.exposure"
        ),
    )
    quality: orm.Mapped[int | None] = orm.mapped_column(
        sa.Integer,
        sort_order=1,  # migration 0005 added it after created_on
        **described("Frame quality flags (DQUALITY; TESS quality bits)", ucd="meta.code.qual"),
    )
    footprint: orm.Mapped[np.ndarray | None] = orm.mapped_column(
        float64_array(),
        sort_order=1,  # migration 0005 added it after created_on
        **described(
            "Sky footprint from the frame's WCS: polygon vertices as ICRS ra, dec pairs",
            unit="deg",
            ucd="pos.outline;obs.field",
            xtype="polygon",
        ),
    )

    observation: orm.Mapped[Observation] = orm.relationship(back_populates="fits_frames")


# The footprint index of migration 0008: a GiST on each footprint's xyz box (adql_udf).
sa.Index(
    "ix_fits_frame_footprint",
    sa.func.adql_udf.geo_poly_box(FITSFrame.__table__.c.footprint),
    postgresql_using="gist",
)
