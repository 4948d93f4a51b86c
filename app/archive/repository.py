"""SQL for archive objects, looked up by their SWHID object id or other hashes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from app.models import (
    Content,
    ContentFact,
    Directory,
    DirectoryEntry,
    LicenseFinding,
    Origin,
    PathOccurrence,
    PiiFinding,
    Release,
    Revision,
    Snapshot,
    SnapshotBranch,
)
from app.models.enums import LicenseSource


def content_by_hash(session: Session, algo: str, digest: bytes) -> Content | None:
    column = {"sha1_git": Content.sha1_git, "sha1": Content.sha1, "sha256": Content.sha256}[algo]
    return session.scalars(select(Content).where(column == digest).limit(1)).first()


def directory(session: Session, sha1_git: bytes) -> Directory | None:
    return session.scalars(select(Directory).where(Directory.sha1_git == sha1_git)).first()


def revision(session: Session, sha1_git: bytes) -> Revision | None:
    return session.scalars(select(Revision).where(Revision.sha1_git == sha1_git)).first()


def release(session: Session, sha1_git: bytes) -> Release | None:
    return session.scalars(select(Release).where(Release.sha1_git == sha1_git)).first()


def snapshot(session: Session, sha1_git: bytes) -> Snapshot | None:
    return session.scalars(select(Snapshot).where(Snapshot.sha1_git == sha1_git)).first()


def content_fact(session: Session, content_id: int) -> ContentFact | None:
    return session.get(ContentFact, content_id)


def content_licenses(session: Session, content_id: int) -> Sequence[LicenseFinding]:
    return session.scalars(
        select(LicenseFinding)
        .where(LicenseFinding.content_id == content_id)
        .order_by(LicenseFinding.id)
    ).all()


def pii_summary(session: Session, content_id: int) -> dict[str, int]:
    rows = session.execute(
        select(PiiFinding.kind, func.count())
        .where(PiiFinding.content_id == content_id)
        .group_by(PiiFinding.kind)
        .order_by(PiiFinding.kind)
    ).all()
    return {str(kind): int(n) for kind, n in rows}


def occurrences(
    session: Session, content_id: int, *, after_id: int | None, limit: int
) -> Sequence[tuple[PathOccurrence, Origin, Snapshot]]:
    """Where a content appears, oldest occurrence first, from just after ``after_id``.

    Keyset on ``path_occurrence.id``: the page costs the same at the 100,000th
    occurrence as at the first (no OFFSET to walk past).
    """
    stmt = (
        select(PathOccurrence, Origin, Snapshot)
        .join(Origin, Origin.id == PathOccurrence.origin_id)
        .join(Snapshot, Snapshot.id == PathOccurrence.snapshot_id)
        .where(PathOccurrence.content_id == content_id)
    )
    if after_id is not None:
        stmt = stmt.where(PathOccurrence.id > after_id)
    rows = session.execute(stmt.order_by(PathOccurrence.id).limit(limit)).all()
    return [(occ, origin, snap) for occ, origin, snap in rows]


def occurrence_count(session: Session, content_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PathOccurrence)
            .where(PathOccurrence.content_id == content_id)
        )
        or 0
    )


def license_files_of_snapshots(
    session: Session, places: Collection[tuple[int, int]]
) -> dict[tuple[int, int], list[tuple[bytes, LicenseFinding]]]:
    """License-file findings of each ``(origin id, snapshot id)``, with the file's
    path: what the files of that snapshot inherit from. One query for a whole page of
    occurrences, rather than one per occurrence."""
    found: dict[tuple[int, int], list[tuple[bytes, LicenseFinding]]] = {}
    if not places:
        return found
    rows = session.execute(
        select(
            PathOccurrence.origin_id,
            PathOccurrence.snapshot_id,
            PathOccurrence.path,
            LicenseFinding,
        )
        .join(LicenseFinding, LicenseFinding.content_id == PathOccurrence.content_id)
        .where(
            tuple_(PathOccurrence.origin_id, PathOccurrence.snapshot_id).in_(list(places)),
            LicenseFinding.source == LicenseSource.LICENSE_FILE,
        )
        .order_by(PathOccurrence.id, LicenseFinding.id)
    ).all()
    for origin_id, snapshot_id, path, finding in rows:
        found.setdefault((origin_id, snapshot_id), []).append((bytes(path), finding))
    return found


def directory_entries(
    session: Session, directory_id: int, *, after_name: bytes | None, limit: int
) -> Sequence[DirectoryEntry]:
    """A directory's entries by name, from just after ``after_name``.

    Entries are rows keyed ``(directory_id, name)``, so the primary key index serves
    this keyset directly; ``bytea`` compares byte by byte in PostgreSQL, as ``bytes``
    do in Python, so the order is the same on both sides of the cursor.
    """
    stmt = select(DirectoryEntry).where(DirectoryEntry.directory_id == directory_id)
    if after_name is not None:
        stmt = stmt.where(DirectoryEntry.name > after_name)
    return session.scalars(stmt.order_by(DirectoryEntry.name).limit(limit)).all()


def directory_entry_count(session: Session, directory_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(DirectoryEntry)
            .where(DirectoryEntry.directory_id == directory_id)
        )
        or 0
    )


def snapshot_branches(
    session: Session, snapshot_id: int, *, after_name: bytes | None, limit: int
) -> Sequence[SnapshotBranch]:
    """A snapshot's branches by name, from just after ``after_name`` (keyset on the
    ``(snapshot_id, name)`` primary key, like :func:`directory_entries`)."""
    stmt = select(SnapshotBranch).where(SnapshotBranch.snapshot_id == snapshot_id)
    if after_name is not None:
        stmt = stmt.where(SnapshotBranch.name > after_name)
    return session.scalars(stmt.order_by(SnapshotBranch.name).limit(limit)).all()


def snapshot_branch_count(session: Session, snapshot_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SnapshotBranch)
            .where(SnapshotBranch.snapshot_id == snapshot_id)
        )
        or 0
    )
