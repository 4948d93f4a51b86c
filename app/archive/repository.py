"""SQL for archive objects, looked up by their SWHID object id or other hashes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Content,
    ContentFact,
    Directory,
    LicenseFinding,
    Origin,
    PathOccurrence,
    PiiFinding,
    Release,
    Revision,
    Snapshot,
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
    session: Session, content_id: int, limit: int
) -> Sequence[tuple[PathOccurrence, Origin, Snapshot]]:
    rows = session.execute(
        select(PathOccurrence, Origin, Snapshot)
        .join(Origin, Origin.id == PathOccurrence.origin_id)
        .join(Snapshot, Snapshot.id == PathOccurrence.snapshot_id)
        .where(PathOccurrence.content_id == content_id)
        .order_by(PathOccurrence.id)
        .limit(limit)
    ).all()
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


def snapshot_license_files(
    session: Session, origin_id: int, snapshot_id: int
) -> Sequence[tuple[bytes, LicenseFinding]]:
    """License-file findings of one snapshot of an origin, with the file's path: what
    the files of that snapshot inherit from."""
    rows = session.execute(
        select(PathOccurrence.path, LicenseFinding)
        .join(LicenseFinding, LicenseFinding.content_id == PathOccurrence.content_id)
        .where(
            PathOccurrence.origin_id == origin_id,
            PathOccurrence.snapshot_id == snapshot_id,
            LicenseFinding.source == LicenseSource.LICENSE_FILE,
        )
    ).all()
    return [(bytes(path), finding) for path, finding in rows]
