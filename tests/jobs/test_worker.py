"""Jobs run end to end: API → Redis broker → a real Celery worker process → PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs import kinds, service
from app.kit.db import unit_of_work
from app.main import create_app
from app.models import JobItem


def wait_for(client: TestClient, job_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if body["state"] in {"succeeded", "failed", "cancelled"}:
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {body}")


@pytest.fixture
def live_client(
    settings: Settings, engine: Engine, committed_factory: sessionmaker[Session]
) -> TestClient:
    return TestClient(create_app(settings, engine=engine, session_factory=committed_factory))


@pytest.mark.usefixtures("celery_worker")
def test_demo_job_runs_on_a_real_worker(
    live_client: TestClient, auth: dict[str, str], committed_factory: sessionmaker[Session]
) -> None:
    response = live_client.post("/v1/jobs/demo", json={"steps": 4, "delay": 0.05}, headers=auth)
    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "queued"
    done = wait_for(live_client, job["id"])
    assert done["state"] == "succeeded", done
    assert done["progress"] == {"done": 4, "total": 4, "fraction": 1.0, "stage": None}
    assert done["attempts"] == 1
    assert done["items"] == {"succeeded": 4}
    items = live_client.get(f"/v1/jobs/{job['id']}/items").json()["items"]
    assert [i["key"] for i in items] == [f"step-{n}" for n in range(4)]


@pytest.mark.usefixtures("celery_worker")
def test_rerunning_a_finished_job_changes_nothing(
    committed_factory: sessionmaker[Session], live_client: TestClient
) -> None:
    with unit_of_work(committed_factory) as uow:
        job = service.submit(uow, kinds.DEMO, {"steps": 2})
    assert wait_for(live_client, job.id)["state"] == "succeeded"
    # Redelivery of the same task (e.g. after a worker loss) is a no-op.
    from app.kit.queue import send_now

    send_now(kinds.DEMO, job.id)
    time.sleep(1.0)
    again = live_client.get(f"/v1/jobs/{job.id}").json()
    assert again["attempts"] == 1
    with committed_factory() as session:
        assert session.query(JobItem).filter_by(job_id=job.id).count() == 2


@pytest.mark.usefixtures("celery_worker")
def test_bad_parameters_fail_the_job_with_a_reason(
    committed_factory: sessionmaker[Session], live_client: TestClient
) -> None:
    with unit_of_work(committed_factory) as uow:
        job = service.submit(uow, kinds.DEMO, {"steps": -1})
    done = wait_for(live_client, job.id)
    assert done["state"] == "failed"
    assert done["error"] == "steps must be >= 0"


def test_enqueue_happens_only_after_commit(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr("app.kit.queue.send_now", lambda name, *args: sent.append((name, args)))
    from app.kit.db import UnitOfWork

    uow = UnitOfWork(db)
    job = service.submit(uow, kinds.DEMO, {})
    assert sent == []
    uow.rollback()
    assert sent == []  # a rolled-back request enqueues nothing
    uow = UnitOfWork(db)
    job = service.submit(uow, kinds.DEMO, {})
    uow.commit()
    assert sent == [(kinds.DEMO, (job.id,))]


def test_write_endpoints_need_an_api_key(client: TestClient) -> None:
    missing = client.post("/v1/jobs/demo", json={})
    assert missing.status_code == 401
    assert missing.json()["type"] == "/problems/unauthorized"
    wrong = client.post("/v1/jobs/demo", json={}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_job_list_and_unknown_job(client: TestClient) -> None:
    assert client.get("/v1/jobs/999999").status_code == 404
    assert client.get("/v1/jobs", params={"state": "bogus"}).status_code == 422
