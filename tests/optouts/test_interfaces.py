"""The CLI and GraphQL over the same services: vocabulary, registry, decisions."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session, sessionmaker

from app.kit.db import unit_of_work
from app.optouts import service
from app.optouts.schemas import OptoutIn, ScopeIn
from tests.cli.test_main import codecommons
from tests.optouts.conftest import build_world


def test_cli_prints_the_vocabulary_without_a_database():
    result = codecommons("optouts", "purposes", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["node"]: row for row in json.loads(result.stdout)}
    assert rows["fine-tuning"]["aipref"] == "train-ai=n"


def test_cli_decides_verifies_and_resolves(
    database_url: str, committed_factory: sessionmaker[Session], optout_settings
):
    with unit_of_work(committed_factory) as uow:
        world = build_world(uow.session)
        created = service.create(
            uow,
            optout_settings,
            OptoutIn(
                scope=ScopeIn(kind="origin", origin_url=world.origins["acme/lib"].url),
                method="proof-file",
            ),
        )
        public_id = created.request.public_id
    env = {"DATABASE_URL": database_url}
    missing = codecommons("optouts", "decide", "oo_nope", "approve", "--reason", "x y z", env=env)
    assert missing.returncode != 0
    assert missing.stderr.strip().endswith("no opt-out request oo_nope")
    assert "Traceback" not in missing.stderr
    approved = codecommons(
        "optouts", "decide", public_id, "approve", "--reason", "checked by hand", env=env
    )
    assert approved.returncode == 0, approved.stderr
    assert f"{public_id}: active" in approved.stdout
    again = codecommons("optouts", "decide", public_id, "refuse", "--reason", "late", env=env)
    assert again.returncode != 0
    assert "only pending requests are decided" in again.stderr
    chain = codecommons("optouts", "verify-chain", env=env)
    assert chain.returncode == 0, chain.stderr
    assert "checked 2 events, version 2" in chain.stdout
    resolved = codecommons("optouts", "resolve", "pre-training", env=env)
    assert resolved.returncode == 0, resolved.stderr
    assert "2 excluded" in resolved.stdout
    bad = codecommons("optouts", "resolve", "training", env=env)
    assert bad.returncode != 0
    assert "unknown use 'training'" in bad.stderr


def test_graphql_fields(client, world, uow, db, optout_settings):
    created = service.create(
        uow,
        optout_settings,
        OptoutIn(
            scope=ScopeIn(kind="origin", origin_url=world.origins["alice/tools"].url),
            method="proof-file",
        ),
    )
    query = """query($id: String!, $token: String!) {
      optoutPurposes { id parent aipref }
      optoutRegistry { version requestsByStatus }
      optoutChain(first: 5) { seq kind hash }
      optoutRequest(id: $id, token: $token) { id status method scope purposes }
    }"""
    variables = {"id": created.request.public_id, "token": created.token}
    data = client.post("/graphql", json={"query": query, "variables": variables}).json()
    assert "errors" not in data, data
    body = data["data"]
    assert {"id": "pre-training", "parent": "ai-training", "aipref": "train-ai=n"} in body[
        "optoutPurposes"
    ]
    assert body["optoutRegistry"] == {"version": 1, "requestsByStatus": {"pending": 1}}
    assert [e["kind"] for e in body["optoutChain"]] == ["requested"]
    assert body["optoutRequest"]["status"] == "pending"
    assert body["optoutRequest"]["scope"]["origin_url"] == world.origins["alice/tools"].url
    variables["token"] = "cco_wrong"
    denied = client.post("/graphql", json={"query": query, "variables": variables}).json()
    assert denied["errors"][0]["extensions"]["code"] == "not-found"
