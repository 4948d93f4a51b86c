"""What a scan produces: plain, typed records shaped like the archive tables.

The records mirror ``app.models.archive`` columns (bytes ids, bytes names and paths)
so a writer can COPY them without translation, and each one can turn itself into the
matching ``swh.model.model`` object (:meth:`to_model`): that is how the tests prove
our identifiers are exactly Software Heritage's, and how a caller can hand objects to
SWH tooling.
"""

from __future__ import annotations

import datetime
import stat
from dataclasses import dataclass, field

from swh.model import model as swh
from swh.model.hashutil import git_object_header

from app.kit.swhid import ObjectType, format_swhid
from app.models.enums import BranchTargetType, EntryType

#: git modes of directory entries (``swh.model.from_disk.DentryPerms``).
MODE_FILE = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_DIRECTORY = 0o040000
MODE_SUBMODULE = 0o160000


def entry_type_for_mode(mode: int) -> EntryType:
    """The SWH entry type of a git tree mode, tolerant of legacy modes as SWH is."""
    if mode & MODE_SUBMODULE == MODE_SUBMODULE:
        return EntryType.REV
    if mode & MODE_DIRECTORY == MODE_DIRECTORY:
        return EntryType.DIR
    return EntryType.FILE


def perms_for_file_mode(st_mode: int) -> int:
    """git perms of a file from its Unix mode, as ``swh.model.from_disk`` decides them.

    Symlinks are 120000; anything executable by anyone is 100755; the rest (including
    special files, which SWH stores as empty contents) is 100644.
    """
    if stat.S_ISLNK(st_mode):
        return MODE_SYMLINK
    return MODE_EXECUTABLE if st_mode & 0o111 else MODE_FILE


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of the scanned tree, at one path (a content may occur at many paths).

    ``data`` is the file's bytes, or None when ``length`` exceeds the scan's
    ``max_file_size`` (``too_large``); hashes and length are always exact. For a
    symlink the content is the link target, as in git and SWH.
    """

    path: bytes
    sha1_git: bytes
    sha1: bytes
    sha256: bytes
    length: int
    mode: int
    data: bytes | None = field(repr=False)

    @property
    def too_large(self) -> bool:
        return self.data is None

    @property
    def is_symlink(self) -> bool:
        return self.mode == MODE_SYMLINK

    @property
    def is_executable(self) -> bool:
        return self.mode == MODE_EXECUTABLE

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.CONTENT, self.sha1_git)

    def to_model(self) -> swh.BaseContent:
        """``swh.model`` Content, or SkippedContent when the bytes were not kept."""
        if self.data is None:
            return swh.SkippedContent(
                sha1_git=self.sha1_git,
                sha1=self.sha1,
                sha256=self.sha256,
                blake2s256=None,  # not computed: no table stores it
                length=self.length,
                status="absent",
                reason="Content too large",
            )
        return swh.Content.from_data(self.data)


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    name: bytes
    type: EntryType
    perms: int
    target: bytes

    def to_model(self) -> swh.DirectoryEntry:
        # SWH rewrites the (invalid, very rare) '/' in git entry names the same way.
        return swh.DirectoryEntry(
            name=self.name.replace(b"/", b"_"),
            type=self.type.value,
            perms=self.perms,
            target=self.target,
        )


@dataclass(frozen=True, slots=True)
class DirectoryRecord:
    """A directory: its id, where it was first met, and its entries.

    ``git_manifest`` is the raw git tree body when read from git: a tree whose
    entries git wrote non-canonically (unsorted, legacy modes) keeps its id only
    through it, exactly as SWH's ``raw_manifest``.
    """

    sha1_git: bytes
    path: bytes
    entries: tuple[DirectoryEntry, ...]
    git_manifest: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.DIRECTORY, self.sha1_git)

    def to_model(self) -> swh.Directory:
        entries = tuple(e.to_model() for e in self.entries)
        directory = swh.Directory(id=self.sha1_git, entries=entries)
        if directory.compute_hash() != self.sha1_git and self.git_manifest is not None:
            raw = git_object_header("tree", len(self.git_manifest)) + self.git_manifest
            directory = swh.Directory(id=self.sha1_git, entries=entries, raw_manifest=raw)
        return directory


@dataclass(frozen=True, slots=True)
class GitDate:
    """A git timestamp exactly as written: seconds since the epoch and raw offset.

    The offset is kept as bytes (``+0200``, ``-0000``, even malformed ones) because
    the object id depends on them; minutes and datetimes are derived views.
    """

    seconds: int
    offset_bytes: bytes

    def to_model(self) -> swh.TimestampWithTimezone:
        try:
            timestamp = swh.Timestamp(seconds=self.seconds, microseconds=0)
        except swh.TimestampOverflowException:
            # Out of SWH's storable range: SWH keeps epoch 0 (and the raw manifest).
            timestamp = swh.Timestamp(seconds=0, microseconds=0)
        return swh.TimestampWithTimezone(timestamp=timestamp, offset_bytes=self.offset_bytes)

    @property
    def offset_minutes(self) -> int:
        minutes: int = self.to_model().offset_minutes()  # type: ignore[no-untyped-call]
        return minutes

    def to_datetime(self) -> datetime.datetime:
        """Aware datetime at the recorded offset (UTC if the offset is bogus)."""
        return self.to_model().to_datetime()


def _person(fullname: bytes | None) -> swh.Person | None:
    return None if fullname is None else swh.Person.from_fullname(fullname)


@dataclass(frozen=True, slots=True)
class RevisionRecord:
    """A git commit, field by field (``author`` is the raw ``Name <email>`` bytes).

    ``raw_manifest`` (git header included) is set only when the parsed fields cannot
    reproduce the commit id, the same rule SWH's git loader applies.
    """

    sha1_git: bytes
    directory: bytes
    parents: tuple[bytes, ...]
    author: bytes | None
    author_date: GitDate | None
    committer: bytes | None
    committer_date: GitDate | None
    extra_headers: tuple[tuple[bytes, bytes], ...]
    message: bytes | None
    raw_manifest: bytes | None = field(default=None, repr=False)

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.REVISION, self.sha1_git)

    def to_model(self, *, with_raw_manifest: bool = True) -> swh.Revision:
        return swh.Revision(
            id=self.sha1_git,
            message=self.message,
            author=_person(self.author),
            date=None if self.author_date is None else self.author_date.to_model(),
            committer=_person(self.committer),
            committer_date=(
                None if self.committer_date is None else self.committer_date.to_model()
            ),
            type=swh.RevisionType.GIT,
            directory=self.directory,
            synthetic=False,
            parents=self.parents,
            extra_headers=self.extra_headers,
            raw_manifest=self.raw_manifest if with_raw_manifest else None,
        )


@dataclass(frozen=True, slots=True)
class ReleaseRecord:
    """An annotated git tag. ``target_type`` uses the SWHID tags (rev, dir, cnt, rel)."""

    sha1_git: bytes
    name: bytes
    target: bytes
    target_type: ObjectType
    author: bytes | None
    date: GitDate | None
    message: bytes | None
    raw_manifest: bytes | None = field(default=None, repr=False)

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.RELEASE, self.sha1_git)

    def to_model(self, *, with_raw_manifest: bool = True) -> swh.Release:
        return swh.Release(
            id=self.sha1_git,
            name=self.name,
            message=self.message,
            target=self.target,
            target_type=_RELEASE_TARGET_TYPES[self.target_type],
            synthetic=False,
            author=_person(self.author),
            date=None if self.date is None else self.date.to_model(),
            raw_manifest=self.raw_manifest if with_raw_manifest else None,
        )


_RELEASE_TARGET_TYPES = {
    ObjectType.CONTENT: swh.ReleaseTargetType.CONTENT,
    ObjectType.DIRECTORY: swh.ReleaseTargetType.DIRECTORY,
    ObjectType.REVISION: swh.ReleaseTargetType.REVISION,
    ObjectType.RELEASE: swh.ReleaseTargetType.RELEASE,
}


@dataclass(frozen=True, slots=True)
class BranchRecord:
    """A snapshot branch: ``target`` is an object id, an alias's branch name, or None."""

    name: bytes
    target_type: BranchTargetType
    target: bytes | None

    def to_model(self) -> swh.SnapshotBranch | None:
        if self.target_type is BranchTargetType.DANGLING or self.target is None:
            return None
        return swh.SnapshotBranch(
            target=self.target, target_type=swh.SnapshotTargetType(self.target_type.value)
        )


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    sha1_git: bytes
    branches: tuple[BranchRecord, ...]

    @property
    def swhid(self) -> str:
        return format_swhid(ObjectType.SNAPSHOT, self.sha1_git)

    @classmethod
    def from_branches(cls, branches: dict[bytes, BranchRecord]) -> SnapshotRecord:
        """Compute the id with ``swh.model`` itself: the snapshot manifest is SWH's own."""
        snapshot = swh.Snapshot(branches={name: b.to_model() for name, b in branches.items()})
        return cls(sha1_git=snapshot.id, branches=tuple(branches[n] for n in sorted(branches)))

    def to_model(self) -> swh.Snapshot:
        return swh.Snapshot(
            id=self.sha1_git, branches={b.name: b.to_model() for b in self.branches}
        )
