"""Near-duplicate clusters over everything scanned so far.

MinHash signatures are computed per content at scan time (``content_fact.minhash``);
clustering needs all of them at once, so it is its own job: stream the signatures,
index them with LSH, connect the verified pairs, and store each content's cluster
id (the smallest content id in it, so ids are stable across runs). Exact duplicates
need none of this: they share a content row (same sha1_git).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.kit.db import unit_of_work
from app.models import ContentFact
from app.neardups.minhash import NearDupIndex, cluster

Progress = Callable[[int, int | None], None]


@dataclass
class ClusterReport:
    signatures: int
    clustered_contents: int
    clusters: int

    def as_dict(self) -> dict[str, object]:
        return {
            "signatures": self.signatures,
            "clustered_contents": self.clustered_contents,
            "clusters": self.clusters,
        }


def recluster(
    factory: sessionmaker[Session] | None = None, *, progress: Progress | None = None
) -> ClusterReport:
    index = NearDupIndex()
    with unit_of_work(factory) as uow:
        rows = uow.session.execute(
            select(ContentFact.content_id, ContentFact.minhash)
            .where(ContentFact.minhash.is_not(None))
            .execution_options(yield_per=5000)
        )
        for n, (content_id, signature) in enumerate(rows, start=1):
            if signature is not None:  # filtered in SQL; keeps the type checker honest
                index.add(content_id, bytes(signature))
            if progress is not None and n % 10_000 == 0:
                progress(n, None)
    clusters = cluster(index.pairs())
    members = {cid: root for cid, root in clusters.items()}
    with unit_of_work(factory) as uow:
        session = uow.session
        session.execute(
            text(
                "UPDATE content_fact SET near_dup_cluster = NULL WHERE near_dup_cluster IS NOT NULL"
            )
        )
        if members:
            session.execute(
                text(
                    "UPDATE content_fact f SET near_dup_cluster = m.root "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:roots AS bigint[])) "
                    "AS m(content_id, root) WHERE f.content_id = m.content_id"
                ),
                {"ids": list(members), "roots": list(members.values())},
            )
    if progress is not None:
        progress(len(index), len(index))
    return ClusterReport(
        signatures=len(index), clustered_contents=len(members), clusters=len(set(members.values()))
    )
