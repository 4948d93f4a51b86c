"""An author's view across requests: given a verified identity (the forge account a
signature proved), every request verified as it (an account scope and a repository
scope), the builds that included that code before each opt-out and what was
withdrawn; never another identity's requests, a pending request, or a request that
proved no identity. REST (``/v1/optouts/me``, ``/{id}/author``) and GraphQL
(``optoutAuthor``) answer the same, to the requester's token and operators only."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import get_settings
from app.datasets import withdrawals
from app.kit.db import UnitOfWork
from app.kit.swhid import format_swhid
from app.models.enums import OwnerKind
from app.optouts import authors, service
from app.optouts.registry import EventKind
from app.optouts.schemas import OptoutIn, ScopeIn
from tests import factories as f
from tests.datasets.conftest import World, make_dataset
from tests.datasets.test_withdrawals import build


def _file(db: Session, scope: ScopeIn, method: str, verify: bool) -> dict[str, Any]:
    created = service.create(UnitOfWork(db), get_settings(), OptoutIn(scope=scope, method=method))
    if verify and method == "ssh-signature":  # as a checked signature does
        service.activate(db, created.request, kind=EventKind.VERIFIED, actor="test:signature")
    elif verify:
        service.decide(UnitOfWork(db), created.request.public_id, "operator:t", True, "by hand")
    return {"id": created.request.public_id, "token": created.token}


@pytest.fixture
def story(world: World, db: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    alice = f.OwnerFactory(login="alice", native_id="101", kind=OwnerKind.USER)
    bob = f.OwnerFactory(login="bob", native_id="301", kind=OwnerKind.USER)
    for name, owner in (("tools", alice), ("site", alice), ("bobs", bob)):
        world.origin(name).owner_id = owner.id
    world.file("t1", [("tools", "t1.py")])
    world.file("t2", [("tools", "t2.py")])
    world.file("s1", [("site", "s1.py")])
    world.file("b1", [("bobs", "b1.py")])
    db.flush()
    build(db, make_dataset(db, "auth", {}, purpose="pre-training"))
    url = {k: o.url for k, o in world.origins.items()}
    r = {
        "account": _file(
            db, ScopeIn(kind="account", forge="github.com", login="alice"), "ssh-signature", True
        ),
        "site": _file(db, ScopeIn(kind="origin", origin_url=url["site"]), "ssh-signature", True),
        "bob": _file(db, ScopeIn(kind="origin", origin_url=url["bobs"]), "ssh-signature", True),
        "pending": _file(
            db, ScopeIn(kind="origin", origin_url=url["tools"]), "ssh-signature", False
        ),
        "proof": _file(db, ScopeIn(kind="origin", origin_url=url["tools"]), "proof-file", True),
    }
    withdrawals.compute(UnitOfWork(db))
    swhids = {k: format_swhid("cnt", c.sha1_git) for k, c in world.contents.items()}
    return {"r": r, "swhids": swhids}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_author_sees_every_request_verified_as_them(
    story: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    r, swhids = story["r"], story["swhids"]
    me = client.get("/v1/optouts/me", headers=bearer(r["site"]["token"]))
    assert me.status_code == 200, me.text
    assert me.headers["cache-control"] == "private, no-store"
    view = me.json()
    assert view["identities"] == [
        {
            "kind": "account",
            "forge": "github.com",
            "account_id": "101",
            "login": "alice",
            "address": None,
        }
    ]
    assert [q["id"] for q in view["requests"]] == [r["account"]["id"], r["site"]["id"]]
    assert view["files_covered"] == 3  # t1, t2 (tools) and s1 (site), once each
    account, site = view["requests"]
    assert account["files_covered"] == 3
    assert site["files_covered"] == 1
    (included,) = account["builds"]
    assert included["built_before_optout"] is True
    assert included["files_included"] == 3
    assert sorted(included["withdrawn"]) == sorted(swhids[k] for k in ("t1", "t2", "s1"))
    assert site["builds"][0]["withdrawn"] == [swhids["s1"]]
    # The other token of the same identity sees the same view; an operator too.
    assert client.get("/v1/optouts/me", headers=bearer(r["account"]["token"])).json() == view
    by_operator = client.get(f"/v1/optouts/{r['site']['id']}/author", headers=auth)
    assert by_operator.json() == view
    # Bob sees Bob's.
    bobs = client.get("/v1/optouts/me", headers=bearer(r["bob"]["token"])).json()
    assert [q["id"] for q in bobs["requests"]] == [r["bob"]["id"]]
    assert bobs["identities"][0]["account_id"] == "301"


def test_the_author_view_is_private(story: dict[str, Any], client: TestClient) -> None:
    r = story["r"]
    for headers in ({}, bearer("cco_" + "z" * 43)):
        refused = client.get("/v1/optouts/me", headers=headers)
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("application/problem+json")
    # Someone else's token opens nothing of Alice's.
    other = client.get(f"/v1/optouts/{r['site']['id']}/author", headers=bearer(r["bob"]["token"]))
    assert other.status_code == 404
    # A request that proved no identity: its holder is told so (its impact is per request).
    for key in ("pending", "proof"):
        unproven = client.get("/v1/optouts/me", headers=bearer(r[key]["token"]))
        assert unproven.status_code == 409, unproven.text
        assert "proved no identity" in unproven.json()["detail"]
    # The registry's own route still answers by id next to /me.
    own = client.get(f"/v1/optouts/{r['site']['id']}", headers=bearer(r["site"]["token"]))
    assert own.status_code == 200


def test_an_operator_approval_proves_no_identity(
    story: dict[str, Any], client: TestClient, db: Session
) -> None:
    """Mallory files an SSH-signature request naming Alice's account and never signs;
    an operator approves it by hand. The approval takes effect, but it proved nothing
    about Mallory: her token must not open Alice's requests, nor count as Alice for
    the limiter, and Alice's view must not list Mallory's request."""
    r = story["r"]
    mallory = _file(
        db, ScopeIn(kind="account", forge="github.com", login="alice"), "ssh-signature", False
    )
    service.decide(UnitOfWork(db), mallory["id"], "operator:t", True, "legal request")
    refused = client.get("/v1/optouts/me", headers=bearer(mallory["token"]))
    assert refused.status_code == 409, refused.text
    assert "proved no identity" in refused.json()["detail"]
    assert "alice" not in refused.text
    alices = client.get("/v1/optouts/me", headers=bearer(r["site"]["token"])).json()
    assert mallory["id"] not in [q["id"] for q in alices["requests"]]
    key = authors.requester_key(db, mallory["token"])
    assert key == f"request:{mallory['id']}"


AUTHOR = """query($token: String, $id: String) {
  optoutAuthor(token: $token, id: $id) {
    identities { kind forge accountId login }
    filesCovered
    requests { id filesCovered builds { build withdrawn } }
  }
}"""


def test_the_author_view_in_graphql(
    story: dict[str, Any], client: TestClient, auth: dict[str, str]
) -> None:
    r = story["r"]
    rest = client.get("/v1/optouts/me", headers=bearer(r["site"]["token"])).json()

    def ask(headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
        response = client.post(
            "/graphql", json={"query": AUTHOR, "variables": variables}, headers=headers or {}
        )
        body: dict[str, Any] = response.json()
        return body

    mine = ask(token=r["site"]["token"])
    assert "errors" not in mine, mine
    view = mine["data"]["optoutAuthor"]
    assert view["identities"] == [
        {"kind": "account", "forge": "github.com", "accountId": "101", "login": "alice"}
    ]
    assert [q["id"] for q in view["requests"]] == [q["id"] for q in rest["requests"]]
    assert view["filesCovered"] == rest["files_covered"]
    assert ask(auth, id=r["site"]["id"])["data"] == mine["data"]
    for headers, variables in (
        (None, {"id": r["site"]["id"]}),
        (None, {}),
        (None, {"id": r["site"]["id"], "token": r["bob"]["token"]}),
    ):
        refused = ask(headers, **variables)
        assert refused["errors"][0]["extensions"]["code"] == "not-found"
    unproven = ask(token=r["proof"]["token"])
    assert unproven["errors"][0]["extensions"]["code"] == "conflict"
