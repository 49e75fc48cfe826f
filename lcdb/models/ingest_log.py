"""The ingest log: which file was loaded, when, and in what state it was then.

An interrupted ``lcdb-tap ingest`` run continues where it stopped because every file's load
commits its row here in the same transaction as its data: a file whose path, size and
modification time match a row is skipped without being opened. The table lives in the
internal schema, so it is never published.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from lcdb.models.base import Base

INTERNAL_SCHEMA = "lcdb_internal"


class IngestedFile(Base):
    """One loaded file, keyed by its resolved path."""

    __tablename__ = "ingested_file"
    __table_args__ = {
        "schema": INTERNAL_SCHEMA,
        "comment": "Files loaded by lcdb-tap ingest (checkpoint for resumed runs)",
    }

    path: orm.Mapped[str] = orm.mapped_column(sa.Text, primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    size: orm.Mapped[int] = orm.mapped_column(sa.BigInteger)
    mtime_ns: orm.Mapped[int] = orm.mapped_column(sa.BigInteger)
    loaded_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
