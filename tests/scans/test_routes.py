"""POST /v1/scans runs on a real worker and reports progress in files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from tests.jobs.test_worker import wait_for

SIX = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects" / "six"


@pytest.mark.usefixtures("celery_worker")
def test_scan_job_end_to_end(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    auth: dict[str, str],
) -> None:
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    response = client.post(
        "/v1/scans",
        headers=auth,
        json={"location": str(SIX), "origin_url": "https://github.com/benjaminp/six"},
    )
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["id"])
    assert job["state"] == "succeeded", job
    assert job["progress"]["done"] == job["progress"]["total"] == 8
    snapshot = job["result"]["snapshot"]
    resolved = client.get(f"/v1/swhid/{snapshot}").json()
    assert resolved["snapshot"]["branches"][0]["name"] == "HEAD"
    origin = client.get(
        "/v1/origins/lookup", params={"url": "https://github.com/benjaminp/six"}
    ).json()
    assert origin["latest_visit"]["files"] == 8


@pytest.mark.usefixtures("celery_worker")
def test_unreadable_source_fails_the_job(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    auth: dict[str, str],
    tmp_path: Path,
) -> None:
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    response = client.post("/v1/scans", headers=auth, json={"location": str(tmp_path / "missing")})
    job = wait_for(client, response.json()["id"])
    assert job["state"] == "failed"
    assert job["error"].startswith("cannot read")
    assert job["attempts"] == 1  # broken input is not retried


def test_scan_needs_a_key(client: TestClient) -> None:
    assert client.post("/v1/scans", json={"location": "/x"}).status_code == 401
