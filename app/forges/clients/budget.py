"""A per-forge request budget shared by every worker through Redis.

Why: each Celery worker sees only its own responses. Without a shared view, N workers
each believe the last ``X-RateLimit-Remaining`` they read and together overshoot the
window; after a 429 or a secondary limit the others keep hammering the forge. So the
window lives in one Redis hash per budget key (the API host plus a fingerprint of the
credential, because GitHub and GitLab count per token)::

    remaining     requests left in the window, as the forge last said (minus reservations)
    reset_at      when the window resets (Unix seconds)
    limit         the window size, for observability
    paused_until  set after a 429/secondary limit: nobody calls before this time

Every operation is one Lua script, so check-and-reserve is atomic across workers
(a ``WATCH``/``MULTI`` loop would need retries under contention; a script does not).
``acquire`` refuses with :class:`RateLimited` carrying the seconds until the window
resets instead of letting a request go out that the forge would reject anyway; it
keeps ``reserve`` requests back for interactive or higher-priority callers.

Unknown state (no response seen yet, or the window is over) lets requests through:
the next response refreshes the counter. Keys expire a minute after their window.
"""

from __future__ import annotations

from typing import Any, Protocol

import redis

from app.forges.clients.errors import RateLimited
from app.forges.clients.ratelimit import RateLimitInfo

_ACQUIRE = """
local now = tonumber(ARGV[1])
local reserve = tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'paused_until')
local remaining, reset_at, paused = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
if paused and paused > now then
  return tostring(paused - now)
end
if remaining and reset_at and reset_at > now then
  if remaining <= reserve then
    return tostring(reset_at - now)
  end
  redis.call('HINCRBY', KEYS[1], 'remaining', -1)
end
return '0'
"""

# Same window (same reset time): keep the lower count, since responses from concurrent
# workers arrive out of order and local reservations are already subtracted. A response
# from an older window (earlier reset) arriving late is ignored.
_OBSERVE = """
local now = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local reset_at = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'paused_until')
local cur_rem, cur_reset, paused = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
if cur_rem and cur_reset and cur_reset > now and math.abs(cur_reset - reset_at) < 1 then
  if remaining < cur_rem then
    redis.call('HSET', KEYS[1], 'remaining', ARGV[2])
  end
elseif not (cur_reset and cur_reset > now and cur_reset > reset_at) then
  redis.call('HSET', KEYS[1], 'remaining', ARGV[2], 'reset_at', ARGV[3])
end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'limit', ARGV[4])
end
local horizon = math.max(reset_at, paused or 0)
redis.call('EXPIRE', KEYS[1], math.max(60, math.ceil(horizon - now) + 60))
return 1
"""

_PAUSE = """
local now = tonumber(ARGV[1])
local until_ = tonumber(ARGV[2])
local cur = tonumber(redis.call('HGET', KEYS[1], 'paused_until'))
if not cur or cur < until_ then
  redis.call('HSET', KEYS[1], 'paused_until', ARGV[2])
  cur = until_
end
local reset_at = tonumber(redis.call('HGET', KEYS[1], 'reset_at')) or 0
redis.call('EXPIRE', KEYS[1], math.max(60, math.ceil(math.max(cur, reset_at) - now) + 60))
return 1
"""

_REFUND = """
local now = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'limit')
local remaining, reset_at, limit = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
if remaining and reset_at and reset_at > now and (not limit or remaining < limit) then
  redis.call('HINCRBY', KEYS[1], 'remaining', 1)
end
return 1
"""


class RequestBudget(Protocol):
    """What the fetcher needs from a budget; :class:`RedisBudget` is the shared one."""

    def acquire(self, key: str, now: float) -> None:
        """Reserve one request or raise :class:`RateLimited` with the wait."""

    def observe(self, key: str, info: RateLimitInfo, now: float) -> None:
        """Record what a response said about the window."""

    def pause(self, key: str, until: float, now: float) -> None:
        """Stop every caller until ``until`` (after a 429 or a secondary limit)."""

    def refund(self, key: str, now: float) -> None:
        """Give back a reservation the forge did not charge (an authorized 304)."""


class UnlimitedBudget:
    """No shared state: for one-off CLI fetches and tests that are not about budgets."""

    def acquire(self, key: str, now: float) -> None:
        return None

    def observe(self, key: str, info: RateLimitInfo, now: float) -> None:
        return None

    def pause(self, key: str, until: float, now: float) -> None:
        return None

    def refund(self, key: str, now: float) -> None:
        return None


class RedisBudget:
    """The budget of every forge host in one Redis, consulted before each request."""

    def __init__(
        self,
        client: redis.Redis[bytes],
        *,
        reserve: int = 0,
        prefix: str = "codecommons:forge-budget",
    ) -> None:
        self._redis = client
        self._reserve = max(0, reserve)
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._observe = client.register_script(_OBSERVE)
        self._pause = client.register_script(_PAUSE)
        self._refund = client.register_script(_REFUND)

    def redis_key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def acquire(self, key: str, now: float) -> None:
        raw: Any = self._acquire(keys=[self.redis_key(key)], args=[repr(now), self._reserve])
        wait = float(raw.decode() if isinstance(raw, bytes) else raw)
        if wait > 0:
            raise RateLimited(wait, reason=f"request budget for {key} spent: retry in {wait:.0f}s")

    def observe(self, key: str, info: RateLimitInfo, now: float) -> None:
        if info.remaining is None or info.reset_at is None:
            return
        limit = "" if info.limit is None else str(info.limit)
        self._observe(
            keys=[self.redis_key(key)],
            args=[repr(now), str(info.remaining), repr(info.reset_at), limit],
        )

    def pause(self, key: str, until: float, now: float) -> None:
        if until > now:
            self._pause(keys=[self.redis_key(key)], args=[repr(now), repr(until)])

    def refund(self, key: str, now: float) -> None:
        self._refund(keys=[self.redis_key(key)], args=[repr(now)])

    def snapshot(self, key: str) -> dict[str, float]:
        """The stored window of ``key`` (empty when unknown), for metrics and tests."""
        raw = self._redis.hgetall(self.redis_key(key))
        return {k.decode(): float(v) for k, v in raw.items()}
