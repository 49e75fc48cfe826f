"""Jobs remember the service URL the client reached: links in their results use it.

An async job may run long after it was created (and after a restart); ObsCore's access_url is
made from the URL the service is reached at, which only the creating request knew.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("uws_job", sa.Column("service_url", sa.Text()), schema="lcdb_internal")


def downgrade() -> None:
    op.drop_column("uws_job", "service_url", schema="lcdb_internal")
