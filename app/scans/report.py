"""What a scan stored, for `codecommons scan` (human and ``--json``), the scan job's
result and scripts: the same facts whichever way the scan ran (issue 17).

* :func:`snapshot_report`: the origin-level results of one scanned snapshot: its
  effective license (with conflicts and basis), language breakdown, license texts
  left unmapped, secret and PII kinds, and the near-duplicate clusters its files
  belong to;
* :func:`files_report`: per file, its language, flags, licenses, secret/PII kinds
  and near-duplicate cluster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ContentFact, LicenseFinding, PathOccurrence, PiiFinding, ScanSummary

FLAGS = ("is_binary", "is_vendored", "is_generated", "is_minified", "is_data", "is_too_large")
#: Characters of an unmapped license text shown in a report (the rest is stored).
UNMAPPED_EXCERPT = 200


def _path(raw: bytes) -> str:
    return bytes(raw).decode("utf-8", errors="backslashreplace")


def snapshot_report(
    session: Session, origin_id: int, snapshot_id: int, *, limit: int | None = None
) -> dict[str, object]:
    """Everything the scan of ``snapshot_id`` stored at origin level (see module).
    ``limit``: at most this many unmapped licenses and clusters listed (a job result
    stays small; the counts say how many there are)."""
    summary = session.get(ScanSummary, (origin_id, snapshot_id))
    files = (
        select(PathOccurrence.content_id, PathOccurrence.path)
        .where(PathOccurrence.origin_id == origin_id, PathOccurrence.snapshot_id == snapshot_id)
        .subquery("files")
    )
    unmapped = [
        {
            "path": path,
            "source": source.value,
            "lines": [start, end] if start is not None else None,
            "text": (text or "")[:UNMAPPED_EXCERPT],
        }
        for path, source, start, end, text in session.execute(
            select(
                LicenseFinding.evidence_path,
                LicenseFinding.source,
                LicenseFinding.start_line,
                LicenseFinding.end_line,
                LicenseFinding.original_text,
            )
            .join(files, files.c.content_id == LicenseFinding.content_id)
            .where(LicenseFinding.expression.is_(None))
            .distinct()
            .order_by(LicenseFinding.evidence_path, LicenseFinding.start_line)
        )
    ]
    kinds: dict[str, dict[str, int]] = {}
    for kind, findings, in_files in session.execute(
        select(
            PiiFinding.kind,
            func.count(),
            func.count(func.distinct(files.c.path)),
        )
        .join(files, files.c.content_id == PiiFinding.content_id)
        .group_by(PiiFinding.kind)
        .order_by(PiiFinding.kind)
    ):
        kinds[kind] = {"findings": int(findings), "files": int(in_files)}
    clusters: dict[int, list[str]] = defaultdict(list)
    for cluster, path in session.execute(
        select(ContentFact.near_dup_cluster, files.c.path)
        .join(files, files.c.content_id == ContentFact.content_id)
        .where(ContentFact.near_dup_cluster.is_not(None))
        .order_by(ContentFact.near_dup_cluster, files.c.path)
    ):
        if cluster is not None:
            clusters[cluster].append(_path(path))
    sizes = dict(
        session.execute(
            select(ContentFact.near_dup_cluster, func.count())
            .where(ContentFact.near_dup_cluster.in_(list(clusters)))
            .group_by(ContentFact.near_dup_cluster)
        ).all()
    )
    return {
        "effective_license": {
            "expression": summary.license_expression,
            "category": summary.license_category,
            "conflicts": list(summary.license_conflicts or []),
            "basis": summary.license_basis,
        }
        if summary is not None and summary.license_category is not None
        else None,
        "languages": [
            {"language": language, "files": n, "bytes": size}
            for language, n, size in (summary.languages or [])
        ]
        if summary is not None
        else [],
        "unmapped_license_count": len(unmapped),
        "unmapped_licenses": unmapped[:limit],
        "secrets_and_pii": kinds,
        "near_dup_cluster_count": len(clusters),
        "near_dup_clusters": [
            {"cluster": cluster, "contents": int(sizes.get(cluster, 0)), "paths": paths}
            for cluster, paths in clusters.items()
        ][:limit],
        "analyzer_versions": dict(summary.analyzer_versions or {}) if summary else {},
    }


def files_report(
    session: Session, files: Sequence[tuple[bytes, int, str]]
) -> list[dict[str, object]]:
    """Per file (path, content id, SWHID): language, flags, license expressions, secret
    and PII kinds, near-duplicate cluster."""
    ids = sorted({cid for _, cid, _ in files})
    facts: dict[int, ContentFact] = {}
    licenses: dict[int, list[str]] = defaultdict(list)
    pii: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        facts.update(
            {
                f.content_id: f
                for f in session.scalars(
                    select(ContentFact).where(ContentFact.content_id.in_(chunk))
                )
            }
        )
        for content_id, expression in session.execute(
            select(LicenseFinding.content_id, LicenseFinding.expression)
            .where(LicenseFinding.content_id.in_(chunk), LicenseFinding.expression.is_not(None))
            .order_by(LicenseFinding.id)
        ):
            if content_id is not None and expression and expression not in licenses[content_id]:
                licenses[content_id].append(expression)
        for content_id, kind in session.execute(
            select(PiiFinding.content_id, PiiFinding.kind)
            .where(PiiFinding.content_id.in_(chunk))
            .distinct()
            .order_by(PiiFinding.content_id, PiiFinding.kind)
        ):
            pii[content_id].append(kind)
    report: list[dict[str, object]] = []
    for path, content_id, swhid in sorted(files):
        fact = facts.get(content_id)
        report.append(
            {
                "path": _path(path),
                "swhid": swhid,
                "language": fact.language if fact else None,
                "flags": [flag[3:] for flag in FLAGS if fact is not None and getattr(fact, flag)],
                "licenses": licenses.get(content_id, []),
                "secrets_and_pii": pii.get(content_id, []),
                "near_dup_cluster": fact.near_dup_cluster if fact else None,
            }
        )
    return report
