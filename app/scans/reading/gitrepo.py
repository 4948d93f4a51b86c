"""Scan a git repository: snapshot, tip revisions, releases and the HEAD tree.

Git's object ids *are* the SWHIDs of contents, directories, revisions and releases,
so nothing is re-hashed except what git does not store: each blob's sha1 and sha256.
The snapshot is built the way SWH's git loader builds it (see :func:`read_branches`)
and hashed by ``swh.model``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.kit.swhid import ObjectType
from app.models.enums import BranchTargetType, EntryType

from .errors import UnreadableSource
from .gitcli import CatFile, run_git
from .gitobjects import parse_commit, parse_tag, parse_tree
from .records import (
    BranchRecord,
    DirectoryEntry,
    DirectoryRecord,
    FileEntry,
    ReleaseRecord,
    RevisionRecord,
    SnapshotRecord,
)

#: Files gathered (across directories of one tree level) before their blobs are read.
BLOB_BATCH = 1024

_GIT_TO_BRANCH = {
    b"blob": BranchTargetType.CONTENT,
    b"tree": BranchTargetType.DIRECTORY,
    b"commit": BranchTargetType.REVISION,
    b"tag": BranchTargetType.RELEASE,
}


def ignore_branch_name(name: bytes) -> bool:
    """SWH's git loader drops peeled refs and GitHub's auto-merge pull refs."""
    return name.endswith(b"^{}") or (name.startswith(b"refs/pull/") and name.endswith(b"/merge"))


def _object_types(git_dir: Path, oids: list[bytes]) -> dict[bytes, bytes]:
    """Git type of each object a ref points to (one ``cat-file --batch-check`` call)."""
    if not oids:
        return {}
    request = b"".join(o.hex().encode() + b"\n" for o in oids)
    _, out = run_git(git_dir, "cat-file", "--batch-check", stdin=request)
    types: dict[bytes, bytes] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            detail = line.decode("utf-8", "replace")
            raise UnreadableSource(f"corrupt git repository: a ref points to {detail}")
        types[bytes.fromhex(parts[0].decode())] = parts[1]
    return types


def read_branches(git_dir: Path) -> dict[bytes, BranchRecord]:
    """All refs as SWH snapshot branches, the way SWH's git loader maps them.

    Direct refs become branches to their object (typed by git). Symbolic refs, HEAD
    first of all, become aliases to the branch they name; an alias to a branch that
    does not exist (HEAD on an unborn branch) makes that branch *dangling*, exactly as
    the loader does. Peeled and pull-merge refs are skipped as it skips them.
    """
    _, out = run_git(git_dir, "for-each-ref", "--format=%(objectname)%00%(refname)%00%(symref)")
    direct: dict[bytes, bytes] = {}
    symbolic: dict[bytes, bytes] = {}
    for line in out.splitlines():
        oid_hex, name, symref = line.split(b"\x00")
        if ignore_branch_name(name):
            continue
        if symref:
            symbolic[name] = symref
        else:
            direct[name] = bytes.fromhex(oid_hex.decode())
    code, head = run_git(git_dir, "symbolic-ref", "-q", "HEAD", ok_codes=(0, 1))
    if code == 0:
        symbolic[b"HEAD"] = head.rstrip(b"\n")
    else:  # detached HEAD: a plain branch to its commit
        _, head_oid = run_git(git_dir, "rev-parse", "--verify", "-q", "HEAD")
        direct[b"HEAD"] = bytes.fromhex(head_oid.strip().decode())

    types = _object_types(git_dir, sorted(set(direct.values())))
    branches = {
        name: BranchRecord(name, _GIT_TO_BRANCH[types[oid]], oid) for name, oid in direct.items()
    }
    for name, target in symbolic.items():
        branches[name] = BranchRecord(name, BranchTargetType.ALIAS, target)
    for target in symbolic.values():
        if target not in branches:
            branches[target] = BranchRecord(target, BranchTargetType.DANGLING, None)
    return branches


def resolve_alias(branches: dict[bytes, BranchRecord], name: bytes) -> BranchRecord | None:
    """Follow aliases from ``name`` to a concrete branch (None if dangling or a loop)."""
    seen: set[bytes] = set()
    branch = branches.get(name)
    while branch is not None and branch.target_type is BranchTargetType.ALIAS:
        if branch.name in seen or branch.target is None:
            return None
        seen.add(branch.name)
        branch = branches.get(branch.target)
    if branch is None or branch.target_type is BranchTargetType.DANGLING:
        return None
    return branch


class GitScan:
    """A scanned git repository. Use through :func:`app.scans.reading.scan_source`."""

    def __init__(self, git_dir: Path, *, max_file_size: int | None) -> None:
        self.git_dir = git_dir
        self.max_file_size = max_file_size
        branches = read_branches(git_dir)
        self.snapshot = SnapshotRecord.from_branches(branches)
        revisions: dict[bytes, RevisionRecord] = {}
        releases: dict[bytes, ReleaseRecord] = {}
        with CatFile(git_dir) as cat:
            targets = [
                b.target
                for b in branches.values()
                if b.target is not None
                and b.target_type in (BranchTargetType.REVISION, BranchTargetType.RELEASE)
            ]
            self._read_tips(cat, targets, revisions, releases)
            head = resolve_alias(branches, b"HEAD")
            self.head_revision: RevisionRecord | None = None
            self.root_directory: bytes | None = None
            if head is not None and head.target is not None:
                self._resolve_head(head, revisions, releases)
        self.revisions = tuple(revisions[k] for k in sorted(revisions))
        self.releases = tuple(releases[k] for k in sorted(releases))

    def _read_tips(
        self,
        cat: CatFile,
        targets: list[bytes],
        revisions: dict[bytes, RevisionRecord],
        releases: dict[bytes, ReleaseRecord],
    ) -> None:
        """Read branch tips, peeling annotated tags (and tags of tags) to their target."""
        pending = set(targets)
        while pending:
            batch = sorted(pending)
            pending = set()
            for oid, git_type, body in cat.read(batch):
                if git_type == b"commit" and oid not in revisions:
                    revisions[oid] = parse_commit(oid, body)
                elif git_type == b"tag" and oid not in releases:
                    release = parse_tag(oid, body)
                    releases[oid] = release
                    if release.target_type in (ObjectType.REVISION, ObjectType.RELEASE) and (
                        release.target not in revisions and release.target not in releases
                    ):
                        pending.add(release.target)

    def _resolve_head(
        self,
        head: BranchRecord,
        revisions: dict[bytes, RevisionRecord],
        releases: dict[bytes, ReleaseRecord],
    ) -> None:
        target = head.target
        for _ in range(64):  # peel tag chains
            if target in releases:
                release = releases[target]
                if release.target_type is ObjectType.DIRECTORY:
                    self.root_directory = release.target
                    return
                target = release.target
            elif target in revisions:
                self.head_revision = revisions[target]
                self.root_directory = self.head_revision.directory
                return
            else:
                break
        if head.target_type is BranchTargetType.DIRECTORY:
            self.root_directory = head.target

    # ---------------------------------------------------------------- tree walk

    def iter_tree(self) -> Iterator[DirectoryRecord | FileEntry]:
        """Every distinct directory once, and every file at every path, of HEAD's tree."""
        return self._walk(directories=True, files=True)

    def iter_directories(self) -> Iterator[DirectoryRecord]:
        for item in self._walk(directories=True, files=False):
            assert isinstance(item, DirectoryRecord)
            yield item

    def iter_files(self) -> Iterator[FileEntry]:
        for item in self._walk(directories=False, files=True):
            assert isinstance(item, FileEntry)
            yield item

    def _walk(self, *, directories: bool, files: bool) -> Iterator[DirectoryRecord | FileEntry]:
        """Breadth-first, one tree level at a time, so that trees and blobs are both
        requested in long pipelined chunks: walking depth-first costs a pipe round
        trip per directory (measured 2x slower on a 15k-file tree)."""
        if self.root_directory is None:
            return
        seen: set[bytes] = {self.root_directory}
        with CatFile(self.git_dir) as trees, CatFile(self.git_dir) as blobs:
            level: list[tuple[bytes, bytes, bool]] = [(b"", self.root_directory, True)]
            while level:
                next_level: list[tuple[bytes, bytes, bool]] = []
                pending: list[tuple[bytes, DirectoryEntry]] = []
                reads = trees.read(oid for _, oid, _ in level)
                for (path, oid, new), (_, git_type, raw) in zip(level, reads, strict=True):
                    if git_type != b"tree":
                        raise UnreadableSource(f"corrupt git repository: {oid.hex()} is not a tree")
                    try:
                        entries = parse_tree(raw)
                    except ValueError as exc:
                        raise UnreadableSource(f"corrupt git tree {oid.hex()}: {exc}") from exc
                    if directories and new:
                        yield DirectoryRecord(oid, path, tuple(entries), git_manifest=raw)
                    prefix = path + b"/" if path else b""
                    for entry in entries:
                        if entry.type is EntryType.DIR:
                            first = entry.target not in seen
                            seen.add(entry.target)
                            if first or files:  # a known subtree is re-read only for paths
                                next_level.append((prefix + entry.name, entry.target, first))
                        elif entry.type is EntryType.FILE and files:
                            pending.append((prefix + entry.name, entry))
                    if len(pending) >= BLOB_BATCH:
                        yield from self._files(blobs, pending)
                        pending = []
                yield from self._files(blobs, pending)
                level = next_level

    def _files(
        self, blobs: CatFile, pending: list[tuple[bytes, DirectoryEntry]]
    ) -> Iterator[FileEntry]:
        reads = blobs.read_blobs((e.target for _, e in pending), keep_up_to=self.max_file_size)
        for (path, entry), blob in zip(pending, reads, strict=True):
            yield FileEntry(
                path=path,
                sha1_git=entry.target,
                sha1=blob.hashes.sha1,
                sha256=blob.hashes.sha256,
                length=blob.hashes.length,
                mode=entry.perms,
                data=blob.data,
            )

    def close(self) -> None:
        """Nothing to release: walks own their git processes."""
