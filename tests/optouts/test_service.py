"""Filing requests: refusals with reasons that store nothing, and what a pending
request tells its author to do next."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.kit.problems import NotFound
from app.models import OptoutEvent, OptoutRequest
from app.optouts import service
from app.optouts.schemas import ExceptionIn, OptoutIn, ScopeIn


def file(uow, settings, method, purposes=None, exceptions=None, **scope):
    return service.create(
        uow,
        settings,
        OptoutIn(
            scope=ScopeIn(**scope),
            method=method,
            purposes=purposes or ["any"],
            exceptions=[ExceptionIn(**e) for e in exceptions or []],
        ),
    )


@pytest.mark.parametrize(
    ("method", "scope", "extra", "reason"),
    [
        (
            "proof-file",
            {"kind": "origin", "origin_url": "https://github.com/nobody/x"},
            {},
            "not in the archive yet",
        ),
        (
            "email",
            {"kind": "account", "forge": "github.com", "login": "alice"},
            {},
            "cannot be proven by email",
        ),
        (
            "ssh-signature",
            {"kind": "account", "forge": "github.com", "login": "acme"},
            {},
            "an organisation has no keys",
        ),
        (
            "ssh-signature",
            {"kind": "account", "forge": "github.com", "login": "ghost"},
            {},
            "not known with its stable id",
        ),
        (
            "ssh-signature",
            {"kind": "origin", "origin_url": "ORIGIN:acme/lib"},
            {},
            "belongs to an organisation",
        ),
        (
            "proof-file",
            {"kind": "content", "swhid": "CONTENT:core", "origin_url": "ORIGIN:alice/tools"},
            {},
            "does not occur in that origin",
        ),
        (
            "proof-file",
            {
                "kind": "content",
                "swhid": "swh:1:dir:" + "0" * 40,
                "origin_url": "ORIGIN:alice/tools",
            },
            {},
            "starts with swh:1:cnt:",
        ),
        (
            "proof-file",
            {"kind": "path", "origin_url": "ORIGIN:alice/tools", "pattern": "a//b"},
            {},
            "empty path segment",
        ),
        (
            "proof-file",
            {"kind": "origin", "origin_url": "ORIGIN:alice/tools"},
            {"purposes": ["training"]},
            "unknown use 'training'",
        ),
        (
            "proof-file",
            {"kind": "origin", "origin_url": "ORIGIN:alice/tools"},
            {"purposes": ["search!"]},
            "reserves at least one use",
        ),
        (
            "proof-file",
            {"kind": "origin", "origin_url": "ORIGIN:alice/tools"},
            {"exceptions": [{"origin_url": "ORIGIN:bob/fork", "pattern": "x"}]},
            "not inside the scope's origin",
        ),
        ("email", {"kind": "author", "email": "not-an-address"}, {}, "not an e-mail address"),
    ],
)
def test_unprovable_or_malformed_requests_are_refused_and_store_nothing(
    world, uow, db, optout_settings, method, scope, extra, reason
):
    def fill(value: str) -> str:
        if value.startswith("ORIGIN:"):
            return str(world.origins[value[7:]].url)
        if value.startswith("CONTENT:"):
            from app.kit.swhid import ObjectType, format_swhid

            return format_swhid(ObjectType.CONTENT, world.contents[value[8:]].sha1_git)
        return value

    scope = {k: fill(v) for k, v in scope.items()}
    if "exceptions" in extra:
        extra = {"exceptions": [{k: fill(v) for k, v in e.items()} for e in extra["exceptions"]]}
    with pytest.raises(service.OptoutRefused, match=reason):
        file(uow, optout_settings, method, **extra, **scope)
    assert db.scalar(select(func.count()).select_from(OptoutRequest)) == 0
    assert db.scalar(select(func.count()).select_from(OptoutEvent)) == 0


def test_a_proof_file_request_says_what_to_commit(world, uow, db, optout_settings):
    created = file(
        uow,
        optout_settings,
        "proof-file",
        kind="origin",
        origin_url=world.origins["alice/tools"].url,
    )
    request = created.request
    assert request.status == "pending"
    assert created.instructions["path"] == ".codecommons-optout"
    assert f"codecommons-optout: {request.proof_token}" in created.instructions["contents"]
    assert created.token
    assert created.token.startswith("cco_")
    assert bytes(request.token_hash) != created.token.encode()
    kinds = db.scalars(select(OptoutEvent.kind)).all()
    assert kinds == ["requested"]


def test_an_ssh_request_gives_the_exact_statement_to_sign(world, uow, db, optout_settings):
    created = file(
        uow,
        optout_settings,
        "ssh-signature",
        purposes=["ai-training"],
        kind="account",
        forge="github.com",
        login="alice",
    )
    statement = created.instructions["statement"]
    assert f"request: {created.request.public_id}\n" in statement
    assert "signer: github.com account 101 (alice)" in statement
    assert "purposes: ai-training" in statement
    assert service.statement_text(db, created.request) == statement
    assert service.principal(created.request) == "101@github.com"


def test_only_the_token_holder_or_an_operator_sees_a_request(world, uow, db, optout_settings):
    created = file(
        uow,
        optout_settings,
        "proof-file",
        kind="origin",
        origin_url=world.origins["alice/tools"].url,
    )
    public_id = created.request.public_id
    assert service.authorize(db, public_id, created.token, None).id == created.request.id
    assert service.authorize(db, public_id, None, "operator:x").id == created.request.id
    for token in (None, "cco_wrong"):
        with pytest.raises(NotFound):
            service.authorize(db, public_id, token, None)
