"""Directory records for trees that are not git: from entries to SWH directory ids.

Directory ids are computed by ``swh.model.model.Directory`` itself (the same object
``swh.model.from_disk`` builds), never by a hand-written manifest.
"""

from __future__ import annotations

from collections.abc import Iterator

from swh.model import model as swh

from app.models.enums import EntryType

from .errors import UnreadableSource
from .records import MODE_DIRECTORY, DirectoryEntry, DirectoryRecord


def _tree_order(entry: DirectoryEntry) -> bytes:
    """git's tree order (``swh.model.git_objects.directory_entry_sort_key``)."""
    return entry.name + b"/" if entry.type is EntryType.DIR else entry.name


def make_directory(path: bytes, entries: list[DirectoryEntry]) -> DirectoryRecord:
    """A directory record with its SWH id; entries come back in git's tree order."""
    model = swh.Directory(entries=tuple(e.to_model() for e in entries))
    ordered = sorted(entries, key=_tree_order)
    return DirectoryRecord(sha1_git=model.id, path=path, entries=tuple(ordered))


def dir_entry(name: bytes, record: DirectoryRecord) -> DirectoryEntry:
    return DirectoryEntry(
        name=name, type=EntryType.DIR, perms=MODE_DIRECTORY, target=record.sha1_git
    )


def normalize_member_path(name: bytes) -> list[bytes]:
    """Split an archive member name into safe path components.

    Leading slashes and ``.`` are dropped (as GNU tar and unzip do); ``..`` is resolved
    and rejected when it would leave the archive root, so no member can escape it.
    """
    parts: list[bytes] = []
    for part in name.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if not parts:
                raise UnreadableSource(f"archive member escapes its root: {name!r}")
            parts.pop()
            continue
        if b"\x00" in part:
            raise UnreadableSource(f"archive member name contains a NUL byte: {name!r}")
        parts.append(part)
    return parts


_Node = dict[bytes, "_Node | tuple[int, bytes]"]


class TreeBuilder:
    """Accumulates an archive's entries (perms and ids only, never file bytes) and
    computes every directory once all members are known: archive members come in any
    order, so no directory is final before the end."""

    def __init__(self) -> None:
        self._root: _Node = {}

    def _parent(self, parts: list[bytes]) -> _Node:
        node = self._root
        for part in parts:
            child = node.get(part)
            if not isinstance(child, dict):  # missing, or a file replaced by a dir
                child = {}
                node[part] = child
            node = child
        return node

    def add_directory(self, parts: list[bytes]) -> None:
        self._parent(parts)

    def add_file(self, parts: list[bytes], perms: int, sha1_git: bytes) -> None:
        self._parent(parts[:-1])[parts[-1]] = (perms, sha1_git)

    def lookup_file(self, parts: list[bytes]) -> tuple[int, bytes] | None:
        node: _Node | tuple[int, bytes] = self._root
        for part in parts:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return None if isinstance(node, dict) else node

    def directories(self) -> Iterator[DirectoryRecord]:
        """Every distinct directory, children before parents; the root comes last."""
        seen: set[bytes] = set()
        # Iterative post-order so deep archives cannot exhaust the recursion limit.
        stack: list[tuple[bytes, _Node]] = [(b"", self._root)]
        done: dict[int, DirectoryRecord] = {}
        while stack:
            path, node = stack[-1]
            pending = [
                (name, child)
                for name, child in node.items()
                if isinstance(child, dict) and id(child) not in done
            ]
            if pending:
                prefix = path + b"/" if path else b""
                stack.extend((prefix + name, child) for name, child in pending)
                continue
            stack.pop()
            entries: list[DirectoryEntry] = []
            for name, child in node.items():
                if isinstance(child, dict):
                    entries.append(dir_entry(name, done.pop(id(child))))
                else:
                    perms, target = child
                    entries.append(DirectoryEntry(name, EntryType.FILE, perms, target))
            record = make_directory(path, entries)
            done[id(node)] = record
            if record.sha1_git not in seen:
                seen.add(record.sha1_git)
                yield record
