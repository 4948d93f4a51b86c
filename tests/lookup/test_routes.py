"""Batch lookup: input order kept; matched, missing, ambiguous and invalid told apart."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from swh.model.model import Origin as SWHOrigin

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


def test_a_url_held_in_turn_says_who_held_it_when(client: TestClient, db: Session) -> None:
    """A repository transferred away, then a new one on its old URL (issue 10, item 9):
    the URL names the new one, and the answer lists both with their periods."""
    from app.forges.ingest import ingest
    from tests.forges.test_identities import (
        new_repository_on_freed_url,
        pygithub_2012,
        pygithub_2025,
    )

    for env in (new_repository_on_freed_url(), pygithub_2025(), pygithub_2012()):
        ingest(db, env)
    db.flush()
    response = client.post(
        "/v1/lookup",
        json={
            "items": [
                "https://github.com/jacquev6/PyGithub",
                "https://github.com/PyGithub/PyGithub",
            ]
        },
    )
    assert response.status_code == 200, response.text
    old_url, moved = response.json()["results"]
    assert old_url["status"] == "matched"
    assert old_url["url"] == "https://github.com/jacquev6/pygithub"  # the newcomer holds it
    held = [(h["url"], h["first_seen_at"], h["last_seen_at"]) for h in old_url["held_by"]]
    assert held == [
        ("https://github.com/jacquev6/pygithub", "2026-08-03T00:00:00Z", "2026-08-03T00:00:00Z"),
        ("https://github.com/pygithub/pygithub", "2012-05-27T07:17:09Z", "2012-05-27T07:17:09Z"),
    ]
    assert moved["held_by"] is None  # one holder: nothing to tell apart
    assert moved["swhid"] == str(SWHOrigin(url="https://github.com/PyGithub/PyGithub").swhid())


def test_an_item_naming_several_origins_equally_is_ambiguous(
    client: TestClient, db: Session
) -> None:
    """``ambiguous`` happens: a former URL two origins held with nothing recorded to
    say which held it last, and an origin SWHID two origins share, fetched at the same
    time. Once the evidence tells them apart, the answer is a match again."""
    from datetime import UTC, datetime

    from app.kit.swhid import origin_swhid_id

    a = OriginFactory(url="https://github.com/a/one", full_name="a/one")
    b = OriginFactory(url="https://github.com/b/two", full_name="b/two")
    gone = "https://github.com/gone/name"
    db.add_all(
        [
            OriginAlias(origin_id=a.id, url=gone, reason="renamed"),
            OriginAlias(origin_id=b.id, url=gone, reason="transferred"),
        ]
    )
    shared = origin_swhid_id("https://example.org/Mirror")
    c = OriginFactory(url="https://example.org/mirror-c", swhid_id=shared)
    d = OriginFactory(url="https://example.org/mirror-d", swhid_id=shared)
    db.flush()
    swhid = f"swh:1:ori:{shared.hex()}"

    def ask() -> list[dict[str, Any]]:
        response = client.post("/v1/lookup", json={"items": [gone, swhid]})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    by_url, by_swhid = ask()
    assert by_url["status"] == "ambiguous"
    assert by_url["origin_id"] is None
    assert sorted(by_url["candidates"]) == [a.url, b.url]
    assert by_swhid["status"] == "ambiguous"
    assert sorted(by_swhid["candidates"]) == [c.url, d.url]

    # What was seen last names it.
    db.query(OriginAlias).filter(OriginAlias.origin_id == b.id).update(
        {"last_seen_at": datetime(2026, 1, 1, tzinfo=UTC)}
    )
    d.last_fetched_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.flush()
    by_url, by_swhid = ask()
    assert (by_url["status"], by_url["origin_id"], by_url["candidates"]) == (
        "matched",
        b.id,
        None,
    )
    assert (by_swhid["status"], by_swhid["origin_id"]) == ("matched", d.id)
