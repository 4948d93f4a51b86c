"""SQL of the attribution index: writing fingerprints by COPY, looking hashes up,
the stop-list, and what a match's answer needs about a file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, BYTEA, SMALLINT
from sqlalchemy.orm import Session

from app.kit.copy import copy_rows, temp_table
from app.models import (
    AttributionIndexed,
    Content,
    ContentFact,
    Origin,
    PathOccurrence,
    Revision,
    ScanSummary,
    Visit,
)

# Postings read per hash: a hash held by more files than this identifies nothing
# here and is dropped from the query (the stop-list catches it for good later).
POSTINGS_PER_HASH = 200


def write_fingerprints(
    session: Session,
    rows: Iterable[tuple[int, int, int]],
    indexed: Sequence[tuple[int, int, str, str]],
) -> None:
    """Add ``(hash, content_id, line)`` rows and mark ``(content_id, count, lexer,
    version)`` indexed; a re-run (redelivered scan, backfill) adds nothing twice."""
    temp_table(session, "attribution_fingerprint_in", "hash int8, content_id int8, line int4")
    written = copy_rows(
        session,
        "attribution_fingerprint_in",
        [("hash", "int8"), ("content_id", "int8"), ("line", "int4")],
        rows,
    )
    if written:
        session.execute(
            text(
                "INSERT INTO attribution_fingerprint (hash, content_id, line) "
                "SELECT DISTINCT hash, content_id, line FROM attribution_fingerprint_in "
                "ON CONFLICT DO NOTHING"
            )
        )
    if indexed:
        session.execute(
            text(
                "INSERT INTO attribution_indexed (content_id, fingerprints, lexer, version) "
                "VALUES (:content_id, :fingerprints, :lexer, :version) "
                "ON CONFLICT (content_id) DO UPDATE SET fingerprints = excluded.fingerprints, "
                "lexer = excluded.lexer, version = excluded.version, indexed_at = now()"
            ),
            [
                {"content_id": c, "fingerprints": n, "lexer": lexer, "version": version}
                for c, n, lexer, version in indexed
            ],
        )


def delete_fingerprints(session: Session, content_ids: Sequence[int]) -> None:
    """Before fingerprinting again with another version."""
    session.execute(
        text("DELETE FROM attribution_fingerprint WHERE content_id = ANY(:ids)"),
        {"ids": list(content_ids)},
    )


_POSTINGS = text(
    """
    SELECT f.hash, f.content_id, f.line
    FROM unnest(:hashes) AS q(hash)
    CROSS JOIN LATERAL (
        SELECT p.hash, p.content_id, p.line FROM attribution_fingerprint p
        WHERE p.hash = q.hash LIMIT :cap
    ) f
    WHERE NOT EXISTS (SELECT 1 FROM attribution_stopword s WHERE s.hash = q.hash)
    """
).bindparams(bindparam("hashes", type_=ARRAY(BIGINT)))


def postings(
    session: Session, hashes: Sequence[int], cap: int = POSTINGS_PER_HASH
) -> list[tuple[int, int, int]]:
    """``(hash, content_id, line)`` for the query's hashes, stop-listed ones left out,
    and any hash with ``cap`` postings or more too (too common to tell files apart)."""
    if not hashes:
        return []
    rows = session.execute(_POSTINGS, {"hashes": sorted(set(hashes)), "cap": cap}).all()
    count: dict[int, int] = {}
    for h, _, _ in rows:
        count[h] = count.get(h, 0) + 1
    return [(h, c, line) for h, c, line in rows if count[h] < cap]


_BAND_CANDIDATES = text(
    """
    SELECT DISTINCT b.content_id
    FROM unnest(:bands, :buckets) AS q(band, bucket)
    CROSS JOIN LATERAL (
        SELECT content_id FROM near_dup_band
        WHERE band = q.band AND bucket = q.bucket LIMIT :cap
    ) b
    """
).bindparams(bindparam("bands", type_=ARRAY(SMALLINT)), bindparam("buckets", type_=ARRAY(BYTEA)))


def near_duplicate_candidates(
    session: Session, band_keys: Sequence[bytes], cap: int
) -> dict[int, bytes]:
    """Contents sharing an LSH band with a signature (``near_dup_band``, one probe of
    its primary key per band) and their stored MinHash signatures."""
    if not band_keys:
        return {}
    ids = session.scalars(
        _BAND_CANDIDATES,
        {"bands": list(range(len(band_keys))), "buckets": list(band_keys), "cap": cap},
    ).all()
    if not ids:
        return {}
    rows = session.execute(
        select(ContentFact.content_id, ContentFact.minhash).where(
            ContentFact.content_id.in_(list(ids)), ContentFact.minhash.is_not(None)
        )
    ).all()
    return {int(c): bytes(m) for c, m in rows if m is not None}


def refresh_stoplist(session: Session, min_documents: int, share: float) -> tuple[int, int]:
    """Recompute the stop-list: hashes held by at least ``max(min_documents, share *
    indexed contents)`` contents. Returns (threshold, stop-listed hashes)."""
    indexed = int(session.scalar(select(func.count()).select_from(AttributionIndexed)) or 0)
    threshold = max(min_documents, int(share * indexed) + 1)
    session.execute(text("DELETE FROM attribution_stopword"))
    result = session.execute(
        text(
            "INSERT INTO attribution_stopword (hash, documents) "
            "SELECT hash, count(DISTINCT content_id) FROM attribution_fingerprint "
            "GROUP BY hash HAVING count(DISTINCT content_id) >= :threshold"
        ),
        {"threshold": threshold},
    )
    return threshold, int(getattr(result, "rowcount", 0) or 0)


def contents(session: Session, ids: Sequence[int]) -> dict[int, Content]:
    found = session.scalars(select(Content).where(Content.id.in_(list(ids)))).all()
    return {c.id: c for c in found}


def unindexed(session: Session, sha1_gits: Sequence[bytes], version: str) -> dict[bytes, int]:
    """Of these contents (by sha1_git), those not fingerprinted with ``version``."""
    rows = session.execute(
        select(Content.sha1_git, Content.id)
        .outerjoin(AttributionIndexed, AttributionIndexed.content_id == Content.id)
        .where(
            Content.sha1_git.in_(list(sha1_gits)),
            (AttributionIndexed.version.is_(None)) | (AttributionIndexed.version != version),
        )
    ).all()
    return {bytes(s): int(i) for s, i in rows}


def local_origins(session: Session) -> list[tuple[int, str]]:
    """Origins scanned from a path on this machine (``file://`` URLs)."""
    rows = session.execute(
        select(Origin.id, Origin.url).where(Origin.url.like("file://%")).order_by(Origin.id)
    ).all()
    return [(int(i), str(u)) for i, u in rows]


def earliest_visits(session: Session, content_ids: Sequence[int]) -> dict[int, datetime]:
    """The first visit that saw each content (through a snapshot it occurs in)."""
    rows = session.execute(
        select(PathOccurrence.content_id, func.min(Visit.date))
        .join(Visit, Visit.snapshot_id == PathOccurrence.snapshot_id)
        .where(PathOccurrence.content_id.in_(list(content_ids)))
        .group_by(PathOccurrence.content_id)
    ).all()
    return {int(c): d for c, d in rows}


def revision_authors(
    session: Session, content_ids: Sequence[int], limit: int
) -> dict[int, list[bytes]]:
    """The raw ``Name <e-mail>`` authors of the revisions each content was seen in."""
    rows = session.execute(
        select(PathOccurrence.content_id, Revision.author)
        .join(Revision, Revision.id == PathOccurrence.revision_id)
        .where(PathOccurrence.content_id.in_(list(content_ids)), Revision.author.is_not(None))
        .distinct()
        .limit(limit * max(1, len(content_ids)))
    ).all()
    out: dict[int, list[bytes]] = {}
    for c, author in rows:
        if author is not None:
            out.setdefault(int(c), []).append(bytes(author))
    return out


def origin_effective_licenses(
    session: Session, content_ids: Sequence[int]
) -> dict[int, list[dict[str, object]]]:
    """Each content's origins with their effective license (what the scan reconciled)."""
    rows = session.execute(
        select(
            PathOccurrence.content_id,
            Origin.url,
            ScanSummary.license_expression,
            ScanSummary.license_category,
        )
        .join(Origin, Origin.id == PathOccurrence.origin_id)
        .outerjoin(
            ScanSummary,
            (ScanSummary.origin_id == Origin.id) & ScanSummary.is_current,
        )
        .where(PathOccurrence.content_id.in_(list(content_ids)))
        .distinct()
    ).all()
    out: dict[int, list[dict[str, object]]] = {}
    for c, url, expression, category in rows:
        out.setdefault(int(c), []).append(
            {"origin": url, "expression": expression, "category": category}
        )
    return out
