"""Reading a forge's rate-limit state from its response headers.

Forges disagree on names and units, so everything is read into one
:class:`RateLimitInfo` with an absolute ``reset_at`` (Unix seconds):

* GitHub, Gitea/Forgejo, Bitbucket: ``X-RateLimit-Limit/Remaining/Reset`` (reset is a
  Unix time on GitHub);
* GitLab: ``RateLimit-Limit/Remaining/Reset`` where Reset is a Unix time too (the
  IETF draft these names come from says delta-seconds, so a small number is read as
  a delay), plus ``RateLimit-ResetTime`` as an HTTP date;
* ``Retry-After``: delta-seconds or an HTTP date (RFC 9110 section 10.2.3).

:func:`rate_limit_wait` then decides whether a response *is* a rate-limit refusal:
a 429, or GitHub's 403 forms (primary limit spent: ``X-RateLimit-Remaining: 0``;
secondary limit: a ``Retry-After`` or a body naming a "secondary rate limit").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

# A reset value above this is a Unix time, below it a delay in seconds (2001-09-09).
_EPOCH_THRESHOLD = 1_000_000_000
# GitHub: "If the retry-after header is not present ... wait for at least one minute".
DEFAULT_RATE_LIMIT_PAUSE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What one response said about the caller's rate-limit window (``None``: not said)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    retry_after: float | None = None
    resource: str | None = None

    @property
    def known(self) -> bool:
        """True when the response carried a remaining count and a reset time."""
        return self.remaining is not None and self.reset_at is not None


def _int(value: str | None) -> int | None:
    """The leading integer: Bitbucket sends structured limits such as ``60, 60;w=3600``."""
    if value is None:
        return None
    head = value.strip().split(",", 1)[0].split(";", 1)[0].strip()
    try:
        return int(head)
    except ValueError:
        return None


def _http_date(value: str) -> float | None:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    when = _http_date(text)
    return None if when is None else max(0.0, when - now)


def _reset_at(value: str | None, now: float) -> float | None:
    number = _int(value)
    if number is None:
        return None
    return float(number) if number >= _EPOCH_THRESHOLD else now + number


def read_rate_limit(headers: httpx.Headers, now: float) -> RateLimitInfo:
    """The rate-limit state a response announces, whichever header family it uses."""
    limit = _int(headers.get("x-ratelimit-limit"))
    remaining = _int(headers.get("x-ratelimit-remaining"))
    reset_at = _reset_at(headers.get("x-ratelimit-reset"), now)
    if limit is None and remaining is None:
        limit = _int(headers.get("ratelimit-limit"))
        remaining = _int(headers.get("ratelimit-remaining"))
        reset_at = _reset_at(headers.get("ratelimit-reset"), now)
        if reset_at is None and headers.get("ratelimit-resettime"):
            reset_at = _http_date(headers["ratelimit-resettime"])
    return RateLimitInfo(
        limit=limit,
        remaining=remaining,
        reset_at=reset_at,
        retry_after=parse_retry_after(headers.get("retry-after"), now),
        resource=headers.get("x-ratelimit-resource") or headers.get("ratelimit-name"),
    )


def _body_mentions_rate_limit(response: httpx.Response) -> bool:
    """GitHub's 403 for limits says so in ``message``; other 403s are permissions."""
    try:
        text = response.content[:4096].decode("utf-8", "replace")
    except httpx.ResponseNotRead:
        return False
    try:
        body = json.loads(text)
        message = body.get("message", "") if isinstance(body, dict) else ""
    except ValueError:
        message = text
    return "rate limit" in str(message).lower()


def rate_limit_wait(
    response: httpx.Response,
    info: RateLimitInfo,
    now: float,
    *,
    default_pause: float = DEFAULT_RATE_LIMIT_PAUSE_SECONDS,
) -> float | None:
    """Seconds to wait if ``response`` refuses us for rate limiting, else ``None``.

    Order follows GitHub's guidance: ``Retry-After`` first; then, when the window is
    spent (``remaining == 0``), the reset time; otherwise at least a minute.
    """
    status = response.status_code
    if status not in (403, 429):
        return None
    spent = info.remaining == 0
    quiet = info.retry_after is None and not spent
    if status == 403 and quiet and not _body_mentions_rate_limit(response):
        return None
    if info.retry_after is not None:
        return info.retry_after
    if spent and info.reset_at is not None:
        return max(0.0, info.reset_at - now)
    return default_pause
