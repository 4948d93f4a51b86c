"""Scan reading: turn a source into SWH objects, no database.

A source is a git repository (working copy, bare, or a clone URL fetched with
``git clone --mirror``), a plain directory, a tarball (.tar, .tar.gz/.tgz, .tar.bz2,
.tar.xz) or a zip. Every identifier produced is exactly Software Heritage's: git
object ids for git sources, ``swh.model`` for directories and snapshots; the tests
check each against ``swh.model``.

Public interface::

    detect_kind(location: str | Path) -> SourceKind           # git | directory | tar | zip
    scan_source(location, *, max_file_size: int | None = 10 MiB,
                kind: SourceKind | None = None,
                clone: Callable[[str, Path], Path] = clone_mirror) -> ScanResult
    clone_mirror(url: str, destination: Path) -> Path

    with scan_source("/path/to/repo") as scan:
        scan.kind                 # SourceKind
        scan.snapshot             # SnapshotRecord(sha1_git, branches: tuple[BranchRecord])
        scan.revisions            # tuple[RevisionRecord]: branch tips and tag targets
        scan.releases             # tuple[ReleaseRecord]: annotated tags (chains included)
        scan.head_revision        # RevisionRecord | None (HEAD's commit)
        scan.root_directory       # bytes | None: sha1_git of HEAD's tree / the archive root
        scan.iter_tree()          # Iterator[DirectoryRecord | FileEntry], one pass
        scan.iter_directories()   # Iterator[DirectoryRecord]: each distinct directory once
        scan.iter_files()         # Iterator[FileEntry]: every file at every path

``FileEntry(path, sha1_git, sha1, sha256, length, mode, data)`` has ``too_large``
(``data is None``: over ``max_file_size``, yet hashed), ``is_symlink`` and
``is_executable``. Records map onto ``app.models.archive`` tables and have
``to_model()`` returning the ``swh.model.model`` object.

Snapshots follow SWH's loaders: for git, every ref is a branch (peeled ``^{}`` and
``refs/pull/*/merge`` skipped), symbolic refs (``HEAD``) are aliases, and an alias to
a missing branch (unborn HEAD) makes that branch dangling; for directories and
archives, one ``HEAD`` branch to the root directory. Git scans cover HEAD's tree (the
default branch), level by level (order is otherwise unspecified); submodules are
``rev`` entries and are not descended into.
Archives are read in memory, never extracted; their root is the archive's top
level, as SWH hashes an extraction directory.

Every broken input raises :class:`UnreadableSource` (with a ``reason``).
``python -m app.scans.reading.bench [DIR]`` measures a scan against raw git reads.
"""

from .errors import UnreadableSource
from .gitcli import clone_mirror
from .records import (
    BranchRecord,
    DirectoryEntry,
    DirectoryRecord,
    FileEntry,
    GitDate,
    ReleaseRecord,
    RevisionRecord,
    SnapshotRecord,
)
from .source import DEFAULT_MAX_FILE_SIZE, ScanResult, SourceKind, detect_kind, scan_source

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "BranchRecord",
    "DirectoryEntry",
    "DirectoryRecord",
    "FileEntry",
    "GitDate",
    "ReleaseRecord",
    "RevisionRecord",
    "ScanResult",
    "SnapshotRecord",
    "SourceKind",
    "UnreadableSource",
    "clone_mirror",
    "detect_kind",
    "scan_source",
]
