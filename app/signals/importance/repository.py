"""SQL for importance, and the expressions other queries order by."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, distinct, func, literal, select
from sqlalchemy.orm import QueryableAttribute, Session

from app.models import ImportanceSignal, OriginImportance, PathOccurrence

UNSCORED = -1.0  # what an origin without a computed score sorts as

# A column (or ORM attribute) holding the ids the condition is about.
IdColumn = ColumnElement[Any] | QueryableAttribute[Any]


def origin_importance_expr(origin_id: IdColumn) -> ColumnElement[float]:
    """The origin's ``importance@1`` score (``-1`` when not computed yet): a scalar
    subquery on ``origin_importance``'s primary key, for ORDER BY and keysets."""
    score = (
        select(OriginImportance.score)
        .where(OriginImportance.origin_id == origin_id)
        .scalar_subquery()
    )
    return func.coalesce(score, literal(UNSCORED))


def content_importance_expr(content_id: IdColumn) -> ColumnElement[float]:
    """A file's importance: the best score of the origins it occurs in plus log10 of
    how many origins it occurs in (forks, vendored copies): ``file_importance`` of
    :mod:`app.signals.importance.score`, in SQL."""
    occurrences = (
        select(
            func.coalesce(func.max(OriginImportance.score), literal(0.0))
            + func.log(func.greatest(func.count(distinct(PathOccurrence.origin_id)), 1))
        )
        .select_from(PathOccurrence)
        .outerjoin(OriginImportance, OriginImportance.origin_id == PathOccurrence.origin_id)
        .where(PathOccurrence.content_id == content_id)
        .scalar_subquery()
    )
    return func.coalesce(occurrences, literal(0.0))


def content_origin_counts(session: Session, content_ids: Sequence[int]) -> dict[int, int]:
    """In how many origins each content occurs."""
    out = dict.fromkeys(content_ids, 0)
    for content_id, n in session.execute(
        select(PathOccurrence.content_id, func.count(distinct(PathOccurrence.origin_id)))
        .where(PathOccurrence.content_id.in_(list(content_ids)))
        .group_by(PathOccurrence.content_id)
    ):
        out[content_id] = int(n)
    return out


def importance_of(
    session: Session, origin_id: int
) -> tuple[OriginImportance | None, list[ImportanceSignal]]:
    score = session.get(OriginImportance, origin_id)
    signals = session.scalars(
        select(ImportanceSignal)
        .where(ImportanceSignal.origin_id == origin_id)
        .order_by(ImportanceSignal.name)
    ).all()
    return score, list(signals)


def importances_of(
    session: Session, origin_ids: Sequence[int]
) -> dict[int, tuple[OriginImportance | None, list[ImportanceSignal]]]:
    """:func:`importance_of` for many origins in two queries (GraphQL pages)."""
    ids = list(origin_ids)
    scores = {
        row.origin_id: row
        for row in session.scalars(
            select(OriginImportance).where(OriginImportance.origin_id.in_(ids))
        )
    }
    signals: dict[int, list[ImportanceSignal]] = {i: [] for i in ids}
    for row in session.scalars(
        select(ImportanceSignal)
        .where(ImportanceSignal.origin_id.in_(ids))
        .order_by(ImportanceSignal.origin_id, ImportanceSignal.name)
    ):
        signals[row.origin_id].append(row)
    return {i: (scores.get(i), signals[i]) for i in ids}
