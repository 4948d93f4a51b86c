"""The one writer of ``scan_summary``: what a scan derived for its origin and snapshot.

Forge ingest, refreshes and ``rederive`` write the origin's own columns; this module
writes what the scan found (effective license, language breakdown, counts, the
analyzer versions behind them) into rows of its own, keyed by origin and snapshot.
Neither can wipe the other's state (issue 10, item 1).

The summary of the origin's last scan is its current one (``is_current``): a scan
demotes the previous current row and promotes its own in one statement pair, under a
per-origin advisory lock so two scans of one origin finishing together do not trip
over the partial unique index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.licenses.detection.reconcile import EffectiveLicense
from app.models import PathOccurrence, ScanSummary
from app.origins.repository import count_languages

# pg_advisory_xact_lock(int, int) namespace: "scsu" in ASCII, this module's constant.
LOCK_NAMESPACE = 0x73637375


def _write(session: Session, origin_id: int, snapshot_id: int, values: dict[str, Any]) -> None:
    """Upsert the (origin, snapshot) summary with ``values`` and make it the current."""
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashint8(:origin))"),
        {"ns": LOCK_NAMESPACE, "origin": origin_id},
    )
    session.execute(
        update(ScanSummary)
        .where(
            ScanSummary.origin_id == origin_id,
            ScanSummary.snapshot_id != snapshot_id,
            ScanSummary.is_current,
        )
        .values(is_current=False)
    )
    row = {**values, "is_current": True, "scanned_at": func.now()}
    versions = row.pop("analyzer_versions", None)
    stmt = insert(ScanSummary).values(
        origin_id=origin_id, snapshot_id=snapshot_id, analyzer_versions=versions or {}, **row
    )
    update_set: dict[str, Any] = dict(row)
    if versions:  # merged: each analyzer records its own versions
        update_set["analyzer_versions"] = ScanSummary.analyzer_versions.op("||")(
            stmt.excluded.analyzer_versions
        )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ScanSummary.origin_id, ScanSummary.snapshot_id], set_=update_set
        )
    )


def record_languages(
    session: Session, origin_id: int, snapshot_id: int, versions: dict[str, str]
) -> None:
    """Count the snapshot's languages (and files) once, at the end of its scan, so an
    origin's detail does not count 30,000 files on each read."""
    pairs = select(
        literal(origin_id, BigInteger).label("origin_id"),
        literal(snapshot_id, BigInteger).label("snapshot_id"),
    ).cte("scanned_snapshot")
    counted = count_languages(session, pairs).get(origin_id, [])
    files = session.scalar(
        select(func.count()).where(
            PathOccurrence.origin_id == origin_id, PathOccurrence.snapshot_id == snapshot_id
        )
    )
    _write(
        session,
        origin_id,
        snapshot_id,
        {
            "languages": [[c.language, c.files, c.bytes] for c in counted],
            "files": files,
            "analyzer_versions": versions,
        },
    )


def record_effective_license(
    session: Session,
    origin_id: int,
    snapshot_id: int,
    effective: EffectiveLicense,
    versions: dict[str, str],
) -> None:
    """The origin's reconciled effective license as of this snapshot."""
    _write(
        session,
        origin_id,
        snapshot_id,
        {
            "license_expression": effective.expression,
            "license_category": effective.category.value,
            "license_conflicts": list(effective.conflicts),
            "license_basis": effective.basis,
            "analyzer_versions": versions,
        },
    )
