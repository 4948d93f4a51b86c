"""Signals for selecting and ranking code: known vulnerabilities (OSV advisories
matched to origins), application domains (assigned from evidence) and importance
(stored inputs and a versioned score). See ``app/signals`` for how each is derived.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ProvenanceMixin, TimestampMixin


class Advisory(ProvenanceMixin, TimestampMixin, Base):
    """One OSV record (GHSA, PYSEC, RUSTSEC, ...), as its database published it.

    ``raw_metadata_id`` is the stored record, verbatim; the fields are what the
    versioned mapper (``mapper_version``) read from it. ``severity_score`` is the CVSS
    base score computed from the record's vector, or, when it gives none, the upper
    bound of the band its database's label names (``severity_source`` says which).
    """

    __tablename__ = "advisory"
    __table_args__ = (Index("ix_advisory_aliases", "aliases", postgresql_using="gin"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    osv_id: Mapped[str] = mapped_column(Text, unique=True)
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    summary: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    withdrawn: Mapped[datetime | None]
    severity_score: Mapped[float | None] = mapped_column(Float)
    severity_label: Mapped[str | None] = mapped_column(Text)  # none|low|medium|high|critical
    severity_vector: Mapped[str | None] = mapped_column(Text)
    severity_source: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")


class AdvisoryPackage(Base):
    """One ``affected[]`` entry: a package (by purl) and the versions it affects.

    ``ranges`` keeps each OSV range with its events and, when the ecosystem's version
    rules are known, the equivalent ``vers:`` range built with univers; ``unresolved``
    says why a range cannot be evaluated (GIT commit ranges, unknown ecosystems)."""

    __tablename__ = "advisory_package"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    advisory_id: Mapped[int] = mapped_column(
        ForeignKey("advisory.id", ondelete="CASCADE"), index=True
    )
    ecosystem: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    purl: Mapped[str | None] = mapped_column(Text, index=True)
    ranges: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    versions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    fixed: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    repositories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    unresolved: Mapped[str | None] = mapped_column(Text)


class OriginAdvisory(Base):
    """An advisory that concerns an origin, with what is known of its current state.

    ``affects_latest``: the latest release the registry payload names is in an
    affected range (None: no version known, or the range cannot be evaluated);
    ``affects_snapshot``: the same for the version the latest scanned snapshot's
    manifest declares. ``is_current`` is true when either is true: that is what
    ``vulnerable=true`` means. Every row means "affected at some version" (ever).
    """

    __tablename__ = "origin_advisory"
    __table_args__ = (
        Index("ix_origin_advisory_current", "origin_id", postgresql_where=text("is_current")),
    )

    origin_id: Mapped[int] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), primary_key=True
    )
    advisory_id: Mapped[int] = mapped_column(
        ForeignKey("advisory.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    purls: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    latest_version: Mapped[str | None] = mapped_column(Text)
    affects_latest: Mapped[bool | None] = mapped_column(Boolean)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshot.id", ondelete="SET NULL"))
    snapshot_version: Mapped[str | None] = mapped_column(Text)
    affects_snapshot: Mapped[bool | None] = mapped_column(Boolean)
    is_current: Mapped[bool] = mapped_column(Boolean, server_default="false")
    fixed_versions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    # How the match was made: the package origins it came through, the ranges used.
    evidence: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    matcher_version: Mapped[str] = mapped_column(Text)
    matched_at: Mapped[datetime] = mapped_column(server_default=func.now())


class OriginDomain(Base):
    """An application domain assigned to an origin, with the evidence and a confidence.

    ``evidence`` lists what was read: ``{"kind": "registry_classifier", "value": ...,
    "raw_metadata_id": ...}`` and the like; ``confidence`` combines them (see
    ``app.signals.domains``)."""

    __tablename__ = "origin_domain"
    __table_args__ = (
        UniqueConstraint("origin_id", "domain"),
        CheckConstraint("confidence > 0 AND confidence <= 1", name="confidence_range"),
        Index("ix_origin_domain_domain_confidence", "domain", "confidence"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    assigner_version: Mapped[str] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PackageDependency(Base):
    """A dependency a package's latest release declares (its manifest as the registry
    serves it), by purl: what reverse dependencies ("dependents") are counted from."""

    __tablename__ = "package_dependency"
    __table_args__ = (UniqueConstraint("origin_id", "purl"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    purl: Mapped[str] = mapped_column(Text, index=True)
    requirement: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # e.g. "pypi info.requires_dist"
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT"), index=True
    )


class ImportanceSignal(Base):
    """One input of the importance score for an origin, with where and when it was read."""

    __tablename__ = "importance_signal"
    __table_args__ = (UniqueConstraint("origin_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)  # stars, forks, dependents, downloads, citations
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT"), index=True
    )
    observed_at: Mapped[datetime | None]
    computed_by: Mapped[str] = mapped_column(Text)


class OriginImportance(Base):
    """The origin's importance score, the inputs it used, and the formula's version."""

    __tablename__ = "origin_importance"
    __table_args__ = (Index("ix_origin_importance_score", "score", "origin_id"),)

    origin_id: Mapped[int] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    formula_version: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SignalPending(Base):
    """Origins whose derived signals are stale because their papers changed: a paper
    link was written to an already resolved paper, or a linked paper was resolved. The
    papers feature adds the rows (in the transaction that made the change), the
    signals refresh consumes them in batches (in the transaction that recomputes)."""

    __tablename__ = "signal_pending"

    origin_id: Mapped[int] = mapped_column(
        ForeignKey("origin.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(server_default=func.now())
