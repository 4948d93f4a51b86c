"""Contents, not just names: a scan keeps the files' bytes in the object storage (up
to its size cap), a build records which it holds, and a Parquet export with content
carries them (a null content and a ``missing`` listing for the others), loadable by
pyarrow and Hugging Face ``datasets``, from the API and in shards from the CLI."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.datasets import exports, repository
from app.datasets.builder import run_build
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.kit.db import UnitOfWork
from app.models import Content
from app.scans.service import run_scan
from app.storage.store import content_store
from tests.datasets.conftest import make_dataset
from tests.datasets.test_cli import codecommons

CAP = 4000
FILES = {
    "src/app.py": b"import os\nprint(os.getcwd())\n",
    "src/util.py": b"def double(x):\n    return 2 * x\n",
    "copy/app.py": b"import os\nprint(os.getcwd())\n",  # the same content twice
    "README.md": b"# demo\n\nA tiny project.\n",
    "data/big.txt": b"0123456789abcdef\n" * 400,  # 6,800 bytes: over the cap
}


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - a content's identifier


@pytest.fixture
def capped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CONTENT_STORAGE_MAX_SIZE", str(CAP))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def scanned(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session], capped: None
) -> Path:
    root = tmp_path / "project"
    for path, data in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    outcome = run_scan(str(root), factory=session_factory)
    assert outcome.summary.stats.contents_stored == 3  # 3 distinct small contents
    return root


@pytest.fixture
def content_build(scanned: Path, db: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    make_dataset(db, "withbytes", {})
    build, _ = submit_build(UnitOfWork(db), "withbytes", BuildIn())
    run_build(db, build.id)
    assert build.extensional_fingerprint is not None
    return {"id": build.id, "files": build.row_count, "root": build.extensional_fingerprint.hex()}


def test_scans_keep_bytes_up_to_the_cap(scanned: Path, db: Session) -> None:
    store = content_store()
    assert store is not None
    rows = db.scalars(select(Content)).all()
    by_sha1 = {bytes(c.sha1).hex(): c for c in rows}
    for data in FILES.values():
        content = by_sha1[sha1(data)]
        kept = store.get(bytes(content.sha1), bytes(content.sha1_git), bytes(content.sha256))
        if len(data) <= CAP:
            assert content.in_storage
            assert kept == data
        else:
            assert not content.in_storage
            assert kept is None


def test_a_known_content_without_bytes_gets_them_on_the_next_scan(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session], capped: None
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "a.txt").write_bytes(b"first seen without storage\n")
    run_scan(str(root), factory=session_factory, keep_bytes=False)
    content = db.scalars(select(Content)).one()
    assert not content.in_storage
    again = run_scan(str(root), factory=session_factory)
    assert again.summary.stats.contents_stored == 1
    db.refresh(content)
    assert content.in_storage
    third = run_scan(str(root), factory=session_factory)
    assert third.summary.stats.contents_stored == 0  # never written twice


def test_parquet_with_content_loads_in_pyarrow_and_datasets(
    content_build: dict[str, Any],
    client: TestClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = client.get(
        "/v1/datasets/withbytes/builds/1/export/parquet", params={"with_content": True}
    )
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{content_build["root"]}-parquet-content"'
    assert "withbytes-build1-content.parquet" in response.headers["content-disposition"]
    path = tmp_path / "export.parquet"
    path.write_bytes(response.content)

    table = pq.read_table(path)
    assert table.schema.field("content").type == "binary"
    rows = table.to_pylist()
    assert len(rows) == content_build["files"] == 4  # 4 distinct contents, big one included
    by_sha1 = {sha1(data): data for data in FILES.values()}
    missing = []
    for row in rows:
        data = by_sha1[row["sha1"]]
        if len(data) <= CAP:
            assert row["content"] == data
            assert row["in_storage"] is True
        else:
            assert row["content"] is None
            missing.append(row["swhid"])
    assert len(missing) == 1
    metadata = pq.read_metadata(path).metadata
    assert metadata[b"codecommons.missing_contents"] == b"1"
    assert json.loads(metadata[b"codecommons.extensional_fingerprint"]) == content_build["root"]
    listed = client.get("/v1/datasets/withbytes/builds/1/missing.txt")
    assert listed.status_code == 200
    assert listed.text.split() == missing

    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from datasets import Dataset  # type: ignore[import-untyped]

    loaded = Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "hf-cache"))
    assert loaded.num_rows == 4
    assert sorted(r["content"] or b"" for r in loaded) == sorted(
        d if len(d) <= CAP else b"" for d in {sha1(d): d for d in FILES.values()}.values()
    )


def test_content_is_for_parquet_only(content_build: dict[str, Any], client: TestClient) -> None:
    response = client.get(
        "/v1/datasets/withbytes/builds/1/export/jsonl", params={"with_content": True}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_a_file_gone_from_the_store_is_null_and_reported(
    content_build: dict[str, Any], db: Session
) -> None:
    store = content_store()
    assert store is not None
    victim = db.scalars(select(Content).where(Content.in_storage)).first()
    assert victim is not None
    Path(store.backend.slicer.get_path(bytes(victim.sha1).hex())).unlink()  # type: ignore[attr-defined]
    seen: list[str] = []
    raw = db.connection().connection.driver_connection
    table = repository.partition_name(content_build["id"])
    data = b"".join(
        exports.export_chunks(raw, table, "parquet", {}, store=store, on_missing=seen.append)
    )
    rows = pq.read_table(io.BytesIO(data)).to_pylist()
    gone = next(r for r in rows if r["sha1"] == bytes(victim.sha1).hex())
    assert gone["content"] is None
    assert gone["swhid"] in seen
    assert len(seen) == 2  # the one over the cap, and this one


def test_row_groups_are_cut_by_bytes(
    content_build: dict[str, Any], db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CONTENT_ROW_GROUP_BYTES", 1)
    monkeypatch.setattr(exports, "CONTENT_SLICE_ROWS", 1)
    raw = db.connection().connection.driver_connection
    table = repository.partition_name(content_build["id"])
    data = b"".join(exports.export_chunks(raw, table, "parquet", {}, store=content_store()))
    assert pq.read_metadata(io.BytesIO(data)).num_row_groups == 4  # one file each


@pytest.mark.usefixtures("drop_partitions")
def test_cli_writes_shards_with_content(
    committed_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "project"
    for path, data in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    monkeypatch.setenv("CONTENT_STORAGE_MAX_SIZE", str(CAP))  # also for the CLI process
    get_settings.cache_clear()
    run_scan(str(root), factory=committed_factory)
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    with committed_factory() as session:
        make_dataset(session, "shards", {})
        build, _ = submit_build(UnitOfWork(session), "shards", BuildIn())
        run_build(session, build.id)
        session.commit()
    get_settings.cache_clear()
    out = tmp_path / "out"
    result = codecommons(database_url, "export", "shards", "1", str(out), "--with-content")
    assert result.returncode == 0, result.stderr
    shards = sorted((out / "data").glob("*.parquet"))
    assert [p.name for p in shards] == ["train-00000-of-00001.parquet"]
    assert pq.read_table(shards[0]).num_rows == 4
    assert len((out / "missing.txt").read_text().split()) == 1
    assert json.loads((out / "export.json").read_text())["files"] == 4
    assert list((out / "data").glob("*.partial")) == []


def test_shards_rotate_by_bytes(
    content_build: dict[str, Any], db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "CONTENT_ROW_GROUP_BYTES", 1)
    monkeypatch.setattr(exports, "CONTENT_SLICE_ROWS", 1)
    raw = db.connection().connection.driver_connection
    table = repository.partition_name(content_build["id"])
    stream = exports.copy_stream(raw, exports.copy_sql("parquet", table))
    files: dict[int, bytes] = {}
    for shard, data in exports.parquet_parts(stream, {}, store=content_store(), shard_bytes=1):
        files[shard] = files.get(shard, b"") + data
    assert sorted(files) == [0, 1, 2, 3]  # a new file after each row group
    tables = [pq.read_table(io.BytesIO(files[i])) for i in sorted(files)]
    assert [t.num_rows for t in tables] == [1, 1, 1, 1]
    assert sorted(t.column("sha1")[0].as_py() for t in tables) == sorted(
        {sha1(d) for d in FILES.values()}
    )
