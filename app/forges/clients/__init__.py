"""Live fetching from forges and registries (sync httpx; the callers are Celery tasks).

Entry point: :class:`ForgeClient`. Each fetch returns :class:`Fetched` (an
:class:`~app.forges.envelope.Envelope` with the exact response bytes, ready for
``app.forges.mappers.map_envelope``) or :class:`Unchanged` (a 304 for the ETag we sent),
or raises one of the typed errors in :mod:`app.forges.clients.errors`. A Redis-backed
:class:`RedisBudget` shares each forge's rate-limit window between all workers.
"""

from __future__ import annotations

from app.forges.clients.budget import RedisBudget, RequestBudget, UnlimitedBudget
from app.forges.clients.client import EtagLookup, ForgeClient
from app.forges.clients.config import (
    FETCHER_NAME,
    FETCHER_VERSION,
    ClientConfig,
    ForgeCredential,
    ForgeInstance,
)
from app.forges.clients.errors import (
    FetchError,
    NotFoundAtSource,
    PermanentFetchError,
    RateLimited,
    TransientFetchError,
    retry_countdown,
)
from app.forges.clients.fetcher import Fetched, FetchResult, Unchanged
from app.forges.clients.ratelimit import RateLimitInfo, parse_retry_after, read_rate_limit

__all__ = [
    "FETCHER_NAME",
    "FETCHER_VERSION",
    "ClientConfig",
    "EtagLookup",
    "FetchError",
    "FetchResult",
    "Fetched",
    "ForgeClient",
    "ForgeCredential",
    "ForgeInstance",
    "NotFoundAtSource",
    "PermanentFetchError",
    "RateLimitInfo",
    "RateLimited",
    "RedisBudget",
    "RequestBudget",
    "TransientFetchError",
    "Unchanged",
    "UnlimitedBudget",
    "parse_retry_after",
    "read_rate_limit",
    "retry_countdown",
]
