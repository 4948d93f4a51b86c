"""Every origin filter and sort, the keyset pages, and that the queries can use the
indexes made for them (the expressions must match exactly)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import Origin
from app.origins.search import OriginFilters, OriginSort, _filtered
from tests.factories import (
    ContentFactory,
    ForgeFactory,
    LicenseFindingFactory,
    OriginFactory,
    OwnerFactory,
    PathOccurrenceFactory,
    SnapshotFactory,
)


@pytest.fixture
def corpus(db: Session) -> dict[str, Origin]:
    gitlab = ForgeFactory(name="gitlab.com", kind="gitlab", api_url="https://gitlab.com/api/v4")
    alice = OwnerFactory(login="alice")
    made = {
        "parser": OriginFactory(
            full_name="alice/fast-parser",
            description="A fast JSON parser",
            stars=500,
            forks=20,
            topics=["json", "parser"],
            owner_id=alice.id,
            language="Rust",
            forge_created_at=datetime(2019, 1, 1, tzinfo=UTC),
        ),
        "web": OriginFactory(
            full_name="bob/webapp",
            description="Web framework",
            stars=50,
            forks=2,
            is_archived=True,
            topics=["web"],
            forge_created_at=datetime(2022, 1, 1, tzinfo=UTC),
        ),
        "fork": OriginFactory(
            full_name="carol/fast-parser",
            description="fork of the parser",
            stars=None,
            is_fork=True,
        ),
        "lab": OriginFactory(
            forge=gitlab,
            url="https://gitlab.com/x/lab",
            full_name="x/lab",
            description="Lab tools",
            stars=5,
        ),
    }
    LicenseFindingFactory(origin_id=made["parser"].id, expression="MIT OR Apache-2.0")
    LicenseFindingFactory(origin_id=made["web"].id, expression="MIT-0")
    LicenseFindingFactory(origin_id=made["lab"].id, expression="GPL-3.0-or-later")
    made["lab"].extra = {
        "effective_license": {
            "expression": "GPL-3.0-or-later",
            "category": "copyleft",
            "conflicts": [],
        }
    }
    # A license detected in a scanned file counts for the origin too.
    content = ContentFactory()
    LicenseFindingFactory(content_id=content.id, expression="BSD-3-Clause", source="license_file")
    PathOccurrenceFactory(
        content_id=content.id, origin_id=made["fork"].id, snapshot_id=SnapshotFactory().id
    )
    db.flush()
    return made


def names(client: TestClient, **params: object) -> list[str]:
    response = client.get("/v1/origins", params=params)
    assert response.status_code == 200, response.text
    return [o["full_name"] for o in response.json()["items"]]


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"license": "mit"}, ["alice/fast-parser"]),  # token, not MIT-0
        ({"license": "MIT-0"}, ["bob/webapp"]),
        ({"license": "BSD-3-Clause"}, ["carol/fast-parser"]),  # detected in a file
        ({"license_expression": "mit or apache-2.0"}, ["alice/fast-parser"]),
        ({"license_category": "copyleft"}, ["x/lab"]),
        ({"forge": "gitlab.com"}, ["x/lab"]),
        ({"language": "rust"}, ["alice/fast-parser"]),
        ({"stars_min": 50, "stars_max": 500}, ["alice/fast-parser", "bob/webapp"]),
        ({"archived": True}, ["bob/webapp"]),
        ({"fork": True}, ["carol/fast-parser"]),
        ({"owner": "Alice"}, ["alice/fast-parser"]),
        ({"topic": "json"}, ["alice/fast-parser"]),
        ({"created_after": "2020-01-01T00:00:00Z"}, ["bob/webapp"]),
        ({"q": "PARSER"}, ["alice/fast-parser", "carol/fast-parser"]),
        ({"q": "parser", "fork": False, "stars_min": 100}, ["alice/fast-parser"]),
    ],
)
def test_filters(client: TestClient, params: dict[str, object], expected: list[str]) -> None:
    assert names(client, **params) == expected


@pytest.mark.usefixtures("corpus")
def test_sorts_page_by_keyset(client: TestClient) -> None:
    assert names(client, sort="-stars") == [
        "alice/fast-parser",
        "bob/webapp",
        "x/lab",
        "carol/fast-parser",
    ]
    first = client.get("/v1/origins", params={"sort": "-stars", "limit": 2}).json()
    second = client.get(
        "/v1/origins", params={"sort": "-stars", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [o["full_name"] for o in second["items"]] == ["x/lab", "carol/fast-parser"]
    assert second["next_cursor"] is None
    created = client.get("/v1/origins", params={"sort": "created", "limit": 1}).json()
    rest = client.get(
        "/v1/origins", params={"sort": "created", "limit": 10, "cursor": created["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 3
    # A cursor from one sort is refused by another.
    bad = client.get("/v1/origins", params={"sort": "stars", "cursor": first["next_cursor"]})
    assert bad.status_code == 400
    assert client.get("/v1/origins", params={"sort": "bogus"}).status_code == 400
    assert client.get("/v1/origins", params={"license": "NOPE-1.0"}).status_code == 400


@pytest.mark.usefixtures("corpus")
def test_graphql_uses_the_same_filters(client: TestClient) -> None:
    query = '{ origins(license: "mit", sort: "-stars") { nodes { fullName } } }'
    data = client.post("/graphql", json={"query": query}).json()["data"]["origins"]["nodes"]
    assert [n["fullName"] for n in data] == names(client, license="mit", sort="-stars")


@pytest.mark.parametrize(
    ("filters", "ordered", "index"),
    [
        (OriginFilters(q="parser"), False, "ix_origin_search_trgm"),
        (OriginFilters(sort=OriginSort.STARS, descending=True), True, "ix_origin_sort_stars"),
        (OriginFilters(topic="json"), False, "ix_origin_topics"),
    ],
)
def test_queries_can_use_their_indexes(
    db: Session, filters: OriginFilters, ordered: bool, index: str
) -> None:
    """On an empty table the planner's choice is arbitrary, so sequential scans are
    switched off: what this proves is that the index *matches* the query's
    expression (the benchmark checks the real plans at scale)."""
    from app.origins.search import SORT_KEYS

    stmt = _filtered(db, filters)
    if ordered:
        stmt = stmt.order_by(SORT_KEYS[filters.sort].desc()).limit(10)
    compiled = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    compiled = compiled.replace("%%", "%")  # the driver's escaping, not ours
    db.execute(text("SET LOCAL enable_seqscan = off"))
    if not ordered:  # else any index, read whole with a filter, costs less when empty
        db.execute(text("SET LOCAL enable_indexscan = off"))
    plan = "\n".join(r[0] for r in db.execute(text(f"EXPLAIN {compiled}")))
    assert index in plan, plan
