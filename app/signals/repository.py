"""SQL shared by the signal steps: the queue of origins whose signals are stale
(``signal_pending``), and the set-based writer every step replaces its rows with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.models import SignalPending
from app.models.base import Base


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


# Rows per INSERT statement of a replacement: one multi-row VALUES list each, well
# under PostgreSQL's 65,535 bind parameters for the widest table (12 columns).
WRITE_CHUNK = 1000


def replace_rows(
    session: Session,
    model: type[Base],
    key: Sequence[str],
    origin_ids: Sequence[int] | None,
    rows: Sequence[Mapping[str, object]],
    *,
    touch: Sequence[str] = (),
) -> int:
    """Make ``model``'s rows of these origins (every origin when None) exactly
    ``rows``, in set-based statements instead of one ORM object per row: the rows of
    those origins whose ``key`` is not among the new ones go in one DELETE, the new
    rows go in multi-row ``INSERT ... ON CONFLICT (key) DO UPDATE`` statements of
    :data:`WRITE_CHUNK` rows (a row that stays keeps its id). ``touch`` columns are
    set to ``now()`` on update as on insert (when it was computed). Returns how many
    rows were written."""
    table = model.__table__
    columns = [table.c[name] for name in key]
    stale = delete(model)
    if origin_ids is not None:
        stale = stale.where(table.c.origin_id.in_(list(origin_ids)))
        if rows:
            keys = [tuple(row[name] for name in key) for row in rows]
            stale = stale.where(tuple_(*columns).not_in(keys))
    session.execute(stale)
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = [dict(row) for row in rows[start : start + WRITE_CHUNK]]
        stmt = insert(model).values(chunk)
        updated = {name: stmt.excluded[name] for name in chunk[0] if name not in key} | {
            name: func.now() for name in touch
        }
        session.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=updated))
    return len(rows)
