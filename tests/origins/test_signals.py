"""The signals on the origin: GraphQL ``Origin`` fields (advisories, domains with
evidence, importance with inputs) equal to REST's, one query per field for a page,
and the importance sort served by ``ix_origin_importance_score``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, text
from sqlalchemy.orm import Session

from app.models import OriginImportance
from app.origins.search import OriginFilters, OriginSort, search
from tests.signals.conftest import load_corpus


@pytest.fixture
def corpus(db: Session, session_factory: Any, tmp_path: Path) -> dict[str, int]:
    """The recorded astronomy/GIS corpus of tests/signals/test_roadmap.py."""
    return load_corpus(db, session_factory, tmp_path)


QUERY = """{ origins(first: 20, domain: "astronomy", sort: "-importance") { nodes {
  id url
  advisories { id current severityScore fixedVersions latestVersion affectsLatest }
  domains { domain ancestors confidence evidence assignerVersion }
  importance { score formulaVersion inputs signals { name value source } }
} } }"""


def test_origin_fields_equal_the_rest_answers(
    client: TestClient, corpus: dict[str, int], engine: Any
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.post("/graphql", json={"query": QUERY})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text
    nodes = response.json()["data"]["origins"]["nodes"]
    assert len(nodes) >= 4
    for node in nodes:
        oid = node["id"]
        rest_adv = client.get(f"/v1/origins/{oid}/advisories").json()
        assert [(a["advisory"]["id"], a["current"]) for a in rest_adv] == [
            (a["id"], a["current"]) for a in node["advisories"]
        ]
        rest_domains = client.get(f"/v1/origins/{oid}/domains").json()
        assert [(d["domain"], d["evidence"]) for d in rest_domains] == [
            (d["domain"], d["evidence"]) for d in node["domains"]
        ]
        rest_imp = client.get(f"/v1/origins/{oid}/importance").json()
        assert node["importance"]["score"] == rest_imp["score"]
        assert node["importance"]["inputs"] == rest_imp["inputs"]
        assert [s["name"] for s in node["importance"]["signals"]] == [
            s["name"] for s in rest_imp["signals"]
        ]
    astropy = next(n for n in nodes if n["id"] == corpus["pypi:astropy"])
    assert astropy["advisories"][0]["id"] == "GHSA-h2x6-5jx5-46hf"
    assert astropy["advisories"][0]["affectsLatest"] is True
    assert astropy["importance"]["inputs"]["dependents"]["value"] == 2
    # one query per signal field for the whole page, not one per origin
    for table in ("origin_advisory", "origin_domain", "importance_signal"):
        fields = [s for s in statements if s.startswith(f"SELECT {table}.")]
        assert len(fields) == 1, fields


def test_unscored_origins_sort_below_every_score(
    client: TestClient, corpus: dict[str, int], db: Session
) -> None:
    unscored = {corpus["pypi:six"], corpus["gh:astropy/astroplan"]}
    db.execute(delete(OriginImportance).where(OriginImportance.origin_id.in_(unscored)))
    db.flush()
    for sort in ("-importance", "importance"):
        pages: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"sort": sort, "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/v1/origins", params=params).json()
            pages += [o["id"] for o in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(pages) == len(set(pages)) == len(corpus)
        tail = set(pages[-2:]) if sort == "-importance" else set(pages[:2])
        assert tail == unscored
        # the unscored ones by id, in the list's direction
        ends = pages[-2:] if sort == "-importance" else pages[:2]
        assert ends == sorted(ends, reverse=sort.startswith("-"))


def test_importance_sort_walks_the_index(db: Session, corpus: dict[str, int], engine: Any) -> None:
    """The statement ``sort=-importance`` runs for its first page reads
    ``ix_origin_importance_score`` backwards instead of sorting the matches
    (sequential scans and sorts priced out so the tiny test tables do not hide the
    plan; the former ``ORDER BY coalesce((SELECT score ...), -1)`` had to sort)."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        search(db, OriginFilters(sort=OriginSort.IMPORTANCE, descending=True), cursor=None, limit=3)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, params = next(
        (sql, p) for sql, p in seen if "ORDER BY origin_importance.score DESC" in sql
    )
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(
        row[0] for row in db.connection().exec_driver_sql("EXPLAIN " + statement, params)
    )
    assert "ix_origin_importance_score" in plan, plan
    assert "Sort" not in plan, plan
