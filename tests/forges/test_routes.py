"""Forge metadata over HTTP: an uploaded dump is imported by a real worker, and every
normalized field can be traced to its stored payload."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.demo.loader import load_demo_corpus
from app.forges import routes as forge_routes
from app.kit.db import UnitOfWork
from app.main import create_app
from app.models import Job
from tests.jobs.test_worker import wait_for

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "forge.jsonl"


@pytest.mark.usefixtures("celery_worker")
def test_uploaded_dump_is_imported_in_the_background(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    auth: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    body = DEMO.read_bytes() + b"{broken\n"
    response = client.post(
        "/v1/imports", content=body, headers={**auth, "content-type": "application/x-ndjson"}
    )
    assert response.status_code == 202, response.text
    job = wait_for(client, response.json()["id"])
    assert job["state"] == "succeeded", job
    assert job["result"]["applied"] == 8
    assert job["result"]["failed"] == 1
    assert job["items"] == {"failed": 1}
    failed = client.get(f"/v1/jobs/{job['id']}/items").json()["items"][0]
    assert failed["key"] == "line-9"
    assert failed["error"].startswith("invalid envelope")
    origins = client.get("/v1/origins", params={"limit": 100}).json()["items"]
    assert len(origins) == 6


def test_upload_needs_a_key_and_a_body(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/v1/imports", content=b"{}").status_code == 401
    empty = client.post("/v1/imports", content=b"", headers=auth)
    assert empty.status_code == 400
    assert "empty" in empty.json()["detail"]


def test_an_oversized_upload_is_a_413_that_leaves_nothing_behind(
    client: TestClient,
    settings: Settings,
    auth: dict[str, str],
    db: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "data_dir", tmp_path)
    monkeypatch.setattr(forge_routes, "MAX_UPLOAD_BYTES", 1000)
    jobs = db.scalar(select(func.count(Job.id)))
    response = client.post(
        "/v1/imports",
        content=DEMO.read_bytes(),
        headers={**auth, "content-type": "application/x-ndjson"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "/problems/payload-too-large"
    assert db.scalar(select(func.count(Job.id))) == jobs
    assert list((tmp_path / "imports").iterdir()) == []


def test_provenance_owner_issue_endpoints(client: TestClient, db: Session) -> None:
    load_demo_corpus(UnitOfWork(db))
    origin = client.get(
        "/v1/origins/lookup", params={"url": "https://github.com/pallets/itsdangerous"}
    ).json()
    raw_url = f"/v1/raw/{origin['provenance']['raw_metadata_id']}"
    answer = client.get(raw_url)
    raw = answer.json()
    assert raw["authority"] == "github.com"
    # Stored payloads never change: their fetch time serves If-Modified-Since.
    since = answer.headers["Last-Modified"]
    assert client.get(raw_url, headers={"If-Modified-Since": since}).status_code == 304
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(raw_url, headers={"If-Modified-Since": older}).status_code == 200
    assert raw["payload"]["full_name"] == "pallets/itsdangerous"
    assert raw["source_url"] == "https://api.github.com/repos/pallets/itsdangerous"
    payloads = client.get(f"/v1/origins/{origin['id']}/raw").json()["items"]
    assert {p["kind"] for p in payloads} == {"repository", "issues"}
    issues = client.get("/v1/issues", params={"origin_id": origin["id"]}).json()["items"]
    assert len(issues) == 3
    merged = client.get("/v1/issues", params={"origin_id": origin["id"], "state": "merged"}).json()[
        "items"
    ]
    assert [(i["kind"], i["forge_state"]) for i in merged] == [("pull_request", "closed")]
    owners = client.get("/v1/owners", params={"forge": "github.com", "login": "Pallets"}).json()[
        "items"
    ]
    assert [o["login"] for o in owners] == ["pallets"]
    assert owners[0]["kind"] == "organization"
    assert client.get("/v1/raw/99999999").status_code == 404
    assert client.get("/v1/issues", params={"state": "exploded"}).status_code == 422


def test_graphql_issues_and_raw_payload_match_rest(client: TestClient, db: Session) -> None:
    load_demo_corpus(UnitOfWork(db))
    rest = client.get("/v1/issues", params={"state": "closed"}).json()["items"]
    query = """{ issues(state: CLOSED) { nodes { number title forgeState provenance {
        rawMetadataId mapperVersion } } } }"""
    nodes = client.post("/graphql", json={"query": query}).json()["data"]["issues"]["nodes"]
    assert [(n["number"], n["title"]) for n in nodes] == [(i["number"], i["title"]) for i in rest]
    raw_id = nodes[0]["provenance"]["rawMetadataId"]
    raw = client.post(
        "/graphql", json={"query": f"{{ rawPayload(id: {raw_id}) {{ authority kind payload }} }}"}
    ).json()
    assert raw["data"]["rawPayload"]["payload"] == client.get(f"/v1/raw/{raw_id}").json()["payload"]
