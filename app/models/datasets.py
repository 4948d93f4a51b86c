"""Datasets: definitions, their immutable revisions, builds and the frozen manifests.

A *dataset* is a name; each edit of its definition (purpose + selection) is a new
*revision*, and a revision never changes once a build used it. A *build* evaluates
one revision against the data as of a cut-off and freezes the result as a
*manifest*: one row per content, stored in the partition of ``dataset_manifest``
that belongs to the build (``PARTITION BY LIST (build_id)``). A build writes its rows
into a standalone table and attaches it in the same transaction that marks the build
succeeded, so a failed or killed build leaves nothing visible, and dropping a build
is dropping its partition (no vacuum of a shared table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin
from app.models.jobs import Job


class Dataset(TimestampMixin, Base):
    __tablename__ = "dataset"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    current_revision: Mapped[int] = mapped_column(Integer, server_default="1")


class DatasetRevision(Base):
    """One version of a dataset's definition; ``selection`` is the canonical
    (normalized) selection, ``selection_sha256`` the hash of its canonical JSON."""

    __tablename__ = "dataset_revision"
    __table_args__ = (
        UniqueConstraint("dataset_id", "revision"),
        CheckConstraint("octet_length(selection_sha256) = 32", name="selection_sha256_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    selection: Mapped[dict[str, Any]] = mapped_column(JSONB)
    selection_sha256: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DatasetBuild(Base):
    """One evaluation of a revision, frozen. ``state`` follows its job; the fingerprints,
    counts and funnel are set in the transaction that attaches the manifest."""

    __tablename__ = "dataset_build"
    __table_args__ = (
        UniqueConstraint("dataset_id", "number"),
        CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name="state_known"
        ),
        Index(None, "revision_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("dataset_revision.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(Text, server_default="queued")
    cutoff: Mapped[datetime]
    versions: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    optout_registry_version: Mapped[int | None] = mapped_column(BigInteger)
    funnel: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    intensional_fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary)
    extensional_fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary)
    row_count: Mapped[int | None] = mapped_column(BigInteger)
    # Roots of the aligned 2^k-leaf subtrees of the Merkle tree, concatenated (32 bytes
    # each, the last one possibly over fewer leaves): proofs recompute one chunk from
    # the partition and take the rest from here (app.datasets.merkle says why).
    merkle_chunk_leaves: Mapped[int | None] = mapped_column(Integer)
    merkle_chunk_roots: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    # The set the opt-out stage removed: its size and the RFC 9162 root over its sorted
    # SWHIDs (leaves in ``dataset_exclusion``, chunk roots as for the manifest).
    optout_excluded_count: Mapped[int | None] = mapped_column(BigInteger)
    optout_excluded_root: Mapped[bytes | None] = mapped_column(LargeBinary)
    optout_excluded_chunk_roots: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The registry version up to which withdrawals were computed for this build.
    withdrawals_version: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    job: Mapped[Job | None] = relationship()  # loaded on access: builds are locked alone

    @property
    def visible_state(self) -> str:
        """The build's state as callers should see it: its row changes only in the
        build's own transaction (all or nothing), so while that runs, or after its job
        gave up, the job says more."""
        if self.state in {"queued", "running"} and self.job is not None:
            job_state = self.job.state.value
            if job_state in {"running", "failed", "cancelled"}:
                return job_state
        return self.state

    @property
    def visible_error(self) -> str | None:
        return self.error or (self.job.error if self.job is not None else None)


class DatasetManifest(Base):
    """A build's frozen rows; the table is partitioned by ``build_id`` (one partition
    per build, attached when the build succeeds). ``leaf_index`` is the row's place in
    the Merkle tree: rows sorted by SWHID (= by ``sha1_git``)."""

    __tablename__ = "dataset_manifest"
    __table_args__ = (
        Index("ix_dataset_manifest_sha1_git", "build_id", "sha1_git", unique=True),
        Index("ix_dataset_manifest_sha1", "build_id", "sha1"),
        Index("ix_dataset_manifest_sha256", "build_id", "sha256"),
        {"postgresql_partition_by": "LIST (build_id)"},
    )

    build_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int] = mapped_column(BigInteger)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary)
    sha1: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[bytes] = mapped_column(LargeBinary)
    length: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(Text)
    license_expression: Mapped[str | None] = mapped_column(Text)
    license_evidence: Mapped[str | None] = mapped_column(Text)  # own | inherited | origin
    origin_id: Mapped[int] = mapped_column(BigInteger)
    origin_url: Mapped[str] = mapped_column(Text)
    snapshot_sha1_git: Mapped[bytes] = mapped_column(LargeBinary)
    path: Mapped[bytes] = mapped_column(LargeBinary)
    other_occurrences: Mapped[int] = mapped_column(BigInteger)
    near_dup_cluster: Mapped[int | None] = mapped_column(BigInteger)
    rank_value: Mapped[float | None]
    in_storage: Mapped[bool] = mapped_column(Boolean, server_default="false")


class DatasetExclusion(Base):
    """One content a build's opt-out stage removed, at its place in the tree of the
    excluded set (sorted by SWHID, like the manifest): an author's proof that their
    file was left out. Holds SWHIDs only, never which opt-out removed it."""

    __tablename__ = "dataset_exclusion"
    __table_args__ = (Index(None, "build_id", "sha1_git", unique=True),)

    build_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_build.id", ondelete="CASCADE"), primary_key=True
    )
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary)


class DatasetWithdrawal(Base):
    """A content of a build's manifest that an opt-out in force since the build now
    covers: those who hold the build should drop it. ``registry_version`` is the
    version at which the withdrawal was found (``?since=`` filters on it). SWHIDs
    only, never who asked."""

    __tablename__ = "dataset_withdrawal"
    __table_args__ = (Index(None, "build_id", "registry_version", "sha1_git"),)

    build_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_build.id", ondelete="CASCADE"), primary_key=True
    )
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    registry_version: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
