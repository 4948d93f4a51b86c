"""The origin detail: licenses declared and detected, papers, latest visit, language
breakdown, issue statistics and raw payloads, the same over REST and GraphQL, and
batched in GraphQL (one query per field for a whole page of origins)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from app.models import Content, Origin, ScanSummary, Snapshot
from app.models.enums import IssueKind, IssueState, LicenseSource, VisitStatus
from tests.factories import (
    ContentFactFactory,
    ContentFactory,
    IssueFactory,
    LicenseFindingFactory,
    OriginFactory,
    PaperFactory,
    PaperLinkFactory,
    PathOccurrenceFactory,
    RawMetadataFactory,
    SnapshotFactory,
    VisitFactory,
)


def at(month: int, day: int = 1) -> datetime:
    return datetime(2024, month, day, tzinfo=UTC)


def add_file(
    origin: Origin,
    snapshot: Snapshot,
    path: str,
    size: int,
    language: str | None = "Python",
    *,
    fact: bool = True,
    **flags: bool,
) -> Content:
    content: Content = ContentFactory(length=size)
    PathOccurrenceFactory(
        content_id=content.id, origin_id=origin.id, snapshot_id=snapshot.id, path=path.encode()
    )
    if fact:
        ContentFactFactory(content_id=content.id, language=language, **flags)
    return content


def detected(content: Content, expression: str | None, source: LicenseSource) -> None:
    LicenseFindingFactory(
        content_id=content.id,
        expression=expression,
        original_text=expression or "Some license text",
        source=source,
        evidence_path="x",
    )


def full_origin(db: Session) -> tuple[Origin, dict[str, Any]]:
    """An origin with one of everything, and what its detail should say."""
    raw_old = RawMetadataFactory(fetched_at=at(1), payload=b'{"v": 1}')
    origin: Origin = OriginFactory(raw_metadata_id=raw_old.id, mapper_version="github@1")
    raw_old.origin_id = origin.id
    raw_new = RawMetadataFactory(
        origin_id=origin.id, kind="issues", fetched_at=at(6), payload=b'{"v": 2}'
    )
    RawMetadataFactory(origin_id=OriginFactory().id, payload=b'{"other": 1}')
    LicenseFindingFactory(origin_id=origin.id, raw_metadata_id=raw_old.id)

    old = SnapshotFactory()
    VisitFactory(origin_id=origin.id, snapshot_id=old.id, date=at(1))
    ruby = add_file(origin, old, "old.rb", 5000, "Ruby")  # an older snapshot: not counted
    detected(ruby, "GPL-3.0-only", LicenseSource.HEADER)

    snapshot = SnapshotFactory()
    VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id, date=at(6))
    # the newest visit failed: it is the latest visit, but the snapshot is June's
    VisitFactory(origin_id=origin.id, status=VisitStatus.FAILED, date=at(7))

    license_file = add_file(origin, snapshot, "LICENSE", 1000, None)
    a = add_file(origin, snapshot, "src/a.py", 100)
    b = add_file(origin, snapshot, "src/b.py", 60)
    go = add_file(origin, snapshot, "lib/x.go", 200, "Go")
    vendored = add_file(origin, snapshot, "vendor/v.js", 9000, "JavaScript", is_vendored=True)
    generated = add_file(origin, snapshot, "gen/g.py", 8000, is_generated=True)
    add_file(origin, snapshot, "logo.png", 7000, "PNG", is_binary=True)
    add_file(origin, snapshot, "notes.txt", 6000, fact=False)  # not analysed yet
    detected(license_file, "MIT", LicenseSource.LICENSE_FILE)
    detected(a, "MIT", LicenseSource.HEADER)
    detected(a, "MIT", LicenseSource.SPDX_TAG)  # the same file twice: counted once
    detected(b, "MIT", LicenseSource.HEADER)
    detected(generated, "MIT", LicenseSource.HEADER)
    detected(go, "Apache-2.0", LicenseSource.HEADER)
    detected(vendored, "BSD-3-Clause", LicenseSource.HEADER)  # vendored code counts
    detected(b, None, LicenseSource.HEADER)  # unmapped: left out

    for kind, state, updated in [
        (IssueKind.ISSUE, IssueState.OPEN, at(2)),
        (IssueKind.ISSUE, IssueState.OPEN, at(3)),
        (IssueKind.ISSUE, IssueState.CLOSED, None),
        (IssueKind.PULL_REQUEST, IssueState.OPEN, at(5)),
        (IssueKind.PULL_REQUEST, IssueState.MERGED, at(8, 15)),
        (IssueKind.PULL_REQUEST, IssueState.MERGED, at(4)),
        (IssueKind.PULL_REQUEST, IssueState.CLOSED, at(1)),
    ]:
        IssueFactory(origin_id=origin.id, kind=kind, state=state, forge_updated_at=updated)
    IssueFactory(origin_id=OriginFactory().id, forge_updated_at=at(12))

    paper = PaperFactory(doi="10.21105/joss.00024")
    PaperLinkFactory(paper_id=paper.id, origin_id=origin.id, raw_metadata_id=raw_new.id)
    db.flush()
    return origin, {
        "snapshot": snapshot.swhid,
        "raw": [raw_new.id, raw_old.id],
    }


def test_detail_holds_every_field(client: TestClient, db: Session) -> None:
    origin, expected = full_origin(db)
    body = client.get(f"/v1/origins/{origin.id}").json()

    assert [f["expression"] for f in body["licenses"]] == ["MIT"]
    assert body["licenses"][0]["source"] == "forge_declared"
    assert body["detected_licenses"] == [
        {
            "expression": "MIT",
            "files": 4,
            "sources": ["license_file", "header", "spdx_tag"],
            "example_paths": ["LICENSE", "gen/g.py", "src/a.py"],
        },
        {
            "expression": "Apache-2.0",
            "files": 1,
            "sources": ["header"],
            "example_paths": ["lib/x.go"],
        },
        {
            "expression": "BSD-3-Clause",
            "files": 1,
            "sources": ["header"],
            "example_paths": ["vendor/v.js"],
        },
    ]

    visit = body["latest_visit"]
    assert visit["status"] == "failed"
    assert (visit["snapshot"], visit["files"]) == (None, 0)

    # vendored, generated, binary, language-less and unanalysed files are left out
    assert body["languages"] == [
        {"language": "Go", "files": 1, "bytes": 200, "share": 0.5556},
        {"language": "Python", "files": 2, "bytes": 160, "share": 0.4444},
    ]

    assert body["issue_stats"] == {
        "issues": {"open": 2, "closed": 1},
        "pull_requests": {"open": 1, "closed": 1, "merged": 2},
        "last_updated_at": "2024-08-15T00:00:00Z",
    }

    assert body["papers"] == client.get(f"/v1/origins/{origin.id}/papers").json()
    assert [(p["kind"], p["paper"]["doi"]) for p in body["papers"]] == [
        ("preferred_citation", "10.21105/joss.00024")
    ]

    raw = body["raw_payloads"]
    assert [r["id"] for r in raw] == expected["raw"]  # newest first, this origin's only
    assert raw[0]["kind"] == "issues"
    assert raw[0]["authority"] == "github.com"
    assert "payload" not in raw[0]
    listed = client.get(f"/v1/origins/{origin.id}/raw").json()["items"]
    assert sorted(raw, key=lambda r: r["id"]) == listed  # the schema of /raw
    assert client.get(f"/v1/raw/{raw[0]['id']}").json()["payload"] == {"v": 2}

    assert client.get("/v1/origins/lookup", params={"url": origin.url}).json() == body


def test_latest_visit_with_its_snapshot(client: TestClient, db: Session) -> None:
    origin = OriginFactory()
    snapshot = SnapshotFactory()
    VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id, date=at(3))
    for i in range(3):
        add_file(origin, snapshot, f"f{i}.py", 10)
    visit = client.get(f"/v1/origins/{origin.id}").json()["latest_visit"]
    assert visit == visit | {"status": "full", "snapshot": snapshot.swhid, "files": 3}


def test_origin_without_data(client: TestClient, db: Session) -> None:
    origin = OriginFactory()
    body = client.get(f"/v1/origins/{origin.id}").json()
    assert body["latest_visit"] is None
    assert body["languages"] == body["detected_licenses"] == body["papers"] == []
    assert body["raw_payloads"] == []
    assert body["issue_stats"] == {
        "issues": {"open": 0, "closed": 0},
        "pull_requests": {"open": 0, "closed": 0, "merged": 0},
        "last_updated_at": None,
    }
    data = gql(client, DETAIL, id=origin.id)["origin"]
    assert same(data, body)


def test_unknown_origin_is_404(client: TestClient) -> None:
    missing = client.get("/v1/origins/987654321")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"
    lookup = client.get("/v1/origins/lookup", params={"url": "https://github.com/no/where"})
    assert lookup.status_code == 404
    assert gql(client, DETAIL, id=987654321) == {"origin": None}


# --- GraphQL ----------------------------------------------------------------------

FIELDS = """
    id
    licenses { expression source }
    latestVisit { date visitType status snapshot files }
    languages { language files bytes share }
    issueStats {
        issues { open closed }
        pullRequests { open closed merged }
        lastUpdatedAt
    }
    detectedLicenses { expression files sources examplePaths }
    rawPayloads {
        id authority format kind sourceUrl fetcherName fetcherVersion fetchedAt etag
        sha256 originId
    }
    papers {
        kind
        paper { id doi arxivId halId title authors year venue status resolvedBy resolutionNote }
        evidence { path line contentId rawMetadataId identifierAsFound tool toolVersion }
    }
"""
DETAIL = "query($id: Int!) { origin(id: $id) { " + FIELDS + " } }"
PAGE = "query($first: Int!) { origins(first: $first) { nodes { " + FIELDS + " } } }"


def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.title() for w in rest)


def _norm(value: Any) -> Any:
    """REST's JSON in GraphQL's spelling: camelCase keys, dates as datetimes, strings
    lower-cased (GraphQL spells enum values in capitals)."""
    if isinstance(value, dict):
        return {_camel(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", value):
            return datetime.fromisoformat(value)
        return value.lower()
    return value


def same(graphql: dict[str, Any], rest: dict[str, Any]) -> bool:
    """The GraphQL fields hold what REST says for them."""
    rest_fields = _norm(rest)
    gql_fields = _norm(graphql)
    picked = {k: rest_fields[k] for k in gql_fields}
    picked["licenses"] = [
        {"expression": f["expression"], "source": f["source"]} for f in picked["licenses"]
    ]
    assert gql_fields == picked
    return True


def test_graphql_matches_rest(client: TestClient, db: Session) -> None:
    origin, _ = full_origin(db)
    rest = client.get(f"/v1/origins/{origin.id}").json()
    data = gql(client, DETAIL, id=origin.id)["origin"]
    assert same(data, rest)
    assert data["languages"][0] == {"language": "Go", "files": 1, "bytes": 200, "share": 0.5556}
    assert data["issueStats"]["pullRequests"] == {"open": 1, "closed": 1, "merged": 2}


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind().engine

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def small_origin(index: int) -> Origin:
    origin: Origin = OriginFactory()
    snapshot = SnapshotFactory()
    VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id)
    for n in range(index + 1):
        content = add_file(origin, snapshot, f"src/m{n}.lang{index}", 10, f"Lang{index}")
        detected(content, f"LicenseRef-{index}", LicenseSource.HEADER)
    IssueFactory(origin_id=origin.id, state=IssueState.CLOSED)
    RawMetadataFactory(origin_id=origin.id, payload=b'{"n": %d}' % index)
    return origin


def test_a_page_of_origins_runs_one_query_per_field(client: TestClient, db: Session) -> None:
    """Six origins with every detail field: one statement per field, and as many
    statements as for two origins."""

    def run(count: int) -> tuple[list[dict[str, Any]], list[str]]:
        with statements(db) as seen:
            nodes = gql(client, PAGE, first=count)["origins"]["nodes"]
        return nodes, seen

    made = [small_origin(i) for i in range(6)]
    db.flush()
    nodes, seen = run(6)
    assert [n["id"] for n in nodes] == [o.id for o in made]
    for i, node in enumerate(nodes):
        assert node["languages"] == [
            {"language": f"Lang{i}", "files": i + 1, "bytes": 10 * (i + 1), "share": 1.0}
        ]
        assert [(d["expression"], d["files"]) for d in node["detectedLicenses"]] == [
            (f"LicenseRef-{i}", i + 1)
        ]
        assert node["latestVisit"]["files"] == i + 1
        assert node["issueStats"]["issues"] == {"open": 0, "closed": 1}
        assert [r["originId"] for r in node["rawPayloads"]] == [made[i].id]

    def matching(*needles: str) -> list[str]:
        return [s for s in seen if all(n in s for n in needles)]

    assert len(matching("FROM issue")) == 1
    assert len(matching("content_fact")) == 1  # languages
    assert len(matching("license_finding", "array_agg")) == 1  # detected licenses
    assert len(matching("FROM raw_metadata")) == 1
    assert len(matching("FROM paper_link")) == 1
    assert len(matching("visit", "snapshot.sha1_git")) == 1  # latest visits
    assert len(matching("FROM license_finding", "license_finding.origin_id")) == 1

    _, fewer = run(2)
    assert len(fewer) == len(seen)


def test_a_scan_stores_its_language_breakdown(
    client: TestClient, db: Session, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    """The breakdown a scan stores is the one computed from its files, and the detail
    reads it instead of counting the files again."""
    from app.scans.service import run_scan

    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "main.py").write_text("import os\n\nprint(os.getcwd())\n" * 20)
    (tree / "src" / "util.go").write_text("package main\n\nfunc f() int { return 1 }\n")
    (tree / "README.md").write_text("# Tree\n\nSome text.\n")
    outcome = run_scan(str(tree), origin_url="https://example.org/tree", factory=session_factory)
    origin_id = outcome.origin_id
    summary = db.get(ScanSummary, (origin_id, outcome.summary.snapshot_id))
    assert summary is not None
    assert summary.languages is not None
    stored = summary.languages
    with statements(db) as seen:
        served = client.get(f"/v1/origins/{origin_id}").json()["languages"]
    assert not [s for s in seen if "content_fact" in s]  # read, not counted
    assert [row["language"] for row in served] == [row[0] for row in stored]
    assert {row["language"] for row in served} >= {"Python", "Go"}
    # Without the stored breakdown the same answer is computed from the files.
    summary.languages = None
    db.flush()
    with statements(db) as seen:
        computed = client.get(f"/v1/origins/{origin_id}").json()["languages"]
    assert [s for s in seen if "content_fact" in s]
    assert computed == served
