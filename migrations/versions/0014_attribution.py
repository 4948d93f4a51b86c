"""Attribution: the winnowing fingerprint index, indexed contents, the stop-list.

``attribution_fingerprint`` keeps ``(hash, content_id, line)`` as its primary key:
the b-tree a lookup by hash reads, content and line included (index-only scans), so
the rows of one hash sit together. No foreign key on it (see
``app.models.attribution``): it is written by COPY at hundreds of rows per file.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attribution_fingerprint",
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hash", "content_id", "line", name=op.f("pk_attribution_fingerprint")
        ),
    )
    op.create_table(
        "attribution_indexed",
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprints", sa.Integer(), nullable=False),
        sa.Column("lexer", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column(
            "indexed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_attribution_indexed_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_attribution_indexed")),
    )
    op.create_table(
        "attribution_stopword",
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("documents", sa.BigInteger(), nullable=False),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_attribution_stopword")),
    )


def downgrade() -> None:
    op.drop_table("attribution_stopword")
    op.drop_table("attribution_indexed")
    op.drop_table("attribution_fingerprint")
