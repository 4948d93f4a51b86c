"""``codecommons datasets``: create, build, list, export (with resume), diff and an
offline verify, each a real process on the test database; bad input is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.datasets import membership, repository
from app.datasets.builder import run_build
from app.kit.db import unit_of_work
from app.kit.swhid import format_swhid
from tests.datasets.conftest import ROADMAP, World


def codecommons(
    database_url: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:1/0")
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "datasets", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.usefixtures("drop_partitions")
def test_the_datasets_commands(
    committed_corpus: World,
    committed_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
) -> None:
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps(ROADMAP))
    created = codecommons(database_url, "create", "cli", str(selection), "--purpose", "fine-tuning")
    assert created.returncode == 0, created.stderr
    bad = codecommons(
        database_url, "create", "bad", "-", "--purpose", "fine-tuning",
        stdin=json.dumps({"files": {"languages": ["Pyton"]}}),
    )  # fmt: skip
    assert bad.returncode == 2
    assert "unknown language 'Pyton'" in bad.stderr
    assert "did you mean Python?" in bad.stderr
    assert "Traceback" not in bad.stderr
    queued = codecommons(database_url, "build", "cli", "--no-wait")
    assert queued.returncode == 0, queued.stderr
    with unit_of_work(committed_factory) as uow:
        dataset = repository.dataset_by_name(uow.session, "cli")
        assert dataset is not None
        build = repository.build(uow.session, dataset.id, 1)
        assert build is not None
        run_build(uow.session, build.id)  # what a worker does
    listed = codecommons(database_url, "list")
    assert "cli\trevision 1\tbuild 1 succeeded, 2 files" in listed.stdout

    out = tmp_path / "cli.jsonl"
    exported = codecommons(database_url, "export", "cli", "1", str(out), "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2
    meta = json.loads(Path(f"{out}.meta.json").read_text())
    # an interrupted download: the first row and half of the second
    full = out.read_bytes()
    out.write_bytes(full[: full.index(b"\n") + 20])
    resumed = codecommons(
        database_url, "export", "cli", "1", str(out), "--format", "jsonl", "--resume"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == full
    parquet = tmp_path / "cli.parquet"
    assert codecommons(database_url, "export", "cli", "1", str(parquet)).returncode == 0
    assert pq.read_table(parquet).column("swhid").to_pylist() == [r["swhid"] for r in rows]

    root = meta["extensional_fingerprint"]
    with unit_of_work(committed_factory) as uow:
        b = repository.build(uow.session, dataset.id, 1)
        assert b is not None
        answer = membership.prove(uow.session, b, bytes.fromhex(rows[0]["swhid"][10:]))
        absent_sha = committed_corpus.contents["b"].sha1_git
        absent = membership.prove(uow.session, b, absent_sha)
    ok = codecommons(database_url, "verify", "-", "--fingerprint", root, "--size", "2",
                     stdin=answer.model_dump_json())  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert f"{rows[0]['swhid']} IS in" in ok.stdout
    no = codecommons(database_url, "verify", "-", "--fingerprint", root,
                     stdin=absent.model_dump_json())  # fmt: skip
    assert no.returncode == 0, no.stderr
    assert f"{format_swhid('cnt', absent_sha)} is NOT in" in no.stdout
    tampered = json.loads(answer.model_dump_json())
    tampered["proof"]["leaf"]["audit_path"][0] = "ff" * 32
    forged = codecommons(database_url, "verify", "-", "--fingerprint", root,
                         stdin=json.dumps(tampered))  # fmt: skip
    assert forged.returncode == 2
    assert "does NOT check out" in forged.stderr

    same = codecommons(database_url, "diff", "cli", "1", "1")
    assert same.returncode == 2
    assert "two different builds" in same.stderr
    assert codecommons(database_url, "export", "nope", "1", str(out)).returncode == 2
