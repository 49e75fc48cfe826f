"""The declarative base: one schema, deterministic constraint names, shared mixins.

All LightcurveDB tables live in the PostgreSQL schema ``lcdb`` so that an operator's database can
hold them beside other things, and so the TAP service can publish them under that name.
Constraint names follow a fixed convention so Alembic migrations name them the same way every
time.
"""

from __future__ import annotations

import datetime
from typing import TypedDict

import sqlalchemy as sa
from sqlalchemy import orm

SCHEMA = "lcdb"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


class Described(TypedDict):
    """The keyword arguments `described` returns, typed so `mapped_column(**...)` checks them."""

    comment: str
    info: dict[str, object]


def described(
    description: str,
    *,
    unit: str | None = None,
    ucd: str | None = None,
    utype: str | None = None,
    xtype: str | None = None,
    principal: bool = False,
) -> Described:
    """Keyword arguments for `mapped_column` that declare a column's published metadata.

    This is the one place descriptions, units and UCDs are written: the description also becomes
    the column's COMMENT in the database, and TAP_SCHEMA, VOSI /tables and the ADQL catalog are
    generated from `column.comment` and `column.info`. `xtype` says what the values are when
    the database type does not (a float8[] of polygon vertices: DALI's `polygon`), so that
    ADQL treats the column as a geometry and results carry the DALI xtype.
    """
    info: dict[str, object] = {"principal": principal}
    if unit is not None:
        info["unit"] = unit
    if ucd is not None:
        info["ucd"] = ucd
    if utype is not None:
        info["utype"] = utype
    if xtype is not None:
        info["xtype"] = xtype
    return {"comment": description, "info": info}


class CreatedOn:
    """When a row was written, set by the database so bulk loads get it too."""

    created_on: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime(timezone=True),
        server_default=sa.func.now(),
        **described("When this row was created", ucd="time.creation"),
    )


class NameAndDescription:
    """A short unique name and a free-text description (methods, sources)."""

    name: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), unique=True, **described("Unique short name", ucd="meta.id", principal=True)
    )
    description: orm.Mapped[str | None] = orm.mapped_column(
        sa.Text, **described("What this is, in words", ucd="meta.note")
    )
