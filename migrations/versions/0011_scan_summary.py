"""Scan summaries: what a scan derived per origin and snapshot, in rows of their own.

The effective license and the language breakdown a scan derives used to live in
``origin.extra``, a column forge ingest also rewrote: a refresh, a re-import or a
``rederive`` wiped them, and the origin dropped out of ``license_category`` filters
(issue 10, item 1). They move to ``scan_summary`` (one writer: the scan pipeline),
keyed by origin and snapshot, and ``origin.extra`` goes away: no shared grab-bag
column is left for two producers to overwrite.

Existing data moves: the effective license to the summary of the snapshot it names
(else the origin's latest visit's snapshot), marked current; the language breakdown
to the summary of the snapshot it was counted for. The downgrade folds the current
summaries back into ``origin.extra``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVE_EFFECTIVE = """
INSERT INTO scan_summary (origin_id, snapshot_id, is_current, license_expression,
                          license_category, license_conflicts, license_basis, scanned_at)
SELECT o.id, snap.id, true, e ->> 'expression', e ->> 'category',
       CASE WHEN jsonb_typeof(e -> 'conflicts') = 'array'
            THEN ARRAY(SELECT jsonb_array_elements_text(e -> 'conflicts'))
            ELSE '{}'::text[] END,
       e ->> 'basis', coalesce(o.last_scanned_at, now())
FROM origin o
CROSS JOIN LATERAL (SELECT o.extra -> 'effective_license' AS e) x
CROSS JOIN LATERAL (
    SELECT coalesce(
        (SELECT s.id FROM snapshot s
         WHERE jsonb_typeof(e -> 'snapshot_id') = 'number'
           AND s.id = (e ->> 'snapshot_id')::numeric::bigint),
        (SELECT v.snapshot_id FROM visit v
         WHERE v.origin_id = o.id AND v.snapshot_id IS NOT NULL
         ORDER BY v.date DESC, v.id DESC LIMIT 1)) AS id
) snap
WHERE jsonb_typeof(e) = 'object' AND snap.id IS NOT NULL
"""

MOVE_LANGUAGES = """
INSERT INTO scan_summary (origin_id, snapshot_id, is_current, languages, scanned_at)
SELECT o.id, s.id,
       NOT EXISTS (SELECT 1 FROM scan_summary c WHERE c.origin_id = o.id AND c.is_current),
       l -> 'breakdown', coalesce(o.last_scanned_at, now())
FROM origin o
CROSS JOIN LATERAL (SELECT o.extra -> 'languages' AS l) x
JOIN snapshot s ON jsonb_typeof(l -> 'snapshot_id') = 'number'
               AND s.id = (l ->> 'snapshot_id')::numeric::bigint
WHERE jsonb_typeof(l) = 'object' AND jsonb_typeof(l -> 'breakdown') = 'array'
ON CONFLICT (origin_id, snapshot_id) DO UPDATE SET languages = excluded.languages
"""

RESTORE_EXTRA = """
UPDATE origin o SET extra = jsonb_strip_nulls(jsonb_build_object(
    'effective_license',
    (SELECT jsonb_build_object(
                'expression', c.license_expression, 'category', c.license_category,
                'conflicts', to_jsonb(c.license_conflicts), 'basis', c.license_basis,
                'snapshot_id', c.snapshot_id)
     FROM scan_summary c
     WHERE c.origin_id = o.id AND c.is_current AND c.license_category IS NOT NULL),
    'languages',
    (SELECT jsonb_build_object('snapshot_id', c.snapshot_id, 'breakdown', c.languages)
     FROM scan_summary c
     WHERE c.origin_id = o.id AND c.languages IS NOT NULL
     ORDER BY c.is_current DESC, c.scanned_at DESC LIMIT 1)))
WHERE EXISTS (SELECT 1 FROM scan_summary c WHERE c.origin_id = o.id)
"""


def upgrade() -> None:
    op.create_table(
        "scan_summary",
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("is_current", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("license_expression", sa.Text(), nullable=True),
        sa.Column("license_category", sa.Text(), nullable=True),
        sa.Column(
            "license_conflicts",
            postgresql.ARRAY(sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("license_basis", sa.Text(), nullable=True),
        sa.Column("languages", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("files", sa.BigInteger(), nullable=True),
        sa.Column(
            "analyzer_versions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "scanned_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_scan_summary_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_scan_summary_snapshot_id_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("origin_id", "snapshot_id", name=op.f("pk_scan_summary")),
    )
    op.create_index(
        op.f("ix_scan_summary_snapshot_id"), "scan_summary", ["snapshot_id"], unique=False
    )
    op.create_index(
        "uq_scan_summary_current",
        "scan_summary",
        ["origin_id"],
        unique=True,
        postgresql_where=sa.text("is_current"),
    )
    op.execute(MOVE_EFFECTIVE)
    op.execute(MOVE_LANGUAGES)
    op.drop_column("origin", "extra")


def downgrade() -> None:
    op.add_column(
        "origin",
        sa.Column(
            "extra",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    )
    op.execute(RESTORE_EXTRA)
    op.drop_index(
        "uq_scan_summary_current", table_name="scan_summary", postgresql_where=sa.text("is_current")
    )
    op.drop_index(op.f("ix_scan_summary_snapshot_id"), table_name="scan_summary")
    op.drop_table("scan_summary")
