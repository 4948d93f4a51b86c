"""Broken inputs raise UnreadableSource with a reason, never a raw library error."""

from __future__ import annotations

import gzip
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from app.scans.reading import UnreadableSource, detect_kind, scan_source

from .conftest import git


def _drain(location: Path | str) -> None:
    with scan_source(location) as scan:
        _ = scan.snapshot
        for _item in scan.iter_tree():
            pass


def test_missing_path() -> None:
    with pytest.raises(UnreadableSource, match="no such file"):
        detect_kind("/nonexistent/source")
    with pytest.raises(UnreadableSource, match="no such file"):
        _drain(Path("/nonexistent/source"))


def test_unknown_file(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not an archive")
    with pytest.raises(UnreadableSource, match="not a git repository, directory, tarball or zip"):
        _drain(junk)


def test_truncated_tarball(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(200_000))
    archive = tmp_path / "src.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="big.bin")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableSource, match="unreadable tar archive"):
        _drain(archive)


def test_gzip_that_is_not_a_tarball(tmp_path: Path) -> None:
    archive = tmp_path / "x.tar.gz"
    archive.write_bytes(gzip.compress(b"just text, no tar headers" * 10))
    with pytest.raises(UnreadableSource, match="unreadable tar archive"):
        _drain(archive)


def test_corrupt_zip(tmp_path: Path) -> None:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("a.txt", os.urandom(50_000))
    data = bytearray(archive.read_bytes())
    data[100:200] = bytes(100)  # damage the compressed stream
    archive.write_bytes(bytes(data))
    with pytest.raises(UnreadableSource, match="unreadable zip archive"):
        _drain(archive)
    archive.write_bytes(bytes(data[:60]))  # no central directory at all
    with pytest.raises(UnreadableSource, match="unreadable zip archive"):
        _drain(archive)


def _repo_with_blob(make_repo) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    repo = make_repo("broken")
    (repo / "file.txt").write_text("some content that will be damaged\n" * 20)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")
    oid = git(repo, "rev-parse", "HEAD:file.txt").decode().strip()
    return repo, repo / ".git" / "objects" / oid[:2] / oid[2:]


def test_corrupt_loose_object(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo, blob = _repo_with_blob(make_repo)
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes()[:10])
    with pytest.raises(UnreadableSource, match="corrupt git repository"):
        _drain(repo)


def test_missing_object(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo, blob = _repo_with_blob(make_repo)
    blob.unlink()
    with pytest.raises(UnreadableSource, match="corrupt git repository"):
        _drain(repo)


def test_ref_to_missing_commit(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo, _ = _repo_with_blob(make_repo)
    (repo / ".git" / "refs" / "heads" / "ghost").write_text("1" * 40 + "\n")
    with pytest.raises(UnreadableSource):
        _drain(repo)


def test_broken_git_directory(tmp_path: Path) -> None:
    repo = tmp_path / "half"
    (repo / ".git").mkdir(parents=True)
    with pytest.raises(UnreadableSource):
        _drain(repo)


def test_clone_failure(tmp_path: Path) -> None:
    with pytest.raises(UnreadableSource, match="git clone failed"):
        _drain((tmp_path / "nothing-here").as_uri())
