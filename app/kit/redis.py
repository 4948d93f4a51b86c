"""Redis clients from the one configured URL (TCP or the embedded server's socket)."""

from __future__ import annotations

import redis


def client_url(url: str) -> str:
    """Celery's ``redis+socket://`` URL as redis-py spells it (``unix://``)."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url


def make_redis(url: str, timeout: float = 2.0) -> redis.Redis[bytes]:
    return redis.Redis.from_url(
        client_url(url), socket_timeout=timeout, socket_connect_timeout=timeout
    )
