"""Asynchronous TAP jobs (UWS 1.1) in the internal schema.

``lcdb_internal.uws_job`` holds each job's parameters, phase, times, error and where its
result is, so a restarted service still lists every job and serves finished results.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INTERNAL = "lcdb_internal"
PHASES = (
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


def upgrade() -> None:
    op.create_table(
        "uws_job",
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("owner_id", sa.Text(), nullable=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column(
            "creation_time",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("execution_duration", sa.Integer(), nullable=False),
        sa.Column("destruction_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("error_type", sa.String(16), nullable=True),
        sa.Column("result_type", sa.Text(), nullable=True),
        sa.Column("result_size", sa.BigInteger(), nullable=True),
        sa.Column("runner_key", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "phase IN (" + ", ".join(f"'{phase}'" for phase in PHASES) + ")",
            name=op.f("ck_uws_job_phase"),
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_uws_job")),
        schema=INTERNAL,
        comment="Asynchronous TAP jobs (UWS 1.1)",
    )
    op.create_index("ix_uws_job_creation_time", "uws_job", ["creation_time"], schema=INTERNAL)
    op.create_index("ix_uws_job_destruction_time", "uws_job", ["destruction_time"], schema=INTERNAL)
    op.create_index("ix_uws_job_phase", "uws_job", ["phase"], schema=INTERNAL)


def downgrade() -> None:
    op.drop_table("uws_job", schema=INTERNAL)
