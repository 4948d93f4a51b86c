"""The REST API of datasets: definitions and their 422s, builds, manifests,
membership proofs checked with the offline verifier, and streamed exports."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.datasets import verify
from app.datasets.builder import run_build
from app.datasets.merkle import leaf_of
from app.kit.swhid import format_swhid
from tests.datasets.conftest import World


def test_a_bad_selection_lists_every_wrong_field(
    client: TestClient, auth: dict[str, str], corpus: World
) -> None:
    body = {
        "name": "bad",
        "purpose": "pre-trainin",
        "selection": {
            "files": {
                "languages": ["Pyhton", "go"],
                "license": {"ids": ["MTI"], "expressions": ["MIT OR Apache2"]},
                "max_line_length": "long",
                "pii": {"exclude_kinds": ["emial"]},
            },
            "origins": {"forges": ["githb.com"], "stars_min": 5, "stars_max": 1, "colour": "red"},
        },
    }
    response = client.post("/v1/datasets", json=body, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    errors = {e["location"]: e for e in problem["errors"]}
    assert "purpose" in errors
    assert errors["selection.files.languages.0"]["suggestions"] == ["Python"]
    assert errors["selection.files.languages.1"]["suggestions"] == ["Go"]
    assert errors["selection.files.license.ids.0"]["suggestions"][0] == "MIT"
    assert "selection.files.license.expressions.0" in errors
    assert "selection.files.max_line_length" in errors
    assert errors["selection.files.pii.exclude_kinds.0"]["suggestions"] == ["email"]
    assert errors["selection.origins.forges.0"]["suggestions"][0] == "github.com"
    assert "selection.origins.colour" in errors
    assert "selection.origins" in errors  # stars_min > stars_max
    assert problem["detail"].endswith(f"and {len(errors) - 1} more")


def test_writes_need_a_key_and_names_are_unique(
    client: TestClient, auth: dict[str, str], corpus: World
) -> None:
    body = {"name": "x", "purpose": "evaluation", "selection": {}}
    assert client.post("/v1/datasets", json=body).status_code == 401
    assert client.post("/v1/datasets", json=body, headers=auth).status_code == 201
    again = client.post("/v1/datasets", json=body, headers=auth)
    assert again.status_code == 409
    assert client.post("/v1/datasets/x/builds").status_code == 401
    assert client.get("/v1/datasets/nope").status_code == 404
    assert client.get("/v1/datasets/x/builds/9").status_code == 404


def test_editing_makes_a_new_revision(
    client: TestClient, auth: dict[str, str], corpus: World
) -> None:
    body = {"name": "ed", "purpose": "evaluation", "selection": {"files": {"languages": ["Go"]}}}
    first = client.post("/v1/datasets", json=body, headers=auth).json()
    assert first["current_revision"]["revision"] == 1
    same = client.patch("/v1/datasets/ed", json={"description": "Go files"}, headers=auth).json()
    assert same["current_revision"]["revision"] == 1
    assert same["description"] == "Go files"
    edited = client.patch(
        "/v1/datasets/ed", json={"selection": {"files": {"languages": ["Python"]}}}, headers=auth
    ).json()
    assert edited["current_revision"]["revision"] == 2
    old = client.get("/v1/datasets/ed/revisions/1").json()
    assert old["selection"]["files"]["languages"] == ["Go"]
    bad = client.patch(
        "/v1/datasets/ed", json={"selection": {"files": {"languages": "Go"}}}, headers=auth
    )
    assert bad.status_code == 422


def test_build_manifest_and_membership_proofs(
    built: dict[str, Any], client: TestClient, corpus: World
) -> None:
    assert built["state"] == "succeeded"
    assert built["files"] == 3
    root = built["fingerprints"]["extensional"]
    assert len(root) == 64
    assert len(built["fingerprints"]["intensional"]) == 64
    assert [s["step"] for s in built["funnel"]][:2] == ["candidates", "language"]
    page = client.get("/v1/datasets/roadmap/builds/1/manifest", params={"limit": 2}).json()
    assert len(page["items"]) == 2
    rest = client.get(
        "/v1/datasets/roadmap/builds/1/manifest", params={"cursor": page["next_cursor"]}
    ).json()
    rows = page["items"] + rest["items"]
    assert [r["leaf_index"] for r in rows] == [0, 1, 2]
    for row in rows:
        answer = client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": row["swhid"]}
        ).json()
        assert answer["member"] is True
        assert verify.verify(answer["proof"], row["swhid"], root, size=3) is True
        by_bytes = client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"sha256": row["sha256"]}
        ).json()
        assert by_bytes["proof"] == answer["proof"]
    outside = [c for k, c in corpus.contents.items() if k in {"b", "c", "d", "g"}]
    for content in outside:
        swhid = format_swhid("cnt", content.sha1_git)
        answer = client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": swhid}
        ).json()
        assert answer["member"] is False
        assert verify.verify(answer["proof"], swhid, root, size=3) is False
    origin = client.get(
        "/v1/datasets/roadmap/builds/1/membership",
        params={"origin": corpus.origins["big"].url},
    ).json()
    assert {m["swhid"] for m in origin["members"]} <= {r["swhid"] for r in rows}
    assert len(origin["members"]) + len(origin["non_members"]) == origin["files"]


def test_tampered_proofs_fail(built: dict[str, Any], client: TestClient, corpus: World) -> None:
    root = built["fingerprints"]["extensional"]
    rows = client.get("/v1/datasets/roadmap/builds/1/manifest").json()["items"]
    swhid = rows[1]["swhid"]
    proof = client.get("/v1/datasets/roadmap/builds/1/membership", params={"swhid": swhid}).json()[
        "proof"
    ]
    flipped = json.loads(json.dumps(proof))
    flipped["leaf"]["audit_path"][0] = "00" * 32
    with pytest.raises(ValueError, match="does not lead"):
        verify.verify(flipped, swhid, root)
    other = json.loads(json.dumps(proof))
    other["leaf"]["index"] = (other["leaf"]["index"] + 1) % 3
    with pytest.raises(ValueError, match="does not lead"):
        verify.verify(other, swhid, root)
    with pytest.raises(ValueError, match="does not lead"):
        verify.verify(proof, rows[0]["swhid"], root)  # someone else's proof
    with pytest.raises(ValueError, match="does not lead"):
        verify.verify(proof, swhid, "11" * 32)  # another build
    with pytest.raises(ValueError, match="the build has 4"):
        verify.verify(proof, swhid, root, size=4)
    # a non-member claimed by skipping a leaf: neighbours that are not adjacent
    absent = format_swhid("cnt", corpus.contents["d"].sha1_git)
    answer = client.get(
        "/v1/datasets/roadmap/builds/1/membership", params={"swhid": absent}
    ).json()["proof"]
    forged = {
        "member": False,
        "tree_size": 3,
        "before": client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": rows[0]["swhid"]}
        ).json()["proof"]["leaf"],
        "after": client.get(
            "/v1/datasets/roadmap/builds/1/membership", params={"swhid": rows[2]["swhid"]}
        ).json()["proof"]["leaf"],
    }
    with pytest.raises(ValueError, match="adjacent"):
        verify.verify(forged, rows[1]["swhid"], root)
    assert verify.verify(answer, absent, root) is False


def test_bad_membership_questions_are_4xx(built: dict[str, Any], client: TestClient) -> None:
    url = "/v1/datasets/roadmap/builds/1/membership"
    assert client.get(url).status_code == 400
    assert client.get(url, params={"swhid": "swh:1:dir:" + "0" * 40}).status_code == 400
    assert client.get(url, params={"swhid": "nope"}).status_code == 422
    assert client.get(url, params={"sha1": "zz"}).status_code == 400
    assert client.get(url, params={"sha256": "ab" * 32}).status_code == 404
    assert client.get(url, params={"origin": "https://nowhere.example/x"}).status_code == 404


def test_exports_stream_every_format(built: dict[str, Any], client: TestClient) -> None:
    rows = client.get("/v1/datasets/roadmap/builds/1/manifest").json()["items"]
    root = built["fingerprints"]["extensional"]
    jsonl = client.get("/v1/datasets/roadmap/builds/1/export/jsonl")
    assert jsonl.status_code == 200
    assert jsonl.headers["etag"] == f'"{root}-jsonl"'
    assert "roadmap-build1.jsonl" in jsonl.headers["content-disposition"]
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["swhid"] for r in lines] == [r["swhid"] for r in rows]
    assert lines[0]["path"] == rows[0]["path"]
    assert lines[0]["license_expression"] == rows[0]["license"]["expression"]
    again = client.get(
        "/v1/datasets/roadmap/builds/1/export/jsonl", headers={"If-None-Match": f'"{root}-jsonl"'}
    )
    assert again.status_code == 304
    resumed = client.get("/v1/datasets/roadmap/builds/1/export/jsonl", params={"after": 0})
    assert [json.loads(line)["leaf_index"] for line in resumed.text.splitlines()] == [1, 2]
    table = list(csv.DictReader(io.StringIO(client.get(
        "/v1/datasets/roadmap/builds/1/export/csv").text)))  # fmt: skip
    assert [r["swhid"] for r in table] == [r["swhid"] for r in rows]
    parquet = client.get("/v1/datasets/roadmap/builds/1/export/parquet")
    assert parquet.status_code == 200
    read = pq.read_table(io.BytesIO(parquet.content))
    assert read.column("swhid").to_pylist() == [r["swhid"] for r in rows]
    assert read.schema.field("length").type == "int64"
    meta = read.schema.metadata
    assert json.loads(meta[b"codecommons.extensional_fingerprint"]) == root
    sidecar = client.get("/v1/datasets/roadmap/builds/1/export.json").json()
    assert sidecar["intensional_fingerprint"] == built["fingerprints"]["intensional"]
    # the leaves of the export recompute the fingerprint
    from app.datasets.merkle import root_of

    leaves = [leaf_of(bytes.fromhex(r["swhid"][10:])) for r in lines]
    assert root_of(leaves).hex() == root


def test_exports_escape_odd_paths(
    corpus: World, client: TestClient, auth: dict[str, str], db: Session
) -> None:
    corpus.file("odd", [("big", 'we"ird\\ dir/new\nline/caf\u00e9.py')])
    raw = corpus.file("raw", [("big", "x.py")])
    from sqlalchemy import update

    from app.models import PathOccurrence

    db.execute(
        update(PathOccurrence)
        .where(PathOccurrence.content_id == raw.id)
        .values(path=b"bad\xff\x00name.py")
    )
    db.flush()
    assert (
        client.post(
            "/v1/datasets", json={"name": "all", "purpose": "search", "selection": {}}, headers=auth
        ).status_code
        == 201
    )
    client.post("/v1/datasets/all/builds", headers=auth)
    from app.datasets import repository

    dataset = repository.dataset_by_name(db, "all")
    assert dataset is not None
    build = repository.build(db, dataset.id, 1)
    assert build is not None
    run_build(db, build.id)
    lines = client.get("/v1/datasets/all/builds/1/export/jsonl").text.splitlines()
    by_swhid = {row["swhid"]: row for row in map(json.loads, lines)}
    odd = by_swhid[format_swhid("cnt", corpus.contents["odd"].sha1_git)]
    assert odd["path"] == 'we"ird\\ dir/new\nline/caf\u00e9.py'
    bad = by_swhid[format_swhid("cnt", raw.sha1_git)]
    assert bad["path"] == "bad\\377\\000name.py"  # not UTF-8: PostgreSQL's escape form
    table = list(
        csv.DictReader(io.StringIO(client.get("/v1/datasets/all/builds/1/export/csv").text))
    )
    assert {r["path"] for r in table} >= {odd["path"], bad["path"]}
    parquet = client.get("/v1/datasets/all/builds/1/export/parquet").content
    read = pq.read_table(io.BytesIO(parquet))
    assert set(read.column("path").to_pylist()) >= {odd["path"], bad["path"]}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/datasets",
        "/v1/datasets/roadmap/builds",
        "/v1/datasets/roadmap/builds/1/manifest",
        "/v1/datasets/roadmap/builds/1/diff/2",
        "/v1/datasets/roadmap/builds/1/withdrawals",
    ],
)
def test_hostile_cursors_on_dataset_lists(
    client: TestClient, built: dict[str, Any], auth: dict[str, str], db: Session, path: str
) -> None:
    from app.datasets import repository
    from tests.kit.test_pagination import HOSTILE

    if "diff" in path:  # a second build to compare with
        started = client.post("/v1/datasets/roadmap/builds", headers=auth).json()
        second = repository.build(db, built["dataset_id"], started["number"])
        assert second is not None
        run_build(db, second.id)

    for name, make in HOSTILE.items():
        cursor = make("builds", 1)
        response = client.get(path, params={"cursor": cursor})
        assert response.status_code == 400, (name, response.text)
        assert response.json()["type"] == "/problems/invalid-cursor", name
