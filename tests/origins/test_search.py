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
    ScanSummaryFactory,
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
            forge_updated_at=datetime(2023, 1, 1, tzinfo=UTC),
        ),
        "fork": OriginFactory(
            full_name="carol/fast-parser",
            description="fork of the parser",
            stars=None,
            is_fork=True,
            last_scanned_at=datetime(2025, 9, 1, tzinfo=UTC),
        ),
        "lab": OriginFactory(
            forge=gitlab,
            url="https://gitlab.com/x/lab",
            full_name="x/lab",
            description="Lab tools",
            stars=5,
            forge_updated_at=datetime(2025, 1, 1, tzinfo=UTC),
            last_scanned_at=datetime(2025, 1, 1, tzinfo=UTC),
        ),
    }
    LicenseFindingFactory(origin_id=made["parser"].id, expression="MIT OR Apache-2.0")
    LicenseFindingFactory(origin_id=made["web"].id, expression="MIT-0")
    LicenseFindingFactory(origin_id=made["lab"].id, expression="GPL-3.0-or-later")
    ScanSummaryFactory(
        origin_id=made["lab"].id, license_expression="GPL-3.0-or-later", license_category="copyleft"
    )
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
        ({"license": "BSD-3-Clause", "license_via": "declared"}, []),
        ({"license": "BSD-3-Clause", "license_via": "detected"}, ["carol/fast-parser"]),
        ({"license": "mit", "license_via": "declared"}, ["alice/fast-parser"]),
        ({"license_via": "detected"}, ["carol/fast-parser"]),
        ({"license_expression": "bsd-3-clause", "license_via": "declared"}, []),
        ({"license_category": "copyleft"}, ["x/lab"]),
        ({"forge": "gitlab.com"}, ["x/lab"]),
        ({"language": "rust"}, ["alice/fast-parser"]),
        ({"stars_min": 50, "stars_max": 500}, ["alice/fast-parser", "bob/webapp"]),
        ({"archived": True}, ["bob/webapp"]),
        ({"fork": True}, ["carol/fast-parser"]),
        ({"owner": "Alice"}, ["alice/fast-parser"]),
        ({"topic": "json"}, ["alice/fast-parser"]),
        ({"created_after": "2020-01-01T00:00:00Z"}, ["bob/webapp"]),
        ({"created_before": "2020-01-01T00:00:00Z"}, ["alice/fast-parser"]),
        ({"updated_after": "2024-01-01T00:00:00Z"}, ["x/lab"]),
        ({"updated_before": "2024-01-01T00:00:00Z"}, ["bob/webapp"]),
        ({"scanned_after": "2025-06-01T00:00:00Z"}, ["carol/fast-parser"]),
        ({"scanned_before": "2025-06-01T00:00:00Z"}, ["x/lab"]),
        ({"forks_min": 3}, ["alice/fast-parser"]),
        ({"forks_max": 3}, ["bob/webapp"]),  # unknown counts are in no range
        ({"stars_max": 10}, ["x/lab"]),
        ({"kind": "package"}, []),
        ({"kind": "repository", "archived": False, "fork": False}, ["alice/fast-parser", "x/lab"]),
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
        (OriginFilters(license="MIT"), False, "ix_origin_license_keys"),
        (OriginFilters(license_expression="MIT"), False, "ix_origin_license_expression_lower"),
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


def test_rest_and_graphql_offer_every_filter(client: TestClient) -> None:
    """Both APIs expose each field of the shared filter layer (sort and direction are
    one ``sort`` argument in both)."""
    from dataclasses import fields

    from strawberry.utils.str_converters import to_camel_case

    wanted = {f.name for f in fields(OriginFilters)} - {"descending"}
    spec = client.get("/openapi.json").json()
    rest = {p["name"] for p in spec["paths"]["/v1/origins"]["get"]["parameters"]}
    assert wanted <= rest, wanted - rest
    query = '{ __type(name: "Query") { fields { name args { name } } } }'
    types = client.post("/graphql", json={"query": query}).json()["data"]["__type"]["fields"]
    graphql = {a["name"] for f in types if f["name"] == "origins" for a in f["args"]}
    assert {to_camel_case(n) for n in wanted} <= graphql, wanted


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(
    ("arguments", "params"),
    [
        ("forksMin: 2, forksMax: 20", {"forks_min": 2, "forks_max": 20}),
        ('createdAfter: "2020-01-01T00:00:00Z"', {"created_after": "2020-01-01T00:00:00Z"}),
        ('license: "BSD-3-Clause", licenseVia: DETECTED', {"license": "BSD-3-Clause"}),
    ],
)
def test_graphql_and_rest_filters_agree(
    client: TestClient, arguments: str, params: dict[str, object]
) -> None:
    query = f"{{ origins({arguments}) {{ nodes {{ fullName }} }} }}"
    body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    got = [n["fullName"] for n in body["data"]["origins"]["nodes"]]
    assert got == names(client, **params)
    assert got  # the corpus has an answer for each


def test_graphql_gets_the_same_bound_errors(client: TestClient) -> None:
    for arguments in ("starsMin: -1", 'q: "x"'):
        body = client.post(
            "/graphql", json={"query": f"{{ origins({arguments}) {{ nodes {{ id }} }} }}"}
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "validation-error", body


@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(
    ("arguments", "params", "expected"),
    [
        ("", {}, 4),
        ('license: "mit"', {"license": "mit"}, 1),
        ('q: "parser", first: 1', {"q": "parser", "limit": 1}, 2),  # all pages, not one
    ],
)
def test_total_count_counts_all_pages(
    client: TestClient, arguments: str, params: dict[str, object], expected: int
) -> None:
    args = f"({arguments})" if arguments else ""
    query = f"{{ origins{args} {{ totalCount nodes {{ id }} }} }}"
    body = client.post("/graphql", json={"query": query}).json()
    assert body["data"]["origins"]["totalCount"] == expected, body
    rest = client.get("/v1/origins", params={**params, "count": "true"}).json()
    assert rest["total"] == expected
    assert client.get("/v1/origins", params=params).json()["total"] is None  # not asked


def test_total_count_of_other_lists(client: TestClient, db: Session) -> None:
    from tests.factories import IssueFactory

    origin = OriginFactory()
    for state in ("open", "open", "closed"):
        IssueFactory(origin_id=origin.id, state=state)
    db.flush()
    query = (
        f"{{ issues(originId: {origin.id}, state: OPEN, first: 1) {{ totalCount }} "
        '  licenses(category: "Copyleft", first: 1) { totalCount } }'
    )
    data = client.post("/graphql", json={"query": query}).json()["data"]
    assert data["issues"]["totalCount"] == 2
    copyleft = db.execute(
        text("SELECT count(*) FROM license WHERE lower(category) = 'copyleft'")
    ).scalar_one()
    assert data["licenses"]["totalCount"] == copyleft > 1
