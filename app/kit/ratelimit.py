"""Per-client request budgets counted in Redis, as a pure ASGI middleware.

Why this shape:

* **Sliding window counter.** A fixed one-minute window lets a client spend its
  budget at 00:59 and again at 01:00 (twice the limit in two seconds). We keep one
  counter per client per minute and weigh the previous minute by how much of it still
  overlaps the sliding 60 s window (``previous * (1 - elapsed / 60) + current``). It
  assumes the previous minute's requests were evenly spread (Cloudflare, who run it at
  scale, reported it misjudging about 0.003% of requests against an exact log) and
  needs two integers per client instead of one sorted-set entry per request.
* **One atomic round trip.** A small Lua script reads both counters and increments the
  current one only when the request fits, so concurrent API workers cannot overshoot
  and a refused request does not extend its own lockout (``Retry-After`` stays true).
  ``EVALSHA`` is one round trip; redis-py loads the script once if the server lacks it.
* **Two tiers.** Anonymous clients are counted by IP address (an IPv6 client by its
  /64, which one host can rotate through freely); clients presenting one of the
  configured API keys by a SHA-256 of the key (the key itself never reaches Redis or
  the logs) with a higher limit. A key that is *not* configured counts as anonymous:
  otherwise inventing a random bearer token would buy a fresh budget per request.
* **Proxies.** ``X-Forwarded-For`` is client-controlled unless a proxy we trust wrote
  it, so it is read only when ``trusted_proxy`` is on, and then only its rightmost
  entry (the address our one proxy saw; entries to its left are whatever the client
  sent).
* **Fail open.** The limiter protects the API; it must never take it down. When Redis
  is unreachable the request is served without rate-limit headers, a warning is
  logged, and Redis is left alone for a few seconds (a circuit breaker) so a dead or
  slow Redis does not add a timeout to every request.

Every counted response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (seconds until the current minute closes and its count starts to
decay; on a 429 it equals ``Retry-After``, the seconds until one more request fits).
Probes, the docs, the OpenAPI document and ``/problems/*`` are never counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from fastapi import FastAPI
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit.problems import problem_response
from app.kit.redis import client_url

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
EPSILON = 1e-9  # float slack, the same in Python and in the script
# Paths that must answer even for a client over budget: orchestrator probes, the docs a
# client reads to learn about limits, and the problem types a 429 points to.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
EXEMPT_PREFIXES = ("/problems/",)
# A rate-limit check must cost far less than the request it guards: short socket
# timeouts, and after a failure no Redis call at all for a while.
REDIS_TIMEOUT_SECONDS = 0.5
BREAKER_SECONDS = 5.0

# KEYS[1]: this window's counter, KEYS[2]: the previous window's counter.
# ARGV: limit, window length (s), seconds elapsed in this window (may be fractional),
# and optionally "peek" (decide without counting).
# Returns {allowed (0/1), current count (after increment if allowed), previous count}.
# Counters live two windows: long enough to serve as "previous" for the next one.
# The 1e-9 slack keeps a request made exactly at the Retry-After instant from being
# refused by floating-point noise in the weight.
SLIDING_WINDOW_LUA = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * ((window - elapsed) / window) + current + 1 > limit + 1e-9 then
  return {0, current, previous}
end
if ARGV[4] == 'peek' then
  return {1, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('EXPIRE', KEYS[1], window * 2)
end
return {1, current, previous}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one check, with everything the response headers need."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after: int  # 0 when allowed

    def headers(self) -> list[tuple[bytes, bytes]]:
        raw = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset_seconds).encode()),
        ]
        if not self.allowed:
            raw.append((b"retry-after", str(self.retry_after).encode()))
        return raw


def decide(*, allowed: bool, limit: int, current: int, previous: int, elapsed: float) -> Decision:
    """Turn the script's counters into header values.

    Kept apart from Redis so the arithmetic (the part easy to get subtly wrong) is
    tested on its own. ``current`` already includes this request when allowed.
    """
    window = WINDOW_SECONDS
    weight = (window - elapsed) / window
    estimate = previous * weight + current
    to_window_end = max(1, _ceil(window - elapsed))
    if allowed:
        remaining = max(0, math.floor(limit - estimate))
        return Decision(True, limit, remaining, to_window_end, 0)
    if current + 1 > limit:
        # This minute alone is full: wait for it to end, then until the decaying
        # weight of its count leaves room for one more request.
        later = window * (1 - (limit - 1) / current) if current else 0.0
        wait = (window - elapsed) + later
    else:
        # The previous minute's tail is what is in the way; wait for it to decay.
        wait = window * (1 - (limit - 1 - current) / previous) - elapsed if previous else 0.0
    retry_after = max(1, _ceil(wait))
    return Decision(False, limit, 0, retry_after, retry_after)


def _ceil(seconds: float) -> int:
    """Whole seconds, not rounding 40.000000000001 up to 41 (the script has the same
    slack, so a client that waits exactly this long is let in)."""
    return math.ceil(seconds - EPSILON)


def hash_api_key(key: str) -> str:
    """The identity a key is counted under: stable, and useless to whoever reads Redis."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def client_address(scope: Scope, *, trusted_proxy: bool) -> str:
    """The address an anonymous client is counted under.

    IPv6 addresses are reduced to their /64 (a single host usually owns a whole /64
    and can pick any address in it); IPv4-mapped IPv6 addresses count as IPv4.
    """
    raw: str | None = None
    if trusted_proxy:
        # Several X-Forwarded-For lines are one list, so the last line's last entry wins.
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                raw = value.decode("latin-1").rsplit(",", 1)[-1].strip() or None
    if raw is None:
        client = scope.get("client")
        raw = str(client[0]) if client else "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address) + "/64"
    return str(address)


def presented_api_key(scope: Scope) -> str | None:
    """The key in ``Authorization: Bearer`` or ``X-API-Key``, read as ``api_key_of`` does
    (a middleware has no ``Request``; building one per request would cost more than
    this loop)."""
    authorization: str | None = None
    x_api_key: str | None = None
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"x-api-key":
            x_api_key = value.decode("latin-1")
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return x_api_key or None


class RateLimiter:
    """The Redis side: one script call per request, and the circuit breaker."""

    def __init__(
        self,
        redis_url: str,
        *,
        key_prefix: str = "ratelimit",
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = client_url(redis_url)
        self._prefix = key_prefix
        self._clock = clock
        self._monotonic = monotonic
        # An asyncio Redis connection belongs to the event loop that opened it; tests
        # (and some servers) run the app on more than one loop, so keep one per loop.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: aioredis.Redis[bytes] | None = None
        self._script: Any = None  # redis.asyncio's script object is untyped in the stubs
        self._skip_until = 0.0

    def _loop_script(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            self._redis = aioredis.Redis.from_url(
                self._url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._script = self._redis.register_script(SLIDING_WINDOW_LUA)
            self._loop = loop
        return self._script

    async def aclose(self) -> None:
        """Close the connections of the running loop's client (at app shutdown)."""
        if self._redis is not None and self._loop is asyncio.get_running_loop():
            # aclose() is redis-py >= 5; the types-redis stubs predate it.
            await self._redis.aclose()  # type: ignore[attr-defined]
        self._redis = self._script = self._loop = None

    async def hit(self, tier: str, identity: str, limit: int) -> Decision | None:
        """Count one request; ``None`` means "could not count, serve it anyway"."""
        return await self._run(tier, identity, limit, count=True)

    async def peek(self, tier: str, identity: str, limit: int) -> Decision | None:
        """Would one more be allowed? Counts nothing: for budgets of failures, which
        are checked before the attempt and counted only when it fails."""
        return await self._run(tier, identity, limit, count=False)

    async def _run(self, tier: str, identity: str, limit: int, *, count: bool) -> Decision | None:
        if self._monotonic() < self._skip_until:
            return None
        now = self._clock()
        index = int(now // WINDOW_SECONDS)
        elapsed = now - index * WINDOW_SECONDS
        # The hash tag keeps both counters in one Redis Cluster slot (scripts need it).
        base = f"{self._prefix}:{{{tier}:{identity}}}"
        try:
            script = self._loop_script()
            allowed, current, previous = await script(
                keys=[f"{base}:{index}", f"{base}:{index - 1}"],
                args=[limit, WINDOW_SECONDS, repr(elapsed), "count" if count else "peek"],
            )
        except (RedisError, OSError) as exc:  # OSError covers TimeoutError
            self._skip_until = self._monotonic() + BREAKER_SECONDS
            log.warning(
                "rate limiting suspended for %.0f s, Redis unreachable: %s", BREAKER_SECONDS, exc
            )
            return None
        return decide(
            allowed=bool(allowed),
            limit=limit,
            current=int(current),
            previous=int(previous),
            elapsed=elapsed,
        )


class RateLimitMiddleware:
    """Counts each HTTP request against its client's budget before the app sees it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        anonymous_per_minute: int,
        key_per_minute: int,
        trusted_proxy: bool,
        key_hashes: Callable[[], frozenset[str]],
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.anonymous_per_minute = anonymous_per_minute
        self.key_per_minute = key_per_minute
        self.trusted_proxy = trusted_proxy
        self.key_hashes = key_hashes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        if scope["type"] != "http" or is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = presented_api_key(scope)
        key_hash = hash_api_key(key) if key else None
        # Membership of a hash in a set of hashes: no timing signal about the keys.
        if key_hash is not None and key_hash in self.key_hashes():
            decision = await self.limiter.hit("key", key_hash, self.key_per_minute)
        else:
            address = client_address(scope, trusted_proxy=self.trusted_proxy)
            decision = await self.limiter.hit("ip", address, self.anonymous_per_minute)
        if decision is None:
            await self.app(scope, receive, send)
            return
        extra = decision.headers()
        if not decision.allowed:
            response = problem_response(
                429,
                "rate-limited",
                f"more than {decision.limit} requests per minute; "
                f"retry in {decision.retry_after} s",
                instance=scope["path"],
            )
            response.raw_headers.extend(extra)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        """Close our Redis connections when the server shuts the app down, on the loop
        that opened them (left to the garbage collector they warn and leak sockets)."""

        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.limiter.aclose()
            return message

        return wrapped


def is_exempt(path: str) -> bool:
    return path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES)


def install_rate_limits(
    app: FastAPI,
    *,
    redis_url: str | None,
    anonymous_per_minute: int,
    key_per_minute: int,
    trusted_proxy: bool,
    api_keys: Iterable[str] | None = None,
    known_key_hashes: Callable[[], frozenset[str]] | None = None,
    key_prefix: str = "ratelimit",
    clock: Callable[[], float] = time.time,
) -> None:
    """Add the rate-limit middleware to ``app``.

    ``api_keys`` defaults to ``app.state.settings.api_keys``, read at the first request
    so the call may come before or after the settings are attached; ``known_key_hashes``
    (when given) replaces that list: the hashes (:func:`hash_api_key`) of every key
    counted as a key, e.g. the live keys of the ``api_key`` table. Without a Redis
    URL there is nowhere to count, so nothing is installed (and that is logged).
    ``key_prefix`` and ``clock`` exist for tests.
    """
    if redis_url is None:
        log.warning("rate limiting off: no Redis URL configured")
        return
    cached: list[frozenset[str]] = []

    def key_hashes() -> frozenset[str]:
        if not cached:
            if api_keys is not None:
                keys = list(api_keys)
            else:
                settings = getattr(app.state, "settings", None)
                configured = getattr(settings, "api_keys", None) or []
                keys = [k.get_secret_value() for k in configured]
            cached.append(frozenset(hash_api_key(k) for k in keys))
        return cached[0]

    app.add_middleware(
        RateLimitMiddleware,
        limiter=RateLimiter(redis_url, key_prefix=key_prefix, clock=clock),
        anonymous_per_minute=anonymous_per_minute,
        key_per_minute=key_per_minute,
        trusted_proxy=trusted_proxy,
        key_hashes=known_key_hashes or key_hashes,
    )
