"""Paper resolution note; index packages by the repository they declare.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:07:31.536030
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_origin_declared_repository_url"),
        "origin",
        ["declared_repository_url"],
        unique=False,
    )
    op.add_column("paper", sa.Column("resolution_note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("paper", "resolution_note")
    op.drop_index(op.f("ix_origin_declared_repository_url"), table_name="origin")
