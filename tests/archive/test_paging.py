"""Keyset paging of archive objects' parts: a content's occurrences, a directory's
entries, a snapshot's branches; over REST (Link headers) and GraphQL (connections),
which must give the same items and cursors."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.archive import service
from app.kit.pagination import encode_cursor
from app.models import Content, Directory, DirectoryEntry, SnapshotBranch
from app.models.enums import BranchTargetType, EntryType, LicenseSource
from tests.factories import (
    ContentFactory,
    LicenseFindingFactory,
    OriginFactory,
    PathOccurrenceFactory,
    SnapshotFactory,
)

# Byte order differs from code-point order once names are not ASCII, and some are
# not even UTF-8: the keyset must follow the bytes.
NAMES = [
    b"README",
    b"Zeta",
    b"a",
    b"a.txt",
    b"a0",
    b"caf\xc3\xa9",
    b"caf\xe9",
    b"src",
    b"\xe2\x98\x83",
    b"\xff",
    b"zz",
]
MAX_PAGES = 50  # more means a cursor that does not advance: fail, don't loop


def sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()  # noqa: S324


def shown(name: bytes) -> str:
    return name.decode("utf-8", errors="backslashreplace")


def rest_pages(client: TestClient, url: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paged list, following the ``Link: rel=next`` headers."""
    items: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = f"{url}?limit={limit}"
    while next_url is not None:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        pages += 1
        assert pages <= MAX_PAGES, "the cursor does not advance"
        assert len(body["items"]) <= limit
        link = response.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            next_url = None
        else:
            assert link is not None
            assert link.endswith('>; rel="next"')
            assert f"cursor={body['next_cursor']}" in link
            next_url = link[1 : link.index(">")]
    return items, pages


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gql_pages(
    client: TestClient, field: str, selection: str, first: int, **args: str
) -> tuple[list[dict[str, Any]], list[str | None]]:
    """Every node of a connection, and the end cursor of each page."""
    declared = "".join(f", ${name}: String!" for name in args)
    passed = "".join(f", {name}: ${name}" for name in args)
    query = f"""query($first: Int!, $after: String{declared}) {{
        {field}(first: $first, after: $after{passed}) {{
            edges {{ cursor node {{ {selection} }} }}
            pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict[str, Any]] = []
    cursors: list[str | None] = []
    after: str | None = None
    while True:
        body = gql(client, query, first=first, after=after, **args)
        assert "errors" not in body, body
        data = body["data"][field]
        nodes += [edge["node"] for edge in data["edges"]]
        cursors.append(data["pageInfo"]["endCursor"])
        assert len(cursors) <= MAX_PAGES, "the cursor does not advance"
        if data["edges"]:
            assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes, cursors
        after = data["pageInfo"]["endCursor"]


# --- data ---


def popular_content(db: Session, places: int) -> tuple[Content, str]:
    """A content found at ``places`` places; in the first snapshot a LICENSE file
    (MIT) sits next to it, so only there does it inherit a license. Returns the
    content and the origin URL of the licensed snapshot."""
    content = ContentFactory()
    license_file = ContentFactory(data=b"MIT License\n")
    LicenseFindingFactory(
        content_id=license_file.id, expression="MIT", source=LicenseSource.LICENSE_FILE
    )
    licensed = ""
    for n in range(places):
        origin = OriginFactory()
        snapshot = SnapshotFactory()
        PathOccurrenceFactory(
            content_id=content.id,
            origin_id=origin.id,
            snapshot_id=snapshot.id,
            path=f"pkg{n}/main.py".encode(),
        )
        if n == 0:
            licensed = origin.url
            PathOccurrenceFactory(
                content_id=license_file.id,
                origin_id=origin.id,
                snapshot_id=snapshot.id,
                path=b"LICENSE",
            )
    return content, licensed


def big_directory(db: Session) -> Directory:
    target = ContentFactory()
    directory = Directory(sha1_git=sha1(b"big directory"))
    for name in reversed(NAMES):  # insertion order must not matter
        directory.entries.append(
            DirectoryEntry(name=name, type=EntryType.FILE, perms=0o100644, target=target.sha1_git)
        )
    db.add(directory)
    db.flush()
    return directory


def many_branches(db: Session) -> Any:
    snapshot = SnapshotFactory()
    for name in reversed(NAMES):
        db.add(
            SnapshotBranch(
                snapshot_id=snapshot.id,
                name=b"refs/tags/" + name,
                target_type=BranchTargetType.REVISION,
                target=sha1(name),
            )
        )
    db.add(
        SnapshotBranch(
            snapshot_id=snapshot.id,
            name=b"HEAD",
            target_type=BranchTargetType.ALIAS,
            target=b"refs/tags/zz",
        )
    )
    db.flush()
    return snapshot


# --- occurrences ---


def test_occurrences_page_through_all_with_inherited_licenses(
    client: TestClient, db: Session
) -> None:
    content, licensed = popular_content(db, places=23)
    detail = client.get(f"/v1/contents/{content.swhid}").json()
    assert detail["occurrence_count"] == 23
    assert len(detail["occurrences"]) == service.EMBEDDED_OCCURRENCES

    everything = client.get(f"/v1/contents/{content.swhid}/occurrences?limit=500").json()
    assert everything["next_cursor"] is None
    assert len(everything["items"]) == 23
    for limit in (1, 4, 23):
        items, pages = rest_pages(client, f"/v1/contents/{content.swhid}/occurrences", limit)
        assert items == everything["items"]
        assert pages == -(-23 // limit)
    # The embedded list is the first page of the same list, with the same content.
    assert detail["occurrences"] == everything["items"][:20]
    # ...and its cursor continues on the paged endpoint.
    rest = client.get(
        f"/v1/contents/{content.swhid}/occurrences",
        params={"cursor": detail["occurrences_next_cursor"]},
    ).json()
    assert detail["occurrences"] + rest["items"] == everything["items"]

    inherited = {o["origin"]: o["inherited_licenses"] for o in everything["items"]}
    assert inherited.pop(licensed) == ["MIT"]
    assert set(map(tuple, inherited.values())) == {()}
    assert [o["path"] for o in everything["items"][:3]] == [
        "pkg0/main.py",
        "pkg1/main.py",
        "pkg2/main.py",
    ]


def test_occurrence_page_costs_the_same_queries_at_any_size(
    client: TestClient, db: Session
) -> None:
    """Inherited licenses are looked up once per page, not once per occurrence."""
    content, _ = popular_content(db, places=12)
    engine = db.get_bind().engine
    counts = []
    for limit in (2, 12):
        statements: list[str] = []

        def count(*args: Any, into: list[str] = statements) -> None:
            into.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(f"/v1/contents/{content.swhid}/occurrences", params={"limit": limit})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1] > 0


def test_occurrences_by_every_content_key(client: TestClient, db: Session) -> None:
    content, _ = popular_content(db, places=2)
    keys = [
        content.swhid,
        f"sha1:{content.sha1.hex()}",
        f"sha256:{content.sha256.hex()}",
        f"sha1_git:{content.sha1_git.hex()}",
    ]
    answers = [client.get(f"/v1/contents/{key}/occurrences").json() for key in keys]
    assert len(answers[0]["items"]) == 2
    assert all(answer == answers[0] for answer in answers)


def test_small_objects_have_no_next_cursor(client: TestClient, db: Session) -> None:
    content, _ = popular_content(db, places=2)
    detail = client.get(f"/v1/contents/{content.swhid}").json()
    assert (detail["occurrence_count"], detail["occurrences_next_cursor"]) == (2, None)
    listing = client.get(f"/v1/swhid/{big_directory(db).swhid}").json()["directory"]
    assert (listing["entry_count"], listing["entries_next_cursor"]) == (len(NAMES), None)
    snapshot = client.get(f"/v1/swhid/{many_branches(db).swhid}").json()["snapshot"]
    assert (snapshot["branch_count"], snapshot["branches_next_cursor"]) == (len(NAMES) + 1, None)


# --- directory entries and snapshot branches ---


def test_directory_entries_page_by_name_bytes(client: TestClient, db: Session) -> None:
    directory = big_directory(db)
    expected = [shown(name) for name in sorted(NAMES)]
    full = client.get(f"/v1/swhid/{directory.swhid}").json()["directory"]
    assert [e["name"] for e in full["entries"]] == expected
    for limit in (1, 3, len(NAMES)):
        items, pages = rest_pages(client, f"/v1/directories/{directory.swhid}/entries", limit)
        assert items == full["entries"]
        assert pages == -(-len(NAMES) // limit)


def test_snapshot_branches_page_by_name_bytes(client: TestClient, db: Session) -> None:
    snapshot = many_branches(db)
    full = client.get(f"/v1/swhid/{snapshot.swhid}").json()["snapshot"]
    assert [b["name"] for b in full["branches"]] == [
        shown(name) for name in sorted([b"HEAD"] + [b"refs/tags/" + n for n in NAMES])
    ]
    assert full["branches"][0] == {"name": "HEAD", "target_type": "alias", "target": "refs/tags/zz"}
    items, pages = rest_pages(client, f"/v1/snapshots/{snapshot.swhid}/branches", 5)
    assert (items, pages) == (full["branches"], 3)


def test_swhid_embeds_only_the_first_page(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = big_directory(db)
    snapshot = many_branches(db)
    all_entries = client.get(f"/v1/directories/{directory.swhid}/entries").json()["items"]
    all_branches = client.get(f"/v1/snapshots/{snapshot.swhid}/branches").json()["items"]
    monkeypatch.setattr(service, "EMBEDDED_PAGE", 4)

    listing = client.get(f"/v1/swhid/{directory.swhid}").json()["directory"]
    assert listing["entries"] == all_entries[:4]
    assert listing["entry_count"] == len(NAMES)
    rest = client.get(
        f"/v1/directories/{directory.swhid}/entries",
        params={"cursor": listing["entries_next_cursor"], "limit": 500},
    ).json()
    assert listing["entries"] + rest["items"] == all_entries

    tags = client.get(f"/v1/swhid/{snapshot.swhid}").json()["snapshot"]
    assert tags["branches"] == all_branches[:4]
    assert tags["branch_count"] == len(NAMES) + 1
    rest = client.get(
        f"/v1/snapshots/{snapshot.swhid}/branches",
        params={"cursor": tags["branches_next_cursor"]},
    ).json()
    assert tags["branches"] + rest["items"] == all_branches


# --- errors ---

UNKNOWN = "94a9ed024d3859793618152ea559a168bbcbb5e2"


def assert_problem(response: Any, status: int, slug: str, detail: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert detail in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/directories/swh:1:dir:zz/entries",
        "/v1/snapshots/swh:1:snp:zz/branches",
        "/v1/contents/swh:1:cnt:zz/occurrences",
    ],
)
def test_malformed_swhid(client: TestClient, url: str) -> None:
    assert_problem(client.get(url), 422, "invalid-swhid", "invalid SWHID")


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        (f"/v1/directories/swh:1:cnt:{UNKNOWN}/entries", "is a cnt SWHID, not a directory"),
        (f"/v1/snapshots/swh:1:dir:{UNKNOWN}/branches", "is a dir SWHID, not a snapshot"),
        (f"/v1/contents/swh:1:snp:{UNKNOWN}/occurrences", "is a snp SWHID, not a content"),
        ("/v1/contents/md5:abc/occurrences", "neither a content SWHID"),
    ],
)
def test_wrong_object_type(client: TestClient, url: str, detail: str) -> None:
    assert_problem(client.get(url), 400, "validation-error", detail)


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/directories/swh:1:dir:{UNKNOWN}/entries",
        f"/v1/snapshots/swh:1:snp:{UNKNOWN}/branches",
        f"/v1/contents/swh:1:cnt:{UNKNOWN}/occurrences",
        f"/v1/contents/sha1:{UNKNOWN}/occurrences",
    ],
)
def test_unknown_object(client: TestClient, url: str) -> None:
    assert_problem(client.get(url), 404, "not-found")


def test_bad_cursors_and_limits(client: TestClient, db: Session) -> None:
    directory = big_directory(db)
    content, _ = popular_content(db, places=2)
    entries = f"/v1/directories/{directory.swhid}/entries"
    occurrences = f"/v1/contents/{content.swhid}/occurrences"
    for url, cursor in [
        (entries, "not a cursor"),
        (entries, encode_cursor("occurrences", [1])),  # another list's cursor
        (entries, encode_cursor("entries", ["not hex"])),
        (entries, encode_cursor("entries", [12])),
        (occurrences, encode_cursor("entries", ["00"])),
        (occurrences, encode_cursor("occurrences", ["1"])),
    ]:
        assert_problem(client.get(url, params={"cursor": cursor}), 400, "invalid-cursor")
    for url in (entries, occurrences, f"/v1/snapshots/{many_branches(db).swhid}/branches"):
        for limit in (0, 501):
            assert_problem(client.get(url, params={"limit": limit}), 422, "validation-error")


# --- GraphQL: the same answers ---

GRAPHQL_NAMES = {"inherited_licenses": "inheritedLicenses"}


def test_graphql_connections_match_rest(client: TestClient, db: Session) -> None:
    content, _ = popular_content(db, places=7)
    directory = big_directory(db)
    snapshot = many_branches(db)
    cases = [
        (
            "contentOccurrences",
            "origin snapshot path swhid inheritedLicenses",
            {"key": f"sha1:{content.sha1.hex()}"},
            f"/v1/contents/{content.swhid}/occurrences",
            lambda o: {GRAPHQL_NAMES.get(k, k): v for k, v in o.items()},
        ),
        (
            "directoryEntries",
            "name perms target",
            {"swhid": directory.swhid},
            f"/v1/directories/{directory.swhid}/entries",
            lambda e: {k: e[k] for k in ("name", "perms", "target")},
        ),
        (
            "snapshotBranches",
            "name target",
            {"swhid": snapshot.swhid},
            f"/v1/snapshots/{snapshot.swhid}/branches",
            lambda b: {k: b[k] for k in ("name", "target")},
        ),
    ]
    for field, selection, args, url, as_graphql in cases:
        nodes, end_cursors = gql_pages(client, field, selection, 3, **args)
        rest_cursors: list[str | None] = []
        rest_items: list[dict[str, Any]] = []
        params = {"limit": "3"}
        while True:
            page = client.get(url, params=params).json()
            rest_items += page["items"]
            assert len(rest_items) <= MAX_PAGES, "the cursor does not advance"
            if page["next_cursor"] is None:
                break
            rest_cursors.append(page["next_cursor"])
            params["cursor"] = page["next_cursor"]
        assert nodes == [as_graphql(item) for item in rest_items], field
        # The same cursors: a GraphQL cursor continues a REST list and vice versa.
        assert end_cursors[:-1] == rest_cursors, field


def test_graphql_errors(client: TestClient, db: Session) -> None:
    directory = big_directory(db)
    query = """query($swhid: String!, $first: Int!, $after: String) {
        directoryEntries(swhid: $swhid, first: $first, after: $after) { nodes { name } } }"""
    cases = [
        ({"swhid": directory.swhid, "first": 501}, "validation-error"),
        ({"swhid": directory.swhid, "first": 2, "after": "nope"}, "invalid-cursor"),
        ({"swhid": "swh:1:dir:zz", "first": 2}, "invalid-swhid"),
        ({"swhid": f"swh:1:cnt:{UNKNOWN}", "first": 2}, "validation-error"),
        ({"swhid": f"swh:1:dir:{UNKNOWN}", "first": 2}, "not-found"),
    ]
    for variables, code in cases:
        errors = gql(client, query, **variables)["errors"]
        assert errors[0]["extensions"]["code"] == code, (variables, errors)
