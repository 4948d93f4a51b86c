"""Rate limits against the real Redis of the test stack.

Each test counts under its own key prefix, so tests never share budgets; the clock is
injected so window arithmetic (Reset, Retry-After, the sliding decay) is exact.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.problems import PROBLEM_JSON
from app.kit.ratelimit import (
    SLIDING_WINDOW_LUA,
    RateLimiter,
    client_address,
    decide,
    hash_api_key,
    install_rate_limits,
)
from app.kit.redis import make_redis
from app.main import create_app
from tests.conftest import TEST_API_KEY

WINDOW_START = 1_800_000_000.0  # a multiple of 60: a minute boundary
KEY = "key-one"
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def build_app(
    redis_url: str | None,
    *,
    clock: Clock,
    prefix: str,
    anonymous: int = 3,
    key: int = 5,
    trusted_proxy: bool = False,
) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/things")
    def things() -> dict[str, int]:
        return {"n": 1}

    @app.post("/graphql")
    def graphql() -> dict[str, dict[str, int]]:
        return {"data": {"n": 1}}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/problems/{slug}")
    def problem(slug: str) -> dict[str, str]:
        return {"type": f"/problems/{slug}"}

    install_rate_limits(
        app,
        redis_url=redis_url,
        anonymous_per_minute=anonymous,
        key_per_minute=key,
        trusted_proxy=trusted_proxy,
        api_keys=[KEY],
        key_prefix=prefix,
        clock=clock,
    )
    return app


@pytest.fixture
def prefix() -> str:
    return f"test-rl-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def clock() -> Clock:
    return Clock(WINDOW_START + 10)


@pytest.fixture
def api(redis_url: str, clock: Clock, prefix: str) -> Iterator[TestClient]:
    with TestClient(build_app(redis_url, clock=clock, prefix=prefix)) as client:
        yield client


def rate(response: Response) -> tuple[int, int, int]:
    return tuple(int(response.headers[h]) for h in RATE_HEADERS)  # type: ignore[return-value]


def test_anonymous_budget_headers_then_429_problem(api: TestClient) -> None:
    seen = [rate(api.get("/v1/things")) for _ in range(3)]
    # 10 s into the minute: 50 s until it closes.
    assert seen == [(3, 2, 50), (3, 1, 50), (3, 0, 50)]

    refused = api.get("/v1/things")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_JSON
    body = refused.json()
    assert body["type"] == "/problems/rate-limited"
    assert body["status"] == 429
    assert body["instance"] == "/v1/things"
    # The minute holds 3: wait 50 s for it to end, then 20 s more until 3 * 40/60 + 1 <= 3.
    assert refused.headers["retry-after"] == "70"
    assert rate(refused) == (3, 0, 70)


def test_refused_requests_do_not_extend_the_lockout(api: TestClient, clock: Clock) -> None:
    for _ in range(3):
        api.get("/v1/things")
    for _ in range(5):
        assert api.get("/v1/things").status_code == 429
    clock.now += 70  # exactly the Retry-After given above
    allowed = api.get("/v1/things")
    assert allowed.status_code == 200
    assert "retry-after" not in allowed.headers


def test_previous_minute_decays_and_retry_after_is_honest(api: TestClient, clock: Clock) -> None:
    for _ in range(3):
        api.get("/v1/things")
    clock.now = WINDOW_START + 60 + 20  # next minute: the old 3 weigh 3 * 40/60 = 2
    assert rate(api.get("/v1/things")) == (3, 0, 40)
    refused = api.get("/v1/things")
    # 1 now + 3 * (60 - t)/60 + 1 <= 3 once t >= 40: 20 s from now.
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    clock.now += 20
    assert api.get("/v1/things").status_code == 200


def test_graphql_posts_count_like_any_request(api: TestClient) -> None:
    for _ in range(3):
        assert api.post("/graphql", json={"query": "{ n }"}).status_code == 200
    assert api.get("/v1/things").status_code == 429
    assert api.post("/graphql", json={"query": "{ n }"}).status_code == 429


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}], ids=["bearer", "x-api-key"]
)
def test_key_tier_has_its_own_higher_budget(api: TestClient, headers: dict[str, str]) -> None:
    for _ in range(3):
        api.get("/v1/things")
    assert api.get("/v1/things").status_code == 429  # the anonymous budget is spent

    seen = [api.get("/v1/things", headers=headers) for _ in range(5)]
    assert [r.status_code for r in seen] == [200] * 5
    assert [rate(r)[:2] for r in seen] == [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0)]
    assert api.get("/v1/things", headers=headers).status_code == 429


def test_spent_key_budget_leaves_anonymous_alone(api: TestClient) -> None:
    for _ in range(5):
        api.get("/v1/things", headers={"X-API-Key": KEY})
    assert api.get("/v1/things", headers={"X-API-Key": KEY}).status_code == 429
    assert rate(api.get("/v1/things")) == (3, 2, 50)


def test_unknown_key_counts_as_anonymous(api: TestClient) -> None:
    """Inventing tokens must not buy fresh budgets."""
    for n in range(3):
        response = api.get("/v1/things", headers={"Authorization": f"Bearer made-up-{n}"})
        assert rate(response)[0] == 3
    assert api.get("/v1/things", headers={"Authorization": "Bearer made-up-9"}).status_code == 429


def test_redis_sees_a_hash_of_the_key_never_the_key(
    api: TestClient, redis_url: str, prefix: str
) -> None:
    api.get("/v1/things", headers={"X-API-Key": KEY})
    with make_redis(redis_url) as redis:
        keys = [k.decode() for k in redis.keys(f"{prefix}:*")]
    assert keys
    assert all(KEY not in k for k in keys)
    assert any(hash_api_key(KEY) in k for k in keys)


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/docs", "/openapi.json", "/problems/rate-limited"]
)
def test_exempt_paths_are_never_counted_or_refused(api: TestClient, path: str) -> None:
    for _ in range(4):
        api.get("/v1/things")
    for _ in range(5):
        response = api.get(path)
        assert response.status_code == 200
        assert not any(h in response.headers for h in RATE_HEADERS)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(api: TestClient) -> None:
    for n in range(3):
        api.get("/v1/things", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    assert api.get("/v1/things", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 429


def test_forwarded_for_behind_a_trusted_proxy(redis_url: str, clock: Clock, prefix: str) -> None:
    app = build_app(redis_url, clock=clock, prefix=prefix, trusted_proxy=True)
    with TestClient(app) as client:
        # The rightmost entry is what our proxy saw; anything left of it is the client's.
        for n in range(3):
            headers = {"X-Forwarded-For": f"10.0.0.{n}, 198.51.100.7"}
            assert client.get("/v1/things", headers=headers).status_code == 200
        spoofed = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
        assert client.get("/v1/things", headers=spoofed).status_code == 429
        other = client.get("/v1/things", headers={"X-Forwarded-For": "198.51.100.8"})
        assert rate(other)[:2] == (3, 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_redis_down_fails_open(clock: Clock, prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    app = build_app(f"redis://127.0.0.1:{free_port()}/0", clock=clock, prefix=prefix)
    with caplog.at_level(logging.WARNING, logger="app.kit.ratelimit"), TestClient(app) as client:
        for _ in range(6):  # past the anonymous limit of 3: nothing counts
            response = client.get("/v1/things")
            assert response.status_code == 200
            assert not any(h in response.headers for h in RATE_HEADERS)
        assert client.post("/graphql", json={}).status_code == 200
    warnings = [r for r in caplog.records if r.name == "app.kit.ratelimit"]
    # The circuit breaker: one failed attempt, then Redis is left alone for a while.
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0].getMessage()


def test_no_redis_url_installs_nothing(clock: Clock, prefix: str) -> None:
    app = build_app(None, clock=clock, prefix=prefix)
    with TestClient(app) as client:
        response = client.get("/v1/things")
    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers


def test_works_across_event_loops(redis_url: str, clock: Clock, prefix: str) -> None:
    """Without ``with``, TestClient runs every request on a fresh event loop."""
    client = TestClient(build_app(redis_url, clock=clock, prefix=prefix))
    assert [rate(client.get("/v1/things"))[1] for _ in range(3)] == [2, 1, 0]


def test_script_counts_atomically_on_the_server(redis_url: str, prefix: str) -> None:
    """The script itself: it refuses without incrementing, and sets an expiry."""
    keys = [f"{prefix}:{{x}}:cur", f"{prefix}:{{x}}:prev"]
    with make_redis(redis_url) as redis:
        script = redis.register_script(SLIDING_WINDOW_LUA)
        redis.set(keys[1], 6, ex=60)
        # 30 s in: the previous 6 weigh 3; with a limit of 5 two requests fit.
        results = [script(keys=keys, args=[5, 60, "30.0"]) for _ in range(3)]
        assert results == [[1, 1, 6], [1, 2, 6], [0, 2, 6]]
        assert 0 < redis.ttl(keys[0]) <= 120


def test_peek_decides_without_counting(redis_url: str, clock: Clock, prefix: str) -> None:
    """A budget of failures is checked first (peek) and counted on failure (hit)."""
    limiter = RateLimiter(redis_url, key_prefix=prefix, clock=clock)

    async def run() -> list[bool]:
        seen = []
        for _ in range(3):
            peeked = await limiter.peek("t", "a", 2)
            assert peeked is not None
            seen.append(peeked.allowed)
        for _ in range(2):
            await limiter.hit("t", "a", 2)
        refused = await limiter.peek("t", "a", 2)
        assert refused is not None
        seen.append(refused.allowed)
        assert refused.retry_after >= 1
        await limiter.aclose()
        return seen

    assert asyncio.run(run()) == [True, True, True, False]


@pytest.mark.parametrize(
    ("allowed", "current", "previous", "elapsed", "expected"),
    [
        (True, 1, 0, 0.0, (True, 10, 9, 60, 0)),
        (True, 10, 0, 59.5, (True, 10, 0, 1, 0)),
        (True, 2, 12, 45.0, (True, 10, 5, 15, 0)),  # 12 * 15/60 + 2 = 5
        (False, 10, 0, 30.0, (False, 10, 0, 36, 36)),  # 30 + 60 * (1 - 9/10)
        (False, 3, 12, 15.0, (False, 10, 0, 15, 15)),  # 60 * (1 - 6/12) - 15
    ],
)
def test_decide_arithmetic(
    allowed: bool,
    current: int,
    previous: int,
    elapsed: float,
    expected: tuple[bool, int, int, int, int],
) -> None:
    d = decide(allowed=allowed, limit=10, current=current, previous=previous, elapsed=elapsed)
    assert (d.allowed, d.limit, d.remaining, d.reset_seconds, d.retry_after) == expected


@pytest.mark.parametrize(
    ("client", "headers", "trusted", "expected"),
    [
        ("192.0.2.1", [], False, "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", [], False, "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.9", [], False, "192.0.2.9"),
        ("testclient", [], False, "testclient"),
        ("192.0.2.1", [(b"x-forwarded-for", b"198.51.100.1")], False, "192.0.2.1"),
        ("192.0.2.1", [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.1")], True, "198.51.100.1"),
        (
            "192.0.2.1",
            [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"198.51.100.2")],
            True,
            "198.51.100.2",
        ),
    ],
)
def test_client_address(
    client: str, headers: list[tuple[bytes, bytes]], trusted: bool, expected: str
) -> None:
    scope = {"type": "http", "client": (client, 1234), "headers": headers}
    assert client_address(scope, trusted_proxy=trusted) == expected


def test_wired_into_the_real_app(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], prefix: str
) -> None:
    """create_app plus the middleware: the key tier comes from ``settings.api_keys``."""
    app = create_app(settings, engine=engine, session_factory=session_factory)
    assert settings.redis_url is not None
    install_rate_limits(
        app,
        redis_url=settings.redis_url,
        anonymous_per_minute=2,
        key_per_minute=4,
        trusted_proxy=False,
        key_prefix=prefix,
    )
    auth = {"Authorization": f"Bearer {TEST_API_KEY}"}
    with TestClient(app) as client:
        assert rate(client.get("/v1/licenses"))[:2] == (2, 1)
        query = {"query": "{ __typename }"}
        assert client.post("/graphql", json=query).status_code == 200
        refused = client.get("/v1/licenses")
        assert refused.status_code == 429
        assert refused.json()["type"] == "/problems/rate-limited"
        assert client.get("/problems/rate-limited").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert rate(client.get("/v1/licenses", headers=auth))[:2] == (4, 3)
