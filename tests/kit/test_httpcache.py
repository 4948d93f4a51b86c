"""Conditional GETs: ETag from the body, If-None-Match / If-Modified-Since, 304."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.httpcache import (
    body_etag,
    http_date,
    if_none_match_matches,
    install_http_caching,
    not_modified_since,
    set_last_modified,
)
from app.kit.ratelimit import install_rate_limits
from app.main import create_app

UPDATED = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
UPDATED_HTTP = "Wed, 01 May 2024 12:30:15 GMT"


@pytest.fixture
def store() -> dict[str, str]:
    return {"name": "first"}


@pytest.fixture
def api(store: dict[str, str]) -> Iterator[TestClient]:
    app = FastAPI()

    @app.api_route("/v1/item", methods=["GET", "HEAD"])
    def item() -> dict[str, str]:
        return dict(store)

    @app.post("/v1/item")
    def update(body: dict[str, str]) -> dict[str, str]:
        store.update(body)
        return dict(store)

    @app.get("/v1/dated")
    def dated(response: Response) -> dict[str, str]:
        set_last_modified(response, UPDATED)
        return {"when": "then"}

    @app.get("/v1/own-validator")
    def own_validator(response: Response) -> dict[str, str]:
        response.headers["ETag"] = 'W/"v7"'
        response.headers["Cache-Control"] = "max-age=60"
        return {"v": "7"}

    @app.get("/v1/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b'{"a":', b"1}"]), media_type="application/json")

    @app.get("/v1/text")
    def text() -> PlainTextResponse:
        return PlainTextResponse("plain")

    @app.get("/v1/missing")
    def missing() -> Response:
        return Response('{"detail":"no"}', status_code=404, media_type="application/json")

    @app.get("/outside")
    def outside() -> dict[str, str]:
        return {"a": "b"}

    install_http_caching(app)
    with TestClient(app) as client:
        yield client


def test_round_trip_gives_304_with_empty_body_and_same_etag(api: TestClient) -> None:
    first = api.get("/v1/item")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == body_etag(first.content)
    assert etag.startswith('"')  # strong: no W/ prefix
    assert first.headers["cache-control"] == "no-cache"

    again = api.get("/v1/item", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-cache"
    assert "content-type" not in again.headers
    assert again.headers.get("content-length", "0") == "0"


def test_changed_resource_gets_200_and_a_new_etag(api: TestClient) -> None:
    old = api.get("/v1/item").headers["etag"]
    assert api.post("/v1/item", json={"name": "second"}).status_code == 200
    fresh = api.get("/v1/item", headers={"If-None-Match": old})
    assert fresh.status_code == 200
    assert fresh.json() == {"name": "second"}
    assert fresh.headers["etag"] not in {old, ""}


@pytest.mark.parametrize(
    "template",
    [
        "{etag}",
        "W/{etag}",
        '"nope", {etag}',
        '"a,b", W/"x",   W/{etag}  ',
        "*",
    ],
)
def test_if_none_match_lists_weak_forms_and_star(api: TestClient, template: str) -> None:
    etag = api.get("/v1/item").headers["etag"]
    response = api.get("/v1/item", headers={"If-None-Match": template.format(etag=etag)})
    assert response.status_code == 304
    assert response.headers["etag"] == etag


@pytest.mark.parametrize("header", ['"nope"', 'W/"nope", "other"', "", "garbage"])
def test_if_none_match_without_a_match_gives_200(api: TestClient, header: str) -> None:
    response = api.get("/v1/item", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert response.json() == {"name": "first"}


def test_head_gets_the_same_validator(api: TestClient) -> None:
    etag = api.get("/v1/item").headers["etag"]
    head = api.head("/v1/item")
    assert head.status_code == 200
    assert head.headers["etag"] == etag
    assert api.head("/v1/item", headers={"If-None-Match": etag}).status_code == 304


def test_if_modified_since_needs_last_modified_from_the_handler(api: TestClient) -> None:
    dated = api.get("/v1/dated")
    assert dated.headers["last-modified"] == UPDATED_HTTP
    not_changed = api.get("/v1/dated", headers={"If-Modified-Since": UPDATED_HTTP})
    assert not_changed.status_code == 304
    assert not_changed.headers["last-modified"] == UPDATED_HTTP

    earlier = http_date(UPDATED - timedelta(seconds=1))
    assert api.get("/v1/dated", headers={"If-Modified-Since": earlier}).status_code == 200
    bad_date = api.get("/v1/dated", headers={"If-Modified-Since": "yesterday"})
    assert bad_date.status_code == 200
    # No Last-Modified: a date means nothing, however late.
    late = http_date(datetime(2100, 1, 1, tzinfo=UTC))
    assert api.get("/v1/item", headers={"If-Modified-Since": late}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(api: TestClient) -> None:
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": UPDATED_HTTP}
    assert api.get("/v1/dated", headers=headers).status_code == 200


def test_a_handler_validator_and_cache_control_are_kept(api: TestClient) -> None:
    first = api.get("/v1/own-validator")
    assert first.headers["etag"] == 'W/"v7"'
    assert first.headers["cache-control"] == "max-age=60"
    assert api.get("/v1/own-validator", headers={"If-None-Match": '"v7"'}).status_code == 304


@pytest.mark.parametrize("path", ["/v1/stream", "/v1/text", "/v1/missing", "/outside"])
def test_other_responses_are_untouched(api: TestClient, path: str) -> None:
    response = api.get(path, headers={"If-None-Match": "*"})
    assert response.status_code in {200, 404}
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers


def test_stream_body_arrives_whole(api: TestClient) -> None:
    assert api.get("/v1/stream").json() == {"a": 1}


def test_post_is_untouched(api: TestClient) -> None:
    response = api.post("/v1/item", json={"name": "x"}, headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert "etag" not in response.headers


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"abc"', '"abc"', True),
        ('W/"abc"', '"abc"', True),
        ('"abc"', 'W/"abc"', True),
        ('"ab"', '"abc"', False),
        ('"x,y", "abc"', '"abc"', True),
        (" * ", '"abc"', True),
        ("", '"abc"', False),
    ],
)
def test_if_none_match_parsing(header: str, etag: str, expected: bool) -> None:
    assert if_none_match_matches(header, etag) is expected


def test_dates() -> None:
    assert http_date(UPDATED) == UPDATED_HTTP
    assert http_date(UPDATED.replace(tzinfo=None)) == UPDATED_HTTP  # naive means UTC
    paris = UPDATED.astimezone(timezone(timedelta(hours=2)))
    assert http_date(paris) == UPDATED_HTTP
    assert not_modified_since(UPDATED_HTTP, UPDATED_HTTP)
    assert not not_modified_since("Wed, 01 May 2024 12:30:14 GMT", UPDATED_HTTP)
    assert not not_modified_since("not a date", UPDATED_HTTP)


def test_response_helper_skips_missing_dates() -> None:
    response = Response()
    set_last_modified(response, None)
    assert "last-modified" not in response.headers


def test_wired_into_the_real_app(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], redis_url: str
) -> None:
    """On create_app's real routes, and with the rate limiter outside: a 304 still
    carries the rate-limit headers and counts against the budget."""
    app = create_app(settings, engine=engine, session_factory=session_factory)
    install_http_caching(app)
    install_rate_limits(
        app,
        redis_url=redis_url,
        anonymous_per_minute=100,
        key_per_minute=1000,
        trusted_proxy=False,
        key_prefix=f"test-httpcache-{uuid.uuid4().hex[:12]}",
    )
    with TestClient(app) as client:
        first = client.get("/v1/licenses", params={"limit": 5})
        assert first.status_code == 200
        etag = first.headers["etag"]
        again = client.get("/v1/licenses", params={"limit": 5}, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert int(again.headers["x-ratelimit-remaining"]) < int(
            first.headers["x-ratelimit-remaining"]
        )
        other_page = client.get("/v1/licenses", params={"limit": 6})
        assert other_page.headers["etag"] != etag
        missing = client.get("/v1/licenses/NOT-A-LICENSE", headers={"If-None-Match": "*"})
        assert missing.status_code == 404
        assert "etag" not in missing.headers
        assert "etag" not in client.get("/healthz").headers
