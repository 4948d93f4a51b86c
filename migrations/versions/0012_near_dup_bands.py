"""Incremental near-duplicate clustering: stored LSH bands and a queue of new signatures.

A recluster used to load every signature and rewrite every cluster in one
transaction after every scan (issue 10, item 8). ``near_dup_band`` keeps the LSH
band keys of every clustered signature, so new signatures query the bands instead;
``near_dup_pending`` lists the signatures not clustered yet (the scan adds them).

Every signature stored before this migration is queued: the first recluster bands
them all, in chunks, keeping the clusters already stored (they only grow or merge).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "near_dup_band",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.LargeBinary(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_near_dup_band_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band", "bucket", "content_id", name=op.f("pk_near_dup_band")),
    )
    op.create_index(
        op.f("ix_near_dup_band_content_id"), "near_dup_band", ["content_id"], unique=False
    )
    op.create_table(
        "near_dup_pending",
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "queued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_near_dup_pending_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_near_dup_pending")),
    )
    op.execute(
        "INSERT INTO near_dup_pending (content_id) "
        "SELECT content_id FROM content_fact WHERE minhash IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("near_dup_pending")
    op.drop_index(op.f("ix_near_dup_band_content_id"), table_name="near_dup_band")
    op.drop_table("near_dup_band")
