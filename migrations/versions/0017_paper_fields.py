"""Papers keep the fields their resolver classified them in (arXiv categories,
Crossref and DataCite subjects, OpenAlex concepts), as the service said them: the
domain assignment reads them as evidence. A constant default rewrites nothing.

``signal_pending``: origins whose signals (domains, citations) are stale because a
paper link was written to a resolved paper or a linked paper was resolved; the
signals refresh consumes them.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "paper",
        sa.Column("fields", postgresql.JSONB(), server_default="[]", nullable=False),
    )
    op.create_table(
        "signal_pending",
        sa.Column(
            "origin_id",
            sa.BigInteger(),
            sa.ForeignKey("origin.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "queued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )


def downgrade() -> None:
    op.drop_table("signal_pending")
    op.drop_column("paper", "fields")
