"""SQL shared by the signal steps: the queue of origins whose signals are stale
(``signal_pending``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import SignalPending


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SignalPending)) or 0)


def claim_pending(session: Session, limit: int) -> list[int]:
    """Take up to ``limit`` stale origins off the queue, in the caller's transaction
    (rows another refresh holds are skipped): if the recompute that follows fails,
    the rollback puts them back."""
    claimed = (
        select(SignalPending.origin_id)
        .order_by(SignalPending.origin_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = session.scalars(
        delete(SignalPending)
        .where(SignalPending.origin_id.in_(claimed))
        .returning(SignalPending.origin_id)
    )
    return sorted(rows)


def forget_pending(session: Session, origin_ids: Sequence[int]) -> None:
    """These origins are being recomputed anyway (a full refresh's batch)."""
    session.execute(delete(SignalPending).where(SignalPending.origin_id.in_(list(origin_ids))))
