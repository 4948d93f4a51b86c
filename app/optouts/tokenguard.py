"""A budget of failed requester-token checks per address: token guessing is refused.

The views that take a requester token (``cco_...``) and answer a 404 to a wrong one
(``/v1/optouts/me``, ``/{id}``, ``/{id}/author``, ``/{id}/impact``, GraphQL's
``optoutAuthor`` and ``optoutImpact``) would otherwise be an oracle limited only by
the API's global budget. An address whose tokens failed more than
``optouts_token_failures_per_minute`` times in the sliding minute is answered 429
with ``Retry-After`` *before* its next token is checked, so that a right guess then
is not told apart from a wrong one. Only failures count: a requester reading their
own views, however often, is never refused here. The budget is per address (a guesser
has no identity to count under) and shares the opt-out limiter's Redis (and its
fail-open breaker) under its own tier.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.config import Settings
from app.kit.api import SettingsDep, api_key_of, problems
from app.kit.problems import NotFound, Problem
from app.kit.ratelimit import RateLimiter, client_address

TIER = "token-failures"
T = TypeVar("T")


class TooManyRequests(Problem):
    status = 429
    slug = "rate-limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


def optouts_limiter(connection: HTTPConnection, settings: Settings) -> RateLimiter | None:
    """The opt-out limiter of this app (one per app, made on first use); None without
    Redis (no limiting, as the API's own limiter)."""
    if not settings.redis_url:
        return None
    state = connection.app.state
    limiter: RateLimiter | None = getattr(state, "optouts_limiter", None)
    if limiter is None:
        limiter = RateLimiter(settings.redis_url, key_prefix="optouts")
        state.optouts_limiter = limiter
    return limiter


@asynccontextmanager
async def guarded(
    connection: HTTPConnection, settings: Settings, token: str | None
) -> AsyncIterator[None]:
    """Refuse an address over its budget of failed token checks, then run the body;
    a :class:`NotFound` from the body while a token was presented is one failure."""
    limiter = optouts_limiter(connection, settings)
    if limiter is None:
        yield
        return
    address = client_address(connection.scope, trusted_proxy=settings.behind_proxy)
    limit = settings.optouts_token_failures_per_minute
    decision = await limiter.peek(TIER, address, limit)
    if decision is not None and not decision.allowed:
        raise TooManyRequests(
            f"more than {limit} failed requester-token checks per minute from this "
            f"address; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )
    try:
        yield
    except NotFound:
        if token is not None:
            await limiter.hit(TIER, address, limit)
        raise


async def check_token(
    connection: HTTPConnection | None,
    settings: Settings,
    token: str | None,
    body: Callable[[], Awaitable[T]],
) -> T:
    """``body()`` under :func:`guarded` (GraphQL's resolvers; a schema executed
    without a request, as in tests and scripts, has no address to count)."""
    if connection is None:
        return await body()
    async with guarded(connection, settings, token):
        return await body()


async def _token_checks(request: Request, settings: SettingsDep) -> AsyncIterator[None]:
    presented = api_key_of(request)
    token = presented if presented and presented.startswith("cco_") else None
    async with guarded(request, settings, token):
        yield


# A REST view that checks a requester token: ``_guard: TokenChecked``, and
# ``responses={**problems(...), **TOKEN_CHECK_RESPONSES}`` in its decorator.
TokenChecked = Annotated[None, Depends(_token_checks)]
TOKEN_CHECK_RESPONSES: dict[int | str, dict[str, object]] = {
    429: {
        **problems(429)[429],
        "description": "Over the client's request budget, or this address presented "
        "more than `OPTOUTS_TOKEN_FAILURES_PER_MINUTE` requester tokens that open no "
        "request in the last minute (token guessing): refused before the token is "
        "checked (`rate-limited`); `Retry-After` says when to retry.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next attempt.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}
