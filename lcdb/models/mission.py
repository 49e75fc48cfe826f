"""Missions, their target catalogues, and the targets in them."""

from __future__ import annotations

import decimal
import uuid
from typing import TYPE_CHECKING

import numpy as np
import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base, CreatedOn, described

if TYPE_CHECKING:
    from astropy.time import Time

    from lcdb.models.dataset import DataSet
    from lcdb.models.observation import TargetSpecificTime
    from lcdb.models.quality import QualityFlagArray


class Mission(CreatedOn, Base):
    """A mission or survey, with the time system its products are expressed in.

    TESS times are days since BJD 2457000 (TDB): storing the epoch here lets every time array
    stay a compact float offset while still converting exactly to absolute times.
    """

    __tablename__ = "mission"
    __table_args__ = {"comment": "Missions and surveys, with the time system of their products"}

    id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.Uuid,
        primary_key=True,
        default=uuid.uuid4,
        **described("Mission identifier", ucd="meta.id;meta.main"),
    )
    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(64),
        unique=True,
        **described("Mission name, e.g. TESS", ucd="meta.id", principal=True),
    )
    description: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text, **described("About the mission", ucd="meta.note")
    )
    time_unit: orm.Mapped[str] = orm.mapped_column(
        sa.String(16), **described("Unit of mission time values (an astropy unit name, e.g. d)")
    )
    time_epoch: orm.Mapped[decimal.Decimal] = orm.mapped_column(
        sa.Numeric,
        **described("Absolute time of mission time zero, in time_epoch_format", ucd="time.epoch"),
    )
    time_epoch_scale: orm.Mapped[str] = orm.mapped_column(
        sa.String(16),
        **described("Time scale of the epoch (astropy name, e.g. tdb)", ucd="time.scale"),
    )
    time_epoch_format: orm.Mapped[str] = orm.mapped_column(
        sa.String(16), **described("Format of the epoch value (astropy name, e.g. jd)")
    )
    time_format_name: orm.Mapped[str] = orm.mapped_column(
        sa.String(32), unique=True, **described("Name of the mission time format, e.g. btjd")
    )

    catalogs: orm.Mapped[list[MissionCatalog]] = orm.relationship(
        back_populates="host_mission", cascade="all, delete-orphan", passive_deletes=True
    )

    def to_time(self, values: np.ndarray | float) -> Time:
        """Mission-relative times (e.g. BTJD) as absolute astropy Times in the mission's scale."""
        from astropy import units as u
        from astropy.time import Time

        offset = np.asarray(values, dtype=np.float64) * u.Unit(self.time_unit)
        epoch = Time(
            float(self.time_epoch), format=self.time_epoch_format, scale=self.time_epoch_scale
        )
        return epoch + offset


class MissionCatalog(CreatedOn, Base):
    """A catalogue of targets run by a mission, e.g. the TESS Input Catalog (TIC)."""

    __tablename__ = "mission_catalog"
    __table_args__ = {"comment": "Target catalogues, e.g. the TESS Input Catalog"}

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer,
        sa.Identity(),
        primary_key=True,
        **described("Catalogue identifier", ucd="meta.id;meta.main"),
    )
    host_mission_id: orm.Mapped[uuid.UUID] = orm.mapped_column(
        sa.ForeignKey(Mission.id, ondelete="CASCADE"),
        index=True,
        **described("Mission that runs this catalogue", ucd="meta.id"),
    )
    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(64),
        unique=True,
        **described("Catalogue name, e.g. TIC", ucd="meta.id", principal=True),
    )
    description: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text, **described("About the catalogue", ucd="meta.note")
    )

    host_mission: orm.Mapped[Mission] = orm.relationship(back_populates="catalogs")
    targets: orm.Mapped[list[Target]] = orm.relationship(
        back_populates="catalog", cascade="all, delete-orphan", passive_deletes=True
    )


class Target(Base):
    """One catalogued object, named by its catalogue number (a TIC id exceeds 2**31: BIGINT)."""

    __tablename__ = "target"
    __table_args__ = (
        sa.UniqueConstraint("catalog_id", "name"),
        sa.CheckConstraint("ra >= 0 AND ra < 360", name="ra_range"),
        sa.CheckConstraint("dec >= -90 AND dec <= 90", name="dec_range"),
        {"comment": "Observed objects, identified by their catalogue number (e.g. TIC id)"},
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        sa.Identity(),
        primary_key=True,
        **described("Target identifier", ucd="meta.id;meta.main"),
    )
    catalog_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey(MissionCatalog.id, ondelete="CASCADE", onupdate="CASCADE"),
        index=True,
        **described("Catalogue this target belongs to", ucd="meta.id"),
    )
    name: orm.Mapped[int] = orm.mapped_column(
        sa.BigInteger,
        index=True,  # users look targets up by catalogue number (TIC id) alone
        **described(
            "Number of the target in its catalogue (e.g. TIC id)", ucd="meta.id", principal=True
        ),
    )

    # Catalogue properties, as the mission's products quote them (RA_OBJ, TESSMAG... in a SPOC
    # header) or as a target catalogue gives them; NULL where nothing has said yet.
    ra: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Right ascension (ICRS, catalogue epoch)",
            unit="deg",
            ucd="pos.eq.ra;meta.main",
            principal=True,
        ),
    )
    dec: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Declination (ICRS, catalogue epoch)",
            unit="deg",
            ucd="pos.eq.dec;meta.main",
            principal=True,
        ),
    )
    pmra: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Proper motion in RA (times cos dec)", unit="mas/yr", ucd="pos.pm;pos.eq.ra"),
    )
    pmdec: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Proper motion in declination", unit="mas/yr", ucd="pos.pm;pos.eq.dec"),
    )
    magnitude: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described(
            "Catalogue magnitude in the mission band (TESS magnitude for the TIC)",
            unit="mag",
            ucd="phot.mag;em.opt.I",
            principal=True,
        ),
    )
    teff: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Effective temperature", unit="K", ucd="phys.temperature.effective"),
    )
    logg: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Surface gravity, log10 of g in cm/s**2", unit="[cm/s**2]", ucd="phys.gravity"),
    )
    metallicity: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Metallicity [M/H]", unit="dex", ucd="phys.abund.Z"),
    )
    radius: orm.Mapped[float | None] = orm.mapped_column(
        sa.Float(precision=53),
        **described("Stellar radius", unit="solRad", ucd="phys.size.radius"),
    )

    catalog: orm.Mapped[MissionCatalog] = orm.relationship(back_populates="targets")
    datasets: orm.Mapped[list[DataSet]] = orm.relationship(
        back_populates="target", cascade="all, delete-orphan", passive_deletes=True
    )
    target_specific_times: orm.Mapped[list[TargetSpecificTime]] = orm.relationship(
        back_populates="target", cascade="all, delete-orphan", passive_deletes=True
    )
    quality_flag_arrays: orm.Mapped[list[QualityFlagArray]] = orm.relationship(
        back_populates="target", cascade="all, delete-orphan", passive_deletes=True
    )


# The sky indexes of migration 0008 (functions in schema adql_udf, adql/pg_sky_index.sql):
# declination zones for cones and crossmatches, the unit vector for nearest neighbours.
sa.Index("ix_target_zone", sa.func.adql_udf.geo_zone(Target.__table__.c.dec), Target.__table__.c.ra)
sa.Index(
    "ix_target_knn",
    sa.func.adql_udf.geo_cube(Target.__table__.c.ra, Target.__table__.c.dec),
    postgresql_using="gist",
)
