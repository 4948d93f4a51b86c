"""Forges and registries, the owners and origins they describe, and their raw payloads."""

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
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit.swhid import ObjectType, format_swhid
from app.models.base import Base, ProvenanceMixin, TimestampMixin, pg_enum
from app.models.enums import ForgeKind, OriginKind, OwnerKind


class Forge(TimestampMixin, Base):
    """A host that knows about code: a forge (github.com) or a registry (pypi.org)."""

    __tablename__ = "forge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)  # host name, e.g. github.com
    kind: Mapped[ForgeKind] = mapped_column(pg_enum(ForgeKind, "forge_kind"))
    base_url: Mapped[str] = mapped_column(Text)
    api_url: Mapped[str | None] = mapped_column(Text)
    # GitHub and most forges treat owner/repo case-insensitively; URLs are lowered there.
    case_insensitive_paths: Mapped[bool] = mapped_column(Boolean, server_default="true")


class RawMetadata(Base):
    """A payload exactly as a forge or registry returned it, kept forever.

    Normalized rows point back here (with the mapper version) so any field can be
    explained and re-derived without refetching.
    """

    __tablename__ = "raw_metadata"
    __table_args__ = (
        CheckConstraint("octet_length(sha256) = 32", name="sha256_length"),
        Index(None, "authority", "source_url", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    authority: Mapped[str] = mapped_column(Text)  # who said it: github.com, pypi.org...
    format: Mapped[str] = mapped_column(Text)  # application/vnd.github.v3+json, ...
    kind: Mapped[str] = mapped_column(Text)  # repository, package, owner, issues, ...
    source_url: Mapped[str | None] = mapped_column(Text)
    fetcher_name: Mapped[str] = mapped_column(Text)
    fetcher_version: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(server_default=func.now())
    etag: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # verbatim bytes
    sha256: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    # use_alter: origin also points back here (its provenance), a cycle the
    # migration breaks by adding this constraint after both tables exist.
    origin_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("origin.id", ondelete="SET NULL", use_alter=True), index=True
    )


class Owner(ProvenanceMixin, TimestampMixin, Base):
    """A user or organization account on a forge or registry."""

    __tablename__ = "owner"
    __table_args__ = (
        UniqueConstraint("forge_id", "login"),
        UniqueConstraint("forge_id", "native_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    forge_id: Mapped[int] = mapped_column(ForeignKey("forge.id", ondelete="RESTRICT"))
    native_id: Mapped[str | None] = mapped_column(Text)
    login: Mapped[str] = mapped_column(Text)  # stored lower-cased on case-insensitive forges
    display_login: Mapped[str] = mapped_column(Text)
    kind: Mapped[OwnerKind | None] = mapped_column(pg_enum(OwnerKind, "owner_kind"))
    name: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)

    forge: Mapped[Forge] = relationship(lazy="joined")


class Origin(ProvenanceMixin, TimestampMixin, Base):
    """A repository or package as the world knows it, with normalized descriptive fields."""

    __tablename__ = "origin"
    __table_args__ = (
        UniqueConstraint("forge_id", "native_id"),
        # Keyset sorts (see app.origins.search) and text search.
        Index("ix_origin_sort_stars", text("coalesce(stars, -1)"), "id"),
        Index("ix_origin_sort_forks", text("coalesce(forks, -1)"), "id"),
        Index(
            "ix_origin_sort_created",
            text("coalesce(forge_created_at, '-infinity'::timestamptz)"),
            "id",
        ),
        Index(
            "ix_origin_sort_updated",
            text("coalesce(forge_updated_at, '-infinity'::timestamptz)"),
            "id",
        ),
        Index(
            "ix_origin_sort_scanned",
            text("coalesce(last_scanned_at, '-infinity'::timestamptz)"),
            "id",
        ),
        Index(
            "ix_origin_search_trgm",
            text("(coalesce(full_name, '') || ' ' || coalesce(description, '')) gin_trgm_ops"),
            postgresql_using="gin",
        ),
        Index("ix_origin_topics", "topics", postgresql_using="gin"),
        CheckConstraint("octet_length(swhid_id) = 20", name="swhid_id_length"),
        CheckConstraint("fork_parent_id IS NULL OR fork_parent_id <> id", name="not_own_fork"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # canonical, normalized URL
    swhid_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)  # sha1(url)
    forge_id: Mapped[int | None] = mapped_column(
        ForeignKey("forge.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[OriginKind] = mapped_column(pg_enum(OriginKind, "origin_kind"))
    native_id: Mapped[str | None] = mapped_column(Text)
    full_name: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    fork_parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("origin.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str | None] = mapped_column(Text)
    homepage: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    language: Mapped[str | None] = mapped_column(Text)
    stars: Mapped[int | None] = mapped_column(Integer)
    forks: Mapped[int | None] = mapped_column(Integer)
    watchers: Mapped[int | None] = mapped_column(Integer)
    open_issues: Mapped[int | None] = mapped_column(Integer)
    is_fork: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_archived: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_template: Mapped[bool] = mapped_column(Boolean, server_default="false")
    default_branch: Mapped[str | None] = mapped_column(Text)
    issue_tracker_url: Mapped[str | None] = mapped_column(Text)
    # For packages: the repository they declare, and the origin it resolves to.
    declared_repository_url: Mapped[str | None] = mapped_column(Text, index=True)
    repository_origin_id: Mapped[int | None] = mapped_column(
        ForeignKey("origin.id", ondelete="SET NULL"), index=True
    )
    forge_created_at: Mapped[datetime | None]
    forge_updated_at: Mapped[datetime | None]
    forge_pushed_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    last_fetched_at: Mapped[datetime | None] = mapped_column(index=True)
    last_scanned_at: Mapped[datetime | None]

    forge: Mapped[Forge | None] = relationship(lazy="joined")
    owner: Mapped[Owner | None] = relationship(lazy="joined")

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.ORIGIN, self.swhid_id)


class OriginAlias(Base):
    """A URL an origin was known by before (rename, transfer), so old URLs still resolve."""

    __tablename__ = "origin_alias"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    full_name: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)  # renamed, transferred, redirect
    seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT")
    )
