"""The complete schema: the base model plus every mission extension.

Alembic and the tests take their metadata from here, so a mission's columns are part of the
schema whenever its module is listed below.
"""

from __future__ import annotations

import sqlalchemy as sa

import lcdb.missions.tess  # noqa: F401  (registers the TESS subclasses and their columns)
from lcdb.models import Base

metadata: sa.MetaData = Base.metadata
