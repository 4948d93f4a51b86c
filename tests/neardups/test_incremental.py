"""The incremental recluster (issue 10, item 8): only new signatures query the stored
LSH bands, only touched clusters are rewritten, and the result is the clustering from
scratch whatever order and batches the signatures arrive in."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import ContentFact, NearDupBand, NearDupPending
from app.neardups.minhash import minhash_signature
from app.neardups.service import (
    cluster_from_scratch,
    queue_signatures,
    recluster_chunk,
    stored_clusters,
)
from tests.factories import ContentFactFactory, ContentFactory

WORDS = [f"w{i}" for i in range(400)]


def family_texts(families: int, size: int, seed: int = 7) -> Iterator[str]:
    """``families`` unrelated texts, each with ``size - 1`` lightly edited copies (one
    line of 40 changed: near duplicates at the 0.7 threshold)."""
    rng = random.Random(seed)
    for _ in range(families):
        lines = [" ".join(rng.choices(WORDS, k=8)) + ";" for _ in range(40)]
        yield "\n".join(lines)
        for _ in range(size - 1):
            edited = list(lines)
            edited[rng.randrange(40)] = " ".join(rng.choices(WORDS, k=8)) + ";"
            yield "\n".join(edited)


def store(db: Session, texts: list[str], *, queue: bool = True) -> list[int]:
    """Contents with facts and signatures, as a scan writes them (signature queued)."""
    ids = []
    for n, body in enumerate(texts):
        content = ContentFactory(data=f"{n}:{body}".encode())
        ContentFactFactory(content_id=content.id, minhash=minhash_signature(body))
        ids.append(content.id)
    db.flush()
    if queue:
        queue_signatures(db, ids)
    return ids


def recluster_all(db: Session, limit: int = 5000) -> int:
    """Every pending signature, ``limit`` per chunk; the rows read, all chunks."""
    read = 0
    while True:
        report = recluster_chunk(db, limit=limit)
        read += report.rows_read
        if report.signatures == 0 and not db.scalar(select(func.count(NearDupPending.content_id))):
            return read


PROPERTY = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXTS = [*family_texts(families=6, size=4), "a lone file;", "another lone one;"]


@pytest.fixture
def corpus(db: Session) -> list[int]:
    return store(db, TEXTS, queue=False)


@PROPERTY
@given(order=st.permutations(range(len(TEXTS))), sizes=st.lists(st.integers(1, 9), min_size=1))
def test_any_arrival_order_gives_the_clustering_from_scratch(
    db: Session, corpus: list[int], order: list[int], sizes: list[int]
) -> None:
    savepoint = db.begin_nested()
    try:
        reference = cluster_from_scratch(db)
        assert len(set(reference.values())) == 6  # the families, the lone files alone
        arrivals = [corpus[i] for i in order]
        at = 0
        step = 0
        while at < len(arrivals):
            size = sizes[step % len(sizes)]
            queue_signatures(db, arrivals[at : at + size])
            recluster_all(db, limit=max(1, size // 2 + 1))
            at += size
            step += 1
            # at every step: the clustering from scratch of what has arrived
            arrived = set(arrivals[:at])
            partial = {c: r for c, r in stored_clusters(db).items()}
            assert set(partial) <= arrived
        assert stored_clusters(db) == reference
        # Each cluster's id is its smallest member.
        for cid, root in reference.items():
            assert root == min(c for c, r in reference.items() if r == root) <= cid
    finally:
        savepoint.rollback()


def test_partial_arrivals_cluster_as_from_scratch(db: Session) -> None:
    """After each batch, the stored clusters are those of the signatures so far."""
    ids = store(db, TEXTS, queue=False)
    rng = random.Random(3)
    rng.shuffle(ids)
    for start in range(0, len(ids), 5):
        queue_signatures(db, ids[start : start + 5])
        recluster_all(db)
        # the reference over the arrived signatures only: hide the others
        arrived = ids[: start + 5]
        savepoint = db.begin_nested()
        db.execute(
            text("UPDATE content_fact SET minhash = NULL WHERE NOT content_id = ANY(:ids)"),
            {"ids": arrived},
        )
        expected = cluster_from_scratch(db)
        savepoint.rollback()
        assert stored_clusters(db) == expected, start


def test_a_rerun_adds_nothing(db: Session) -> None:
    ids = store(db, TEXTS)
    recluster_all(db)
    bands = db.scalar(select(func.count()).select_from(NearDupBand))
    before = stored_clusters(db)
    queue_signatures(db, ids)  # queued again (a retried scan batch)
    report = recluster_chunk(db)
    assert report.signatures == 0
    assert db.scalar(select(func.count()).select_from(NearDupBand)) == bands == 25 * len(ids)
    assert stored_clusters(db) == before


def _tuples_read(db: Session) -> int:
    """Rows PostgreSQL read from the tables a recluster uses, in this transaction."""
    return int(
        db.scalar(
            text(
                "SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) "
                "FROM pg_stat_xact_user_tables "
                "WHERE relname IN ('content_fact', 'near_dup_band', 'near_dup_pending')"
            )
        )
        or 0
    )


def test_a_recluster_after_k_new_signatures_reads_order_k_rows(db: Session) -> None:
    """With N signatures clustered, adding k reads rows in proportion to k (the new
    ones, their band collisions, the clusters they join), not to N."""
    big = list(family_texts(families=100, size=4, seed=11))  # N = 400
    store(db, big)
    recluster_all(db)
    db.execute(text("ANALYZE content_fact, near_dup_band, near_dup_pending"))
    k = 8
    # k new files: 4 near-copies of stored families, 4 unrelated
    new_texts = list(family_texts(families=2, size=2, seed=11))[:4]
    new_texts = [t + "\nextra line;" for t in new_texts]
    new_texts += list(family_texts(families=4, size=1, seed=99))
    assert len(new_texts) == k
    store(db, new_texts)
    before = _tuples_read(db)
    rows_read = recluster_all(db)
    tuples = _tuples_read(db) - before
    total = db.scalar(select(func.count()).where(ContentFact.minhash.is_not(None)))
    assert total == len(big) + k
    # Per new signature: itself, one row per band it shares with each member of the
    # family it joins (4 members, at most 25 bands), their signatures and clusters:
    # bounded by the family, not by N.
    assert rows_read <= 25 * k, rows_read
    assert tuples <= 25 * k, tuples
    assert rows_read < total / 2
    # ... and still the clustering from scratch (which reads every signature)
    assert stored_clusters(db) == cluster_from_scratch(db)
    print(
        f"\nrecluster after k={k} new of N={total}: {rows_read} rows fetched, "
        f"{tuples} tuples read by PostgreSQL; from scratch reads {total} signatures"
    )
