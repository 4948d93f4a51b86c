"""A small world for dataset tests: origins with stars, dates and effective licenses,
contents with facts, license findings and occurrences, built with the factories."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.datasets.builder import run_build
from app.datasets.schemas import DatasetIn
from app.datasets.service import create
from app.kit.db import UnitOfWork
from app.models.enums import LicenseSource
from tests import factories as f

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ROADMAP = {
    "files": {
        "languages": ["Python", "Go"],
        "license": {"ids": ["MIT", "BSD-3-Clause", "Apache-2.0"]},
        "exclude_flags": ["generated", "vendored"],
        "pii": {"exclude_any": True},
    },
    "origins": {"updated_within_days": 730},
    "dedup": {"near_duplicates": True},
    "ranking": {"order": "origin_stars"},
}


@dataclass
class World:
    db: Session
    origins: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[str, Any] = field(default_factory=dict)
    contents: dict[str, Any] = field(default_factory=dict)

    def origin(
        self,
        name: str,
        *,
        stars: int | None = 10,
        updated: datetime | None = None,
        license: str | None = "MIT",
        conflicts: list[str] | None = None,
        fork: bool = False,
    ) -> Any:
        origin = f.OriginFactory(
            full_name=f"acme/{name}",
            stars=stars,
            forge_updated_at=updated or NOW - timedelta(days=30),
            is_fork=fork,
        )
        snapshot = f.SnapshotFactory()
        f.ScanSummaryFactory(
            origin_id=origin.id,
            snapshot_id=snapshot.id,
            license_expression=license,
            license_conflicts=conflicts or [],
        )
        f.VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id, date=NOW - timedelta(days=1))
        self.origins[name] = origin
        self.snapshots[name] = snapshot
        return origin

    def file(
        self,
        key: str,
        where: list[tuple[str, str]],
        *,
        language: str | None = "Python",
        data: bytes | None = None,
        own: list[tuple[str | None, LicenseSource]] | None = None,
        cluster: int | None = None,
        **facts: Any,
    ) -> Any:
        content = f.ContentFactory(data=data or f"# {key}\nprint({key!r})\n".encode())
        f.ContentFactFactory(
            content_id=content.id, language=language, near_dup_cluster=cluster, **facts
        )
        for expression, source in own or []:
            f.LicenseFindingFactory(
                content_id=content.id,
                expression=expression,
                original_text=None if expression else "custom terms",
                source=source,
                evidence_content_id=content.id,
            )
        for origin_name, path in where:
            f.PathOccurrenceFactory(
                content_id=content.id,
                origin_id=self.origins[origin_name].id,
                snapshot_id=self.snapshots[origin_name].id,
                path=path.encode(),
            )
        self.contents[key] = content
        return content


@pytest.fixture
def world(db: Session) -> World:
    return World(db)


def make_dataset(
    db: Session, name: str, selection: dict[str, Any], purpose: str = "pre-training"
) -> Any:
    dataset, _ = create(UnitOfWork(db), DatasetIn(name=name, purpose=purpose, selection=selection))
    return dataset


@pytest.fixture
def corpus(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    w = world
    w.origin("big", stars=1000)
    w.origin("small", stars=5, license="GPL-3.0-only")
    w.origin("old", updated=NOW - timedelta(days=5 * 365))
    w.origin("conflicted", conflicts=["forge_declared says MIT but the license texts are X"])
    w.file("a", [("big", "src/a.py")])
    w.file("b", [("small", "b.go")], language="Go")
    w.file("c", [("old", "c.py")])
    w.file("d", [("big", "d.js")], language="JavaScript")
    w.file("e", [("big", "e.py")], is_generated=True)
    w.file("f", [("big", "f.py")], pii_count=1)
    w.file("g", [("big", "g.py")], own=[("GPL-3.0-or-later", LicenseSource.HEADER)])
    w.file("h1", [("big", "h1.py")], cluster=77)
    w.file("h2", [("small", "h2.py"), ("big", "x/h2.py")], cluster=77)
    w.file("i", [("small", "i.py"), ("big", "lib/i.py")])
    w.file("j", [("conflicted", "j.py")])
    w.file("lic", [("big", "vendor/lib/LICENSE")], language="Text",
           own=[("BSD-3-Clause", LicenseSource.LICENSE_FILE)])  # fmt: skip
    w.file("k", [("big", "vendor/lib/k.py")])
    w.db.flush()
    return w


@pytest.fixture
def built(corpus: World, client: TestClient, auth: dict[str, str], db: Session) -> dict[str, Any]:
    body = {"name": "roadmap", "purpose": "pre-training", "selection": ROADMAP}
    created = client.post("/v1/datasets", json=body, headers=auth)
    assert created.status_code == 201, created.text
    started = client.post("/v1/datasets/roadmap/builds", headers=auth)
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "queued"
    from app.datasets import repository

    build = repository.build(db, created.json()["id"], started.json()["number"])
    assert build is not None
    run_build(db, build.id)  # what the worker runs (tests/datasets/test_worker.py)
    out: dict[str, Any] = client.get("/v1/datasets/roadmap/builds/1").json()
    return out


@pytest.fixture
def committed_corpus(committed_factory: sessionmaker[Session]) -> World:
    """Three files in two origins, committed (what another connection or process
    sees): the CLI's subprocesses and the exports' second connections read them."""
    session = committed_factory()
    f.bind(session)
    world = World(session)
    world.origin("big", stars=1000)
    world.origin("small", stars=5, license="GPL-3.0-only")
    world.file("a", [("big", "src/a.py")])
    world.file("b", [("small", "b.go")], language="Go")
    world.file("i", [("small", "i.py"), ("big", "lib/i.py")])
    session.commit()
    return world


@pytest.fixture
def drop_partitions(engine: Engine) -> Iterator[None]:
    """Builds committed by a test leave their partitions (tables, not rows): drop them,
    so later tests see the schema the migrations made."""
    yield
    with engine.begin() as conn:
        names = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE tablename ~ '^dataset_manifest_[0-9]+$'")
        ).scalars()
        for name in list(names):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
