"""Indexes for origin search: keyset sorts, trigram text search, topics, and
whole-token license search.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTS = {
    "ix_origin_sort_stars": "coalesce(stars, -1)",
    "ix_origin_sort_forks": "coalesce(forks, -1)",
    "ix_origin_sort_created": "coalesce(forge_created_at, '-infinity'::timestamptz)",
    "ix_origin_sort_updated": "coalesce(forge_updated_at, '-infinity'::timestamptz)",
    "ix_origin_sort_scanned": "coalesce(last_scanned_at, '-infinity'::timestamptz)",
}


def upgrade() -> None:
    for name, expression in SORTS.items():
        op.create_index(name, "origin", [sa.text(expression), "id"])
    op.create_index(
        "ix_origin_search_trgm",
        "origin",
        [sa.text("(coalesce(full_name, '') || ' ' || coalesce(description, '')) gin_trgm_ops")],
        postgresql_using="gin",
    )
    op.create_index("ix_origin_topics", "origin", ["topics"], postgresql_using="gin")
    op.create_index(
        "ix_license_finding_expression_trgm",
        "license_finding",
        ["expression"],
        postgresql_using="gin",
        postgresql_ops={"expression": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_license_finding_expression_trgm", table_name="license_finding")
    op.drop_index("ix_origin_topics", table_name="origin")
    op.drop_index("ix_origin_search_trgm", table_name="origin")
    for name in reversed(SORTS):
        op.drop_index(name, table_name="origin")
