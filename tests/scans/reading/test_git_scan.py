"""Git scans produce exactly Software Heritage's identifiers.

Contents and directories are checked against ``swh.model.from_disk`` on a fresh
checkout; revisions and releases by rebuilding them with ``swh.model`` from the
parsed fields (equal ids prove every field, dates and offsets included, is exact);
the snapshot against ``swh.model.model.Snapshot`` built as SWH's git loader does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from swh.model import from_disk
from swh.model.model import Snapshot, SnapshotBranch, SnapshotTargetType

from app.kit.swhid import ObjectType
from app.models.enums import BranchTargetType, EntryType
from app.scans.reading import (
    DirectoryRecord,
    FileEntry,
    SourceKind,
    clone_mirror,
    detect_kind,
    scan_source,
)

from .conftest import NON_UTF8, git, head

GIT_TYPES = {
    "commit": SnapshotTargetType.REVISION,
    "tag": SnapshotTargetType.RELEASE,
    "tree": SnapshotTargetType.DIRECTORY,
    "blob": SnapshotTargetType.CONTENT,
}


def swh_loader_snapshot(repo: Path) -> Snapshot:
    """The snapshot SWH's git loader builds: refs (pull merges dropped), HEAD alias."""
    branches: dict[bytes, SnapshotBranch | None] = {}
    listing = git(repo, "for-each-ref", "--format=%(objectname) %(objecttype) %(refname)")
    for line in listing.splitlines():
        oid, kind, name = line.split(b" ", 2)
        if name.startswith(b"refs/pull/") and name.endswith(b"/merge"):
            continue
        branches[name] = SnapshotBranch(
            target=bytes.fromhex(oid.decode()), target_type=GIT_TYPES[kind.decode()]
        )
    head_ref = git(repo, "symbolic-ref", "HEAD").strip()
    branches[b"HEAD"] = SnapshotBranch(target=head_ref, target_type=SnapshotTargetType.ALIAS)
    branches.setdefault(head_ref, None)
    return Snapshot(branches=branches)


def test_detects_working_copy_and_bare(rich_repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--mirror", str(rich_repo), str(bare))
    assert detect_kind(rich_repo) is SourceKind.GIT
    assert detect_kind(bare) is SourceKind.GIT
    assert detect_kind("https://example.org/x.git") is SourceKind.GIT
    with scan_source(bare) as from_bare, scan_source(rich_repo) as from_wc:
        assert from_bare.snapshot.sha1_git == from_wc.snapshot.sha1_git


def test_snapshot_is_built_like_the_swh_git_loader(rich_repo: Path) -> None:
    with scan_source(rich_repo) as scan:
        snapshot = scan.snapshot
    expected = swh_loader_snapshot(rich_repo)
    assert snapshot.sha1_git == expected.id
    assert snapshot.to_model().id == expected.id
    branches = {b.name: b for b in snapshot.branches}
    assert branches[b"HEAD"].target_type is BranchTargetType.ALIAS
    assert branches[b"HEAD"].target == b"refs/heads/main"
    assert branches[b"refs/tags/light"].target_type is BranchTargetType.REVISION
    assert branches[b"refs/tags/v1.0"].target_type is BranchTargetType.RELEASE
    assert branches[b"refs/tags/tree-tag"].target_type is BranchTargetType.RELEASE
    assert branches[b"refs/tags/blob-tag"].target_type is BranchTargetType.CONTENT
    assert b"refs/pull/1/head" in branches
    assert b"refs/pull/1/merge" not in branches
    assert scan.snapshot.swhid.startswith("swh:1:snp:")


def test_revisions_rebuild_to_their_git_ids(rich_repo: Path) -> None:
    with scan_source(rich_repo) as scan:
        revisions = {r.sha1_git: r for r in scan.revisions}
        head_revision = scan.head_revision
    tips = git(rich_repo, "for-each-ref", "--format=%(objectname:short=40) %(*objectname)")
    expected = {
        bytes.fromhex((peeled or oid).decode())
        for oid, _, peeled in (line.partition(b" ") for line in tips.splitlines())
    }
    commits = {
        oid for oid in expected if git(rich_repo, "cat-file", "-t", oid.hex()).strip() == b"commit"
    }
    assert set(revisions) == commits
    for revision in revisions.values():
        if revision.message == b"x\n":  # the unparsable date: only a raw manifest fits
            assert revision.raw_manifest is not None
            assert revision.author_date is None
        else:
            assert revision.raw_manifest is None, revision
            model = revision.to_model(with_raw_manifest=False)
            assert model.compute_hash() == revision.sha1_git
        assert revision.to_model().compute_hash() == revision.sha1_git

    assert head_revision is not None
    assert head_revision.sha1_git.hex() == head(rich_repo)
    assert len(head_revision.parents) == 2


def test_revision_fields_are_exact(rich_repo: Path) -> None:
    with scan_source(rich_repo) as scan:
        by_message = {r.message: r for r in scan.revisions}
    first = by_message[b"first\n\nwith a body\n"]
    assert first.author == b"Ada Lovelace <ada@example.org>"
    assert first.committer == b"Charles Babbage <charles@example.org>"
    assert first.author_date is not None
    assert first.committer_date is not None
    assert first.author_date.offset_bytes == b"+0530"
    assert first.author_date.offset_minutes == 330
    assert first.committer_date.offset_minutes == -420
    assert first.author_date.to_datetime().timestamp() == 1600000000
    assert first.author_date.to_datetime().utcoffset().total_seconds() == 330 * 60  # type: ignore[union-attr]

    signed = by_message[b"signed commit\n"]
    assert signed.author_date is not None
    assert signed.author_date.offset_bytes == b"-0000"
    assert signed.extra_headers[0][0] == b"gpgsig"
    assert b"\n\n" in signed.extra_headers[0][1]  # the blank continuation line

    latin = next(
        r for r in by_message.values() if r.extra_headers == ((b"encoding", b"ISO-8859-1"),)
    )
    assert latin.message == "Fonctionnalit\u00e9 en latin-1\n".encode("latin-1")
    assert by_message[b""].message == b""
    assert None in by_message  # a commit with no blank line has no message at all


def test_releases_rebuild_to_their_git_ids(rich_repo: Path) -> None:
    with scan_source(rich_repo) as scan:
        releases = {r.name: r for r in scan.releases}
    assert set(releases) == {b"v1.0", b"v1.0-nested", b"tree-tag", b"no-tagger"}
    for release in releases.values():
        assert release.raw_manifest is None
        assert release.to_model().compute_hash() == release.sha1_git
    assert releases[b"v1.0-nested"].target_type is ObjectType.RELEASE
    assert releases[b"v1.0-nested"].target == releases[b"v1.0"].sha1_git
    assert releases[b"tree-tag"].target_type is ObjectType.DIRECTORY
    assert releases[b"no-tagger"].author is None
    assert releases[b"v1.0"].author == b"Charles Babbage <charles@example.org>"
    assert releases[b"v1.0"].message == b"Release 1.0\n"


def test_files_match_from_disk_on_a_checkout(rich_repo: Path, checkout: Path) -> None:
    with scan_source(rich_repo, max_file_size=1000) as scan:
        files = {f.path: f for f in scan.iter_files()}
    on_disk = {
        os.path.relpath(os.path.join(root, name), os.fsencode(checkout))
        for root, dirs, names in os.walk(os.fsencode(checkout))
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]
        if b"/.git" not in root + b"/" and name != b".git"
    }
    assert set(files) == on_disk
    assert NON_UTF8 in files
    for path, entry in files.items():
        content = from_disk.Content.from_file(
            path=os.path.join(os.fsencode(checkout), path), max_content_length=None
        )
        assert entry.sha1_git == content.hash
        assert (entry.sha1, entry.sha256, entry.length) == (
            content.data["sha1"],
            content.data["sha256"],
            content.data["length"],
        )
        assert entry.mode == content.data["perms"]
        assert entry.to_model().hashes()["sha1_git"] == entry.sha1_git
    assert files[b"bin/run.sh"].is_executable
    assert files[b"link-to-readme"].is_symlink
    assert files[b"link-to-readme"].data == b"README.md"
    assert files[b"empty"].length == 0
    assert files[b"empty"].data == b""
    big = files[b"big.bin"]
    assert big.too_large
    assert big.data is None
    assert big.length == 256 * 64


def test_directories_match_from_disk_on_a_checkout(rich_repo: Path, checkout: Path) -> None:
    tree = from_disk.Directory.from_disk(
        path=os.fsencode(checkout),
        path_filter=from_disk.ignore_named_directories([b".git"]),  # type: ignore[no-untyped-call]
        max_content_length=None,
    )
    with scan_source(rich_repo) as scan:
        directories = list(scan.iter_directories())
        root = scan.root_directory
    assert root == tree.hash
    assert directories[0].path == b""
    ids = [d.sha1_git for d in directories]
    assert len(ids) == len(set(ids)), "each distinct directory once"
    assert tree[b"copy1"].hash == tree[b"copy2"].hash  # the shared subtree ...
    assert sum(d.path in (b"copy1", b"copy2") for d in directories) == 1  # ... once
    for directory in directories:
        assert tree[directory.path].hash == directory.sha1_git
        assert directory.to_model().compute_hash() == directory.sha1_git
        assert directory.to_model().raw_manifest is None


def test_iter_tree_yields_both_in_one_pass(rich_repo: Path) -> None:
    with scan_source(rich_repo) as scan:
        items = list(scan.iter_tree())
        files = list(scan.iter_files())
        directories = list(scan.iter_directories())
    assert [i for i in items if isinstance(i, FileEntry)] == files
    assert [i for i in items if isinstance(i, DirectoryRecord)] == directories


def test_submodule_is_a_rev_entry_and_not_descended(make_repo) -> None:  # type: ignore[no-untyped-def]
    lib = make_repo("lib")
    (lib / "lib.c").write_text("int x;\n")
    git(lib, "add", "-A")
    git(lib, "commit", "-q", "-m", "lib")
    app = make_repo("app")
    (app / "main.c").write_text("int main(void) { return 0; }\n")
    (app / ".gitmodules").write_text('[submodule "vendor/lib"]\n\tpath = vendor/lib\n')
    git(app, "add", "-A")
    git(app, "update-index", "--add", "--cacheinfo", f"160000,{head(lib)},vendor/lib")
    git(app, "commit", "-q", "-m", "with submodule")
    with scan_source(app) as scan:
        files = {f.path for f in scan.iter_files()}
        directories = {d.path: d for d in scan.iter_directories()}
    assert files == {b".gitmodules", b"main.c"}
    (entry,) = directories[b"vendor"].entries
    assert entry.type is EntryType.REV
    assert entry.perms == 0o160000
    assert entry.target.hex() == head(lib)
    for directory in directories.values():
        assert directory.to_model().compute_hash() == directory.sha1_git


def test_unborn_head_is_a_dangling_alias(make_repo, rich_repo: Path) -> None:  # type: ignore[no-untyped-def]
    empty = make_repo("empty")
    with scan_source(empty) as scan:
        assert scan.head_revision is None
        assert scan.root_directory is None
        assert list(scan.iter_files()) == []
        branches = {b.name: b for b in scan.snapshot.branches}
        snapshot_id = scan.snapshot.sha1_git
    assert branches[b"HEAD"].target == b"refs/heads/main"
    assert branches[b"refs/heads/main"].target_type is BranchTargetType.DANGLING
    assert branches[b"refs/heads/main"].target is None
    expected = Snapshot(
        branches={
            b"HEAD": SnapshotBranch(
                target=b"refs/heads/main", target_type=SnapshotTargetType.ALIAS
            ),
            b"refs/heads/main": None,
        }
    )
    assert snapshot_id == expected.id

    moved = make_repo("moved")
    (moved / "f").write_text("f\n")
    git(moved, "add", "-A")
    git(moved, "commit", "-q", "-m", "m")
    git(moved, "symbolic-ref", "HEAD", "refs/heads/gone")
    with scan_source(moved) as scan:
        assert scan.head_revision is None
        assert len(scan.revisions) == 1
        assert scan.snapshot.sha1_git == swh_loader_snapshot(moved).id


def test_detached_head_is_a_revision_branch(make_repo) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("detached")
    (repo / "f").write_text("f\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "m")
    git(repo, "checkout", "-q", "--detach")
    with scan_source(repo) as scan:
        branches = {b.name: b for b in scan.snapshot.branches}
        assert scan.head_revision is not None
    assert branches[b"HEAD"].target_type is BranchTargetType.REVISION
    assert branches[b"HEAD"].target == bytes.fromhex(head(repo))


def test_clone_url_is_mirrored_then_removed(rich_repo: Path) -> None:
    clones: list[Path] = []

    def recording_clone(url: str, destination: Path) -> Path:
        clones.append(clone_mirror(url, destination))
        return destination

    url = rich_repo.as_uri()
    with scan_source(rich_repo) as local, scan_source(url, clone=recording_clone) as remote:
        assert remote.kind is SourceKind.GIT
        assert remote.snapshot.sha1_git == local.snapshot.sha1_git
        assert remote.root_directory == local.root_directory
        local_ids = [f.sha1_git for f in local.iter_files()]
        assert [f.sha1_git for f in remote.iter_files()] == local_ids
        assert clones[0].exists()
    assert not clones[0].exists()


@pytest.mark.parametrize("limit", [None, 0])
def test_size_limit_keeps_hashes(rich_repo: Path, limit: int | None) -> None:
    with scan_source(rich_repo, max_file_size=limit) as scan:
        files = list(scan.iter_files())
    if limit is None:
        assert all(f.data is not None for f in files)
    else:
        assert all(f.too_large == (f.length > 0) for f in files)
    assert all(len(f.sha256) == 32 for f in files)
