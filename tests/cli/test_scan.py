"""``codecommons scan`` runs the API job's pipeline and reports all it stored (issue
17): near-duplicates clustered, and in ``--json`` the effective license, license texts
left unmapped, secret and PII kinds, clusters, per file as well; the human report
says the same."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli.main import cli
from app.config import Settings
from app.demo.loader import CORPUS
from app.kit.db import get_engine, get_sessionmaker

SIX = CORPUS / "projects" / "six"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "vendor").mkdir(parents=True)
    shutil.copy(SIX / "LICENSE", root / "LICENSE")
    original = (SIX / "six.py").read_text()
    (root / "six.py").write_text(original)
    edited = original.replace("Utilities for writing code", "Helpers for writing code", 1)
    (root / "fork.py").write_text(edited.replace("def _add_doc(func", "def _add_doc(fn", 1))
    (root / "settings.py").write_text('db_password = "correct horse battery staple"\n')
    # a license text changed in substance: never mapped, reported as such
    modified = (
        (SIX / "LICENSE")
        .read_text()
        .replace(
            "The above copyright notice", "The above copyright notice, a postcard to the author,"
        )
    )
    (root / "vendor" / "LICENSE").write_text(modified)
    return root


@pytest.fixture
def cli_database(settings: Settings, committed_factory: sessionmaker[Session]) -> Iterator[None]:
    """The CLI's own engine on the test database (rows really committed, then wiped)."""
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    yield
    get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()


@pytest.mark.usefixtures("cli_database")
def test_cli_scan_reports_what_an_api_scan_stores(tree: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["scan", str(tree), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["near_dups"]["signatures"] >= 4  # clustered in the same run
    assert report["effective_license"]["expression"] == "MIT"
    assert report["effective_license"]["category"] == "permissive"
    assert report["effective_license"]["basis"] == "license_file"
    assert {k: v for k, v in report["languages"][0].items() if k != "bytes"} == {
        "language": "Python",
        "files": 3,
    }
    assert [u["path"] for u in report["unmapped_licenses"]] == ["vendor/LICENSE"]
    assert report["secrets_and_pii"]["generic_password"] == {"findings": 1, "files": 1}
    clusters = {tuple(c["paths"]): c for c in report["near_dup_clusters"]}
    assert set(clusters) == {("fork.py", "six.py"), ("LICENSE", "vendor/LICENSE")}
    cluster = clusters[("fork.py", "six.py")]
    files = {f["path"]: f for f in report["files"]}
    assert files["six.py"]["near_dup_cluster"] == files["fork.py"]["near_dup_cluster"]
    assert files["six.py"]["near_dup_cluster"] == cluster["cluster"]
    assert files["settings.py"]["secrets_and_pii"] == ["generic_password"]
    assert files["LICENSE"]["licenses"] == ["MIT"]
    assert report["analyzer_versions"]["licenses"].startswith("scancode-toolkit")

    human = runner.invoke(cli, ["scan", str(tree)])
    assert human.exit_code == 0, human.output
    text = " ".join(human.stderr.split())
    for said in (
        "effective license: MIT (permissive, from license_file)",
        "languages: Python (3 files)",
        "unmapped license texts: 1",
        "vendor/LICENSE",
        "generic_password 1 in 1 files",
        "near-duplicate clusters among these files: 2",
        "fork.py, six.py",
    ):
        assert said in text, (said, text)
