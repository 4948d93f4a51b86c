"""The roadmap query (minus vulnerabilities and domains) end to end on real scanned
files: the demo corpus's forge records imported and its projects scanned through the
scan pipeline (facts, licenses, MinHash), near duplicates clustered; the dataset
defined and built through the API by a real Celery worker; exported; every exported
file's membership proved and checked offline; and a build whose worker is killed
(SIGKILL) mid-build leaves no trace, and its redelivery gives the same fingerprints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, to_libpq_url
from app.datasets import repository, verify
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.demo.loader import CORPUS
from app.forges.imports import ingest_line
from app.jobs.kinds import DATASETS_BUILD
from app.jobs.service import reap_stale
from app.kit.db import unit_of_work
from app.main import create_app
from app.neardups.service import recluster
from app.scans.service import run_scan
from tests.processes import Worker, start_worker

QUEUE = "datasets-e2e"  # a queue only this module's workers read
ROADMAP = {
    "files": {
        "languages": ["Python", "Go"],
        "license": {"categories": ["permissive", "public_domain"]},
        "exclude_flags": ["generated", "vendored"],
        "pii": {"exclude_any": True},
    },
    "origins": {"updated_within_days": 730},
    "dedup": {"near_duplicates": True},
    "ranking": {"order": "origin_stars", "limit": 20},
}


@pytest.fixture
def scanned(committed_factory: sessionmaker[Session], settings: Settings) -> None:
    with unit_of_work(committed_factory) as uow:
        for line in (CORPUS / "forge.jsonl").read_bytes().splitlines():
            ingest_line(uow.session, line)
    projects: dict[str, str] = json.loads((CORPUS / "projects.json").read_text())
    for folder, url in projects.items():
        run_scan(str(CORPUS / "projects" / folder), origin_url=url, factory=committed_factory)
    recluster(committed_factory)


@pytest.fixture
def live(
    settings: Settings, engine: Engine, committed_factory: sessionmaker[Session]
) -> TestClient:
    return TestClient(create_app(settings, engine=engine, session_factory=committed_factory))


def wait_job(client: TestClient, job_id: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/jobs/{job_id}").json()
        if body["state"] in {"succeeded", "failed", "cancelled"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {body}")


@pytest.fixture
def worker_factory(worker_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    started: list[Worker] = []

    # A short lease, so that a killed worker's job lapses within seconds (its
    # heartbeat renews it four times a lease while the worker lives).
    env = {**worker_env, "JOB_LEASE_SECONDS": "3"}

    def start(name: str) -> Worker:
        worker = start_worker(env, tmp_path / f"{name}.log", queues=QUEUE)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def send(job_id: int) -> None:
    from app.kit.celery import get_celery

    get_celery().send_task(DATASETS_BUILD, args=[job_id], queue=QUEUE)


@pytest.mark.usefixtures("scanned", "drop_partitions")
def test_roadmap_query_built_exported_verified_and_killed(
    live: TestClient,
    auth: dict[str, str],
    committed_factory: sessionmaker[Session],
    database_url: str,
    worker_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every task of this test goes to our queue, through the ordinary enqueue path.
    import app.kit.queue as queue

    real_send = queue.send_now

    def route(name: str, *args: Any) -> str | None:
        if name != DATASETS_BUILD:
            return real_send(name, *args)
        send(int(args[0]))
        return None

    monkeypatch.setattr(queue, "send_now", route)
    worker = worker_factory("first")
    body = {"name": "roadmap", "purpose": "pre-training;research-only", "selection": ROADMAP}
    assert live.post("/v1/datasets", json=body, headers=auth).status_code == 201
    started = live.post("/v1/datasets/roadmap/builds", headers=auth).json()
    job = wait_job(live, started["job_id"])
    assert job["state"] == "succeeded", job
    build = live.get("/v1/datasets/roadmap/builds/1").json()
    assert build["state"] == "succeeded"
    files = build["files"]
    assert 0 < files <= 20
    funnel = {s["step"]: s for s in build["funnel"]}
    assert funnel["language"]["removed"] > 0  # ms is JavaScript, texts are not code
    assert funnel["limit"]["left"] == files
    root = build["fingerprints"]["extensional"]

    exported = live.get("/v1/datasets/roadmap/builds/1/export/jsonl")
    rows = [json.loads(line) for line in exported.text.splitlines()]
    assert len(rows) == files
    assert {r["language"] for r in rows} <= {"Python", "Go"}
    assert all(r["license_evidence"] in {"own", "inherited", "origin"} for r in rows)
    python_origins = {"https://github.com/benjaminp/six", "https://github.com/pallets/itsdangerous"}
    assert all(r["origin"] in python_origins for r in rows)
    stars = [r["rank_value"] for r in rows]
    assert all(s is not None and s > 0 for s in stars)
    for row in rows:
        answer = live.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": row["swhid"]}
        ).json()
        assert verify.verify(answer["proof"], row["swhid"], root, size=files) is True
    license_text = live.get(
        "/v1/datasets/roadmap/builds/1/membership",
        params={"origin": "https://github.com/vercel/ms"},
    ).json()
    assert license_text["members"] == []  # JavaScript only
    for swhid in license_text["non_members"]:
        answer = live.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": swhid}
        ).json()
        assert verify.verify(answer["proof"], swhid, root, size=files) is False

    # A second build of the same revision, its worker killed mid-build: the test
    # holds a SHARE lock on dataset_manifest, so the build fills its table, hashes it
    # and then waits to attach it, inside its one transaction.
    dsn = to_libpq_url(database_url)
    with psycopg.connect(dsn) as blocker:
        blocker.execute("LOCK TABLE dataset_manifest IN SHARE MODE")
        with unit_of_work(committed_factory) as uow:
            second, _ = submit_build(uow, "roadmap", BuildIn())
            second_id, job_id = second.id, second.job_id
        assert job_id is not None
        table = repository.partition_name(second_id)
        with psycopg.connect(dsn, autocommit=True) as watcher:
            deadline = time.monotonic() + 90
            waiting = None
            while waiting is None and time.monotonic() < deadline:
                waiting = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'ALTER TABLE dataset_manifest ATTACH%%'"
                ).fetchone()
                time.sleep(0.1)
            assert waiting is not None, worker.log[-2000:]
            # Mid-build: its table exists only inside its transaction.
            assert watcher.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,)
            worker.kill_group()
            blocker.rollback()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                alive = watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (waiting[0],)
                ).fetchone()
                if alive is None:
                    break
                time.sleep(0.2)
            assert alive is None, "the killed build's backend is still running"
            assert watcher.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,)
            left = watcher.execute(
                "SELECT count(*) FROM dataset_manifest WHERE build_id = %s", (second_id,)
            ).fetchone()
            assert left == (0,)
    halfway = live.get("/v1/datasets/roadmap/builds/2").json()
    assert halfway["state"] != "succeeded"
    assert halfway["fingerprints"] == {"intensional": None, "extensional": None}
    assert live.get("/v1/datasets/roadmap/builds/2/manifest").status_code == 409

    # The task comes back through the reaper once the killed attempt's lease lapsed (a
    # copy delivered while the lease still held would stand aside as a duplicate).
    deadline = time.monotonic() + 60
    while (DATASETS_BUILD, job_id) not in reap_stale(committed_factory, send=False).resent:
        assert time.monotonic() < deadline, "the killed build's lease never lapsed"
        time.sleep(0.5)
    worker_factory("second")
    send(job_id)
    done = wait_job(live, job_id)
    assert done["state"] == "succeeded", done
    assert done["attempts"] == 2
    rerun = live.get("/v1/datasets/roadmap/builds/2").json()
    assert rerun["fingerprints"] == build["fingerprints"]
    assert rerun["files"] == files
    # and a third delivery of the same task changes nothing
    send(job_id)
    time.sleep(1.5)
    assert live.get(f"/v1/jobs/{job_id}").json()["attempts"] == 2
