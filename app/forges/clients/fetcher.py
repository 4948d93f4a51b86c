"""One conditional GET against a forge, turned into an envelope, an "unchanged", or a
typed error; the shared budget is consulted before and updated after every request.

Retries: transient failures (timeouts, connection errors, 5xx) are retried a few times
in-process with full-jitter exponential backoff (tenacity), because most are blips
worth seconds. Rate limits are never slept on here: a worker blocked for an hour is a
worker lost, so :class:`RateLimited` goes straight to the Celery task, which retries
with a countdown.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from app.forges.clients.budget import RequestBudget
from app.forges.clients.config import FETCHER_NAME, FETCHER_VERSION, ClientConfig
from app.forges.clients.endpoints import Endpoint
from app.forges.clients.errors import (
    NotFoundAtSource,
    PermanentFetchError,
    RateLimited,
    TransientFetchError,
)
from app.forges.clients.ratelimit import RateLimitInfo, rate_limit_wait, read_rate_limit
from app.forges.envelope import Envelope

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 200: the envelope to store, and where the next page is (if any)."""

    envelope: Envelope
    next_url: str | None
    rate: RateLimitInfo


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A 304: what we stored last time (under ``etag``) is still current."""

    url: str
    kind: str
    origin: str | None
    etag: str | None
    next_url: str | None


FetchResult = Fetched | Unchanged


@dataclass(frozen=True, slots=True)
class Target:
    """Who is asked (for headers, paging and the budget) and how to label the answer."""

    authority: str
    budget_key: str
    headers: dict[str, str]
    free_not_modified: bool
    next_page: Callable[[httpx.Response], str | None]


def _one_line(response: httpx.Response) -> str:
    """The forge's own error message, if it gave one, cut to one short line."""
    try:
        body = json.loads(response.content[:2048])
        text = body.get("message") or body.get("error") if isinstance(body, dict) else None
    except ValueError:
        text = None
    text = str(text or response.reason_phrase or "").replace("\n", " ").strip()
    return text[:160]


class Fetcher:
    """Sends GETs through one ``httpx.Client`` (connection reuse across a task's calls)."""

    def __init__(
        self,
        config: ClientConfig,
        http: httpx.Client,
        budget: RequestBudget,
        *,
        clock: Clock = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._http = http
        self._budget = budget
        self._clock = clock
        self._sleep = sleep

    def fetch(self, target: Target, endpoint: Endpoint, etag: str | None) -> FetchResult:
        """GET ``endpoint.url``; transient errors are retried, everything else raised."""
        retrying = Retrying(
            retry=retry_if_exception(self._worth_retrying_now),
            stop=stop_after_attempt(max(1, self._config.max_attempts)),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._fetch_once, target, endpoint, etag)

    def _worth_retrying_now(self, exc: BaseException) -> bool:
        if not isinstance(exc, TransientFetchError):
            return False
        told = exc.retry_after_seconds
        return told is None or told <= self._config.backoff_max_seconds

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = getattr(exc, "retry_after_seconds", None)
        if told is not None:
            return float(told)
        backoff = wait_random_exponential(
            multiplier=self._config.backoff_initial_seconds, max=self._config.backoff_max_seconds
        )
        return float(backoff(state))

    def _fetch_once(self, target: Target, endpoint: Endpoint, etag: str | None) -> FetchResult:
        url = endpoint.url
        self._budget.acquire(target.budget_key, self._clock())
        headers = dict(target.headers)
        if etag:
            headers["If-None-Match"] = etag
        try:
            response = self._http.get(url, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientFetchError(f"timeout: {type(exc).__name__}", url=url) from exc
        except httpx.TransportError as exc:
            raise TransientFetchError(f"connection error: {exc}", url=url) from exc
        now = self._clock()
        info = read_rate_limit(response.headers, now)
        self._budget.observe(target.budget_key, info, now)
        self._raise_for_status(target, response, info, now, url)
        if response.status_code == 304:
            if target.free_not_modified:
                self._budget.refund(target.budget_key, now)
            return Unchanged(
                url=url,
                kind=endpoint.kind,
                origin=endpoint.origin,
                etag=response.headers.get("etag") or etag,
                next_url=self._same_host(target.next_page(response), url),
            )
        return Fetched(
            envelope=self._envelope(target, endpoint, response, now),
            next_url=self._same_host(target.next_page(response), url),
            rate=info,
        )

    def _raise_for_status(
        self,
        target: Target,
        response: httpx.Response,
        info: RateLimitInfo,
        now: float,
        url: str,
    ) -> None:
        status = response.status_code
        wait = rate_limit_wait(
            response, info, now, default_pause=self._config.rate_limit_pause_seconds
        )
        if wait is not None:
            self._budget.pause(target.budget_key, now + wait, now)
            reason = f"{status} rate limited by {target.authority}: retry in {wait:.0f}s"
            raise RateLimited(wait, reason=reason, url=url)
        if status in (200, 304):
            return
        message = f"{status} from {target.authority}: {_one_line(response)}".rstrip(": ")
        if status in (404, 410):
            raise NotFoundAtSource(message, url=url, status=status)
        if status >= 500 or status == 408:
            raise TransientFetchError(message, url=url, retry_after_seconds=info.retry_after)
        raise PermanentFetchError(message, url=url, status=status)

    def _envelope(
        self, target: Target, endpoint: Endpoint, response: httpx.Response, now: float
    ) -> Envelope:
        body = response.content
        try:
            payload = json.loads(body)
        except ValueError as exc:
            # A 200 that is not JSON is a proxy or CDN page, not the forge's answer.
            raise TransientFetchError(
                f"200 from {target.authority} is not JSON", url=endpoint.url
            ) from exc
        return Envelope(
            authority=target.authority,
            format=endpoint.format,
            kind=endpoint.kind,
            payload=payload,
            payload_bytes=body,
            url=endpoint.url,
            origin=endpoint.origin,
            fetched_at=datetime.fromtimestamp(now, UTC),
            fetcher_name=FETCHER_NAME,
            fetcher_version=FETCHER_VERSION,
            etag=response.headers.get("etag"),
        )

    @staticmethod
    def _same_host(next_url: str | None, current: str) -> str | None:
        """Follow a next link only on the host we asked: a token must not travel elsewhere."""
        if not next_url:
            return None
        absolute = httpx.URL(current).join(next_url)
        return str(absolute) if absolute.host == httpx.URL(current).host else None
