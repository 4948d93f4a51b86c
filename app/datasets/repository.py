"""SQL of datasets: definitions, builds, manifests, and the catalog reads a selection
needs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.datasets.fingerprints import iso_utc
from app.models import (
    Advisory,
    Content,
    ContentFact,
    Dataset,
    DatasetBuild,
    DatasetExclusion,
    DatasetManifest,
    DatasetRevision,
    Forge,
    LicenseFinding,
    Origin,
    OriginAdvisory,
    OriginDomain,
    OriginImportance,
    PathOccurrence,
    ScanSummary,
    Visit,
)

# --- the origin's effective license: ONE place reads it ---------------------------


@dataclass(frozen=True)
class EffectiveLicenseColumns:
    expression: ColumnElement[str]
    has_conflicts: ColumnElement[bool]


def effective_license(origin: Any = Origin) -> EffectiveLicenseColumns:
    """SQL for an origin's reconciled effective license and whether it records
    conflicts: those of its last scan (``scan_summary``'s current row, one probe of
    its unique partial index per origin)."""
    # The ORM class, a table alias, or an alias's column collection.
    origin_id = origin.c.id if isinstance(origin, FromClause) else origin.id
    current = and_(ScanSummary.origin_id == origin_id, ScanSummary.is_current)
    expression = select(ScanSummary.license_expression).where(current).scalar_subquery()
    conflicts = (
        select(ScanSummary.license_conflicts)
        .where(current, func.cardinality(ScanSummary.license_conflicts) > 0)
        .exists()
    )
    return EffectiveLicenseColumns(expression=expression, has_conflicts=conflicts)


def distinct_license_expressions(session: Session) -> list[str]:
    """Every mapped expression a build may meet: in license findings (a loose index
    scan over ``ix_license_finding_expression``: one probe per distinct value, not a
    pass over the findings) and in origins' effective licenses."""
    found = session.execute(
        text(
            "WITH RECURSIVE e(x) AS ("
            " (SELECT expression FROM license_finding WHERE expression IS NOT NULL"
            "  ORDER BY expression LIMIT 1)"
            " UNION ALL"
            " SELECT (SELECT expression FROM license_finding"
            "         WHERE expression > e.x ORDER BY expression LIMIT 1)"
            " FROM e WHERE e.x IS NOT NULL)"
            " SELECT x FROM e WHERE x IS NOT NULL"
        )
    ).scalars()
    from_origins = session.execute(
        select(ScanSummary.license_expression)
        .where(ScanSummary.is_current, ScanSummary.license_expression.is_not(None))
        .distinct()
    ).scalars()
    return sorted({*found, *from_origins})


def data_languages(session: Session) -> list[str]:
    """The languages present in the facts (loose index scan over their index)."""
    rows = session.execute(
        text(
            "WITH RECURSIVE l(x) AS ("
            " (SELECT language FROM content_fact WHERE language IS NOT NULL"
            "  ORDER BY language LIMIT 1)"
            " UNION ALL"
            " SELECT (SELECT language FROM content_fact"
            "         WHERE language > l.x ORDER BY language LIMIT 1)"
            " FROM l WHERE l.x IS NOT NULL)"
            " SELECT x FROM l WHERE x IS NOT NULL"
        )
    ).scalars()
    return list(rows)


def forge_names(session: Session) -> list[str]:
    return list(session.scalars(select(Forge.name).order_by(Forge.name)))


def data_cutoff(session: Session) -> datetime | None:
    """The time of the newest archived data: the default cut-off of a build, so two
    builds on unchanged data share it (and their intensional fingerprint)."""
    newest_content = session.scalar(select(func.max(Content.created_at)))
    newest_visit = session.scalar(select(func.max(Visit.date)))
    candidates = [t for t in (newest_content, newest_visit) if t is not None]
    return max(candidates) if candidates else None


def signal_versions(
    session: Session, *, domains: bool, vulnerabilities: bool, importance: bool
) -> dict[str, Any]:
    """The signals a selection reads, as stored when the build runs: the versions of
    the rules that derived them and, for advisories, the OSV import cut-off (the newest
    ``modified`` time among the imported records, and how many there are). Hashed into
    the intensional fingerprint, so a build over other advisories or another
    importance formula is another build. Only the signals the selection uses."""
    out: dict[str, Any] = {}
    if domains:
        out["domains"] = sorted(
            session.scalars(select(OriginDomain.assigner_version).distinct()).all()
        )
    if vulnerabilities:
        newest, records = session.execute(
            select(func.max(Advisory.modified), func.count()).select_from(Advisory)
        ).one()
        out["advisories"] = {
            "matchers": sorted(
                session.scalars(select(OriginAdvisory.matcher_version).distinct()).all()
            ),
            "osv_cutoff": iso_utc(newest) if newest is not None else None,
            "records": int(records),
        }
    if importance:
        out["importance"] = sorted(
            session.scalars(select(OriginImportance.formula_version).distinct()).all()
        )
    return out


def versions_in_use(session: Session) -> dict[str, list[str]]:
    """Tools and mappers whose output a build reads, ``name@version`` each."""
    facts = session.execute(select(ContentFact.tool, ContentFact.tool_version).distinct()).all()
    licenses = session.execute(
        select(LicenseFinding.tool, LicenseFinding.tool_version).distinct()
    ).all()
    mappers = session.scalars(
        select(Origin.mapper_version).where(Origin.mapper_version.is_not(None)).distinct()
    ).all()
    return {
        "facts": sorted(f"{t}@{v}" for t, v in facts),
        "licenses": sorted(f"{t}@{v}" for t, v in licenses),
        "mappers": sorted(str(m) for m in mappers),
    }


# --- definitions ---------------------------------------------------------------------


def dataset_by_id(session: Session, dataset_id: int, *, lock: bool = False) -> Dataset | None:
    stmt = select(Dataset).where(Dataset.id == dataset_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def dataset_by_name(session: Session, name: str) -> Dataset | None:
    return session.scalars(select(Dataset).where(Dataset.name == name)).first()


def datasets_query() -> Select[tuple[Dataset]]:
    return select(Dataset)


def list_datasets(session: Session, *, after_id: int | None, limit: int) -> Sequence[Dataset]:
    stmt = select(Dataset).order_by(Dataset.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Dataset.id > after_id)
    return session.scalars(stmt).all()


def revision(session: Session, dataset_id: int, number: int) -> DatasetRevision | None:
    return session.scalars(
        select(DatasetRevision).where(
            DatasetRevision.dataset_id == dataset_id, DatasetRevision.revision == number
        )
    ).first()


def revision_by_id(session: Session, revision_id: int) -> DatasetRevision | None:
    return session.get(DatasetRevision, revision_id)


def revision_is_built(session: Session, revision_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(DatasetBuild)
            .where(DatasetBuild.revision_id == revision_id)
        )
    )


# --- builds ----------------------------------------------------------------------------


def build(
    session: Session, dataset_id: int, number: int, *, lock: bool = False
) -> DatasetBuild | None:
    stmt = select(DatasetBuild).where(
        DatasetBuild.dataset_id == dataset_id, DatasetBuild.number == number
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def build_by_id(session: Session, build_id: int, *, lock: bool = False) -> DatasetBuild | None:
    stmt = select(DatasetBuild).where(DatasetBuild.id == build_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def next_build_number(session: Session, dataset_id: int) -> int:
    current = session.scalar(
        select(func.max(DatasetBuild.number)).where(DatasetBuild.dataset_id == dataset_id)
    )
    return int(current or 0) + 1


def list_builds(
    session: Session, dataset_id: int, *, after_number: int | None, limit: int
) -> Sequence[DatasetBuild]:
    stmt = (
        select(DatasetBuild)
        .where(DatasetBuild.dataset_id == dataset_id)
        .order_by(DatasetBuild.number)
        .limit(limit)
    )
    if after_number is not None:
        stmt = stmt.where(DatasetBuild.number > after_number)
    return session.scalars(stmt).all()


# --- manifests ---------------------------------------------------------------------------

PARTITION_NAME = re.compile(r"^dataset_manifest_\d+($|_)")


def is_build_partition(name: str) -> bool:
    """A build's manifest partition, or one of its indexes (created at run time)."""
    return bool(PARTITION_NAME.match(name))


def partition_name(build_id: int) -> str:
    return f"dataset_manifest_{int(build_id)}"


def manifest_rows(
    session: Session, build_id: int, *, after_leaf: int | None, limit: int
) -> Sequence[DatasetManifest]:
    stmt = (
        select(DatasetManifest)
        .where(DatasetManifest.build_id == build_id)
        .order_by(DatasetManifest.leaf_index)
        .limit(limit)
    )
    if after_leaf is not None:
        stmt = stmt.where(DatasetManifest.leaf_index > after_leaf)
    return session.scalars(stmt).all()


def manifest_row_by_hash(
    session: Session, build_id: int, algo: str, digest: bytes
) -> DatasetManifest | None:
    column = {
        "sha1_git": DatasetManifest.sha1_git,
        "sha1": DatasetManifest.sha1,
        "sha256": DatasetManifest.sha256,
    }[algo]
    return session.scalars(
        select(DatasetManifest)
        .where(DatasetManifest.build_id == build_id, column == digest)
        .order_by(DatasetManifest.leaf_index)
        .limit(1)
    ).first()


LeafTable = type[DatasetManifest] | type[DatasetExclusion]


def leaf_by_sha(
    session: Session, table: LeafTable, build_id: int, sha1_git: bytes
) -> tuple[int, bytes] | None:
    """``(leaf_index, sha1_git)`` of the leaf ``sha1_git`` in a build's sorted tree of
    ``table`` (its manifest, or its excluded set), or None."""
    row = session.execute(
        select(table.leaf_index, table.sha1_git).where(
            table.build_id == build_id, table.sha1_git == sha1_git
        )
    ).first()
    return (int(row[0]), bytes(row[1])) if row is not None else None


def neighbours(
    session: Session, build_id: int, sha1_git: bytes, table: LeafTable = DatasetManifest
) -> tuple[tuple[int, bytes] | None, tuple[int, bytes] | None]:
    """The leaves (``(leaf_index, sha1_git)``) right before and after ``sha1_git`` in
    the sorted tree of ``table`` (the manifest by default, or the excluded set)."""
    found = []
    for where, order in (
        (table.sha1_git < sha1_git, table.sha1_git.desc()),
        (table.sha1_git > sha1_git, table.sha1_git),
    ):
        row = session.execute(
            select(table.leaf_index, table.sha1_git)
            .where(table.build_id == build_id, where)
            .order_by(order)
            .limit(1)
        ).first()
        found.append((int(row[0]), bytes(row[1])) if row is not None else None)
    return found[0], found[1]


def leaf_ids(
    session: Session, build_id: int, first: int, last: int, table: LeafTable = DatasetManifest
) -> list[bytes]:
    """``sha1_git`` of leaves ``first..last`` (inclusive) of ``table``, in leaf order."""
    return [
        bytes(v)
        for v in session.scalars(
            select(table.sha1_git)
            .where(
                table.build_id == build_id,
                table.leaf_index >= first,
                table.leaf_index <= last,
            )
            .order_by(table.leaf_index)
        )
    ]


def origin_contents(session: Session, url: str, limit: int) -> list[bytes]:
    """``sha1_git`` of the files archived for the origin at ``url`` (at most
    ``limit``, smallest first)."""
    return [
        bytes(v)
        for v in session.scalars(
            select(Content.sha1_git)
            .join(PathOccurrence, PathOccurrence.content_id == Content.id)
            .join(Origin, Origin.id == PathOccurrence.origin_id)
            .where(Origin.url == url)
            .distinct()
            .order_by(Content.sha1_git)
            .limit(limit)
        )
    ]


def origin_exists(session: Session, url: str) -> bool:
    found = session.scalar(select(func.count()).select_from(Origin).where(Origin.url == url))
    return (found or 0) > 0


def members_among(session: Session, build_id: int, ids: list[bytes]) -> set[bytes]:
    rows = session.scalars(
        select(DatasetManifest.sha1_git).where(
            DatasetManifest.build_id == build_id,
            DatasetManifest.sha1_git
            == func.any(cast(literal(ids), ARRAY(DatasetManifest.sha1_git.type))),
        )
    )
    return {bytes(r) for r in rows}


def summary_counts(session: Session, build_id: int, column: str) -> list[tuple[Any, int]]:
    """Rows per value of a manifest column (language, license, evidence...), most first."""
    col = getattr(DatasetManifest, column)
    rows = session.execute(
        select(col, func.count())
        .where(DatasetManifest.build_id == build_id)
        .group_by(col)
        .order_by(func.count().desc(), col)
    ).all()
    return [(v, int(n)) for v, n in rows]


def forge_counts(session: Session, build_id: int) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Forge.name, func.count())
        .select_from(DatasetManifest)
        .join(Origin, Origin.id == DatasetManifest.origin_id)
        .join(Forge, Forge.id == Origin.forge_id, isouter=True)
        .where(DatasetManifest.build_id == build_id)
        .group_by(Forge.name)
        .order_by(func.count().desc(), Forge.name)
    ).all()
    return [(str(name) if name else "(none)", int(n)) for name, n in rows]
