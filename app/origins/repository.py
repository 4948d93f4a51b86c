"""SQL for origins."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.forges.urls import normalize_url
from app.models import (
    LicenseFinding,
    Origin,
    OriginAlias,
    PathOccurrence,
    Snapshot,
    Visit,
)


def get(session: Session, origin_id: int) -> Origin | None:
    return session.get(Origin, origin_id)


def get_by_url(session: Session, url: str) -> Origin | None:
    """By URL as given or normalized (scheme, host case, ``www.``, ``.git``, trailing
    slash), current or former (rename, transfer)."""
    try:
        candidates = list(dict.fromkeys([url, normalize_url(url)]))
    except ValueError:  # not a URL with a host: only an exact match can apply
        candidates = [url]
    found = session.scalars(select(Origin).where(Origin.url.in_(candidates))).first()
    if found is not None:
        return found
    return session.scalars(
        select(Origin)
        .join(OriginAlias, OriginAlias.origin_id == Origin.id)
        .where(OriginAlias.url.in_(candidates))
    ).first()


def get_by_swhid_id(session: Session, swhid_id: bytes) -> Origin | None:
    return session.scalars(select(Origin).where(Origin.swhid_id == swhid_id)).first()


def by_ids(session: Session, ids: Sequence[int]) -> dict[int, Origin]:
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Origin).where(Origin.id.in_(ids)))}


def license_findings(
    session: Session, origin_ids: Sequence[int]
) -> dict[int, list[LicenseFinding]]:
    """Findings attached to each origin (declared by forges, reconciled, ...)."""
    out: dict[int, list[LicenseFinding]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    rows = session.scalars(
        select(LicenseFinding)
        .where(LicenseFinding.origin_id.in_(origin_ids))
        .order_by(LicenseFinding.origin_id, LicenseFinding.id)
    )
    for finding in rows:
        out[finding.origin_id or 0].append(finding)
    return out


def latest_visit(session: Session, origin_id: int) -> Visit | None:
    return session.scalars(
        select(Visit).where(Visit.origin_id == origin_id).order_by(Visit.date.desc()).limit(1)
    ).first()


def file_count(session: Session, snapshot_id: int, origin_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(PathOccurrence)
            .where(
                PathOccurrence.snapshot_id == snapshot_id,
                PathOccurrence.origin_id == origin_id,
            )
        )
        or 0
    )


def aliases(session: Session, origin_id: int) -> Sequence[OriginAlias]:
    return session.scalars(
        select(OriginAlias).where(OriginAlias.origin_id == origin_id).order_by(OriginAlias.id)
    ).all()


def snapshot_swhid(session: Session, snapshot_id: int | None) -> str | None:
    if snapshot_id is None:
        return None
    snap = session.get(Snapshot, snapshot_id)
    return snap.swhid if snap else None
