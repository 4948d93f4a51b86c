"""Withdrawals computed in one transaction (the worker's part is in
``test_withdrawals_end_to_end``): only builds made before the opt-out and holding its
files, only the dataset's purpose, once per file, announced once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.datasets import withdrawals
from app.datasets.builder import run_build
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.kit.db import UnitOfWork
from app.models import DatasetWithdrawal, WebhookDelivery
from app.optouts import service, webhooks
from app.optouts.schemas import ScopeIn
from tests.datasets.conftest import World, make_dataset


def build(db: Session, dataset: Any) -> Any:
    b, _ = submit_build(UnitOfWork(db), str(dataset.id), BuildIn())
    run_build(db, b.id)
    db.refresh(b)
    return b


def opt_out(db: Session, url: str, purposes: list[str]) -> Any:
    created = service.create_by_operator(
        UnitOfWork(db),
        get_settings(),
        "operator:test",
        ScopeIn(kind="origin", origin_url=url),
        purposes,
        [],
        "legal request",
    )
    return created.request


@pytest.fixture
def two(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    world.origin("mine")
    world.origin("other")
    world.file("m", [("mine", "m.py")])
    world.file("s", [("other", "s.py"), ("mine", "copy/s.py")])
    world.file("o", [("other", "o.py")])
    world.db.flush()
    return world


def test_withdrawals_once_per_file_for_covered_purposes(two: World, db: Session) -> None:
    training = make_dataset(db, "training", {}, purpose="pre-training")
    searching = make_dataset(db, "searching", {}, purpose="search")
    t1, s1 = build(db, training), build(db, searching)
    assert t1.row_count == s1.row_count == 3
    sub, _ = webhooks.subscribe(db, withdrawals.topic(training.id), "http://127.0.0.1:9/hook")

    request = opt_out(db, two.origins["mine"].url, ["ai-training"])
    first = withdrawals.compute(UnitOfWork(db))
    assert first["withdrawn"] == 2
    rows = db.scalars(select(DatasetWithdrawal).order_by(DatasetWithdrawal.sha1_git)).all()
    assert {r.build_id for r in rows} == {t1.id}  # search is not ai-training
    assert {bytes(r.sha1_git) for r in rows} == {
        bytes(two.contents["m"].sha1_git),
        bytes(two.contents["s"].sha1_git),  # also in "other": the bytes go
    }
    assert {r.registry_version for r in rows} == {request.activated_version}
    deliveries = db.scalars(select(WebhookDelivery)).all()
    assert [d.subscription_id for d in deliveries] == [sub.id]

    # Idempotent: nothing new, nothing announced again.
    again = withdrawals.compute(UnitOfWork(db))
    assert again["withdrawn"] == 0
    assert again["builds"] == 0
    assert len(db.scalars(select(WebhookDelivery)).all()) == 1

    # A build made after the opt-out holds none of it: it has nothing to withdraw.
    t2 = build(db, training)
    assert t2.row_count == 1
    assert t2.withdrawals_version == request.activated_version
    opt_out(db, two.origins["other"].url, ["any"])
    withdrawals.compute(UnitOfWork(db))
    per_build = {
        b: {bytes(r.sha1_git) for r in db.scalars(select(DatasetWithdrawal)) if r.build_id == b}
        for b in (t1.id, t2.id, s1.id)
    }
    assert per_build[t2.id] == {bytes(two.contents["o"].sha1_git)}
    assert per_build[t1.id] == {bytes(c.sha1_git) for c in two.contents.values()}
    assert per_build[s1.id] == {bytes(two.contents[k].sha1_git) for k in ("s", "o")}
    entries = withdrawals.dataset_entries(db, training.id)
    assert sorted(e.data["files"] for e in entries) == [1, 1, 2]


def test_withdrawal_cursors_of_the_right_kind_but_wrong_values(
    client: TestClient, built: dict[str, Any], db: Session
) -> None:
    from app.datasets import repository
    from app.kit.pagination import encode_cursor

    build_row = repository.build(db, built["dataset_id"], 1)
    assert build_row is not None
    kind = f"withdrawals:{build_row.id}:0"
    for key in ([1, "zz" * 20], [1, "ab"], [1, 7], ["1", "ab" * 20], [2**64, "ab" * 20]):
        response = client.get(
            "/v1/datasets/roadmap/builds/1/withdrawals",
            params={"cursor": encode_cursor(kind, key)},
        )
        assert response.status_code == 400, (key, response.text)
        assert response.json()["type"] == "/problems/invalid-cursor"
    ok = client.get(
        "/v1/datasets/roadmap/builds/1/withdrawals",
        params={"cursor": encode_cursor(kind, [1, "ab" * 20])},
    )
    assert ok.status_code == 200
    assert ok.json()["items"] == []


def test_a_build_that_raced_an_optout_asks_for_withdrawals(
    two: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.datasets import optouts
    from app.jobs.kinds import DATASETS_WITHDRAWALS
    from app.models import Job

    def jobs() -> int:
        return len(db.scalars(select(Job).where(Job.kind == DATASETS_WITHDRAWALS)).all())

    dataset = make_dataset(db, "raced", {}, purpose="pre-training")
    calm = build(db, dataset)
    assert jobs() == 0
    assert calm.row_count == 3
    opt_out(db, two.origins["mine"].url, ["ai-training"])
    assert jobs() == 1
    # The build read the registry just before the opt-out took effect.
    real = optouts.registry_version
    seen = iter([real(db) - 1])
    monkeypatch.setattr(optouts, "registry_version", lambda s: next(seen, None) or real(s))
    raced = build(db, dataset)
    assert raced.row_count == 3  # it honoured the older version
    assert jobs() == 2  # and asked for its withdrawals
    withdrawals.compute(UnitOfWork(db))
    held = db.scalars(
        select(DatasetWithdrawal.sha1_git).where(DatasetWithdrawal.build_id == raced.id)
    ).all()
    assert len(held) == 2
