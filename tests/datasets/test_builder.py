"""A build evaluates the selection once: each filter, the license evidence rule,
near-duplicate dedup, ranking and limit, the funnel, and both fingerprints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.datasets import repository
from app.datasets.builder import run_build
from app.datasets.merkle import leaf_of, root_of
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.kit.db import UnitOfWork
from app.models import DatasetManifest
from tests.datasets.conftest import NOW, ROADMAP, World, make_dataset


def build(db: Session, selection: dict[str, Any], name: str = "ds") -> tuple[Any, list[Any]]:
    dataset = make_dataset(db, name, selection)
    b, _ = submit_build(UnitOfWork(db), str(dataset.id), BuildIn())
    run_build(db, b.id)
    rows = db.scalars(
        select(DatasetManifest)
        .where(DatasetManifest.build_id == b.id)
        .order_by(DatasetManifest.leaf_index)
    ).all()
    return b, list(rows)


def test_roadmap_selection_funnel_and_manifest(corpus: World, db: Session) -> None:
    b, rows = build(db, ROADMAP)
    by_key = {key: c.id for key, c in corpus.contents.items()}
    kept = {next(k for k, v in by_key.items() if v == r.content_id) for r in rows}
    # h1 and h2 share a cluster: h2's best origin has more stars? both in big (1000):
    # the tie goes to the smaller sha1_git.
    h = min(("h1", "h2"), key=lambda k: corpus.contents[k].sha1_git)
    assert kept == {"a", "i", h}, str([(s["step"], s.get("removed")) for s in b.funnel][5:])
    funnel = {step["step"]: step for step in b.funnel}
    assert funnel["candidates"]["files"] == 13
    assert funnel["language"]["removed"] == 2  # d.js, LICENSE (Text)
    assert funnel["quality"]["removed"] == 1  # e
    assert funnel["secrets_pii"]["removed"] == 1  # f
    assert funnel["origin"]["removed"] == 1  # c (old)
    assert funnel["license"]["removed"] == 4  # b (GPL origin), g (own GPL), j, k (conflicts)
    assert funnel["opt_out"]["removed"] == 0
    assert funnel["near_duplicates"]["removed"] == 1
    assert funnel["limit"]["left"] == 3 == b.row_count
    i_row = next(r for r in rows if r.content_id == by_key["i"])
    assert i_row.origin_url.endswith("acme/big")  # the most-starred origin represents it
    assert i_row.other_occurrences == 1
    assert i_row.license_expression == "MIT"
    assert i_row.license_evidence == "origin"
    # leaves sorted by SWHID; the root is the RFC 9162 root over them
    swhids = [leaf_of(r.sha1_git) for r in rows]
    assert swhids == sorted(swhids)
    assert [r.leaf_index for r in rows] == list(range(len(rows)))
    assert b.extensional_fingerprint == root_of(swhids)


def test_conflicts_allowed_take_the_strongest_evidence(corpus: World, db: Session) -> None:
    selection = {
        "files": {"license": {"ids": ["MIT", "BSD-3-Clause"], "allow_conflicts": True}},
    }
    _, rows = build(db, selection)
    k = next(r for r in rows if r.content_id == corpus.contents["k"].id)
    assert (k.license_expression, k.license_evidence) == ("BSD-3-Clause", "inherited")
    j = next(r for r in rows if r.content_id == corpus.contents["j"].id)
    assert (j.license_expression, j.license_evidence) == ("MIT", "origin")
    assert corpus.contents["g"].id not in {r.content_id for r in rows}


def test_origin_evidence_only_ignores_file_findings(corpus: World, db: Session) -> None:
    selection = {"files": {"license": {"ids": ["MIT"], "evidence": ["origin"]}}}
    _, rows = build(db, selection)
    ids = {r.content_id for r in rows}
    assert corpus.contents["g"].id in ids  # its GPL header does not count
    assert corpus.contents["k"].id in ids
    assert corpus.contents["j"].id not in ids  # the origin's own conflicts still do


def test_limit_and_ranking(corpus: World, db: Session) -> None:
    b, rows = build(db, {"ranking": {"order": "origin_stars", "limit": 2}})
    assert b.row_count == 2
    assert all(r.origin_url.endswith("acme/big") for r in rows)
    funnel = {step["step"]: step for step in b.funnel}
    assert funnel["limit"]["removed"] == funnel["near_duplicates"]["left"] - 2


def test_same_query_same_data_same_fingerprints(corpus: World, db: Session) -> None:
    first, _ = build(db, ROADMAP, "one")
    dataset = repository.dataset_by_id(db, first.dataset_id)
    assert dataset is not None
    again, _ = submit_build(UnitOfWork(db), str(dataset.id), BuildIn())
    run_build(db, again.id)
    assert again.intensional_fingerprint == first.intensional_fingerprint
    assert again.extensional_fingerprint == first.extensional_fingerprint
    # a different cut-off is a different question
    later, _ = submit_build(UnitOfWork(db), str(dataset.id), BuildIn(cutoff=NOW + timedelta(1)))
    run_build(db, later.id)
    assert later.intensional_fingerprint != first.intensional_fingerprint
