from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.models import OriginAlias
from tests.factories import (
    ContentFactory,
    ForgeFactory,
    LicenseFindingFactory,
    OriginFactory,
    OwnerFactory,
    PathOccurrenceFactory,
    RawMetadataFactory,
    SnapshotFactory,
    VisitFactory,
)


def test_list_filters_and_pages(client: TestClient, db: Session) -> None:
    gitlab = ForgeFactory(name="gitlab.com", kind="gitlab", api_url="https://gitlab.com/api/v4")
    made = [OriginFactory() for _ in range(3)]
    OriginFactory(forge=gitlab, url="https://gitlab.com/a/b", full_name="a/b", language="Go")
    page = client.get("/v1/origins", params={"limit": 2}).json()
    assert [o["id"] for o in page["items"]] == [made[0].id, made[1].id]
    rest = client.get("/v1/origins", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [o["url"] for o in rest["items"]] == [made[2].url, "https://gitlab.com/a/b"]
    assert rest["next_cursor"] is None
    only_gitlab = client.get("/v1/origins", params={"forge": "gitlab.com"}).json()["items"]
    assert [o["url"] for o in only_gitlab] == ["https://gitlab.com/a/b"]
    go = client.get("/v1/origins", params={"language": "go"}).json()["items"]
    assert [o["full_name"] for o in go] == ["a/b"]


def test_detail_shows_licenses_with_provenance_and_latest_visit(
    client: TestClient, db: Session
) -> None:
    raw = RawMetadataFactory()
    owner = OwnerFactory(login="benjaminp", kind="user")
    origin = OriginFactory(owner_id=owner.id, raw_metadata_id=raw.id, mapper_version="github@1")
    LicenseFindingFactory(origin_id=origin.id, raw_metadata_id=raw.id, mapper_version="github@1")
    LicenseFindingFactory(origin_id=origin.id, expression=None, original_text="BSD")
    snapshot = SnapshotFactory()
    VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id)
    for _ in range(3):
        PathOccurrenceFactory(
            content_id=ContentFactory().id, origin_id=origin.id, snapshot_id=snapshot.id
        )
    body = client.get(f"/v1/origins/{origin.id}").json()
    assert body["swhid"].startswith("swh:1:ori:")
    assert body["owner"]["login"] == "benjaminp"
    assert body["provenance"] == {"raw_metadata_id": raw.id, "mapper_version": "github@1"}
    mapped, unmapped = body["licenses"]
    assert mapped["expression"] == "MIT"
    assert mapped["is_mapped"] is True
    assert mapped["provenance"]["raw_metadata_id"] == raw.id
    assert unmapped == unmapped | {"expression": None, "is_mapped": False, "original_text": "BSD"}
    assert body["latest_visit"]["snapshot"] == snapshot.swhid
    assert body["latest_visit"]["files"] == 3


def test_lookup_by_current_and_former_url(client: TestClient, db: Session) -> None:
    origin = OriginFactory(url="https://github.com/new/name", full_name="new/name")
    db.add(OriginAlias(origin_id=origin.id, url="https://github.com/old/name", reason="renamed"))
    db.flush()
    for url in ("https://github.com/new/name", "https://github.com/old/name/"):
        body = client.get("/v1/origins/lookup", params={"url": url}).json()
        assert body.get("id") == origin.id, body
        assert body["aliases"] == ["https://github.com/old/name"]
    missing = client.get("/v1/origins/lookup", params={"url": "https://nowhere.example/x"})
    assert missing.status_code == 404


def test_bad_ids_and_cursors(client: TestClient) -> None:
    assert client.get("/v1/origins/123456789").status_code == 404
    assert client.get("/v1/origins/abc").status_code == 422
    bad = client.get("/v1/origins", params={"cursor": "eyJ4Ijox"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "/problems/invalid-cursor"
    assert client.get("/v1/origins", params={"kind": "planet"}).status_code == 422
