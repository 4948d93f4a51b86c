"""The archive side: visits, snapshots, revisions, releases, directories, contents.

Objects are keyed by their git/SWH ``sha1_git`` (20 bytes, the SWHID's object id,
the type being implied by the table) with a bigint surrogate key for compact joins:
occurrences, facts and findings reference contents by ``content.id`` so the indexes
an export walks at tens of millions of rows stay small. Names and paths are
``bytea`` because git allows any bytes in them.
"""

from __future__ import annotations

from datetime import datetime

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
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit.swhid import ObjectType, format_swhid
from app.models.base import Base, pg_enum
from app.models.enums import BranchTargetType, EntryType, VisitStatus


def _sha1_git_check() -> CheckConstraint:
    return CheckConstraint("octet_length(sha1_git) = 20", name="sha1_git_length")


class Snapshot(Base):
    __tablename__ = "snapshot"
    __table_args__ = (_sha1_git_check(),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, unique=True)

    branches: Mapped[list[SnapshotBranch]] = relationship(
        order_by="SnapshotBranch.name", cascade="all, delete-orphan"
    )

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.SNAPSHOT, self.sha1_git)


class SnapshotBranch(Base):
    """A branch of a snapshot; aliases (HEAD) target another branch name, dangling none."""

    __tablename__ = "snapshot_branch"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    target_type: Mapped[BranchTargetType] = mapped_column(
        pg_enum(BranchTargetType, "branch_target_type")
    )
    target: Mapped[bytes | None] = mapped_column(LargeBinary)  # sha1_git, or alias name


class Visit(Base):
    """One archival of an origin: when, how, and the snapshot it produced."""

    __tablename__ = "visit"
    __table_args__ = (Index(None, "origin_id", "date"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    visit_type: Mapped[str] = mapped_column(Text)  # git, tar, zip, directory
    date: Mapped[datetime] = mapped_column(server_default=func.now())
    status: Mapped[VisitStatus] = mapped_column(pg_enum(VisitStatus, "visit_status"))
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("snapshot.id", ondelete="SET NULL"), index=True
    )

    snapshot: Mapped[Snapshot | None] = relationship()


class Revision(Base):
    """A commit, with every byte its id depends on: offsets as written (``-0000`` is
    not ``+0000``), extra headers in order (``gpgsig``, ``mergetag``, ``encoding``...,
    as ``swh.model.model.Revision.extra_headers``), and the raw manifest when the
    fields cannot reproduce the id (as SWH's ``raw_manifest``)."""

    __tablename__ = "revision"
    __table_args__ = (_sha1_git_check(),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    directory: Mapped[bytes] = mapped_column(LargeBinary)  # root directory sha1_git
    parents: Mapped[list[bytes]] = mapped_column(ARRAY(LargeBinary), server_default="{}")
    author: Mapped[bytes | None] = mapped_column(LargeBinary)  # "Name <email>" as in git
    author_date: Mapped[datetime | None]
    author_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    committer: Mapped[bytes | None] = mapped_column(LargeBinary)
    committer_date: Mapped[datetime | None]
    committer_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    author_offset_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    committer_offset_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    extra_headers: Mapped[list[list[bytes]]] = mapped_column(
        ARRAY(LargeBinary, dimensions=2), server_default="{}"
    )
    raw_manifest: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.REVISION, self.sha1_git)


class Release(Base):
    """An annotated tag; a signature is part of its message, as in git and SWH."""

    __tablename__ = "release"
    __table_args__ = (_sha1_git_check(),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    name: Mapped[bytes] = mapped_column(LargeBinary)
    target_type: Mapped[str] = mapped_column(Text)  # rev, dir, cnt, rel
    target: Mapped[bytes] = mapped_column(LargeBinary)
    author: Mapped[bytes | None] = mapped_column(LargeBinary)
    date: Mapped[datetime | None]
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_offset_bytes: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_manifest: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.RELEASE, self.sha1_git)


class Directory(Base):
    __tablename__ = "directory"
    __table_args__ = (_sha1_git_check(),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, unique=True)

    entries: Mapped[list[DirectoryEntry]] = relationship(
        order_by="DirectoryEntry.name", cascade="all, delete-orphan"
    )

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.DIRECTORY, self.sha1_git)


class DirectoryEntry(Base):
    __tablename__ = "directory_entry"

    directory_id: Mapped[int] = mapped_column(
        ForeignKey("directory.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    type: Mapped[EntryType] = mapped_column(pg_enum(EntryType, "entry_type"))
    perms: Mapped[int] = mapped_column(Integer)  # git mode, e.g. 0o100644
    target: Mapped[bytes] = mapped_column(LargeBinary)  # sha1_git of the target


class Content(Base):
    """A file's bytes, identified by its hashes. The bytes themselves live in the
    object storage (``app.storage``) when ``in_storage`` says so."""

    __tablename__ = "content"
    __table_args__ = (
        _sha1_git_check(),
        CheckConstraint("octet_length(sha1) = 20", name="sha1_length"),
        CheckConstraint("octet_length(sha256) = 32", name="sha256_length"),
        CheckConstraint("length >= 0", name="length_positive"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha1_git: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    sha1: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    sha256: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Set by the scan that wrote the bytes to the object storage (after the write).
    in_storage: Mapped[bool] = mapped_column(Boolean, server_default="false")

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.CONTENT, self.sha1_git)


class PathOccurrence(Base):
    """Where a content appears: in which origin's snapshot (and revision), at which path.

    Indexed both ways so an export can walk content → occurrence → origin → owner and
    an origin can list its files.
    """

    __tablename__ = "path_occurrence"
    __table_args__ = (
        UniqueConstraint("origin_id", "snapshot_id", "path"),
        Index(None, "content_id", "origin_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("content.id", ondelete="CASCADE"))
    origin_id: Mapped[int] = mapped_column(ForeignKey("origin.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshot.id", ondelete="CASCADE"), index=True
    )
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revision.id", ondelete="SET NULL"), index=True
    )
    path: Mapped[bytes] = mapped_column(LargeBinary)

    content: Mapped[Content] = relationship()
