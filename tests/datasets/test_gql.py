"""GraphQL fields of datasets answer what REST answers, paged by Relay connections."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.datasets import verify

QUERY = """
query($after: String) {
  datasets(first: 5) { totalCount nodes { name currentRevision { revision purpose } } }
  datasetBuild(ref: "roadmap", number: 1) {
    state files fingerprints { extensional intensional } funnel
  }
  datasetManifest(ref: "roadmap", number: 1, first: 2, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { leafIndex swhid license { expression evidence } origin path }
  }
}
"""


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_datasets_in_graphql(built: dict[str, Any], client: TestClient) -> None:
    data = gql(client, QUERY)["data"]
    assert data["datasets"]["totalCount"] == 1
    assert data["datasets"]["nodes"][0]["currentRevision"]["purpose"] == "pre-training"
    build = data["datasetBuild"]
    assert build["fingerprints"] == built["fingerprints"]
    assert build["funnel"] == built["funnel"]
    page = data["datasetManifest"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = gql(client, QUERY, after=page["pageInfo"]["endCursor"])["data"]["datasetManifest"]
    rows = page["nodes"] + rest["nodes"]
    assert [r["leafIndex"] for r in rows] == [0, 1, 2]
    rest_rows = client.get("/v1/datasets/roadmap/builds/1/manifest").json()["items"]
    assert [r["swhid"] for r in rows] == [r["swhid"] for r in rest_rows]
    swhid = rows[1]["swhid"]
    answer = gql(
        client,
        'query($s: String) { datasetMembership(ref: "roadmap", number: 1, swhid: $s) {'
        " swhid member proof { member treeSize leaf { swhid index auditPath } } } }",
        s=swhid,
    )["data"]["datasetMembership"]
    proof = {
        "member": answer["proof"]["member"],
        "tree_size": answer["proof"]["treeSize"],
        "leaf": {
            "swhid": answer["proof"]["leaf"]["swhid"],
            "index": answer["proof"]["leaf"]["index"],
            "audit_path": answer["proof"]["leaf"]["auditPath"],
        },
    }
    assert verify.verify(proof, swhid, built["fingerprints"]["extensional"]) is True
    missing = gql(client, '{ datasetBuild(ref: "nope", number: 1) { state } }')
    assert missing["errors"][0]["extensions"]["code"] == "not-found"
    too_big = gql(
        client, '{ datasetManifest(ref: "roadmap", number: 1, first: 501) { nodes { swhid } } }'
    )
    assert too_big["errors"][0]["extensions"]["code"] in {"validation-error", "query-too-costly"}
