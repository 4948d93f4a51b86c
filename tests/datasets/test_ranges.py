"""Resumable exports: a download cut anywhere resumes with ``Range: bytes=N-`` and the
pieces equal the whole, byte for byte, in every format; ``If-Range`` guards against
another representation; a range past the end is a 416 problem with the length."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

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
