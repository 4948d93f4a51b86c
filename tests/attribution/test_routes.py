"""POST /v1/attribution and GraphQL ``attribution``; end to end: a real worker scans
a demo project, a snippet pasted from one of its files is attributed to it with the
right line ranges; the backfill job runs on the worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from tests.jobs.test_worker import wait_for

CORPUS = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects"
PROJECT = CORPUS / "itsdangerous"
FILE = PROJECT / "src" / "itsdangerous" / "serializer.py"


def lines_of(path: Path, start: int, end: int) -> str:
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[start - 1 : end]) + "\n"


def test_bad_requests_are_problems(client: TestClient) -> None:
    for body in ({"snippet": ""}, {"snippet": "   \n"}, {"snippet": "x" * 70_000}, {}):
        response = client.post("/v1/attribution", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")
    response = client.post("/v1/attribution", json={"snippet": "x = 1", "dataset": "d"})
    assert response.status_code == 400
    response = client.post(
        "/v1/attribution", json={"snippet": "x = 1", "dataset": "nope", "dataset_build": 1}
    )
    assert response.status_code == 404


def test_nothing_indexed_nothing_found(client: TestClient) -> None:
    answer = client.post("/v1/attribution", json={"snippet": lines_of(FILE, 1, 40)}).json()
    assert answer["matches"] == []
    assert answer["guarantee_tokens"] == 22


def test_backfill_needs_a_key(client: TestClient) -> None:
    assert client.post("/v1/attribution/backfill").status_code == 401


@pytest.mark.timeout(900)  # a first scan loads ScanCode's index in the worker
@pytest.mark.usefixtures("celery_worker")
def test_scan_then_attribute_end_to_end(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    auth: dict[str, str],
) -> None:
    client = TestClient(create_app(settings, engine=engine, session_factory=committed_factory))
    response = client.post("/v1/scans", headers=auth, json={"location": str(PROJECT)})
    job = wait_for(client, response.json()["id"], timeout=600)
    assert job["state"] == "succeeded", job

    start, end = 150, 185
    snippet = lines_of(FILE, start, end)
    answer = client.post("/v1/attribution", json={"snippet": snippet}).json()
    best = answer["matches"][0]
    assert best["occurrences"][0]["path"] == "src/itsdangerous/serializer.py"
    assert best["ranges"][0]["file_start"] == start - 1 + best["ranges"][0]["snippet_start"]
    assert best["ranges"][0]["snippet_start"] <= 2
    assert best["ranges"][-1]["snippet_end"] >= end - start
    assert best["ranges"][-1]["file_end"] == start - 1 + best["ranges"][-1]["snippet_end"]

    query = """query($s: String!) { attribution(snippet: $s, first: 3) {
        language matches { swhid score ranges { snippetStart fileStart fileEnd }
        occurrences { path swhid } obligations { attributionRequired copyleft } authors } } }"""
    data = client.post("/graphql", json={"query": query, "variables": {"s": snippet}}).json()
    assert "errors" not in data, data
    first = data["data"]["attribution"]["matches"][0]
    assert first["swhid"] == best["swhid"]
    assert first["ranges"][0]["fileStart"] == best["ranges"][0]["file_start"]

    # the index emptied, the backfill job reads the scanned directory again
    with committed_factory.begin() as session:
        session.execute(text("DELETE FROM attribution_fingerprint"))
        session.execute(text("DELETE FROM attribution_indexed"))
    assert client.post("/v1/attribution", json={"snippet": snippet}).json()["matches"] == []
    response = client.post("/v1/attribution/backfill", headers=auth)
    assert response.status_code == 202
    job = wait_for(client, response.json()["id"], timeout=300)
    assert job["state"] == "succeeded", job
    assert job["result"]["contents_indexed"] > 5
    assert job["progress"]["done"] == job["progress"]["total"] == 1
    again = client.post("/v1/attribution", json={"snippet": snippet}).json()["matches"][0]
    assert again["ranges"] == best["ranges"]
