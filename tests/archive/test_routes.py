from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from swh.model.from_disk import Content as SWHContent

from app.models import Directory, DirectoryEntry, SnapshotBranch
from app.models.enums import BranchTargetType, EntryType
from tests.factories import (
    ContentFactory,
    OriginFactory,
    PathOccurrenceFactory,
    SnapshotFactory,
)


def test_content_by_swhid_sha1_and_sha256(client: TestClient, db: Session) -> None:
    data = b"def hello():\n    return 'world'\n"
    content = ContentFactory(data=data)
    origin = OriginFactory()
    snapshot = SnapshotFactory()
    PathOccurrenceFactory(
        content_id=content.id, origin_id=origin.id, snapshot_id=snapshot.id, path=b"src/hello.py"
    )
    swhid = str(SWHContent.from_bytes(mode=0o100644, data=data).swhid())
    by_swhid = client.get(f"/v1/contents/{swhid}").json()
    assert by_swhid["swhid"] == swhid  # our factory's hashing agrees with swh.model
    assert by_swhid["occurrence_count"] == 1
    occurrence = by_swhid["occurrences"][0]
    assert occurrence["origin"] == origin.url
    assert occurrence["path"] == "src/hello.py"
    assert (
        occurrence["swhid"]
        == f"{swhid};origin={origin.url};visit={snapshot.swhid};path=/src/hello.py"
    )
    for key in (
        f"sha1:{hashlib.sha1(data).hexdigest()}",  # noqa: S324
        f"sha256:{hashlib.sha256(data).hexdigest()}",
    ):
        assert client.get(f"/v1/contents/{key}").json()["swhid"] == swhid


def test_resolve_each_object_type(client: TestClient, db: Session) -> None:
    content = ContentFactory()
    directory = Directory(sha1_git=hashlib.sha1(b"d").digest())  # noqa: S324
    directory.entries.append(
        DirectoryEntry(
            name=b"caf\xe9.txt", type=EntryType.FILE, perms=0o100644, target=content.sha1_git
        )
    )
    db.add(directory)
    snapshot = SnapshotFactory()
    db.add(
        SnapshotBranch(
            snapshot_id=snapshot.id,
            name=b"HEAD",
            target_type=BranchTargetType.ALIAS,
            target=b"refs/heads/main",
        )
    )
    origin = OriginFactory()
    db.flush()
    assert client.get(f"/v1/swhid/{content.swhid}").json()["content"]["length"] == content.length
    listing = client.get(f"/v1/swhid/{directory.swhid}").json()["directory"]["entries"]
    # Non-UTF-8 names are shown with escapes, never dropped or mangled silently.
    assert listing == [
        {"name": "caf\\xe9.txt", "type": "file", "perms": 0o100644, "target": content.swhid}
    ]
    branches = client.get(f"/v1/swhid/{snapshot.swhid}").json()["snapshot"]["branches"]
    assert branches == [{"name": "HEAD", "target_type": "alias", "target": "refs/heads/main"}]
    assert client.get(f"/v1/swhid/{origin.swhid}").json()["origin"]["url"] == origin.url
    qualified = f"{content.swhid};origin={origin.url};lines=1-2"
    assert client.get(f"/v1/swhid/{qualified}").json()["swhid"] == content.swhid


@pytest.mark.parametrize(
    "bad",
    [
        "swh:1:cnt:zz",
        "swh:1:foo:94a9ed024d3859793618152ea559a168bbcbb5e2",
        "hello",
        "swh:1:cnt:94a9ed024d3859793618152ea559a168bbcbb5e2;nope=1",
    ],
)
def test_malformed_swhid_is_422_problem(client: TestClient, bad: str) -> None:
    response = client.get(f"/v1/swhid/{bad}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/invalid-swhid"
    assert "invalid SWHID" in body["detail"]


def test_unknown_objects_and_bad_content_keys(client: TestClient) -> None:
    unknown = "swh:1:rev:94a9ed024d3859793618152ea559a168bbcbb5e2"
    assert client.get(f"/v1/swhid/{unknown}").status_code == 404
    assert client.get("/v1/contents/md5:abc").status_code == 400
    assert client.get("/v1/contents/sha1:abc").json()["detail"] == "a sha1 is 40 hexadecimal digits"
    dir_swhid = "swh:1:dir:94a9ed024d3859793618152ea559a168bbcbb5e2"
    assert client.get(f"/v1/contents/{dir_swhid}").status_code == 400


def test_a_huge_swhid_is_not_echoed_whole(client: TestClient) -> None:
    # 16 KB (httpx caps a URL at 64 KB), with control characters; a newline would not
    # reach the route (a path parameter stops at one), GraphQL's test sends them.
    bad = "swh:1:cnt:zz\t\r" + "z" * 16_000
    response = client.get("/v1/swhid/" + quote(bad, safe=":"))
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "/problems/invalid-swhid"
    assert len(body["detail"]) < 400, len(body["detail"])
    assert "\n" not in body["detail"]
    assert "\r" not in body["detail"]
    assert "swh:1:cnt:zz\\t\\r" in body["detail"]
