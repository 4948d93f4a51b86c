"""Diffs between builds: added and removed SWHIDs, each with its reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.datasets import repository
from app.datasets.builder import run_build
from app.kit.swhid import format_swhid
from app.models import Content, ScanSummary
from app.models.enums import LicenseSource
from tests import factories as f
from tests.datasets.conftest import World


def rebuild(client: TestClient, auth: dict[str, str], db: Session) -> int:
    started = client.post("/v1/datasets/roadmap/builds", headers=auth).json()
    dataset = repository.dataset_by_name(db, "roadmap")
    assert dataset is not None
    build = repository.build(db, dataset.id, started["number"])
    assert build is not None
    run_build(db, build.id)
    return int(started["number"])


def test_diff_says_why(
    built: dict[str, Any], corpus: World, client: TestClient, auth: dict[str, str], db: Session
) -> None:
    swhid = {k: format_swhid("cnt", c.sha1_git) for k, c in corpus.contents.items()}
    # new data: a file archived after build 1's cut-off
    new = corpus.file("n", [("big", "src/n.py")])
    db.execute(
        update(Content)
        .where(Content.id == new.id)
        .values(created_at=Content.created_at + timedelta(hours=1))
    )
    swhid["n"] = format_swhid("cnt", new.sha1_git)
    # license changed: "small" becomes MIT (b.go comes in), "a" gets a GPL header
    db.execute(
        update(ScanSummary)
        .where(ScanSummary.origin_id == corpus.origins["small"].id, ScanSummary.is_current)
        .values(license_expression="MIT", license_conflicts=[])
    )
    f.LicenseFindingFactory(
        content_id=corpus.contents["a"].id,
        expression="GPL-3.0-only",
        source=LicenseSource.HEADER,
        evidence_content_id=corpus.contents["a"].id,
    )
    db.flush()
    second = rebuild(client, auth, db)
    out = client.get(f"/v1/datasets/roadmap/builds/1/diff/{second}").json()
    changes = {(e["swhid"], e["change"]): e["reason"] for e in out["entries"]}
    assert changes[(swhid["n"], "added")] == "new data"
    # judged on today's data, b passes the base definition: its data changed
    assert changes[(swhid["b"], "added")] == "data changed"
    assert changes[(swhid["a"], "removed")] == "license changed"
    assert out["added"] == sum(1 for _, c in changes if c == "added")
    assert out["removed"] == sum(1 for _, c in changes if c == "removed")
    # the definition changes: Go is no longer wanted
    edited = {"selection": {**built_selection(client), "files": {
        **built_selection(client)["files"], "languages": ["Python"]}}}  # fmt: skip
    assert client.patch("/v1/datasets/roadmap", json=edited, headers=auth).status_code == 200
    third = rebuild(client, auth, db)
    out = client.get(f"/v1/datasets/roadmap/builds/{second}/diff/{third}").json()
    changes = {(e["swhid"], e["change"]): e["reason"] for e in out["entries"]}
    assert changes == {(swhid["b"], "removed"): "filter changed"}
    # paging and bad input
    page = client.get(f"/v1/datasets/roadmap/builds/1/diff/{second}", params={"limit": 1})
    assert page.json()["next_cursor"] is not None
    assert client.get("/v1/datasets/roadmap/builds/1/diff/1").status_code == 400
    assert client.get("/v1/datasets/roadmap/builds/1/diff/99").status_code == 404


def built_selection(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get("/v1/datasets/roadmap").json()
    selection: dict[str, Any] = body["current_revision"]["selection"]
    return selection
