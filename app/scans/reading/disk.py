"""Scan a plain directory on disk, streaming, the way ``swh.model.from_disk`` sees it.

Same rules as ``Directory.from_disk`` with its default filter (everything included,
``.git`` too; empty directories kept; symlinks are contents holding their target and
are never followed; special files are empty contents), but walked post-order so that
only the current branch of the tree is in memory: a 100k-file tree streams.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from app.models.enums import EntryType

from .errors import UnreadableSource
from .hashing import hash_bytes, hash_stream
from .records import DirectoryEntry, DirectoryRecord, FileEntry, perms_for_file_mode
from .tree import dir_entry, make_directory


@dataclass
class _Frame:
    path: bytes  # relative, b"" for the root
    abspath: bytes
    subdirs: list[bytes] = field(default_factory=list)
    entries: list[DirectoryEntry] = field(default_factory=list)


def _read_file(abspath: bytes, relpath: bytes, max_file_size: int | None) -> FileEntry:
    st = os.lstat(abspath)
    perms = perms_for_file_mode(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        data = os.readlink(abspath)
        hashes = hash_bytes(data)
        kept: bytes | None = data if max_file_size is None or len(data) <= max_file_size else None
    elif stat.S_ISREG(st.st_mode):
        with open(abspath, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            hashes, kept = hash_stream(stream, size, keep_up_to=max_file_size)
    else:  # fifo, socket, device: SWH records an empty content
        hashes, kept = hash_bytes(b""), b""
    return FileEntry(
        path=relpath,
        sha1_git=hashes.sha1_git,
        sha1=hashes.sha1,
        sha256=hashes.sha256,
        length=hashes.length,
        mode=perms,
        data=kept,
    )


def _open(frame: _Frame, max_file_size: int | None) -> Generator[FileEntry, None, None]:
    """List a directory: hash and yield its files now, remember its subdirectories."""
    prefix = frame.path + b"/" if frame.path else b""
    with os.scandir(frame.abspath) as listing:
        items = sorted(listing, key=lambda e: e.name)
    for item in items:
        if item.is_dir(follow_symlinks=False):
            frame.subdirs.append(item.name)
            continue
        entry = _read_file(item.path, prefix + item.name, max_file_size)
        frame.entries.append(DirectoryEntry(item.name, EntryType.FILE, entry.mode, entry.sha1_git))
        yield entry
    frame.subdirs.reverse()  # popped from the end: visit in name order


def walk_directory(
    root: bytes, *, max_file_size: int | None
) -> Iterator[DirectoryRecord | FileEntry]:
    """Files as they are hashed, each directory once its subtree is done; root last."""
    try:
        yield from _walk(root, max_file_size)
    except (OSError, EOFError) as exc:
        raise UnreadableSource(f"cannot read {os.fsdecode(root)}: {exc}") from exc


def _walk(root: bytes, max_file_size: int | None) -> Iterator[DirectoryRecord | FileEntry]:
    seen: set[bytes] = set()
    stack = [_Frame(path=b"", abspath=root)]
    yield from _open(stack[0], max_file_size)
    while stack:
        frame = stack[-1]
        if frame.subdirs:
            name = frame.subdirs.pop()
            child = _Frame(
                path=frame.path + b"/" + name if frame.path else name,
                abspath=os.path.join(frame.abspath, name),
            )
            stack.append(child)
            yield from _open(child, max_file_size)
            continue
        stack.pop()
        record = make_directory(frame.path, frame.entries)
        if stack:
            stack[-1].entries.append(dir_entry(os.path.basename(frame.path), record))
        if record.sha1_git not in seen or not stack:
            seen.add(record.sha1_git)
            yield record
