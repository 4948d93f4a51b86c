"""What opt-outs did to builds, in GraphQL as in REST (the same service functions):
``DatasetBuild.withdrawals`` (a Relay connection of SWHIDs and versions, nothing about
who asked), ``DatasetBuild.exclusion`` (proofs either way) and ``optoutImpact`` (the
requester's token or an operator's key; anyone else: not found)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings
from app.datasets import verify, withdrawals
from app.keys import service as keys
from app.kit.db import UnitOfWork
from app.kit.swhid import format_swhid
from app.optouts import service
from app.optouts.schemas import OptoutIn, ScopeIn
from tests.datasets.conftest import World, make_dataset
from tests.datasets.test_withdrawals import build

MINE = ["m1", "m2", "m3"]
OTHER = ["o1", "o2"]


@pytest.fixture
def story(world: World, db: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Build 1, then the author of ``acme/mine`` opts it out (approved by an operator),
    withdrawals are computed, and build 2 leaves the files out."""
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    world.origin("mine")
    world.origin("other")
    for key in MINE:
        world.file(key, [("mine", f"{key}.py")])
    for key in OTHER:
        world.file(key, [("other", f"{key}.py")])
    db.flush()
    dataset = make_dataset(db, "gqlopt", {}, purpose="pre-training")
    first = build(db, dataset)
    uow = UnitOfWork(db)
    created = service.create(
        uow,
        get_settings(),
        OptoutIn(
            scope=ScopeIn(kind="origin", origin_url=world.origins["mine"].url),
            method="proof-file",
        ),
    )
    service.decide(uow, created.request.public_id, "operator:test", True, "checked by hand")
    withdrawals.compute(uow)
    second = build(db, dataset)
    return {
        "first": first,
        "second": second,
        "id": created.request.public_id,
        "token": created.token,
        "version": created.request.activated_version,
        "swhids": {k: format_swhid("cnt", c.sha1_git) for k, c in world.contents.items()},
    }


def gql(client: TestClient, query: str, headers: dict[str, str] | None = None, **variables: Any):
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


WITHDRAWALS = """query($since: Int!, $after: String) {
  datasetBuild(ref: "gqlopt", number: 1) {
    withdrawals(since: $since, first: 2, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { swhid registryVersion } }
    }
  }
}"""


def test_withdrawals_are_a_connection_of_swhids(story: dict[str, Any], client: TestClient) -> None:
    seen: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        body = gql(client, WITHDRAWALS, since=0, after=after)
        assert "errors" not in body, body
        conn = body["data"]["datasetBuild"]["withdrawals"]
        seen.extend(e["node"] for e in conn["edges"])
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 2
    assert sorted(n["swhid"] for n in seen) == sorted(story["swhids"][k] for k in MINE)
    assert {n["registryVersion"] for n in seen} == {story["version"]}
    rest = client.get("/v1/datasets/gqlopt/builds/1/withdrawals").json()["items"]
    assert [n["swhid"] for n in seen] == [i["swhid"] for i in rest]
    # The type itself has nothing but the SWHID and the version: no requester, no scope.
    fields = gql(client, '{ __type(name: "Withdrawal") { fields { name } } }')["data"]
    assert {f["name"] for f in fields["__type"]["fields"]} == {"swhid", "registryVersion"}
    later = gql(client, WITHDRAWALS, since=story["version"])["data"]
    assert later["datasetBuild"]["withdrawals"]["edges"] == []
    # A cursor belongs to its list: another `since` refuses it.
    first_page = gql(client, WITHDRAWALS, since=0)["data"]["datasetBuild"]["withdrawals"]
    other = gql(client, WITHDRAWALS, since=1, after=first_page["pageInfo"]["endCursor"])
    assert other["errors"][0]["extensions"]["code"] == "invalid-cursor"
    negative = gql(client, WITHDRAWALS, since=-1)
    assert negative["errors"][0]["extensions"]["code"] == "validation-error"


EXCLUSION = """query($s: String!) {
  datasetBuild(ref: "gqlopt", number: 2) {
    optoutExclusion { files root }
    exclusion(swhid: $s) {
      swhid excluded treeSize root
      proof { member treeSize
        leaf { swhid index auditPath } before { swhid index auditPath }
        after { swhid index auditPath } }
    }
  }
}"""


def _snake(proof: dict[str, Any]) -> dict[str, Any]:
    def leaf(x: dict[str, Any] | None) -> dict[str, Any] | None:
        if x is None:
            return None
        return {"swhid": x["swhid"], "index": x["index"], "audit_path": x["auditPath"]}

    return {
        "member": proof["member"],
        "tree_size": proof["treeSize"],
        "leaf": leaf(proof["leaf"]),
        "before": leaf(proof["before"]),
        "after": leaf(proof["after"]),
    }


def test_exclusion_in_graphql_proves_both_ways(story: dict[str, Any], client: TestClient) -> None:
    for key, excluded in [*((k, True) for k in MINE), *((k, False) for k in OTHER)]:
        swhid = story["swhids"][key]
        body = gql(client, EXCLUSION, s=swhid)
        assert "errors" not in body, body
        build = body["data"]["datasetBuild"]
        answer = build["exclusion"]
        assert answer["excluded"] is excluded
        assert build["optoutExclusion"]["files"] == len(MINE)
        root = build["optoutExclusion"]["root"]
        assert verify.verify(_snake(answer["proof"]), swhid, root, size=len(MINE)) is excluded
        rest = client.get("/v1/datasets/gqlopt/builds/2/exclusion", params={"swhid": swhid}).json()
        assert _snake(answer["proof"]) == rest["proof"]
    bad = gql(client, EXCLUSION, s="swh:1:dir:" + "0" * 40)
    assert bad["errors"][0]["extensions"]["code"] == "validation-error"


IMPACT = """query($id: String!, $token: String) {
  optoutImpact(id: $id, token: $token) {
    id status scope filesCovered purposes
    builds { dataset build builtBeforeOptout filesIncluded filesWithdrawn withdrawn }
  }
}"""


def test_impact_only_for_the_requester_and_operators(
    story: dict[str, Any], client: TestClient, auth: dict[str, str], db: Session
) -> None:
    mine = sorted(story["swhids"][k] for k in MINE)
    own = gql(client, IMPACT, id=story["id"], token=story["token"])
    assert "errors" not in own, own
    view = own["data"]["optoutImpact"]
    assert view["filesCovered"] == len(MINE)
    by_build = {b["build"]: b for b in view["builds"]}
    assert by_build[1]["builtBeforeOptout"] is True
    assert by_build[1]["filesIncluded"] == len(MINE)
    assert sorted(by_build[1]["withdrawn"]) == mine
    assert 2 not in by_build
    rest = client.get(
        f"/v1/optouts/{story['id']}/impact", headers={"Authorization": f"Bearer {story['token']}"}
    ).json()
    assert view["scope"] == rest["scope"]
    # An operator (an admin key) sees it too.
    operator = gql(client, IMPACT, headers=auth, id=story["id"])
    assert operator["data"]["optoutImpact"]["id"] == story["id"]
    # Nobody else: no token, a wrong token, a key that is not an admin's.
    _, reader = keys.create(db, "reader", ["read"])
    for headers, token in (
        (None, None),
        (None, "cco_" + "x" * 43),
        ({"Authorization": f"Bearer {reader}"}, None),
    ):
        refused = gql(client, IMPACT, headers=headers, id=story["id"], token=token)
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "not-found"
