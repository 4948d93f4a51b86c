"""The app as built by create_app carries the rate limits and HTTP caching."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.redis import make_redis
from app.main import create_app


def test_rate_limit_headers_and_etags_are_wired(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    assert settings.redis_url is not None
    redis = make_redis(settings.redis_url)
    for key in redis.scan_iter("ratelimit*"):  # a run a moment ago shares the window
        redis.delete(key)
    limited = settings.model_copy(
        update={"rate_limit_enabled": True, "rate_limit_anonymous_per_minute": 3}
    )
    app = create_app(limited, engine=engine, session_factory=session_factory)
    with TestClient(app) as client:
        first = client.get("/v1/licenses/MIT")
        assert first.status_code == 200
        assert first.headers["x-ratelimit-limit"] == "3"
        etag = first.headers["etag"]
        again = client.get("/v1/licenses/MIT", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        client.get("/v1/licenses/MIT")
        refused = client.get("/v1/licenses/MIT")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # probes are exempt
