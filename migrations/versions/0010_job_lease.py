"""Job leases: the worker running a job holds a lease it renews by heartbeat.

``lease_owner`` names the running attempt (host, process, a random token),
``lease_expires_at`` is when the lease lapses unless renewed, ``heartbeat_at`` the
last renewal. The reaper re-sends a running job only once its lease has expired, and
a second copy of a job whose lease is live exits without touching anything. The
partial index serves the reaper's scan of running jobs by lease expiry.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("job", sa.Column("lease_owner", sa.Text(), nullable=True))
    op.add_column("job", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("job", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_job_running_lease",
        "job",
        ["lease_expires_at"],
        postgresql_where=sa.text("state = 'running'"),
    )


def downgrade() -> None:
    op.drop_index("ix_job_running_lease", table_name="job")
    op.drop_column("job", "heartbeat_at")
    op.drop_column("job", "lease_expires_at")
    op.drop_column("job", "lease_owner")
