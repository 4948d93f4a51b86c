"""Live refresh through the real client code, against recorded responses: a fetched
record is applied like any payload; a 304 costs nothing and changes nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import to_libpq_url
from app.forges.clients import ClientConfig, ForgeClient
from app.forges.fetch import GoneAtSource, crawl_issues, refresh_origin, stalest_origins
from app.forges.register import register_url
from app.kit.db import unit_of_work
from app.models import Issue, Origin, RawMetadata
from tests.forges.clients.conftest import load

MAPPER_FIXTURES = Path(__file__).parent / "fixtures"
ETAG = '"6c5a3a3ac1c2a8e0bd4b9e2ee5e4e9b1"'


def github_server(seen: list[httpx.Request]) -> httpx.MockTransport:
    repo = (MAPPER_FIXTURES / "github/repo_benjaminp_six.json").read_bytes()

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/repos/benjaminp/six":
            if request.headers.get("if-none-match") == ETAG:
                return httpx.Response(304, headers={"ETag": ETAG})
            return httpx.Response(
                200, content=repo, headers={"ETag": ETAG, "Content-Type": "application/json"}
            )
        if request.url.path == "/repos/gone/away":
            return load("github/not_found_404.http").response()
        return httpx.Response(404, json={"message": "Not Found"})

    return httpx.MockTransport(handle)


@pytest.fixture
def client_and_requests() -> tuple[ForgeClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=github_server(seen))
    return ForgeClient(ClientConfig(), http=http), seen


def test_refresh_applies_then_a_304_changes_nothing(
    db: Session,
    session_factory: sessionmaker[Session],
    client_and_requests: tuple[ForgeClient, list[httpx.Request]],
) -> None:
    client, seen = client_and_requests
    origin = register_url(db, "https://GitHub.com/benjaminp/six.git")
    assert origin.url == "https://github.com/benjaminp/six"
    first = refresh_origin(client, origin.id, session_factory)
    assert (first.fetched, first.applied) == (1, 1)
    db.refresh(origin)
    assert origin.full_name == "benjaminp/six"
    raw = db.get(RawMetadata, origin.raw_metadata_id)
    assert raw is not None
    assert raw.etag == ETAG
    fetched_at = origin.last_fetched_at
    second = refresh_origin(client, origin.id, session_factory)
    assert (second.fetched, second.unchanged) == (0, 1)
    assert seen[-1].headers["if-none-match"] == ETAG  # a conditional request
    db.refresh(origin)
    assert origin.last_fetched_at is not None
    assert fetched_at is not None
    assert origin.last_fetched_at > fetched_at
    assert db.scalar(select(func.count()).select_from(RawMetadata)) == 1


def test_gone_at_source_is_permanent(
    db: Session,
    session_factory: sessionmaker[Session],
    client_and_requests: tuple[ForgeClient, list[httpx.Request]],
) -> None:
    client, _ = client_and_requests
    origin = register_url(db, "https://github.com/gone/away")
    with pytest.raises(GoneAtSource, match="gone/away"):
        refresh_origin(client, origin.id, session_factory)


def test_crawl_issues_pages(db: Session, session_factory: sessionmaker[Session]) -> None:
    pages = [load("github/issues_page1.http"), load("github/issues_page2.http")]
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if request.url.path.endswith("/pulls"):
            return httpx.Response(200, json=[])
        return pages[min(len([c for c in calls if "/issues" in c]) - 1, 1)].response()

    client = ForgeClient(ClientConfig(), http=httpx.Client(transport=httpx.MockTransport(handle)))
    first = pages[0].response().json()[0]
    repo_url = first["html_url"].rsplit("/", 2)[0]
    origin = register_url(db, repo_url)
    report = crawl_issues(client, origin.id, session_factory)
    assert report.fetched >= 1
    assert report.failed == 0
    numbers = set(db.scalars(select(Issue.number).where(Issue.origin_id == origin.id)))
    assert first["number"] in numbers


def test_stalest_origins_come_first(db: Session) -> None:
    a = register_url(db, "https://github.com/a/one")
    b = register_url(db, "https://github.com/b/two")
    from datetime import UTC, datetime

    a.last_fetched_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.flush()
    assert stalest_origins(db, 10)[:2] == [b.id, a.id]


def test_fetch_endpoint_registers_and_queues(
    client: TestClient, auth: dict[str, str], db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr("app.kit.queue.send_now", lambda name, *a: sent.append((name, a)))
    response = client.post(
        "/v1/origins/fetch",
        headers=auth,
        json={"url": "git@github.com:Pallets/Flask.git", "issues": True},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["url"] == "https://github.com/pallets/flask"
    assert len(body["jobs"]) == 2
    assert [name for name, _ in sent] == [
        "forges.refresh",
        "forges.issues",
    ]
    assert db.get(Origin, body["origin_id"]) is not None
    bad = client.post("/v1/origins/fetch", headers=auth, json={"url": "https://example.org"})
    assert bad.status_code == 400


def test_the_fetch_holds_no_transaction_open(
    engine: Engine, database_url: str, committed_factory: sessionmaker[Session]
) -> None:
    """Issue 10, defect 8: ``refresh_origin`` held its unit of work (a pooled
    connection, idle in transaction) across the HTTP fetch. Seen from the mocked
    forge, while it answers: no connection of ours is checked out, and the server
    shows no session of this database idle in a transaction."""
    with unit_of_work(committed_factory) as uow:
        origin_id = register_url(uow.session, "https://github.com/benjaminp/six").id
    repo = (MAPPER_FIXTURES / "github/repo_benjaminp_six.json").read_bytes()
    during: list[tuple[int, int]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        with psycopg.connect(to_libpq_url(database_url), autocommit=True) as probe:
            idle_in_transaction = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%'"
            ).fetchone()
        assert idle_in_transaction is not None
        during.append((engine.pool.checkedout(), int(idle_in_transaction[0])))  # type: ignore[attr-defined]
        return httpx.Response(200, content=repo, headers={"Content-Type": "application/json"})

    client = ForgeClient(ClientConfig(), http=httpx.Client(transport=httpx.MockTransport(handle)))
    report = refresh_origin(client, origin_id, committed_factory)
    assert (report.fetched, report.applied) == (1, 1)  # and the answer was applied
    assert during == [(0, 0)]
    with committed_factory() as session:
        origin = session.get(Origin, origin_id)
        assert origin is not None
        assert origin.full_name == "benjaminp/six"
