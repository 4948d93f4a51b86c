"""Signals: OSV advisories and their matches to origins, application domains, package
dependencies and importance (inputs and score).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_ARRAY = postgresql.ARRAY(sa.Text())


def upgrade() -> None:
    op.create_table(
        "advisory",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("osv_id", sa.Text(), nullable=False),
        sa.Column("aliases", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", sa.DateTime(timezone=True), nullable=True),
        sa.Column("severity_score", sa.Float(), nullable=True),
        sa.Column("severity_label", sa.Text(), nullable=True),
        sa.Column("severity_vector", sa.Text(), nullable=True),
        sa.Column("severity_source", sa.Text(), nullable=True),
        sa.Column(
            "references",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column("mapper_version", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_advisory_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory")),
        sa.UniqueConstraint("osv_id", name=op.f("uq_advisory_osv_id")),
    )
    op.create_index("ix_advisory_aliases", "advisory", ["aliases"], postgresql_using="gin")
    op.create_index(op.f("ix_advisory_raw_metadata_id"), "advisory", ["raw_metadata_id"])

    op.create_table(
        "advisory_package",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("advisory_id", sa.BigInteger(), nullable=False),
        sa.Column("ecosystem", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("purl", sa.Text(), nullable=True),
        sa.Column(
            "ranges", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("versions", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("fixed", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("repositories", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("unresolved", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisory.id"],
            name=op.f("fk_advisory_package_advisory_id_advisory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_package")),
    )
    op.create_index(op.f("ix_advisory_package_advisory_id"), "advisory_package", ["advisory_id"])
    op.create_index(op.f("ix_advisory_package_purl"), "advisory_package", ["purl"])

    op.create_table(
        "origin_advisory",
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("advisory_id", sa.BigInteger(), nullable=False),
        sa.Column("purls", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("latest_version", sa.Text(), nullable=True),
        sa.Column("affects_latest", sa.Boolean(), nullable=True),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.Column("snapshot_version", sa.Text(), nullable=True),
        sa.Column("affects_snapshot", sa.Boolean(), nullable=True),
        sa.Column("is_current", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("fixed_versions", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column(
            "evidence",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("matcher_version", sa.Text(), nullable=False),
        sa.Column(
            "matched_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisory.id"],
            name=op.f("fk_origin_advisory_advisory_id_advisory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_origin_advisory_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshot.id"],
            name=op.f("fk_origin_advisory_snapshot_id_snapshot"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("origin_id", "advisory_id", name=op.f("pk_origin_advisory")),
    )
    op.create_index(op.f("ix_origin_advisory_advisory_id"), "origin_advisory", ["advisory_id"])
    op.create_index(
        "ix_origin_advisory_current",
        "origin_advisory",
        ["origin_id"],
        postgresql_where=sa.text("is_current"),
    )

    op.create_table(
        "origin_domain",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column(
            "evidence",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("assigner_version", sa.Text(), nullable=False),
        sa.Column(
            "assigned_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "confidence > 0 AND confidence <= 1", name=op.f("ck_origin_domain_confidence_range")
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_origin_domain_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_domain")),
        sa.UniqueConstraint("origin_id", "domain", name=op.f("uq_origin_domain_origin_id_domain")),
    )
    op.create_index("ix_origin_domain_domain_confidence", "origin_domain", ["domain", "confidence"])

    op.create_table(
        "package_dependency",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("purl", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_package_dependency_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_package_dependency_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_dependency")),
        sa.UniqueConstraint("origin_id", "purl", name=op.f("uq_package_dependency_origin_id_purl")),
    )
    op.create_index(op.f("ix_package_dependency_purl"), "package_dependency", ["purl"])
    op.create_index(
        op.f("ix_package_dependency_raw_metadata_id"), "package_dependency", ["raw_metadata_id"]
    )

    op.create_table(
        "importance_signal",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raw_metadata_id", sa.BigInteger(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("computed_by", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_importance_signal_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_metadata_id"],
            ["raw_metadata.id"],
            name=op.f("fk_importance_signal_raw_metadata_id_raw_metadata"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importance_signal")),
        sa.UniqueConstraint("origin_id", "name", name=op.f("uq_importance_signal_origin_id_name")),
    )
    op.create_index(
        op.f("ix_importance_signal_raw_metadata_id"), "importance_signal", ["raw_metadata_id"]
    )

    op.create_table(
        "origin_importance",
        sa.Column("origin_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "inputs", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("formula_version", sa.Text(), nullable=False),
        sa.Column(
            "computed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["origin_id"],
            ["origin.id"],
            name=op.f("fk_origin_importance_origin_id_origin"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("origin_id", name=op.f("pk_origin_importance")),
    )
    op.create_index("ix_origin_importance_score", "origin_importance", ["score", "origin_id"])


def downgrade() -> None:
    op.drop_table("origin_importance")
    op.drop_table("importance_signal")
    op.drop_table("package_dependency")
    op.drop_table("origin_domain")
    op.drop_table("origin_advisory")
    op.drop_table("advisory_package")
    op.drop_table("advisory")
