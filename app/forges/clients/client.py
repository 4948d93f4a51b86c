"""The forge client a Celery task uses: origin URL in, envelopes (or "unchanged") out.

Typical task body::

    with ForgeClient.create(config, redis_client=make_redis(settings.broker_url)) as client:
        try:
            result = client.fetch_repository(origin_url, previous_etag=stored_etag)
        except RateLimited as exc:
            raise self.retry(countdown=retry_countdown(exc, self.request.retries))
        if isinstance(result, Fetched):
            ingest(result.envelope)        # stores payload_bytes verbatim, then maps

Listings (issues, pull/merge requests) are walked page by page, newest-updated first,
up to ``max_pages``; each page is its own envelope with its own ETag, so the caller
looks the previous ETag up per page URL (``previous_etag(url) -> str | None``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx
import redis

from app.forges.clients.budget import RedisBudget, RequestBudget, UnlimitedBudget
from app.forges.clients.config import ClientConfig, ForgeCredential
from app.forges.clients.endpoints import (
    REGISTRIES,
    Endpoint,
    RegistryApi,
    RepositoryApi,
    repository_api,
)
from app.forges.clients.errors import PermanentFetchError
from app.forges.clients.fetcher import Clock, Fetcher, FetchResult, Target
from app.forges.urls import normalize_url, parse_repository_url

EtagLookup = Callable[[str], str | None]


def _fingerprint(credential: ForgeCredential | None) -> str:
    """Budgets are per token (GitHub and GitLab count per user), never naming the token."""
    if credential is None:
        return "anonymous"
    return hashlib.sha256(credential.token.encode()).hexdigest()[:12]


class ForgeClient:
    """Fetches repository, owner, issue and pull request documents, and registry packages."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        http: httpx.Client | None = None,
        budget: RequestBudget | None = None,
        clock: Clock = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._owns_http = http is None
        self._http = http or httpx.Client(
            timeout=httpx.Timeout(config.timeout_seconds, connect=config.connect_timeout_seconds),
            follow_redirects=True,  # renames and transfers answer with 301 to the new place
            headers={"User-Agent": config.user_agent},
        )
        self._http.headers["User-Agent"] = config.user_agent
        self._fetcher = Fetcher(
            config, self._http, budget or UnlimitedBudget(), clock=clock, sleep=sleep
        )

    @classmethod
    def create(cls, config: ClientConfig, *, redis_client: redis.Redis[bytes] | None) -> Self:
        """The production wiring: a shared Redis budget when Redis is there."""
        budget = RedisBudget(redis_client, reserve=config.budget_reserve) if redis_client else None
        return cls(config, budget=budget)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- forges ------------------------------------------------------------------------

    def fetch_repository(self, origin_url: str, *, previous_etag: str | None = None) -> FetchResult:
        api, owner, name = self._repository(origin_url)
        return self._fetch(api, api.repository(owner, name), previous_etag)

    def fetch_owner(self, origin_url: str, *, previous_etag: str | None = None) -> FetchResult:
        """The owner (user, organisation, group, workspace) of a repository.

        Its envelope has kind ``owner``: stored verbatim, no mapper reads it yet.
        """
        api, owner, name = self._repository(origin_url)
        return self._fetch(api, api.owner(owner, name), previous_etag)

    def iter_issues(
        self,
        origin_url: str,
        *,
        previous_etag: EtagLookup | None = None,
        since: datetime | None = None,
        max_pages: int | None = None,
    ) -> Iterator[FetchResult]:
        """Issue pages (GitHub's include pull requests, as its mapper expects)."""
        api, owner, name = self._repository(origin_url)
        first = api.issues(owner, name, self._per_page(api), since)
        return self._walk(api, first, previous_etag, max_pages)

    def iter_pulls(
        self,
        origin_url: str,
        *,
        previous_etag: EtagLookup | None = None,
        since: datetime | None = None,
        max_pages: int | None = None,
    ) -> Iterator[FetchResult]:
        """Pull request (GitLab: merge request) pages."""
        api, owner, name = self._repository(origin_url)
        first = api.pulls(owner, name, self._per_page(api), since)
        return self._walk(api, first, previous_etag, max_pages)

    # -- registries ----------------------------------------------------------------------

    def fetch_package(self, origin_url: str, *, previous_etag: str | None = None) -> FetchResult:
        """A PyPI project, npm packument or crates.io crate, from its canonical URL."""
        registry, name, origin = self._package(origin_url)
        target = Target(
            authority=registry.authority,
            budget_key=f"{registry.authority}:anonymous",
            headers={"Accept": "application/json"},
            free_not_modified=False,
            next_page=lambda _response: None,
        )
        return self._fetcher.fetch(target, registry.package(name, origin), previous_etag)

    # -- internals -----------------------------------------------------------------------

    def _repository(self, origin_url: str) -> tuple[RepositoryApi, str, str]:
        ref = parse_repository_url(origin_url)
        if ref is None:
            raise PermanentFetchError(f"not a repository URL: {origin_url!r}", url=origin_url)
        api = repository_api(
            ref.host, self.config.instance_for(ref.host), self.config.credential_for(ref.host)
        )
        if api is None:
            raise PermanentFetchError(
                f"unknown forge host {ref.host!r} (configure it as a forge instance)",
                url=origin_url,
            )
        return api, ref.owner, ref.name

    def _package(self, origin_url: str) -> tuple[RegistryApi, str, str]:
        try:
            origin = normalize_url(origin_url)
        except ValueError:
            raise PermanentFetchError(f"not a URL: {origin_url!r}", url=origin_url) from None
        parts = urlsplit(origin)
        host = (parts.hostname or "").removeprefix("www.")
        segments = [s for s in parts.path.split("/") if s]
        registry = REGISTRIES.get(host)
        if registry is None or len(segments) < 2:
            raise PermanentFetchError(f"not a package URL: {origin_url!r}", url=origin_url)
        name = "/".join(segments[1:3]) if segments[1].startswith("@") else segments[1]
        return registry, name, origin

    def _per_page(self, api: RepositoryApi) -> int:
        return max(1, min(self.config.per_page, api.max_per_page))

    def _target(self, api: RepositoryApi) -> Target:
        return Target(
            authority=api.host,
            budget_key=f"{api.api_host}:{_fingerprint(api.credential)}",
            headers=api.headers(),
            free_not_modified=api.free_not_modified and api.credential is not None,
            next_page=api.next_page,
        )

    def _fetch(self, api: RepositoryApi, endpoint: Endpoint, etag: str | None) -> FetchResult:
        return self._fetcher.fetch(self._target(api), endpoint, etag)

    def _walk(
        self,
        api: RepositoryApi,
        first: Endpoint,
        previous_etag: EtagLookup | None,
        max_pages: int | None,
    ) -> Iterator[FetchResult]:
        """Follow next links; a page without one (a 304 usually has none) ends the walk."""
        target = self._target(api)
        limit = self.config.max_pages if max_pages is None else max_pages
        endpoint: Endpoint | None = first
        pages = 0
        while endpoint is not None and pages < limit:
            etag = previous_etag(endpoint.url) if previous_etag else None
            result = self._fetcher.fetch(target, endpoint, etag)
            pages += 1
            yield result
            endpoint = (
                Endpoint(result.next_url, first.kind, first.format, first.origin)
                if result.next_url
                else None
            )
