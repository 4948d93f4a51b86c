"""Directories, tarballs and zips hash to what ``swh.model.from_disk`` computes on
the same tree, and their snapshot is SWH's directory-loader snapshot."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from swh.model import from_disk
from swh.model.model import Snapshot, SnapshotBranch, SnapshotTargetType

from app.scans.reading import (
    DirectoryRecord,
    FileEntry,
    SourceKind,
    UnreadableSource,
    detect_kind,
    scan_source,
)

from .conftest import NON_UTF8, populate_tree


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree") / "src"
    root.mkdir()
    populate_tree(root)
    (root / "empty-dir" / "nested-empty").mkdir(parents=True)
    os.link(root / "README.md", root / "hard-link")
    os.mkfifo(root / "a-fifo")
    return root


def reference(root: Path) -> from_disk.Directory:
    return from_disk.Directory.from_disk(path=os.fsencode(root), max_content_length=None)


def assert_same_as_from_disk(location: Path, root: Path, kind: SourceKind) -> None:
    expected = reference(root)
    with scan_source(location, max_file_size=100) as scan:
        assert scan.kind is kind
        items = list(scan.iter_tree())
        assert scan.root_directory == expected.hash
        snapshot = scan.snapshot
        assert scan.revisions == ()
        assert scan.head_revision is None
    files = [i for i in items if isinstance(i, FileEntry)]
    directories = [i for i in items if isinstance(i, DirectoryRecord)]
    assert directories[-1].path == b""
    assert len({f.path for f in files}) == len(files)
    for entry in files:
        node = expected[entry.path]
        assert node.hash == entry.sha1_git, entry.path
        assert node.data["perms"] == entry.mode, entry.path
        assert (node.data["sha1"], node.data["sha256"]) == (entry.sha1, entry.sha256)
        assert node.data["length"] == entry.length
        assert entry.too_large == (entry.length > 100)
    expected_files = {
        path for path, node in _walk(expected) if node.object_type == from_disk.FromDiskType.CONTENT
    }
    assert {f.path for f in files} == expected_files
    for directory in directories:
        assert expected[directory.path].hash == directory.sha1_git
        assert directory.to_model().compute_hash() == directory.sha1_git
    head = SnapshotBranch(target=expected.hash, target_type=SnapshotTargetType.DIRECTORY)
    assert snapshot.sha1_git == Snapshot(branches={b"HEAD": head}).id


def _walk(node: from_disk.Directory, prefix: bytes = b""):  # type: ignore[no-untyped-def]
    for name, child in node.items():
        path = prefix + name
        yield path, child
        if child.object_type == from_disk.FromDiskType.DIRECTORY:
            yield from _walk(child, path + b"/")


def test_plain_directory(tree: Path) -> None:
    assert detect_kind(tree) is SourceKind.DIRECTORY
    assert_same_as_from_disk(tree, tree, SourceKind.DIRECTORY)


def test_group_exec_bit_counts_as_executable(tree: Path) -> None:
    with scan_source(tree) as scan:
        files = {f.path: f for f in scan.iter_files()}
    assert files[b"bin/group-exec-only"].is_executable
    assert files[b"a-fifo"].length == 0
    assert files[b"dangling"].data == b"/nonexistent/absolute/target"
    assert NON_UTF8 in files


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [
        (".tar", "w"),
        (".tar.gz", "w:gz"),
        (".tgz", "w:gz"),
        (".tar.bz2", "w:bz2"),
        (".tar.xz", "w:xz"),
    ],
)
def test_tarballs(tree: Path, tmp_path: Path, suffix: str, mode: str) -> None:
    archive = tmp_path / f"src{suffix}"
    with tarfile.open(archive, mode) as tar:  # type: ignore[call-overload]
        for name in sorted(os.listdir(tree)):
            tar.add(tree / name, arcname=f"./{name}")
    assert detect_kind(archive) is SourceKind.TAR
    assert_same_as_from_disk(archive, tree, SourceKind.TAR)


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar not installed")
def test_tarball_made_by_gnu_tar_keeps_top_level_directory(tree: Path, tmp_path: Path) -> None:
    archive = tmp_path / "src.tar"
    subprocess.run(["tar", "-cf", str(archive), "-C", str(tree.parent), tree.name], check=True)
    assert_same_as_from_disk(archive, tree.parent, SourceKind.TAR)


def zip_tree(root: Path, archive: Path) -> None:
    """Zip with Unix modes and real symlinks, as Info-ZIP's ``zip -y`` writes them."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for dirpath, dirnames, filenames in os.walk(root):
            rel = os.path.relpath(dirpath, root)
            prefix = "" if rel == "." else rel + "/"
            for name in sorted(dirnames):
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    filenames.append(name)
                    continue
                info = zipfile.ZipInfo(prefix + name + "/")
                info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
                out.writestr(info, b"")
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                info = zipfile.ZipInfo(prefix + name)
                info.external_attr = st.st_mode << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                if stat.S_ISLNK(st.st_mode):
                    out.writestr(info, os.readlink(full))
                else:
                    out.writestr(info, Path(full).read_bytes())


def test_zip(tmp_path: Path) -> None:
    root = tmp_path / "ztree"
    root.mkdir()
    populate_tree(root)
    os.remove(os.path.join(os.fsencode(root), NON_UTF8))  # zipfile cannot write raw bytes
    (root / "caf\u00e9-utf8.txt").write_text("utf-8 name\n")
    (root / "empty-dir").mkdir()
    archive = tmp_path / "src.zip"
    zip_tree(root, archive)
    assert detect_kind(archive) is SourceKind.ZIP
    assert_same_as_from_disk(archive, root, SourceKind.ZIP)


def _tar_with(tmp_path: Path, *members: tuple[tarfile.TarInfo, bytes]) -> Path:
    archive = tmp_path / "crafted.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return archive


def _member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o644
    info.linkname = linkname
    return info


def test_tar_paths_cannot_escape(tmp_path: Path) -> None:
    archive = _tar_with(tmp_path, (_member("ok.txt"), b"ok"), (_member("../evil.txt"), b"x"))
    with scan_source(archive) as scan, pytest.raises(UnreadableSource, match="escapes"):
        list(scan.iter_files())


def test_tar_absolute_paths_and_outside_symlinks_stay_inside(tmp_path: Path) -> None:
    archive = _tar_with(
        tmp_path,
        (_member("/abs/file.txt"), b"abs"),
        (_member("a/../b/./c.txt"), b"c"),
        (_member("passwd", tarfile.SYMTYPE, "/etc/passwd"), b""),
        (_member("up", tarfile.SYMTYPE, "../../outside"), b""),
    )
    with scan_source(archive) as scan:
        files = {f.path: f for f in scan.iter_files()}
    assert set(files) == {b"abs/file.txt", b"b/c.txt", b"passwd", b"up"}
    assert files[b"passwd"].is_symlink
    assert files[b"passwd"].data == b"/etc/passwd"  # the target, never followed
    assert files[b"up"].data == b"../../outside"


def test_tar_hard_link_to_missing_member(tmp_path: Path) -> None:
    archive = _tar_with(tmp_path, (_member("link", tarfile.LNKTYPE, "nowhere"), b""))
    with scan_source(archive) as scan, pytest.raises(UnreadableSource, match="hard link"):
        list(scan.iter_files())


def test_working_copy_can_be_scanned_as_a_directory(rich_repo: Path) -> None:
    with scan_source(rich_repo, kind=SourceKind.DIRECTORY) as scan:
        assert scan.kind is SourceKind.DIRECTORY
        assert any(f.path.startswith(b".git/") for f in scan.iter_files())
