"""The opt-out limiter counts requesters, not addresses: two requesters behind one
address have a budget each, one requester moving between addresses has one budget
(an API key, a request's token, an author's tokens of requests verified as the same
identity), and a made-up credential, or the token of an unverified request used to
file the next one, counts as the address (it buys nothing). A refusal is a 429
problem with ``Retry-After``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.keys import service as keys
from app.kit.db import UnitOfWork
from app.kit.ratelimit import RateLimiter
from app.main import create_app
from app.optouts import authors, service
from app.optouts.registry import EventKind
from app.optouts.schemas import OptoutIn, ScopeIn
from tests.optouts.conftest import World

LIMIT = 2
FAILURES = 3


@pytest.fixture
def limited_app(
    optout_settings: Settings,
    engine: Engine,
    session_factory: sessionmaker[Session],
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FastAPI]:
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", str(LIMIT))
    monkeypatch.setenv("OPTOUTS_TOKEN_FAILURES_PER_MINUTE", str(FAILURES))
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    get_settings.cache_clear()
    settings = get_settings()
    application = create_app(settings, engine=engine, session_factory=session_factory)
    # Counters of earlier runs (same ids, same minute) must not leak into this one.
    assert settings.redis_url is not None
    application.state.optouts_limiter = RateLimiter(
        settings.redis_url, key_prefix=f"optouts-test-{uuid.uuid4().hex}"
    )
    yield application
    get_settings.cache_clear()


def post_from(
    app: FastAPI, address: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    with TestClient(app, client=(address, 5000)) as client:
        return client.post("/v1/optouts", json=body, headers=headers or {})


@pytest.fixture
def body(world: World) -> dict[str, Any]:
    return {
        "scope": {"kind": "origin", "origin_url": world.origins["acme/lib"].url},
        "method": "proof-file",
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_two_requesters_behind_one_address_are_limited_apart(
    limited_app: FastAPI, body: dict[str, Any], db: Session
) -> None:
    _, alice = keys.create(db, "alice-tool", ["read"])
    _, bob = keys.create(db, "bob-tool", ["read"])
    shared = "203.0.113.7"
    codes = [
        post_from(limited_app, shared, body, bearer(alice)).status_code for _ in range(LIMIT + 1)
    ]
    assert codes == [201] * LIMIT + [429]
    # Bob, behind the same NAT, still has his own budget; so has the address itself.
    assert post_from(limited_app, shared, body, bearer(bob)).status_code == 201
    assert post_from(limited_app, shared, body).status_code == 201
    # Alice moving to another address is still Alice: one budget across addresses.
    refused = post_from(limited_app, "198.51.100.9", body, bearer(alice))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    retry = int(refused.headers["retry-after"])
    assert 1 <= retry <= 120
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["type"].endswith("/rate-limited")
    assert "per minute from this requester" in problem["detail"]


def _author_request(db: Session, email: str) -> tuple[str, str]:
    """An e-mail opt-out request, filed and not yet confirmed: its id and token."""
    created = service.create(
        UnitOfWork(db),
        get_settings(),
        OptoutIn(scope=ScopeIn(kind="author", email=email), method="email"),
    )
    assert created.token is not None
    return created.request.public_id, created.token


def confirm_from(limited_app: FastAPI, address: str, public_id: str, token: str) -> Any:
    with TestClient(limited_app, client=(address, 5000)) as client:
        return client.post(
            f"/v1/optouts/{public_id}/email/confirm",
            json={"code": "AAAA-AAAA"},
            headers=bearer(token),
        )


def test_a_request_is_counted_across_addresses_and_fakes_are_not(
    limited_app: FastAPI, body: dict[str, Any], db: Session
) -> None:
    public_id, token = _author_request(db, "carol@example.org")
    # Guessing the e-mail code from one address after another: one budget.
    first = confirm_from(limited_app, "192.0.2.1", public_id, token)
    assert first.status_code not in (201, 429)
    assert first.json()["detail"] == "wrong code"
    assert confirm_from(limited_app, "192.0.2.2", public_id, token).status_code != 429
    assert confirm_from(limited_app, "192.0.2.3", public_id, token).status_code == 429
    # Filing with the token of a request that proved nothing counts as the address:
    # each filing returns a new token, which must not open a fresh budget.
    chained = token
    codes = []
    for _ in range(LIMIT + 1):
        filed = post_from(limited_app, "192.0.2.40", body, bearer(chained))
        codes.append(filed.status_code)
        chained = filed.json().get("token", chained)
    assert codes == [201] * LIMIT + [429]
    # A token nobody holds, or a key nobody issued, counts as its address: a new fake
    # per request buys no fresh budget.
    fakes = [
        post_from(limited_app, "192.0.2.50", body, bearer(f"cco_fake{i}")).status_code
        for i in range(LIMIT)
    ]
    assert fakes == [201] * LIMIT
    assert post_from(limited_app, "192.0.2.50", body, bearer("made-up-key")).status_code == 429
    assert post_from(limited_app, "192.0.2.50", body).status_code == 429


def _verified_alice(db: Session, world: World) -> tuple[str, str]:
    """A request for alice's account, verified (as a checked signature would)."""
    created = service.create(
        UnitOfWork(db),
        get_settings(),
        OptoutIn(
            scope=ScopeIn(kind="account", forge="github.com", login="alice"),
            method="ssh-signature",
        ),
    )
    service.activate(db, created.request, kind=EventKind.VERIFIED, actor="test:signature")
    assert created.token is not None
    return created.request.public_id, created.token


def test_tokens_of_one_verified_identity_share_a_budget(
    limited_app: FastAPI, body: dict[str, Any], db: Session, world: World
) -> None:
    _, first = _verified_alice(db, world)
    _, second = _verified_alice(db, world)
    assert authors.requester_key(db, first) == authors.requester_key(db, second)
    assert authors.requester_key(db, first) == "account:github.com:101"
    assert post_from(limited_app, "192.0.2.60", body, bearer(first)).status_code == 201
    assert post_from(limited_app, "192.0.2.61", body, bearer(second)).status_code == 201
    assert post_from(limited_app, "192.0.2.62", body, bearer(first)).status_code == 429
    # A pending request proves nothing yet: its token is its own requester.
    pending = service.create(UnitOfWork(db), get_settings(), OptoutIn.model_validate(body))
    assert pending.token is not None
    assert authors.requester_key(db, pending.token) == f"request:{pending.request.public_id}"
    assert post_from(limited_app, "192.0.2.63", body, bearer(pending.token)).status_code == 201


def test_checks_that_queue_jobs_are_limited_per_request(
    limited_app: FastAPI, body: dict[str, Any], db: Session
) -> None:
    """Each proof-file check queues a scan (a clone) and each signature a job that asks
    the forge: a request's token cannot queue them without limit, from any address."""
    filed = post_from(limited_app, "198.51.100.1", body)
    assert filed.status_code == 201, filed.text
    public_id, token = filed.json()["id"], filed.json()["token"]
    codes = []
    for n in range(LIMIT + 2):
        with TestClient(limited_app, client=(f"198.51.100.{10 + n}", 5000)) as client:
            answer = client.post(f"/v1/optouts/{public_id}/proof-file/check", headers=bearer(token))
            codes.append(answer.status_code)
    assert codes == [202] * LIMIT + [429, 429], codes
    with TestClient(limited_app, client=("198.51.100.99", 5000)) as client:
        signed = client.post(
            f"/v1/optouts/{public_id}/signature",
            json={"signature": "-----BEGIN SSH SIGNATURE-----\nAA==\n-----END SSH SIGNATURE-----"},
            headers=bearer(token),
        )
    assert signed.status_code == 429, signed.text  # the same request's budget
    assert signed.headers["retry-after"]


AUTHOR_QUERY = "query($t: String) { optoutAuthor(token: $t) { __typename } }"


def test_token_guessing_is_refused_per_address_before_the_token_is_checked(
    limited_app: FastAPI, db: Session
) -> None:
    """The views that take a requester token answer a wrong one 404: an address whose
    tokens failed FAILURES times in a minute is answered 429 (REST and GraphQL, one
    budget), even with the right token, which is then not checked (no oracle)."""
    public_id, token = _author_request(db, "dave@example.org")
    guesses = [
        f"/v1/optouts/{public_id}/impact",
        f"/v1/optouts/{public_id}/author",
    ]
    with TestClient(limited_app, client=("203.0.113.66", 5000)) as guesser:
        codes = [
            guesser.get(p, headers=bearer(f"cco_guess{i}")).status_code
            for i, p in enumerate(guesses)
        ]
        failed = guesser.post(
            "/graphql", json={"query": AUTHOR_QUERY, "variables": {"t": "cco_guess9"}}
        ).json()
        assert codes == [404, 404]
        assert failed["errors"][0]["extensions"]["code"] == "not-found"
        for path in [*guesses, "/v1/optouts/me", f"/v1/optouts/{public_id}"]:
            refused = guesser.get(path, headers=bearer(token))
            assert refused.status_code == 429, (path, refused.text)
            assert 1 <= int(refused.headers["retry-after"]) <= 120
            assert refused.json()["type"].endswith("/rate-limited")
            assert "failed requester-token checks" in refused.json()["detail"]
        answer = guesser.post("/graphql", json={"query": AUTHOR_QUERY, "variables": {"t": token}})
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "rate-limited"
        assert error["extensions"]["retryAfter"] >= 1
    # Another address has its own budget; and a requester reading their own request,
    # however often, is never counted (only failures are).
    with TestClient(limited_app, client=("198.51.100.77", 5000)) as requester:
        codes = [
            requester.get(f"/v1/optouts/{public_id}", headers=bearer(token)).status_code
            for _ in range(FAILURES + 2)
        ]
        assert codes == [200] * (FAILURES + 2)
        # Without a token there is nothing to guess: a 404, not counted.
        bare = [requester.get("/v1/optouts/me").status_code for _ in range(FAILURES + 1)]
        assert bare == [404] * (FAILURES + 1)
        assert requester.get(f"/v1/optouts/{public_id}", headers=bearer(token)).status_code == 200
