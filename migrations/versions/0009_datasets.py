"""Datasets: definitions, immutable revisions, builds, and the manifest partitioned
per build.

``dataset_manifest`` is ``PARTITION BY LIST (build_id)``: a build fills a standalone
table ``dataset_manifest_<build id>`` (with a ``CHECK (build_id = <id>)`` so the
attach needs no validating scan), builds its indexes, and attaches it in the
transaction that marks the build succeeded. Why per build: a build is written once
and read many times, never updated; dropping one is a ``DROP TABLE`` (no vacuum of a
shared table), and one build's size never enters the plans of another's queries
(every query names its build, so the planner prunes to one partition).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Paths are bytes (git allows any); exports write text. Valid UTF-8 is written as is,
# anything else in PostgreSQL's escape form (\\ooo for each byte outside ASCII). The
# exception block runs only for paths with bytes outside printable ASCII (the export
# SQL takes the plain ASCII ones without calling this).
PATH_TEXT = r"""
CREATE FUNCTION dataset_path_text(path bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN convert_from(path, 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    RETURN encode(path, 'escape');
END
$$;
"""


def upgrade() -> None:
    op.execute(PATH_TEXT)
    op.create_table(
        "dataset",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("current_revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset")),
        sa.UniqueConstraint("name", name=op.f("uq_dataset_name")),
    )
    op.create_table(
        "dataset_revision",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("selection", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("selection_sha256", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "octet_length(selection_sha256) = 32",
            name=op.f("ck_dataset_revision_selection_sha256_length"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_dataset_revision_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_revision")),
        sa.UniqueConstraint(
            "dataset_id", "revision", name=op.f("uq_dataset_revision_dataset_id_revision")
        ),
    )
    op.create_table(
        "dataset_build",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dataset_id", sa.BigInteger(), nullable=False),
        sa.Column("revision_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.Text(), server_default="queued", nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "versions", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("optout_registry_version", sa.BigInteger(), nullable=True),
        sa.Column(
            "funnel", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column(
            "stats", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("intensional_fingerprint", sa.LargeBinary(), nullable=True),
        sa.Column("extensional_fingerprint", sa.LargeBinary(), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("merkle_chunk_leaves", sa.Integer(), nullable=True),
        sa.Column("merkle_chunk_roots", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')",
            name=op.f("ck_dataset_build_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["dataset.id"],
            name=op.f("fk_dataset_build_dataset_id_dataset"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["dataset_revision.id"],
            name=op.f("fk_dataset_build_revision_id_dataset_revision"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_dataset_build_job_id_job"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_build")),
        sa.UniqueConstraint(
            "dataset_id", "number", name=op.f("uq_dataset_build_dataset_id_number")
        ),
    )
    op.create_index(op.f("ix_dataset_build_revision_id"), "dataset_build", ["revision_id"])
    op.create_table(
        "dataset_manifest",
        sa.Column("build_id", sa.BigInteger(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("sha1", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("license_expression", sa.Text(), nullable=True),
        sa.Column("license_evidence", sa.Text(), nullable=True),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_url", sa.Text(), nullable=False),
        sa.Column("snapshot_sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("path", sa.LargeBinary(), nullable=False),
        sa.Column("other_occurrences", sa.BigInteger(), nullable=False),
        sa.Column("near_dup_cluster", sa.BigInteger(), nullable=True),
        sa.Column("rank_value", sa.Float(), nullable=True),
        sa.Column("in_storage", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("build_id", "leaf_index", name=op.f("pk_dataset_manifest")),
        postgresql_partition_by="LIST (build_id)",
    )
    op.create_index(
        "ix_dataset_manifest_sha1_git", "dataset_manifest", ["build_id", "sha1_git"], unique=True
    )
    op.create_index("ix_dataset_manifest_sha1", "dataset_manifest", ["build_id", "sha1"])
    op.create_index("ix_dataset_manifest_sha256", "dataset_manifest", ["build_id", "sha256"])


def downgrade() -> None:
    op.drop_table("dataset_manifest")  # drops every attached partition with it
    op.drop_index(op.f("ix_dataset_build_revision_id"), table_name="dataset_build")
    op.drop_table("dataset_build")
    op.drop_table("dataset_revision")
    op.drop_table("dataset")
    op.execute("DROP FUNCTION dataset_path_text(bytea)")
