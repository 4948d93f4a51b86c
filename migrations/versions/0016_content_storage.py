"""Content storage: which contents' bytes the object storage holds, and the stage a
job's progress is at.

``content.in_storage`` is set by the scan that wrote the bytes to ``swh.objstorage``
(after the write, in the same transaction as its batch), so a true flag never names
bytes that are not there; a build copies it into its manifest, and an export with
content reads the bytes of flagged rows and lists the others by SWHID. Adding a
column with a constant default rewrites nothing (PostgreSQL 11+).

``job.progress_stage`` names what a job is doing while its counters move (a dataset
build: selecting, indexing, hashing, attaching).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "content",
        sa.Column("in_storage", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column("job", sa.Column("progress_stage", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("job", "progress_stage")
    op.drop_column("content", "in_storage")
