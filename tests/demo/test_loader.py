"""The demo corpus loads through the real import and scan paths, and only once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo.loader import demo_needed, load_demo_corpus
from app.kit.db import UnitOfWork
from app.models import Content, Issue, RawMetadata


def test_demo_corpus_answers_first_queries(client: TestClient, db: Session) -> None:
    assert demo_needed(db)
    report = load_demo_corpus(UnitOfWork(db))
    assert report.forge.failed == 0, report.forge.failures
    assert report.forge.applied == report.forge.lines == 8
    assert len(report.scanned) == 3
    assert not demo_needed(db)

    origins = client.get("/v1/origins", params={"limit": 50}).json()["items"]
    urls = {o["url"] for o in origins}
    assert {
        "https://github.com/benjaminp/six",
        "https://github.com/pallets/itsdangerous",
        "https://github.com/vercel/ms",
        "https://pypi.org/project/six/",
        "https://www.npmjs.com/package/ms",
    } <= urls
    six = client.get(
        "/v1/origins/lookup", params={"url": "https://github.com/benjaminp/six"}
    ).json()
    assert six["latest_visit"]["files"] == 8
    assert [f["expression"] for f in six["licenses"]] == ["MIT"]
    assert (
        six["licenses"][0]["provenance"]["raw_metadata_id"] == six["provenance"]["raw_metadata_id"]
    )
    pypi = client.get("/v1/origins/lookup", params={"url": "https://pypi.org/project/six/"}).json()
    assert pypi["declared_repository_url"] == "https://github.com/benjaminp/six"

    snapshot = client.get(f"/v1/swhid/{six['latest_visit']['snapshot']}").json()
    assert snapshot["snapshot"]["branches"][0]["name"] == "HEAD"
    gql = client.post("/graphql", json={"query": "{ origins(first: 50) { nodes { url } } }"})
    assert {n["url"] for n in gql.json()["data"]["origins"]["nodes"]} == urls
    assert db.scalar(select(func.count()).select_from(Issue)) == 3


def test_loading_twice_adds_nothing(db: Session) -> None:
    load_demo_corpus(UnitOfWork(db))
    counts = [db.scalar(select(func.count()).select_from(m)) for m in (RawMetadata, Content)]
    again = load_demo_corpus(UnitOfWork(db))
    assert again.forge.unchanged == 8
    assert again.scanned == {}
    assert [
        db.scalar(select(func.count()).select_from(m)) for m in (RawMetadata, Content)
    ] == counts
