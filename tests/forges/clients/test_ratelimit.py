"""Rate-limit headers of each forge, read from recorded responses."""

from __future__ import annotations

import random

import pytest

from app.forges.clients import RateLimited, TransientFetchError, retry_countdown
from app.forges.clients.ratelimit import parse_retry_after, rate_limit_wait, read_rate_limit
from tests.forges.clients.conftest import NOW, load


def test_github_headers() -> None:
    info = read_rate_limit(load("github/repo_go-gitea_test_repo.http").response().headers, NOW)
    assert (info.limit, info.remaining, info.reset_at) == (5000, 4935, 1773089427.0)
    assert info.resource == "core"
    assert info.retry_after is None


def test_gitlab_headers_reset_is_a_unix_time() -> None:
    info = read_rate_limit(load("gitlab/issues_page1.http").response().headers, NOW)
    assert (info.limit, info.remaining, info.reset_at) == (2000, 1992, 1776937500.0)
    assert info.resource == "throttle_authenticated_api"


def test_bitbucket_headers_delta_reset_and_structured_limit() -> None:
    """Bitbucket sends ``X-RateLimit-Limit: 60, 60;w=3600`` and a reset in seconds."""
    info = read_rate_limit(load("bitbucket/pullrequests_page1.http").response().headers, NOW)
    assert info.remaining == 52
    assert info.limit == 60
    assert info.reset_at == NOW + 879


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("30", NOW) == 30.0
    assert parse_retry_after("Tue, 05 Jan 2021 11:00:30 GMT", 1609844400.0) == 30.0
    assert parse_retry_after("Tue, 05 Jan 2021 11:00:00 GMT", 1609844500.0) == 0.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_secondary_rate_limit_403_waits_retry_after() -> None:
    response = load("github/secondary_rate_limit_403.http").response()
    info = read_rate_limit(response.headers, NOW)
    assert info.remaining is None  # the secondary-limit 403 has no x-ratelimit-* headers
    assert rate_limit_wait(response, info, NOW) == 60.0


def test_secondary_rate_limit_without_retry_after_waits_a_minute() -> None:
    response = load("github/secondary_rate_limit_403.http").with_headers(("retry-after",))
    recorded = response.response()
    info = read_rate_limit(recorded.headers, NOW)
    assert rate_limit_wait(recorded, info, NOW, default_pause=75.0) == 75.0


def test_primary_rate_limit_403_waits_until_reset() -> None:
    response = load("github/primary_rate_limit_403.http").response()
    now = 1377013266.0 - 600
    assert rate_limit_wait(response, read_rate_limit(response.headers, now), now) == 600.0


def test_gitlab_429_uses_retry_after() -> None:
    response = load("gitlab/throttled_429.http").response()
    info = read_rate_limit(response.headers, 1609844400.0 - 45)
    assert info.remaining == 0
    assert rate_limit_wait(response, info, 1609844400.0 - 45) == 30.0


def test_other_responses_are_not_rate_limits() -> None:
    for name in ("github/not_found_404.http", "github/repo_go-gitea_test_repo.http"):
        response = load(name).response()
        assert rate_limit_wait(response, read_rate_limit(response.headers, NOW), NOW) is None
    forbidden = load("github/not_found_404.http")
    forbidden = type(forbidden)(403, forbidden.headers, b'{"message":"Must have admin rights"}')
    response = forbidden.response()
    assert rate_limit_wait(response, read_rate_limit(response.headers, NOW), NOW) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_retry_countdown_adds_jitter_to_a_given_wait(seed: int) -> None:
    rng = random.Random(seed)
    countdown = retry_countdown(RateLimited(100), retries=0, rng=rng)
    assert 100 <= countdown <= 110


def test_retry_countdown_backs_off_exponentially_without_a_given_wait() -> None:
    rng = random.Random(7)
    draws = [retry_countdown(TransientFetchError("502"), retries=n, rng=rng) for n in range(12)]
    assert all(0 <= d <= min(3600, 30 * 2**n) for n, d in enumerate(draws))
    assert max(draws) <= 3600
