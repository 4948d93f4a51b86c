"""Resumable exports: a download cut anywhere resumes with ``Range: bytes=N-`` and the
pieces equal the whole, byte for byte, in every format; ``If-Range`` guards against
another representation; a range past the end is a 416 problem with the length."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from app.datasets import exports
from app.models import DatasetBuild

URL = "/v1/datasets/roadmap/builds/1/export/"


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_resumed_download_equals_the_full_one(
    built: dict[str, Any], client: TestClient, fmt: str
) -> None:
    full = client.get(URL + fmt)
    assert full.status_code == 200
    assert full.headers["accept-ranges"] == "bytes"
    whole = full.content
    etag = full.headers["etag"]
    for cut in (1, len(whole) // 3, len(whole) - 1):
        rest = client.get(URL + fmt, headers={"Range": f"bytes={cut}-", "If-Range": etag})
        assert rest.status_code == 206, rest.text
        assert rest.headers["content-range"] == f"bytes {cut}-{len(whole) - 1}/{len(whole)}"
        assert int(rest.headers["content-length"]) == len(whole) - cut
        assert whole[:cut] + rest.content == whole
    # a window, and the last bytes
    middle = client.get(URL + fmt, headers={"Range": "bytes=2-9"})
    assert middle.status_code == 206
    assert middle.content == whole[2:10]
    tail = client.get(URL + fmt, headers={"Range": "bytes=-5"})
    assert tail.content == whole[-5:]


def test_if_range_with_another_etag_sends_everything(
    built: dict[str, Any], client: TestClient
) -> None:
    whole = client.get(URL + "jsonl").content
    stale = client.get(URL + "jsonl", headers={"Range": "bytes=5-", "If-Range": '"other"'})
    assert stale.status_code == 200
    assert stale.content == whole
    assert "content-range" not in stale.headers


def test_unusable_ranges(built: dict[str, Any], client: TestClient) -> None:
    whole = client.get(URL + "csv").content
    past = client.get(URL + "csv", headers={"Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416
    assert past.headers["content-type"] == "application/problem+json"
    assert past.headers["content-range"] == f"bytes */{len(whole)}"
    assert past.json()["type"] == "/problems/range-not-satisfiable"
    for ignored in ("bytes=9-2", "items=0-5", "bytes=0-1,4-5", "bytes=x-"):
        response = client.get(URL + "csv", headers={"Range": ignored})
        assert response.status_code == 200, ignored
        assert response.content == whole


def test_lengths_are_counted_once_and_kept(
    built: dict[str, Any], client: TestClient, db: Session
) -> None:
    whole = client.get(URL + "jsonl").content
    client.get(URL + "jsonl", headers={"Range": "bytes=1-"})
    build = db.scalars(select(DatasetBuild)).one()
    db.refresh(build)
    assert build.stats["export_bytes"]["jsonl"] == len(whole)
    # the kept length is what the next range is computed from
    build.stats = {**build.stats, "export_bytes": {"jsonl": len(whole) + 1}}
    db.flush()
    again = client.get(URL + "jsonl", headers={"Range": "bytes=1-"})
    assert again.headers["content-range"].endswith(f"/{len(whole) + 1}")


def test_parse_and_resolve() -> None:
    assert exports.parse_range("bytes=10-") == (10, None)
    assert exports.parse_range("bytes=-7") == (None, 7)
    assert exports.parse_range("bytes=3-1") is None
    assert exports.resolve_range((10, None), 10) is None
    assert exports.resolve_range((None, 0), 10) is None
    assert exports.resolve_range((None, 50), 10) == (0, 9)
    assert exports.resolve_range((2, 500), 10) == (2, 9)
    assert list(exports.byte_window(iter([b"abc", b"def", b"gh"]), 2, 6)) == [b"c", b"def", b"g"]


@pytest.mark.parametrize("path", ["export/jsonl", "missing.txt"])
def test_no_connection_for_the_stream_is_a_503_not_an_empty_200(
    built: dict[str, Any], client: TestClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The body's own session finds the pool exhausted (or the database gone): the
    client must hear "retry" (503), not a 200 with the export's ETag and no bytes,
    which a resuming downloader would take for the whole export."""
    factory: sessionmaker[Session] = client.app.state.sessionmaker  # type: ignore[attr-defined]
    calls = 0

    class Exhausted(Session):
        def connection(self, *args: Any, **kwargs: Any) -> Any:
            raise PoolTimeout("QueuePool limit of size 1 overflow 1 reached")

    def sessions(*args: Any, **kwargs: Any) -> Session:
        nonlocal calls
        calls += 1
        if calls == 1:  # the request's unit of work
            return factory(*args, **kwargs)
        return Exhausted(bind=factory.kw["bind"])  # the stream's own

    monkeypatch.setattr(client.app.state, "sessionmaker", sessions)  # type: ignore[attr-defined]
    response = client.get(f"/v1/datasets/roadmap/builds/1/{path}")
    assert response.status_code == 503, (response.status_code, response.content[:200])
    assert response.json()["type"] == "/problems/unavailable"
    assert response.headers["retry-after"]
    assert "etag" not in response.headers
