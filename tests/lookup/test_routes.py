"""Batch lookup: input order kept; matched, missing, ambiguous and invalid told apart."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.demo.loader import load_demo_corpus
from app.kit.db import UnitOfWork
from app.models import OriginAlias
from tests.factories import OriginFactory

MISSING_CNT = "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2"


def test_batch_lookup(client: TestClient, db: Session) -> None:
    load_demo_corpus(UnitOfWork(db))
    six = client.get(
        "/v1/origins/lookup", params={"url": "https://github.com/benjaminp/six"}
    ).json()
    snapshot = six["latest_visit"]["snapshot"]
    a = OriginFactory(url="https://github.com/a/one", full_name="a/one")
    b = OriginFactory(url="https://github.com/b/two", full_name="b/two")
    db.add_all(
        [
            OriginAlias(origin_id=a.id, url="https://github.com/old/name", reason="renamed"),
            OriginAlias(origin_id=b.id, url="https://github.com/old/name2", reason="x"),
        ]
    )
    db.flush()
    items = [
        snapshot,
        f"{snapshot};origin=https://github.com/benjaminp/six",
        MISSING_CNT,
        six["swhid"],
        "http://GitHub.com/BenjaminP/six.git",
        "pkg:pypi/Six",
        "pkg:npm/ms",
        "pkg:cargo/serde",
        "https://github.com/old/name",
        "swh:1:cnt:nothex",
        "pkg:rpm/x",
        "not a url",
    ]
    response = client.post("/v1/lookup", json={"items": items})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["input"] for r in results] == items
    assert [r["status"] for r in results] == [
        "matched",
        "matched",
        "missing",
        "matched",
        "matched",
        "matched",
        "matched",
        "missing",
        "matched",
        "invalid",
        "invalid",
        "invalid",
    ]
    assert results[4]["origin_id"] == six["id"]
    assert results[5]["url"] == "https://pypi.org/project/six/"
    assert results[8]["url"] == "https://github.com/a/one"  # found by its former URL
    assert "40 lowercase hexadecimal" in results[9]["error"]


def test_limits(client: TestClient) -> None:
    too_many = client.post("/v1/lookup", json={"items": ["x"] * 1001})
    assert too_many.status_code == 422
    assert client.post("/v1/lookup", json={"items": []}).status_code == 422
