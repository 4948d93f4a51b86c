"""Papers over HTTP: the papers of an origin with kinds and evidence, the origins of a
paper by any identifier form, the filter, CodeMeta/BibTeX/CFF downloads, and
resolution that degrades to 'unresolved' without a network."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Paper
from app.models.enums import PaperStatus
from app.papers.service import default_resolvers, resolve_papers
from app.scans.service import run_scan
from tests.codemeta.conftest import FIXTURES as PAPERS
from tests.scans.test_metadata import CITATION

FIXTURES = Path(__file__).parent / "fixtures" / "http"


def scan_corner(tmp_path: Path, session_factory: sessionmaker[Session]) -> int:
    tree = tmp_path / "corner"
    tree.mkdir()
    (tree / "CITATION.cff").write_text(CITATION)
    (tree / "README.md").write_bytes((PAPERS / "readmes" / "corner-2.3.0.README.md").read_bytes())
    return run_scan(
        str(tree), origin_url="https://github.com/dfm/corner.py", factory=session_factory
    ).origin_id


def test_paper_endpoints(
    client: TestClient, db: Session, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    origin_id = scan_corner(tmp_path, session_factory)
    links = client.get(f"/v1/origins/{origin_id}/papers").json()
    kinds = {(link["paper"]["doi"], link["kind"]) for link in links}
    assert ("10.21105/joss.00024", "preferred_citation") in kinds
    preferred = next(link for link in links if link["kind"] == "preferred_citation")
    assert preferred["evidence"]["path"] == "CITATION.cff"
    for form in ("https://doi.org/10.21105/JOSS.00024", "doi:10.21105/joss.00024"):
        found = client.get("/v1/papers", params={"identifier": form}).json()["items"]
        assert [p["doi"] for p in found] == ["10.21105/joss.00024"]
    paper = client.get(f"/v1/papers/{found[0]['id']}").json()
    assert {o["origin_url"] for o in paper["origins"]} == {"https://github.com/dfm/corner.py"}
    with_papers = client.get(
        "/v1/origins", params={"paper_link_kind": "preferred_citation"}
    ).json()["items"]
    assert [o["id"] for o in with_papers] == [origin_id]
    assert client.get("/v1/origins", params={"has_paper": "false"}).json()["items"] == []
    assert client.get("/v1/papers", params={"identifier": "nonsense"}).status_code == 400

    codemeta = client.get(f"/v1/origins/{origin_id}/codemeta.json")
    assert codemeta.headers["content-type"].startswith("application/ld+json")
    assert codemeta.json()["name"] == "corner.py"
    bib = client.get(f"/v1/origins/{origin_id}/citation.bib").text
    assert bib.startswith("@software{")
    assert "corner.py" in bib
    cff = yaml.safe_load(client.get(f"/v1/origins/{origin_id}/CITATION.cff").text)
    assert cff["cff-version"] == "1.2.0"
    assert cff["title"] == "corner.py"
    meta = client.get(f"/v1/origins/{origin_id}/metadata").json()
    assert meta["sources"]["name"][0]["path"] == "CITATION.cff"


def test_resolution_with_and_without_network(
    db: Session, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    scan_corner(tmp_path, session_factory)

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network unreachable", request=request)

    with httpx.Client(transport=httpx.MockTransport(offline)) as http:
        counts = resolve_papers(default_resolvers(http), session_factory)
    assert counts["resolved"] == 0
    papers = db.scalars(select(Paper)).all()
    assert {p.status for p in papers} == {PaperStatus.UNRESOLVED}
    assert all(p.resolution_note for p in papers)

    crossref = (FIXTURES / "crossref-10.17705_1cais.04607.json").read_bytes()

    def online(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.crossref.org":
            return httpx.Response(
                200, content=crossref, headers={"content-type": "application/json"}
            )
        return httpx.Response(404, json={"message": "not found"})

    with httpx.Client(transport=httpx.MockTransport(online)) as http:
        counts = resolve_papers(default_resolvers(http), session_factory)
    assert counts["resolved"] >= 1
    db.expire_all()
    resolved = [p for p in db.scalars(select(Paper)) if p.status is PaperStatus.RESOLVED]
    assert resolved
    assert resolved[0].title
    assert resolved[0].resolved_by == "crossref"


def test_graphql_papers_match_rest(
    client: TestClient, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    origin_id = scan_corner(tmp_path, session_factory)
    rest = client.get(f"/v1/origins/{origin_id}/papers").json()
    query = (
        f"{{ originPapers(originId: {origin_id}) "
        "{ kind paper { doi } evidence { path line } } }"
    )
    data = client.post("/graphql", json={"query": query}).json()["data"]["originPapers"]
    assert [(d["kind"], d["paper"]["doi"]) for d in data] == [
        (r["kind"].upper(), r["paper"]["doi"]) for r in rest
    ]
    one = client.post(
        "/graphql",
        json={
            "query": '{ paper(identifier: "https://doi.org/10.21105/joss.00024") { doi status } }'
        },
    )
    assert one.json()["data"]["paper"] == {"doi": "10.21105/joss.00024", "status": "UNRESOLVED"}

    # The paper list, whole and by link kind, page by page, as REST has it.
    for kind in (None, "preferred_citation", "registry_link"):
        params: dict[str, object] = {"limit": 2}
        arguments = "first: 2"
        if kind:
            params["link_kind"] = kind
            arguments += f", linkKind: {kind.upper()}"
        rest_ids: list[int] = []
        cursor = None
        while True:
            page = client.get(
                "/v1/papers", params={**params, **({"cursor": cursor} if cursor else {})}
            ).json()
            rest_ids += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        gql_ids: list[int] = []
        after = ""
        while True:
            body = client.post(
                "/graphql",
                json={
                    "query": f"{{ papers({arguments}{after}) {{ totalCount "
                    "pageInfo { hasNextPage endCursor } nodes { id } } }"
                },
            ).json()
            assert "errors" not in body, body
            papers = body["data"]["papers"]
            gql_ids += [n["id"] for n in papers["nodes"]]
            assert papers["totalCount"] == len(rest_ids)
            if not papers["pageInfo"]["hasNextPage"]:
                break
            after = f', after: "{papers["pageInfo"]["endCursor"]}"'
        assert gql_ids == rest_ids
        if kind != "registry_link":
            assert rest_ids  # the scan found papers of this kind


def test_pending_resolution_is_queued_once(
    db: Session, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    from app.jobs import kinds
    from app.jobs.repository import create
    from app.papers.service import pending_resolution

    assert not pending_resolution(db)
    scan_corner(tmp_path, session_factory)
    assert pending_resolution(db)
    create(db, kinds.PAPERS_RESOLVE, {})
    assert not pending_resolution(db)  # one job at a time
