"""What a fetch can end in besides a payload, typed so a Celery task can react.

The task decides what to do; these classes only say what happened:

* :class:`RateLimited`: the forge (or our shared budget) says wait. Retry the task
  with ``countdown=exc.retry_after_seconds`` (:func:`retry_countdown` adds jitter).
* :class:`TransientFetchError`: 5xx, timeouts, connection errors after the in-process
  retries gave up. Retry later with backoff.
* :class:`PermanentFetchError` (and :class:`NotFoundAtSource` for 404/410): retrying
  will not help; record ``exc.reason`` (one line) on the job.
"""

from __future__ import annotations

import random


class FetchError(Exception):
    """Base of every fetch failure; ``reason`` is one line, fit for a job's error column."""

    def __init__(self, reason: str, *, url: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


class RateLimited(FetchError):
    """The forge asked us to wait, or the shared budget for its host is spent."""

    def __init__(
        self, retry_after_seconds: float, *, reason: str = "", url: str | None = None
    ) -> None:
        seconds = max(0.0, float(retry_after_seconds))
        super().__init__(reason or f"rate limited: retry in {seconds:.0f}s", url=url)
        self.retry_after_seconds = seconds


class TransientFetchError(FetchError):
    """Worth retrying later: server errors, timeouts, broken connections.

    ``retry_after_seconds`` is set when the server said when (503 with Retry-After).
    """

    def __init__(
        self, reason: str, *, url: str | None = None, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(reason, url=url)
        self.retry_after_seconds = retry_after_seconds


class PermanentFetchError(FetchError):
    """Retrying the same request will not succeed (401, 403 without a rate limit, 410...)."""

    def __init__(self, reason: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(reason, url=url)
        self.status = status


class NotFoundAtSource(PermanentFetchError):
    """The forge says the repository, package or owner does not exist (404) or is gone (410)."""


def retry_countdown(
    exc: FetchError,
    retries: int,
    *,
    base_seconds: float = 30.0,
    cap_seconds: float = 3600.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds a Celery task should wait before its next try (``self.retry(countdown=...)``).

    Why jitter: when a forge's window resets, every task that was told "wait N seconds"
    would otherwise wake at the same instant and spend the new budget in a burst. A
    server-given wait gets up to 10% (at least 1 s) added; otherwise "full jitter"
    exponential backoff (a uniform draw in ``[0, min(cap, base * 2**retries)]``).
    """
    draw = (rng or random).uniform
    told = getattr(exc, "retry_after_seconds", None)
    if told is not None:
        return float(told) + draw(0.0, max(1.0, float(told) * 0.1))
    return draw(0.0, min(cap_seconds, base_seconds * (2 ** max(0, retries))))
