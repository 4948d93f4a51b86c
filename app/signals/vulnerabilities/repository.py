"""SQL for advisories, and the predicates other queries plug in (origin search, dataset
selection): each takes the column holding an origin id and returns a condition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, any_, literal, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from app.kit.problems import Problem
from app.models import Advisory, AdvisoryPackage, OriginAdvisory
from app.signals.vulnerabilities.severity import LABEL_BOUNDS

# A column (or ORM attribute) holding the ids the condition is about.
IdColumn = ColumnElement[Any] | QueryableAttribute[Any]


def parse_severity_bound(value: str) -> float:
    """``max_severity``: a CVSS score from 0 to 10 or a label (none, low, medium,
    high, critical: the upper bound of its band)."""
    word = value.strip().lower()
    if word in LABEL_BOUNDS:
        return LABEL_BOUNDS[word]
    try:
        score = float(word)
    except ValueError:
        score = -1.0
    if not 0.0 <= score <= 10.0:
        labels = ", ".join(LABEL_BOUNDS)
        raise Problem(
            f"max_severity must be a score from 0 to 10 or one of {labels}; got {value!r}"
        )
    return score


def _current(origin_id: IdColumn) -> Any:
    return (
        select(literal(1))
        .select_from(OriginAdvisory)
        .where(OriginAdvisory.origin_id == origin_id, OriginAdvisory.is_current.is_(True))
    )


def vulnerable_predicate(origin_id: IdColumn, vulnerable: bool) -> ColumnElement[bool]:
    """``vulnerable=true``: a known advisory affects the origin's latest release or
    latest scanned snapshot; ``false``: none does (served by the partial index on
    current matches)."""
    exists: ColumnElement[bool] = _current(origin_id).exists()
    return exists if vulnerable else ~exists


def max_severity_predicate(origin_id: IdColumn, bound: float) -> ColumnElement[bool]:
    """No advisory affecting the current version is more severe than ``bound``; an
    advisory of unknown severity counts as more severe than any bound."""
    worse = (
        _current(origin_id)
        .join(Advisory, Advisory.id == OriginAdvisory.advisory_id)
        .where(or_(Advisory.severity_score.is_(None), Advisory.severity_score > bound))
    )
    found: ColumnElement[bool] = worse.exists()
    return ~found


def advisory_predicate(origin_id: IdColumn, identifier: str) -> ColumnElement[bool]:
    """The origin is concerned (at any version) by the advisory with this OSV id or
    alias (GHSA-..., CVE-..., PYSEC-...)."""
    key = identifier.strip()
    return (
        select(literal(1))
        .select_from(OriginAdvisory)
        .join(Advisory, Advisory.id == OriginAdvisory.advisory_id)
        .where(
            OriginAdvisory.origin_id == origin_id,
            or_(Advisory.osv_id == key, literal(key) == any_(Advisory.aliases)),
        )
        .exists()
    )


def known_advisories(session: Session, identifiers: Sequence[str]) -> set[str]:
    """Which of these identifiers name an imported advisory, by OSV id or alias."""
    keys = sorted({i.strip() for i in identifiers})
    if not keys:
        return set()
    found: set[str] = set()
    for osv_id, aliases in session.execute(
        select(Advisory.osv_id, Advisory.aliases).where(
            or_(Advisory.osv_id.in_(keys), Advisory.aliases.overlap(keys))
        )
    ):
        found |= {osv_id, *aliases} & set(keys)
    return found


def get_advisory(session: Session, identifier: str) -> Advisory | None:
    key = identifier.strip()
    found = session.scalars(select(Advisory).where(Advisory.osv_id == key)).first()
    if found is not None:
        return found
    return session.scalars(
        select(Advisory).where(literal(key) == any_(Advisory.aliases)).order_by(Advisory.id)
    ).first()


def packages_of(session: Session, advisory_ids: Sequence[int]) -> dict[int, list[AdvisoryPackage]]:
    out: dict[int, list[AdvisoryPackage]] = {i: [] for i in advisory_ids}
    for package in session.scalars(
        select(AdvisoryPackage)
        .where(AdvisoryPackage.advisory_id.in_(list(advisory_ids)))
        .order_by(AdvisoryPackage.id)
    ):
        out[package.advisory_id].append(package)
    return out


def origin_advisories(
    session: Session, origin_ids: Sequence[int], *, current_only: bool = False
) -> dict[int, list[tuple[OriginAdvisory, Advisory]]]:
    """Each origin's advisories, current ones first, then by severity."""
    out: dict[int, list[tuple[OriginAdvisory, Advisory]]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    stmt = (
        select(OriginAdvisory, Advisory)
        .join(Advisory, Advisory.id == OriginAdvisory.advisory_id)
        .where(OriginAdvisory.origin_id.in_(list(origin_ids)))
        .order_by(
            OriginAdvisory.origin_id,
            OriginAdvisory.is_current.desc(),
            Advisory.severity_score.desc().nulls_first(),
            Advisory.osv_id,
        )
    )
    if current_only:
        stmt = stmt.where(and_(OriginAdvisory.is_current.is_(True)))
    for link, advisory in session.execute(stmt):
        out[link.origin_id].append((link, advisory))
    return out
