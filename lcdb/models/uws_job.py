"""Asynchronous TAP jobs (UWS 1.1): what the job service must remember across restarts.

The table lives in the internal schema, so ADQL never sees it. Phases are the UWS words; the
job service (`tap_service.uws`) moves them only through its transition table under a row
lock. `runner_key` names the service instance running an EXECUTING job (it holds a
PostgreSQL advisory lock on that key while it lives), so a restarted or surviving instance can
tell a job whose runner died from one that is still running elsewhere.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql

from lcdb.models.base import Base
from lcdb.models.ingest_log import INTERNAL_SCHEMA

UWS_PHASES = (
    "PENDING",
    "QUEUED",
    "EXECUTING",
    "COMPLETED",
    "ERROR",
    "ABORTED",
    "UNKNOWN",
    "HELD",
    "SUSPENDED",
    "ARCHIVED",
)


class UWSJob(Base):
    """One asynchronous query job; its result file is on disk under the job's id."""

    __tablename__ = "uws_job"
    __table_args__ = (
        sa.CheckConstraint(sa.column("phase").in_(UWS_PHASES), name="phase"),
        sa.Index("ix_uws_job_creation_time", "creation_time"),
        sa.Index("ix_uws_job_destruction_time", "destruction_time"),
        sa.Index("ix_uws_job_phase", "phase"),
        {"schema": INTERNAL_SCHEMA, "comment": "Asynchronous TAP jobs (UWS 1.1)"},
    )

    job_id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    run_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    owner_id: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    phase: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    creation_time: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    start_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime(timezone=True))
    end_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(sa.DateTime(timezone=True))
    #: Seconds the job may run (never 0 here: the service's maximum stands in for unlimited).
    execution_duration: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    destruction_time: orm.Mapped[datetime.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    #: Upper-cased parameter name -> its values, as the client sent them.
    parameters: orm.Mapped[dict[str, list[str]]] = orm.mapped_column(postgresql.JSONB)
    error_message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    error_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    #: Content-Type and size in bytes of the result file, once the job has COMPLETED.
    result_type: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    result_size: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    runner_key: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    #: The service's URL as the client reached it when creating the job: the job's results
    #: make links with it (ObsCore access_url) even when it runs after a restart.
    service_url: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
