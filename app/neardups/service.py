"""Near-duplicate clusters over everything scanned so far, kept up to date
incrementally.

MinHash signatures are computed per content at scan time (``content_fact.minhash``),
and the scan queues each new one in ``near_dup_pending``. A recluster takes what is
pending and only that:

1. the new signatures' LSH band keys (the same bands datasketch's ``MinHashLSH``
   builds for the threshold: :func:`app.neardups.minhash.band_keys`) are looked up
   in ``near_dup_band``, the stored bands of every signature clustered before;
2. the candidates (sharing a band with a new signature, earlier or in the same
   batch) are verified by estimated Jaccard similarity, as the in-memory index does;
3. the new bands are stored, and only the clusters that a verified pair touches are
   read and rewritten.

A recluster after ``k`` new signatures thus reads ``O(k)`` rows (plus the
candidates and the members of the clusters they join), never every signature. The
result is the one clustering from scratch gives (:func:`cluster_from_scratch`): the
same candidate pairs, the same verification, and connected components only merge
as signatures arrive. A cluster's id is its smallest content id, so it does not
depend on the order signatures arrive in. Exact duplicates need none of this: they
share a content row (same sha1_git).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import BigInteger, BindParameter, any_, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session, sessionmaker

from app.kit.copy import copy_rows, temp_table
from app.kit.db import unit_of_work
from app.models import ContentFact, NearDupBand, NearDupPending
from app.neardups.minhash import DEFAULT_THRESHOLD, NearDupIndex, band_keys, cluster

Progress = Callable[[int, int | None], None]
#: Pending signatures taken per transaction: bounds memory and the transaction length.
CHUNK = 5000
# pg_advisory_xact_lock key: one recluster at a time ("ndup" in ASCII, arbitrary).
RECLUSTER_LOCK = 0x6E647570
_DTYPE = np.dtype("<u4")


@dataclass
class ClusterReport:
    signatures: int  # new signatures clustered by this run
    clustered_contents: int  # contents whose cluster id was (re)written
    clusters: int  # clusters touched (created, grown or merged)
    rows_read: int = 0  # rows this run fetched from the database, all queries together

    def as_dict(self) -> dict[str, object]:
        return {
            "signatures": self.signatures,
            "clustered_contents": self.clustered_contents,
            "clusters": self.clusters,
            "rows_read": self.rows_read,
        }


def queue_signatures(session: Session, content_ids: Iterable[int]) -> None:
    """Mark new signatures for the next recluster (called by the scan, in the batch
    that writes them)."""
    ids = sorted(set(content_ids))
    if ids:
        session.execute(
            insert(NearDupPending).on_conflict_do_nothing(),
            [{"content_id": i} for i in ids],
        )


def recluster(
    factory: sessionmaker[Session] | None = None, *, progress: Progress | None = None
) -> ClusterReport:
    """Cluster every pending signature, chunk by chunk (each chunk one transaction)."""
    total = ClusterReport(signatures=0, clustered_contents=0, clusters=0)
    while True:
        with unit_of_work(factory) as uow:
            report = recluster_chunk(uow.session)
        total.signatures += report.signatures
        total.clustered_contents += report.clustered_contents
        total.clusters += report.clusters
        total.rows_read += report.rows_read
        if progress is not None:
            progress(total.signatures, None)
        if report.signatures < CHUNK:
            break
    if progress is not None:
        progress(total.signatures, total.signatures)
    return total


def recluster_chunk(session: Session, limit: int = CHUNK) -> ClusterReport:
    """One transaction's worth of pending signatures (see the module docstring)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RECLUSTER_LOCK})
    rows_read = 0
    pending = list(
        session.scalars(
            select(NearDupPending.content_id).order_by(NearDupPending.content_id).limit(limit)
        )
    )
    rows_read += len(pending)
    if not pending:
        return ClusterReport(signatures=0, clustered_contents=0, clusters=0, rows_read=0)
    new: dict[int, bytes] = {}
    for content_id, signature in session.execute(
        select(ContentFact.content_id, ContentFact.minhash).where(
            ContentFact.content_id == any_(_ids(pending)), ContentFact.minhash.is_not(None)
        )
    ):
        rows_read += 1
        if signature is not None:
            new[content_id] = bytes(signature)
    session.execute(delete(NearDupPending).where(NearDupPending.content_id == any_(_ids(pending))))
    # Drop ids already banded (a content queued twice): idempotent reruns.
    banded = set(
        session.scalars(
            select(NearDupBand.content_id).where(
                NearDupBand.content_id == any_(_ids(list(new))), NearDupBand.band == 0
            )
        )
    )
    rows_read += len(banded)
    for content_id in banded:
        del new[content_id]
    if not new:
        return ClusterReport(signatures=0, clustered_contents=0, clusters=0, rows_read=rows_read)

    keys = {cid: band_keys(sig) for cid, sig in new.items()}
    # Candidates among the stored bands: the new band keys go to a temporary table by
    # COPY, then one join on near_dup_band's primary key.
    temp_table(session, "near_dup_new", "band int2, bucket bytea, content_id int8")
    copy_rows(
        session,
        "near_dup_new",
        [("band", "int2"), ("bucket", "bytea"), ("content_id", "int8")],
        ((band, bucket, cid) for cid, bands in keys.items() for band, bucket in enumerate(bands)),
    )
    # One probe of the primary key per new band: the correlated subquery (OFFSET 0
    # keeps the planner from flattening it) never becomes a hash join that would read
    # every stored band, which small tables would otherwise get.
    candidates: dict[int, set[int]] = defaultdict(set)
    for cid, other in session.execute(
        text(
            "SELECT n.content_id, b.content_id FROM near_dup_new n "
            "CROSS JOIN LATERAL (SELECT content_id FROM near_dup_band "
            "  WHERE band = n.band AND bucket = n.bucket OFFSET 0) b"
        )
    ):
        rows_read += 1
        candidates[cid].add(other)
    # ... and among the new signatures themselves.
    by_key: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for cid, bands in keys.items():
        for band, bucket in enumerate(bands):
            by_key[(band, bucket)].append(cid)
    for same in by_key.values():
        for cid in same:
            candidates[cid].update(o for o in same if o != cid)
    old_ids = sorted({o for found in candidates.values() for o in found} - set(new))
    signatures = dict(new)
    if old_ids:
        for content_id, signature in session.execute(
            select(ContentFact.content_id, ContentFact.minhash).where(
                ContentFact.content_id == any_(_ids(old_ids))
            )
        ):
            rows_read += 1
            if signature is not None:
                signatures[content_id] = bytes(signature)
    edges = [
        (min(cid, other), max(cid, other))
        for cid, found in candidates.items()
        for other in found
        if other in signatures and _similar(signatures[cid], signatures[other])
    ]
    session.execute(
        text("INSERT INTO near_dup_band SELECT band, bucket, content_id FROM near_dup_new")
    )
    if not edges:
        return ClusterReport(
            signatures=len(new), clustered_contents=0, clusters=0, rows_read=rows_read
        )
    written, touched, read = _merge(session, edges)
    rows_read += read
    return ClusterReport(
        signatures=len(new), clustered_contents=written, clusters=touched, rows_read=rows_read
    )


def _ids(ids: Sequence[int]) -> BindParameter[Sequence[int]]:
    """One array parameter (a long ``IN`` list would be one parameter per id)."""
    return bindparam(None, list(ids), type_=ARRAY(BigInteger))


def _similar(left: bytes, right: bytes, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """datasketch's ``MinHash.jaccard`` (share of equal hash values) >= threshold."""
    a, b = np.frombuffer(left, dtype=_DTYPE), np.frombuffer(right, dtype=_DTYPE)
    return bool(np.count_nonzero(a == b) / len(a) >= threshold)


def _merge(session: Session, edges: Sequence[tuple[int, int]]) -> tuple[int, int, int]:
    """Join the verified pairs' endpoints with the clusters they already belong to and
    rewrite those clusters only. Returns (rows written, clusters, rows read)."""
    ends = sorted({x for edge in edges for x in edge})
    current: dict[int, int | None] = {i: None for i in ends}
    read = 0
    for content_id, root in session.execute(
        select(ContentFact.content_id, ContentFact.near_dup_cluster).where(
            ContentFact.content_id == any_(_ids(ends))
        )
    ):
        read += 1
        current[content_id] = root
    roots = sorted({r for r in current.values() if r is not None})
    if roots:
        for content_id, root in session.execute(
            select(ContentFact.content_id, ContentFact.near_dup_cluster).where(
                ContentFact.near_dup_cluster == any_(_ids(roots))
            )
        ):
            read += 1
            current[content_id] = root
    # Each member with its cluster's root is an edge too: components only merge.
    links = [*edges, *((cid, root) for cid, root in current.items() if root is not None)]
    merged = cluster(links, current)
    changed = {cid: root for cid, root in merged.items() if current.get(cid) != root}
    if changed:
        session.execute(
            text(
                "UPDATE content_fact f SET near_dup_cluster = m.root "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:roots AS bigint[])) "
                "AS m(content_id, root) WHERE f.content_id = m.content_id"
            ),
            {"ids": list(changed), "roots": list(changed.values())},
        )
    return len(changed), len(set(merged.values())), read


def cluster_from_scratch(session: Session) -> dict[int, int]:
    """``{content id: cluster id}`` for every clustered content, computed from every
    stored signature in memory (the reference the incremental recluster must equal,
    and what a full rebuild would write)."""
    index = NearDupIndex()
    rows = session.execute(
        select(ContentFact.content_id, ContentFact.minhash)
        .where(ContentFact.minhash.is_not(None))
        .execution_options(yield_per=5000)
    )
    for content_id, signature in rows:
        if signature is not None:
            index.add(content_id, bytes(signature))
    return cluster(index.pairs())


def stored_clusters(session: Session) -> dict[int, int]:
    """``{content id: cluster id}`` as stored."""
    return {
        cid: root
        for cid, root in session.execute(
            select(ContentFact.content_id, ContentFact.near_dup_cluster).where(
                ContentFact.near_dup_cluster.is_not(None)
            )
        )
        if root is not None
    }
