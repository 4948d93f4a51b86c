"""SQL for domains, and the predicate other queries plug in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, select
from sqlalchemy.orm import QueryableAttribute, Session

from app.kit.problems import Problem
from app.models import OriginDomain
from app.signals.domains.assign import MIN_CONFIDENCE
from app.signals.domains.taxonomy import BY_KEY, descendants

# A column (or ORM attribute) holding the ids the condition is about.
IdColumn = ColumnElement[Any] | QueryableAttribute[Any]


def check_domain(key: str) -> str:
    word = key.strip().lower()
    if word not in BY_KEY:
        raise Problem(f"unknown domain {key!r} (see /v1/domains)")
    return word


def domain_predicate(
    origin_id: IdColumn, domain: str, min_confidence: float = MIN_CONFIDENCE
) -> ColumnElement[bool]:
    """The origin is assigned ``domain`` or one of its descendants (``science``
    includes ``astronomy``), at least this confidently."""
    keys = descendants(check_domain(domain))
    return (
        select(literal(1))
        .where(
            OriginDomain.origin_id == origin_id,
            OriginDomain.domain.in_(keys),
            OriginDomain.confidence >= min_confidence,
        )
        .exists()
    )


def domains_of(session: Session, origin_ids: Sequence[int]) -> dict[int, list[OriginDomain]]:
    out: dict[int, list[OriginDomain]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    for row in session.scalars(
        select(OriginDomain)
        .where(OriginDomain.origin_id.in_(list(origin_ids)))
        .order_by(OriginDomain.origin_id, OriginDomain.confidence.desc(), OriginDomain.domain)
    ):
        out[row.origin_id].append(row)
    return out
