"""GraphQL answers the same questions as REST, with the same data."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import LicenseFindingFactory, OriginFactory


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_origins_with_licenses_match_rest(client: TestClient, db: Session) -> None:
    origins = [OriginFactory() for _ in range(3)]
    for origin in origins:
        LicenseFindingFactory(origin_id=origin.id, expression="Apache-2.0")
    query = """query($first: Int!) { origins(first: $first) {
        edges { cursor node { id url swhid licenses { expression source } } }
        pageInfo { hasNextPage endCursor } } }"""
    data = gql(client, query, first=2)["data"]["origins"]
    rest = client.get("/v1/origins", params={"limit": 2}).json()
    assert [e["node"]["url"] for e in data["edges"]] == [o["url"] for o in rest["items"]]
    assert data["pageInfo"] == {"hasNextPage": True, "endCursor": rest["next_cursor"]}
    assert data["edges"][0]["node"]["licenses"] == [
        {"expression": "Apache-2.0", "source": "FORGE_DECLARED"}
    ]


def test_nested_licenses_are_batched(client: TestClient, db: Session) -> None:
    for _ in range(20):
        LicenseFindingFactory(origin_id=OriginFactory().id)
    statements: list[str] = []
    engine = db.get_bind().engine

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        data = gql(client, "{ origins(first: 20) { nodes { url licenses { expression } } } }")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(data["data"]["origins"]["nodes"]) == 20
    license_queries = [s for s in statements if "FROM license_finding" in s]
    assert len(license_queries) == 1  # one DataLoader batch, not one query per origin


def test_license_and_content_lookups(client: TestClient) -> None:
    data = gql(client, '{ license(spdxId: "apache-2.0") { spdxId category } }')["data"]
    assert data["license"] == {"spdxId": "Apache-2.0", "category": "Permissive"}


def test_bad_swhid_and_cursor_errors_have_codes(client: TestClient) -> None:
    bad = gql(client, '{ resolveSWHID(swhid: "swh:1:cnt:xyz") { swhid } }')
    assert bad["errors"][0]["extensions"]["code"] == "invalid-swhid"
    assert "invalid SWHID" in bad["errors"][0]["message"]
    cursor = gql(client, '{ origins(after: "garbage") { nodes { id } } }')
    assert cursor["errors"][0]["extensions"]["code"] == "invalid-cursor"
    too_many = gql(client, "{ origins(first: 100000) { nodes { id } } }")
    assert too_many["errors"][0]["extensions"]["code"] == "validation-error"


def test_depth_limit() -> None:
    from app.graphql.schema import build_schema

    deep = "{ origins { edges { node { licenses { provenance { rawMetadataId } } } } } }"
    result = build_schema(max_depth=4).execute_sync(deep)
    assert result.errors is not None
    assert "exceeds maximum operation depth of 4" in result.errors[0].message


def test_a_huge_swhid_is_not_echoed_whole(client: TestClient) -> None:
    bad = "swh:1:cnt:" + "zz\n" * 22_000  # 64 KB over many lines
    answer = gql(client, "query($s: String!) { resolveSWHID(swhid: $s) { swhid } }", s=bad)
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "invalid-swhid"
    assert len(error["message"]) < 400, len(error["message"])
    assert "\n" not in error["message"]


def test_a_huge_literal_is_not_echoed_whole(client: TestClient) -> None:
    """graphql-core quotes a bad literal of the document whole."""
    answer = gql(client, '{ origins(first: "%s") { nodes { id } } }' % ("x" * 30_000))
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "graphql-validation"
    assert len(error["message"]) <= 501, len(error["message"])
    assert error["message"].endswith("\u2026")
