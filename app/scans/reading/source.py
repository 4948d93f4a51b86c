"""Entry points: what kind of source is this, and scan it.

A scan is an object (and a context manager) rather than one big return value so that
cheap facts (snapshot, revisions, releases) are available at once while files and
directories are streamed on demand, as many times as a caller needs, without the
whole tree ever sitting in memory.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Self

from app.models.enums import BranchTargetType

from .archives import sniff_archive, walk_tar, walk_zip
from .disk import walk_directory
from .errors import UnreadableSource
from .gitcli import clone_mirror, find_git_dir
from .gitrepo import GitScan
from .records import (
    BranchRecord,
    DirectoryRecord,
    FileEntry,
    ReleaseRecord,
    RevisionRecord,
    SnapshotRecord,
)

#: Default ceiling on the bytes kept in ``FileEntry.data`` (hashes are always computed).
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


class SourceKind(StrEnum):
    """Values match ``visit.visit_type``."""

    GIT = "git"
    DIRECTORY = "directory"
    TAR = "tar"
    ZIP = "zip"


def is_remote(location: str | Path) -> bool:
    """A clone URL (``https://``, ``file://``, ``ssh://``, ``user@host:path``)?"""
    return isinstance(location, str) and bool(_URL.match(location))


def detect_kind(location: str | Path) -> SourceKind:
    """The kind of a source: URL → git; directory → git if it holds a repository
    (working copy or bare), else directory; file → tar or zip by its magic bytes."""
    if is_remote(location):
        return SourceKind.GIT
    path = Path(location)
    if not path.exists() and not path.is_symlink():
        raise UnreadableSource(f"no such file or directory: {os.fsdecode(path)}")
    if path.is_dir():
        if (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir()):
            return SourceKind.GIT
        return SourceKind.DIRECTORY
    kind = sniff_archive(path)
    if kind is None:
        raise UnreadableSource(f"not a git repository, directory, tarball or zip: {path.name}")
    return SourceKind(kind)


Walker = Callable[[], Iterator[DirectoryRecord | FileEntry]]


class TreeScan:
    """A directory, tarball or zip: one tree, and the snapshot SWH's directory
    loaders give it (``HEAD`` → that directory). No revisions or releases.

    The root id needs the whole tree hashed; the first of :meth:`iter_tree`,
    :meth:`iter_directories` or :meth:`iter_files` run to the end records it, and
    ``root_directory``/``snapshot`` run a hashing pass only if none has.
    """

    revisions: tuple[RevisionRecord, ...] = ()
    releases: tuple[ReleaseRecord, ...] = ()
    head_revision: RevisionRecord | None = None

    def __init__(self, kind: SourceKind, walker: Walker, *, cleanup: Callable[[], None]) -> None:
        self.kind = kind
        self._walker = walker
        self._cleanup = cleanup
        self._root: bytes | None = None

    def iter_tree(self) -> Iterator[DirectoryRecord | FileEntry]:
        """Files as read, directories once complete (each distinct one once); root last."""
        last: DirectoryRecord | None = None
        for item in self._walker():
            if isinstance(item, DirectoryRecord):
                last = item
            yield item
        if last is not None and last.path == b"":
            self._root = last.sha1_git

    def iter_directories(self) -> Iterator[DirectoryRecord]:
        for item in self.iter_tree():
            if isinstance(item, DirectoryRecord):
                yield item

    def iter_files(self) -> Iterator[FileEntry]:
        for item in self.iter_tree():
            if isinstance(item, FileEntry):
                yield item

    @property
    def root_directory(self) -> bytes:
        if self._root is None:
            for _ in self.iter_tree():
                pass
        assert self._root is not None
        return self._root

    @property
    def snapshot(self) -> SnapshotRecord:
        head = BranchRecord(b"HEAD", BranchTargetType.DIRECTORY, self.root_directory)
        return SnapshotRecord.from_branches({b"HEAD": head})

    def close(self) -> None:
        self._cleanup()


class ScanResult:
    """What :func:`scan_source` returns; use it as a context manager.

    Attributes: ``kind``, ``snapshot``, ``revisions`` (branch tips and tag targets),
    ``releases`` (annotated tags), ``head_revision`` (None for archives, directories
    and unborn HEADs), ``root_directory`` (sha1_git of HEAD's tree, None if there is
    none). Methods: ``iter_tree()``, ``iter_directories()``, ``iter_files()``.
    """

    def __init__(self, impl: GitScan | TreeScan, kind: SourceKind) -> None:
        self._impl = impl
        self.kind = kind

    @property
    def snapshot(self) -> SnapshotRecord:
        return self._impl.snapshot

    @property
    def revisions(self) -> tuple[RevisionRecord, ...]:
        return self._impl.revisions

    @property
    def releases(self) -> tuple[ReleaseRecord, ...]:
        return self._impl.releases

    @property
    def head_revision(self) -> RevisionRecord | None:
        return self._impl.head_revision

    @property
    def root_directory(self) -> bytes | None:
        return self._impl.root_directory

    def iter_tree(self) -> Iterator[DirectoryRecord | FileEntry]:
        return self._impl.iter_tree()

    def iter_directories(self) -> Iterator[DirectoryRecord]:
        return self._impl.iter_directories()

    def iter_files(self) -> Iterator[FileEntry]:
        return self._impl.iter_files()

    def close(self) -> None:
        self._impl.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def scan_source(
    location: str | Path,
    *,
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE,
    kind: SourceKind | None = None,
    clone: Callable[[str, Path], Path] = clone_mirror,
) -> ScanResult:
    """Open a source for scanning.

    ``max_file_size``: files longer than this are still hashed but their bytes are
    not kept (``FileEntry.data is None``); None keeps everything. ``kind`` overrides
    detection (e.g. scan a working copy as a plain directory, ``.git`` included).
    ``clone`` fetches a URL into a bare repository (tests pass a ``file://`` URL).
    Raises :class:`UnreadableSource` for missing, corrupt or unknown inputs.
    """
    kind = kind or detect_kind(location)
    if is_remote(location):
        if kind is not SourceKind.GIT:
            raise UnreadableSource(f"a URL can only be scanned as git, not {kind}")
        tmp = Path(tempfile.mkdtemp(prefix="codecommons-clone-"))
        try:
            git_dir = clone(str(location), tmp / "repo.git")
            return ScanResult(_TempGitScan(git_dir, tmp, max_file_size=max_file_size), kind)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    path = Path(location).absolute()
    if not path.exists():
        raise UnreadableSource(f"no such file or directory: {os.fsdecode(path)}")
    if kind is SourceKind.GIT:
        local_git_dir = find_git_dir(path)
        if local_git_dir is None:
            raise UnreadableSource(f"not a git repository: {os.fsdecode(path)}")
        return ScanResult(GitScan(local_git_dir, max_file_size=max_file_size), kind)
    if kind is SourceKind.DIRECTORY:
        if not path.is_dir():
            raise UnreadableSource(f"not a directory: {os.fsdecode(path)}")
        root = os.fsencode(path)
        return ScanResult(
            TreeScan(
                kind,
                lambda: walk_directory(root, max_file_size=max_file_size),
                cleanup=lambda: None,
            ),
            kind,
        )
    walk = walk_tar if kind is SourceKind.TAR else walk_zip
    return ScanResult(
        TreeScan(kind, lambda: walk(path, max_file_size=max_file_size), cleanup=lambda: None),
        kind,
    )


class _TempGitScan(GitScan):
    """A scan of a fresh clone, which is deleted on close."""

    def __init__(self, git_dir: Path, tmp: Path, *, max_file_size: int | None) -> None:
        self._tmp = tmp
        super().__init__(git_dir, max_file_size=max_file_size)

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
