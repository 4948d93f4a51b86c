"""SQL for advisories, and the predicates other queries plug in (origin search, dataset
selection): each takes the column holding an origin id and returns a condition."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from packageurl import PackageURL
from sqlalchemy import ColumnElement, and_, any_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import QueryableAttribute, Session

from app.kit.problems import Problem
from app.models import (
    Advisory,
    AdvisoryPackage,
    Origin,
    OriginAdvisory,
    ProjectMetadata,
    RawMetadata,
)
from app.models.enums import OriginKind
from app.signals.vulnerabilities.matching import origin_purl
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


def _loose(name: str) -> str:
    """A package name folded as :func:`_loose_sql` folds a URL or manifest name: lower
    case, runs of ``-``, ``_``, ``.`` as one ``-`` (PEP 503, applied to every type so
    that the filter never misses what the exact purl comparison would accept)."""
    return re.sub(r"[-_.]+", "-", name.lower())


def _loose_sql(column: IdColumn) -> ColumnElement[str]:
    return func.regexp_replace(func.lower(column), "[-_.]+", "-", "g")


def advisories_changed_since(session: Session, since: datetime) -> list[int]:
    """Advisories an import wrote (created or updated) at or after ``since``."""
    return list(
        session.scalars(
            select(Advisory.id).where(Advisory.updated_at >= since).order_by(Advisory.id)
        )
    )


def origins_concerned(session: Session, advisory_ids: Sequence[int]) -> list[int]:
    """Every origin whose matches these advisories can change (a superset: the
    matcher decides): origins matched to them now (a changed advisory may no longer
    match), package origins whose purl is an affected package's and the repositories
    they declare, origins whose CodeMeta names such a package (a manifest), and the
    repositories GIT ranges name. Found with SQL filters on folded names, then
    package URLs are checked purl by purl."""
    ids = list(advisory_ids)
    if not ids:
        return []
    found: set[int] = set(
        session.scalars(select(OriginAdvisory.origin_id).where(OriginAdvisory.advisory_id.in_(ids)))
    )
    purls: set[str] = set()
    repositories: set[str] = set()
    for purl, repos in session.execute(
        select(AdvisoryPackage.purl, AdvisoryPackage.repositories).where(
            AdvisoryPackage.advisory_id.in_(ids)
        )
    ):
        if purl:
            purls.add(purl)
        repositories.update(repos or [])
    names = sorted({_loose(PackageURL.from_string(p).name) for p in purls})
    if names:
        tails = [f"%/{name}" for name in names]
        packages = session.execute(
            select(Origin.id, Origin.url, Origin.repository_origin_id).where(
                Origin.kind == OriginKind.PACKAGE,
                _loose_sql(func.rtrim(Origin.url, "/")).like(any_(array(tails))),
            )
        )
        for origin_id, url, repository_id in packages:
            if origin_purl(url) in purls:
                found.add(origin_id)
                if repository_id is not None:
                    found.add(repository_id)
        found.update(
            session.scalars(
                select(ProjectMetadata.origin_id)
                .where(_loose_sql(ProjectMetadata.record["name"].astext).in_(names))
                .distinct()
            )
        )
    if repositories:
        found.update(session.scalars(select(Origin.id).where(Origin.url.in_(sorted(repositories)))))
    return sorted(found)


# --- the writers of advisories: imports and re-derivation ----------------------------

# One key for every transaction that writes advisories (an import batch, a re-derive
# batch): they take turns, so two of them never race on one advisory (both inserting
# it, or an older record applied after a newer one).
ADVISORY_WRITES_LOCK = "codecommons:advisory-writes"


def lock_advisory_writes(session: Session) -> None:
    """Wait for, then hold until commit, the one writer's turn on advisories."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(ADVISORY_WRITES_LOCK))))


def stored_records_count(session: Session, fmt: str) -> int:
    """How many raw records of ``fmt`` are stored (a re-derivation's total)."""
    return int(
        session.scalar(
            select(func.count()).select_from(RawMetadata).where(RawMetadata.format == fmt)
        )
        or 0
    )


def stored_record_id_at(session: Session, fmt: str, position: int) -> int:
    """The id of the ``position``-th raw record of ``fmt`` in id order (1-based), 0
    before the first: where a re-derivation that had done ``position`` resumes."""
    if position <= 0:
        return 0
    found = session.scalar(
        select(RawMetadata.id)
        .where(RawMetadata.format == fmt)
        .order_by(RawMetadata.id)
        .offset(position - 1)
        .limit(1)
    )
    return int(found) if found is not None else 0


def stored_records_after(
    session: Session, fmt: str, after_id: int, limit: int
) -> Sequence[RawMetadata]:
    """The next ``limit`` raw records of ``fmt`` after ``after_id``, in id order (the
    order an import stored, and applied, them)."""
    return session.scalars(
        select(RawMetadata)
        .where(RawMetadata.format == fmt, RawMetadata.id > after_id)
        .order_by(RawMetadata.id)
        .limit(limit)
    ).all()
