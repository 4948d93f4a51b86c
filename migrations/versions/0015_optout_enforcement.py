"""Opt-outs enforced in dataset builds (issue 13): what a build excluded, with the
root of that set, and the withdrawals announced to earlier builds.

* ``dataset_build`` gets the size, Merkle root and chunk roots of the set its opt-out
  stage removed, and ``withdrawals_version`` (the registry version up to which its
  withdrawals were computed);
* ``dataset_exclusion``: that set's leaves (build, leaf index, sha1_git);
* ``dataset_withdrawal``: contents of a build's manifest that an opt-out in force
  since then covers, with the registry version that found them.

Builds made before this migration keep NULLs: they excluded nothing (the registry was
not consulted) and get withdrawals from the next verified opt-out on.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dataset_build", sa.Column("optout_excluded_count", sa.BigInteger()))
    op.add_column("dataset_build", sa.Column("optout_excluded_root", sa.LargeBinary()))
    op.add_column("dataset_build", sa.Column("optout_excluded_chunk_roots", sa.LargeBinary()))
    op.add_column("dataset_build", sa.Column("withdrawals_version", sa.BigInteger()))
    op.create_table(
        "dataset_exclusion",
        sa.Column("build_id", sa.BigInteger(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["dataset_build.id"],
            name=op.f("fk_dataset_exclusion_build_id_dataset_build"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("build_id", "leaf_index", name=op.f("pk_dataset_exclusion")),
    )
    op.create_index(
        op.f("ix_dataset_exclusion_build_id_sha1_git"),
        "dataset_exclusion",
        ["build_id", "sha1_git"],
        unique=True,
    )
    op.create_table(
        "dataset_withdrawal",
        sa.Column("build_id", sa.BigInteger(), nullable=False),
        sa.Column("sha1_git", sa.LargeBinary(), nullable=False),
        sa.Column("registry_version", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["dataset_build.id"],
            name=op.f("fk_dataset_withdrawal_build_id_dataset_build"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("build_id", "sha1_git", name=op.f("pk_dataset_withdrawal")),
    )
    op.create_index(
        op.f("ix_dataset_withdrawal_build_id_registry_version_sha1_git"),
        "dataset_withdrawal",
        ["build_id", "registry_version", "sha1_git"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_dataset_withdrawal_build_id_registry_version_sha1_git"),
        table_name="dataset_withdrawal",
    )
    op.drop_table("dataset_withdrawal")
    op.drop_index(op.f("ix_dataset_exclusion_build_id_sha1_git"), table_name="dataset_exclusion")
    op.drop_table("dataset_exclusion")
    op.drop_column("dataset_build", "withdrawals_version")
    op.drop_column("dataset_build", "optout_excluded_chunk_roots")
    op.drop_column("dataset_build", "optout_excluded_root")
    op.drop_column("dataset_build", "optout_excluded_count")
