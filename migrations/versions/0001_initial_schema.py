"""Initial schema: forges, origins, raw payloads, archive objects, facts, licenses,
papers, issues and jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 21:26:45.891568
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Trigram indexes for text search (origins, papers) build on this extension.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "content",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("sha1", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("length >= 0", name=op.f("ck_content_length_positive")),
        sa.CheckConstraint("octet_length(sha1) = 20", name=op.f("ck_content_sha1_length")),
        sa.CheckConstraint("octet_length(sha1_git) = 20", name=op.f("ck_content_sha1_git_length")),
        sa.CheckConstraint("octet_length(sha256) = 32", name=op.f("ck_content_sha256_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content")),
        sa.UniqueConstraint("sha1_git", name=op.f("uq_content_sha1_git")),
    )
    op.create_index(op.f("ix_content_sha1"), "content", ["sha1"], unique=False)
    op.create_index(op.f("ix_content_sha256"), "content", ["sha256"], unique=False)
    op.create_table(
        "directory",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "octet_length(sha1_git) = 20", name=op.f("ck_directory_sha1_git_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory")),
        sa.UniqueConstraint("sha1_git", name=op.f("uq_directory_sha1_git")),
    )
    op.create_table(
        "forge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "github",
                "gitlab",
                "gitea",
                "forgejo",
                "bitbucket",
                "pypi",
                "npm",
                "crates",
                "other",
                name="forge_kind",
            ),
            nullable=False,
        ),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("api_url", sa.Text(), nullable=True),
        sa.Column("case_insensitive_paths", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forge")),
        sa.UniqueConstraint("name", name=op.f("uq_forge_name")),
    )
    op.create_table(
        "job",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("queued", "running", "succeeded", "failed", "cancelled", name="job_state"),
            server_default="queued",
            nullable=False,
        ),
        sa.Column(
            "params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("progress_done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("progress_total", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("celery_task_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index(op.f("ix_job_kind_created_at"), "job", ["kind", "created_at"], unique=False)
    op.create_index(op.f("ix_job_state_created_at"), "job", ["state", "created_at"], unique=False)
    op.create_table(
        "license",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("spdx_id", sa.Text(), nullable=False),
        sa.Column(
            "other_spdx_ids", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("is_exception", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_deprecated", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_spdx_listed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("osi_approved", sa.Boolean(), nullable=True),
        sa.Column("fsf_libre", sa.Boolean(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_license")),
    )
    op.create_index(op.f("ix_license_category"), "license", ["category"], unique=False)
    op.create_index("uq_license_spdx_id_lower", "license", [sa.text("lower(spdx_id)")], unique=True)
    op.create_table(
        "paper",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("arxiv_id", sa.Text(), nullable=True),
        sa.Column("hal_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column(
            "authors", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("unresolved", "resolved", "not_found", name="paper_status"),
            server_default="unresolved",
            nullable=False,
        ),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(doi, arxiv_id, hal_id) >= 1", name=op.f("ck_paper_has_identifier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper")),
        sa.UniqueConstraint("arxiv_id", name=op.f("uq_paper_arxiv_id")),
        sa.UniqueConstraint("doi", name=op.f("uq_paper_doi")),
        sa.UniqueConstraint("hal_id", name=op.f("uq_paper_hal_id")),
    )
    op.create_table(
        "raw_metadata",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("fetcher_name", sa.Text(), nullable=False),
        sa.Column("fetcher_version", sa.Text(), nullable=False),
        sa.Column(
            "fetched_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.LargeBinary(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("octet_length(sha256) = 32", name=op.f("ck_raw_metadata_sha256_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_metadata")),
    )
    op.create_index(
        op.f("ix_raw_metadata_authority_source_url_fetched_at"),
        "raw_metadata",
        ["authority", "source_url", "fetched_at"],
        unique=False,
    )
    op.create_index(op.f("ix_raw_metadata_origin_id"), "raw_metadata", ["origin_id"], unique=False)
    op.create_index(op.f("ix_raw_metadata_sha256"), "raw_metadata", ["sha256"], unique=False)
    op.create_table(
        "release",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("target_type", sa.Text(), nullable=False),
        sa.Column("target", sa.LargeBinary(), nullable=False),
        sa.Column("author", sa.LargeBinary(), nullable=True),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("octet_length(sha1_git) = 20", name=op.f("ck_release_sha1_git_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release")),
        sa.UniqueConstraint("sha1_git", name=op.f("uq_release_sha1_git")),
    )
    op.create_table(
        "revision",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("directory", sa.LargeBinary(), nullable=False),
        sa.Column(
            "parents", postgresql.ARRAY(sa.LargeBinary()), server_default="{}", nullable=False
        ),
        sa.Column("author", sa.LargeBinary(), nullable=True),
        sa.Column("author_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("committer", sa.LargeBinary(), nullable=True),
        sa.Column("committer_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("committer_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("octet_length(sha1_git) = 20", name=op.f("ck_revision_sha1_git_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
        sa.UniqueConstraint("sha1_git", name=op.f("uq_revision_sha1_git")),
    )
    op.create_table(
        "snapshot",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("octet_length(sha1_git) = 20", name=op.f("ck_snapshot_sha1_git_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot")),
        sa.UniqueConstraint("sha1_git", name=op.f("uq_snapshot_sha1_git")),
    )
    op.create_table(
        "content_fact",
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("encoding", sa.Text(), nullable=True),
        sa.Column("is_binary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_vendored", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_generated", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_minified", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_data", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_too_large", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=True),
        sa.Column("max_line_length", sa.Integer(), nullable=True),
        sa.Column("mean_line_length", sa.Float(), nullable=True),
        sa.Column("alnum_fraction", sa.Float(), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("near_dup_cluster", sa.BigInteger(), nullable=True),
        sa.Column("pii_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_content_fact_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_content_fact")),
    )
    op.create_index(op.f("ix_content_fact_language"), "content_fact", ["language"], unique=False)
    op.create_index(
        op.f("ix_content_fact_near_dup_cluster"), "content_fact", ["near_dup_cluster"], unique=False
    )
    op.create_table(
        "directory_entry",
        sa.Column("directory_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("type", sa.Enum("file", "dir", "rev", name="entry_type"), nullable=False),
        sa.Column("perms", sa.Integer(), nullable=False),
        sa.Column("target", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_directory_entry_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("directory_id", "name", name=op.f("pk_directory_entry")),
    )
    op.create_table(
        "job_item",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("succeeded", "failed", "skipped", name="job_item_state"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_item_job_id_job"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_job_item_raw_metadata_id_raw_metadata"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_item")),
        sa.UniqueConstraint("job_id", "key", name=op.f("uq_job_item_job_id_key")),
    )
    op.create_table(
        "owner",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("forge_id", sa.Integer(), nullable=False),
        sa.Column("native_id", sa.Text(), nullable=True),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("display_login", sa.Text(), nullable=False),
        sa.Column("kind", sa.Enum("user", "organization", name="owner_kind"), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["forge_id"], ["forge.id"], name=op.f("fk_owner_forge_id_forge"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_owner_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner")),
        sa.UniqueConstraint("forge_id", "login", name=op.f("uq_owner_forge_id_login")),
        sa.UniqueConstraint("forge_id", "native_id", name=op.f("uq_owner_forge_id_native_id")),
    )
    op.create_index(op.f("ix_owner_raw_metadata_id"), "owner", ["raw_metadata_id"], unique=False)
    op.create_table(
        "pii_finding",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("line_start", sa.Integer(), nullable=False),
        sa.Column("line_end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_pii_finding_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pii_finding")),
    )
    op.create_index(op.f("ix_pii_finding_content_id"), "pii_finding", ["content_id"], unique=False)
    op.create_table(
        "snapshot_branch",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column(
            "target_type",
            sa.Enum(
                "content",
                "directory",
                "revision",
                "release",
                "snapshot",
                "alias",
                "dangling",
                name="branch_target_type",
            ),
            nullable=False,
        ),
        sa.Column("target", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_snapshot_branch_snapshot_id_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "name", name=op.f("pk_snapshot_branch")),
    )
    op.create_table(
        "origin",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("swhid_id", sa.LargeBinary(), nullable=False),
        sa.Column("forge_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("repository", "package", name="origin_kind"), nullable=False),
        sa.Column("native_id", sa.Text(), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("fork_parent_id", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("homepage", sa.Text(), nullable=True),
        sa.Column("topics", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("forks", sa.Integer(), nullable=True),
        sa.Column("watchers", sa.Integer(), nullable=True),
        sa.Column("open_issues", sa.Integer(), nullable=True),
        sa.Column("is_fork", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_archived", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_template", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("default_branch", sa.Text(), nullable=True),
        sa.Column("issue_tracker_url", sa.Text(), nullable=True),
        sa.Column("declared_repository_url", sa.Text(), nullable=True),
        sa.Column("repository_origin_id", sa.BigInteger(), nullable=True),
        sa.Column("forge_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forge_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forge_pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_scanned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "fork_parent_id IS NULL OR fork_parent_id <> id", name=op.f("ck_origin_not_own_fork")
        ),
        sa.CheckConstraint("octet_length(swhid_id) = 20", name=op.f("ck_origin_swhid_id_length")),
        sa.ForeignKeyConstraint(
            ["forge_id"], ["forge.id"], name=op.f("fk_origin_forge_id_forge"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["fork_parent_id"],
            ["origin.id"],
            name=op.f("fk_origin_fork_parent_id_origin"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owner.id"], name=op.f("fk_origin_owner_id_owner"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_origin_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["repository_origin_id"],
            ["origin.id"],
            name=op.f("fk_origin_repository_origin_id_origin"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin")),
        sa.UniqueConstraint("forge_id", "native_id", name=op.f("uq_origin_forge_id_native_id")),
        sa.UniqueConstraint("swhid_id", name=op.f("uq_origin_swhid_id")),
        sa.UniqueConstraint("url", name=op.f("uq_origin_url")),
    )
    op.create_index(op.f("ix_origin_forge_id"), "origin", ["forge_id"], unique=False)
    op.create_index(op.f("ix_origin_fork_parent_id"), "origin", ["fork_parent_id"], unique=False)
    op.create_index(op.f("ix_origin_last_fetched_at"), "origin", ["last_fetched_at"], unique=False)
    op.create_index(op.f("ix_origin_owner_id"), "origin", ["owner_id"], unique=False)
    op.create_index(op.f("ix_origin_raw_metadata_id"), "origin", ["raw_metadata_id"], unique=False)
    op.create_index(
        op.f("ix_origin_repository_origin_id"), "origin", ["repository_origin_id"], unique=False
    )
    # raw_metadata <-> origin is a cycle; this side is added once both tables exist.
    op.create_foreign_key(
        op.f("fk_raw_metadata_origin_id_origin"),
        "raw_metadata",
        "origin",
        ["origin_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_table(
        "issue",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Enum("issue", "pull_request", name="issue_kind"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("native_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.Enum("open", "closed", "merged", name="issue_state"), nullable=False),
        sa.Column("forge_state", sa.Text(), nullable=False),
        sa.Column("is_draft", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_locked", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("author_login", sa.Text(), nullable=True),
        sa.Column("labels", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("comments_count", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("forge_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forge_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["origin.id"], name=op.f("fk_issue_origin_id_origin"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_issue_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue")),
        sa.UniqueConstraint(
            "origin_id", "kind", "number", name=op.f("uq_issue_origin_id_kind_number")
        ),
    )
    op.create_index(
        op.f("ix_issue_origin_id_state_kind"), "issue", ["origin_id", "state", "kind"], unique=False
    )
    op.create_index(op.f("ix_issue_raw_metadata_id"), "issue", ["raw_metadata_id"], unique=False)
    op.create_table(
        "license_finding",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=True),
        sa.Column("directory_id", sa.BigInteger(), nullable=True),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.Column("expression", sa.Text(), nullable=True),
        sa.Column("original_text", sa.Text(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "forge_declared",
                "registry_declared",
                "manifest_declared",
                "license_file",
                "header",
                "spdx_tag",
                "inherited",
                name="license_source",
            ),
            nullable=False,
        ),
        sa.Column("evidence_content_id", sa.BigInteger(), nullable=True),
        sa.Column("evidence_path", sa.Text(), nullable=True),
        sa.Column("start_line", sa.Integer(), nullable=True),
        sa.Column("end_line", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "expression IS NOT NULL OR original_text IS NOT NULL",
            name=op.f("ck_license_finding_has_text"),
        ),
        sa.CheckConstraint(
            "num_nonnulls(content_id, directory_id, origin_id) = 1",
            name=op.f("ck_license_finding_one_target"),
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_license_finding_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directory.id"],
            name=op.f("fk_license_finding_directory_id_directory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_content_id"],
            ["content.id"],
            name=op.f("fk_license_finding_evidence_content_id_content"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_license_finding_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_license_finding_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_finding")),
    )
    op.create_index(
        op.f("ix_license_finding_content_id"), "license_finding", ["content_id"], unique=False
    )
    op.create_index(
        op.f("ix_license_finding_directory_id"), "license_finding", ["directory_id"], unique=False
    )
    op.create_index(
        op.f("ix_license_finding_evidence_content_id"),
        "license_finding",
        ["evidence_content_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_license_finding_expression"), "license_finding", ["expression"], unique=False
    )
    op.create_index(
        op.f("ix_license_finding_origin_id"), "license_finding", ["origin_id"], unique=False
    )
    op.create_index(
        op.f("ix_license_finding_raw_metadata_id"),
        "license_finding",
        ["raw_metadata_id"],
        unique=False,
    )
    op.create_table(
        "origin_alias",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_origin_alias_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_origin_alias_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_alias")),
        sa.UniqueConstraint("url", name=op.f("uq_origin_alias_url")),
    )
    op.create_index(op.f("ix_origin_alias_origin_id"), "origin_alias", ["origin_id"], unique=False)
    op.create_table(
        "paper_link",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("paper_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "preferred_citation",
                "reference",
                "software_doi",
                "readme_mention",
                "registry_link",
                name="paper_link_kind",
            ),
            nullable=False,
        ),
        sa.Column("evidence_content_id", sa.BigInteger(), nullable=True),
        sa.Column("evidence_path", sa.Text(), nullable=True),
        sa.Column("evidence_line", sa.Integer(), nullable=True),
        sa.Column("identifier_as_found", sa.Text(), nullable=False),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "num_nonnulls(evidence_content_id, raw_metadata_id) >= 1",
            name=op.f("ck_paper_link_has_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_content_id"],
            ["content.id"],
            name=op.f("fk_paper_link_evidence_content_id_content"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_paper_link_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["paper.id"],
            name=op.f("fk_paper_link_paper_id_paper"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_paper_link_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_link")),
    )
    op.create_index(
        op.f("ix_paper_link_evidence_content_id"),
        "paper_link",
        ["evidence_content_id"],
        unique=False,
    )
    op.create_index(op.f("ix_paper_link_origin_id"), "paper_link", ["origin_id"], unique=False)
    op.create_index(op.f("ix_paper_link_paper_id"), "paper_link", ["paper_id"], unique=False)
    op.create_index(
        op.f("ix_paper_link_raw_metadata_id"), "paper_link", ["raw_metadata_id"], unique=False
    )
    op.create_table(
        "path_occurrence",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("content_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("revision_id", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
            name=op.f("fk_path_occurrence_content_id_content"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_path_occurrence_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revision.id"],
            name=op.f("fk_path_occurrence_revision_id_revision"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_path_occurrence_snapshot_id_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_occurrence")),
        sa.UniqueConstraint(
            "origin_id",
            "snapshot_id",
            "path",
            name=op.f("uq_path_occurrence_origin_id_snapshot_id_path"),
        ),
    )
    op.create_index(
        op.f("ix_path_occurrence_content_id_origin_id"),
        "path_occurrence",
        ["content_id", "origin_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_path_occurrence_revision_id"), "path_occurrence", ["revision_id"], unique=False
    )
    op.create_index(
        op.f("ix_path_occurrence_snapshot_id"), "path_occurrence", ["snapshot_id"], unique=False
    )
    op.create_table(
        "project_metadata",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "problems", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("tool", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_project_metadata_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_project_metadata_snapshot_id_snapshot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_metadata")),
        sa.UniqueConstraint(
            "origin_id", "snapshot_id", name=op.f("uq_project_metadata_origin_id_snapshot_id")
        ),
    )
    op.create_index(
        op.f("ix_project_metadata_snapshot_id"), "project_metadata", ["snapshot_id"], unique=False
    )
    op.create_table(
        "visit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("visit_type", sa.Text(), nullable=False),
        sa.Column(
            "date", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("created", "ongoing", "full", "partial", "failed", name="visit_status"),
            nullable=False,
        ),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["origin_id"], ["origin.id"], name=op.f("fk_visit_origin_id_origin"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_visit_snapshot_id_snapshot"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    op.create_index(op.f("ix_visit_origin_id_date"), "visit", ["origin_id", "date"], unique=False)
    op.create_index(op.f("ix_visit_snapshot_id"), "visit", ["snapshot_id"], unique=False)


def downgrade() -> None:
    op.drop_constraint(op.f("fk_raw_metadata_origin_id_origin"), "raw_metadata", type_="foreignkey")
    op.drop_index(op.f("ix_visit_snapshot_id"), table_name="visit")
    op.drop_index(op.f("ix_visit_origin_id_date"), table_name="visit")
    op.drop_table("visit")
    op.drop_index(op.f("ix_project_metadata_snapshot_id"), table_name="project_metadata")
    op.drop_table("project_metadata")
    op.drop_index(op.f("ix_path_occurrence_snapshot_id"), table_name="path_occurrence")
    op.drop_index(op.f("ix_path_occurrence_revision_id"), table_name="path_occurrence")
    op.drop_index(op.f("ix_path_occurrence_content_id_origin_id"), table_name="path_occurrence")
    op.drop_table("path_occurrence")
    op.drop_index(op.f("ix_paper_link_raw_metadata_id"), table_name="paper_link")
    op.drop_index(op.f("ix_paper_link_paper_id"), table_name="paper_link")
    op.drop_index(op.f("ix_paper_link_origin_id"), table_name="paper_link")
    op.drop_index(op.f("ix_paper_link_evidence_content_id"), table_name="paper_link")
    op.drop_table("paper_link")
    op.drop_index(op.f("ix_origin_alias_origin_id"), table_name="origin_alias")
    op.drop_table("origin_alias")
    op.drop_index(op.f("ix_license_finding_raw_metadata_id"), table_name="license_finding")
    op.drop_index(op.f("ix_license_finding_origin_id"), table_name="license_finding")
    op.drop_index(op.f("ix_license_finding_expression"), table_name="license_finding")
    op.drop_index(op.f("ix_license_finding_evidence_content_id"), table_name="license_finding")
    op.drop_index(op.f("ix_license_finding_directory_id"), table_name="license_finding")
    op.drop_index(op.f("ix_license_finding_content_id"), table_name="license_finding")
    op.drop_table("license_finding")
    op.drop_index(op.f("ix_issue_raw_metadata_id"), table_name="issue")
    op.drop_index(op.f("ix_issue_origin_id_state_kind"), table_name="issue")
    op.drop_table("issue")
    op.drop_index(op.f("ix_origin_repository_origin_id"), table_name="origin")
    op.drop_index(op.f("ix_origin_raw_metadata_id"), table_name="origin")
    op.drop_index(op.f("ix_origin_owner_id"), table_name="origin")
    op.drop_index(op.f("ix_origin_last_fetched_at"), table_name="origin")
    op.drop_index(op.f("ix_origin_fork_parent_id"), table_name="origin")
    op.drop_index(op.f("ix_origin_forge_id"), table_name="origin")
    op.drop_table("origin")
    op.drop_table("snapshot_branch")
    op.drop_index(op.f("ix_pii_finding_content_id"), table_name="pii_finding")
    op.drop_table("pii_finding")
    op.drop_index(op.f("ix_owner_raw_metadata_id"), table_name="owner")
    op.drop_table("owner")
    op.drop_table("job_item")
    op.drop_table("directory_entry")
    op.drop_index(op.f("ix_content_fact_near_dup_cluster"), table_name="content_fact")
    op.drop_index(op.f("ix_content_fact_language"), table_name="content_fact")
    op.drop_table("content_fact")
    op.drop_table("snapshot")
    op.drop_table("revision")
    op.drop_table("release")
    op.drop_index(op.f("ix_raw_metadata_sha256"), table_name="raw_metadata")
    op.drop_index(op.f("ix_raw_metadata_origin_id"), table_name="raw_metadata")
    op.drop_index(
        op.f("ix_raw_metadata_authority_source_url_fetched_at"), table_name="raw_metadata"
    )
    op.drop_table("raw_metadata")
    op.drop_table("paper")
    op.drop_index("uq_license_spdx_id_lower", table_name="license")
    op.drop_index(op.f("ix_license_category"), table_name="license")
    op.drop_table("license")
    op.drop_index(op.f("ix_job_state_created_at"), table_name="job")
    op.drop_index(op.f("ix_job_kind_created_at"), table_name="job")
    op.drop_table("job")
    op.drop_table("forge")
    op.drop_table("directory")
    op.drop_index(op.f("ix_content_sha256"), table_name="content")
    op.drop_index(op.f("ix_content_sha1"), table_name="content")
    op.drop_table("content")
    sa.Enum(name="forge_kind").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="job_state").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="paper_status").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="entry_type").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="job_item_state").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="owner_kind").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="branch_target_type").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="origin_kind").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="issue_kind").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="issue_state").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="license_source").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="paper_link_kind").drop(op.get_bind(), checkfirst=False)
    sa.Enum(name="visit_status").drop(op.get_bind(), checkfirst=False)
