"""Forges and registries, the owners and origins they describe, and their raw payloads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit.swhid import ObjectType, format_swhid
from app.models.base import Base, ProvenanceMixin, TimestampMixin, pg_enum
from app.models.enums import ForgeKind, OriginKind, OwnerKind

if TYPE_CHECKING:
    from app.models.scans import ScanSummary


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
    """A user or organization account on a forge or registry.

    Identity is the forge's stable id (``native_id``): accounts are renamed and a freed
    login is taken by another account, so a login names an account only for a time
    (``owner_login`` keeps each login with the period it was seen). An owner the forge
    gives no id for (a PyPI organization) is known by its login alone, unique among
    such owners. ``login``/``display_login`` and the descriptive fields are those of
    the newest payload naming the account: ``seen_at`` (its fetch time) and
    ``seen_rank`` (how much it said, then its digest) order payloads the same way
    whatever order they arrive in.
    """

    __tablename__ = "owner"
    __table_args__ = (
        UniqueConstraint("forge_id", "native_id"),
        Index("ix_owner_forge_id_login", "forge_id", "login"),
        Index(
            "uq_owner_forge_id_login_unidentified",
            "forge_id",
            "login",
            unique=True,
            postgresql_where=text("native_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    forge_id: Mapped[int] = mapped_column(ForeignKey("forge.id", ondelete="RESTRICT"))
    native_id: Mapped[str | None] = mapped_column(Text)
    login: Mapped[str] = mapped_column(Text)  # current; lower-cased on case-insensitive forges
    display_login: Mapped[str] = mapped_column(Text)
    kind: Mapped[OwnerKind | None] = mapped_column(pg_enum(OwnerKind, "owner_kind"))
    name: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime | None]
    seen_rank: Mapped[bytes] = mapped_column(LargeBinary, server_default=text("'\\x'::bytea"))

    forge: Mapped[Forge] = relationship(lazy="joined")


class OwnerLogin(Base):
    """A login an account was seen under, and when (first and last payload naming it)."""

    __tablename__ = "owner_login"
    __table_args__ = (UniqueConstraint("owner_id", "login"), Index(None, "login"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"))
    login: Mapped[str] = mapped_column(Text)
    display_login: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    # which payload at ``last_seen_at`` gave the spelling and provenance (ties broken)
    seen_rank: Mapped[bytes] = mapped_column(LargeBinary, server_default=text("'\\x'::bytea"))
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT")
    )


class Origin(ProvenanceMixin, TimestampMixin, Base):
    """A repository or package as the world knows it, with normalized descriptive fields.

    Identity is the forge's stable id (``forge_id``, ``native_id``); a URL only names
    an origin for a time: repositories are renamed and transferred, and a freed URL is
    taken by another repository. ``url`` is the current URL in canonical form (for
    matching, not unique: two origins may have held it); ``origin_alias`` keeps every
    URL each origin was seen at, with the period. ``archive_url`` is the URL as the
    forge or registry spells it, the one Software Heritage records and hashes into
    ``swh:1:ori:`` (``swhid_id``); NULL while no payload of the origin's own said it.
    """

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
        # Origins the forge gives no id for (packages, placeholders) are known by URL.
        Index(
            "uq_origin_url_unidentified",
            "url",
            unique=True,
            postgresql_where=text("native_id IS NULL"),
        ),
        CheckConstraint("octet_length(swhid_id) = 20", name="swhid_id_length"),
        CheckConstraint("fork_parent_id IS NULL OR fork_parent_id <> id", name="not_own_fork"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    url: Mapped[str] = mapped_column(Text, index=True)  # canonical, normalized: for matching
    archive_url: Mapped[str | None] = mapped_column(Text)  # as the forge gives it
    swhid_id: Mapped[bytes] = mapped_column(LargeBinary, index=True)  # sha1(recorded_url)
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
    stars: Mapped[int | None] = mapped_column(BigInteger)
    forks: Mapped[int | None] = mapped_column(BigInteger)
    watchers: Mapped[int | None] = mapped_column(BigInteger)
    open_issues: Mapped[int | None] = mapped_column(BigInteger)
    is_fork: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_archived: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_template: Mapped[bool] = mapped_column(Boolean, server_default="false")
    is_mirror: Mapped[bool] = mapped_column(Boolean, server_default="false")
    latest_version: Mapped[str | None] = mapped_column(Text)  # packages
    fork_source_url: Mapped[str | None] = mapped_column(Text)  # root of the fork network
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
    last_fetched_at: Mapped[datetime | None] = mapped_column(index=True)
    last_scanned_at: Mapped[datetime | None]

    forge: Mapped[Forge | None] = relationship(lazy="joined")
    owner: Mapped[Owner | None] = relationship(lazy="joined")
    # What the last scan derived (effective license, languages): rows of their own,
    # written by the scan pipeline only (app/scans/summary.py), read here.
    scan_summary: Mapped[ScanSummary | None] = relationship(
        primaryjoin="and_(Origin.id == ScanSummary.origin_id, ScanSummary.is_current)",
        foreign_keys="ScanSummary.origin_id",
        viewonly=True,
        uselist=False,
        lazy="selectin",
    )

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.ORIGIN, self.swhid_id)

    @property
    def recorded_url(self) -> str:
        """The URL the origin SWHID hashes: as the forge gives it, when known."""
        return self.archive_url or self.url


class OriginAlias(Base):
    """A URL an origin was seen at, and when: its current URL and former ones (rename,
    transfer), so old URLs still resolve, and to the origin that held them *then*.

    ``reason``: ``seen`` (a payload of the origin named it as its own, from
    ``first_seen_at`` to ``last_seen_at``), ``redirect`` (the forge answered a fetch of
    this URL with the origin, under another name: held before, when is unknown), or
    ``renamed`` (recorded before migration 0008, period unknown).
    """

    __tablename__ = "origin_alias"
    __table_args__ = (UniqueConstraint("origin_id", "url"), Index(None, "url"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    archive_url: Mapped[str | None] = mapped_column(Text)
    full_name: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    # the payload that gave spelling, name and provenance: fetched then, of that rank
    seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    seen_rank: Mapped[bytes] = mapped_column(LargeBinary, server_default=text("'\\x'::bytea"))
    raw_metadata_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("raw_metadata.id", ondelete="RESTRICT")
    )
