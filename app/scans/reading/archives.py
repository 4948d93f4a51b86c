"""Scan tarballs and zip files in memory: nothing is extracted to disk.

Hashing members straight from the archive stream removes the whole class of
extraction hazards (``..`` and absolute paths, symlinks pointing outside, device
files, permission surprises) and the disk I/O. The resulting tree is the one an
extraction into an empty directory would produce, so its id equals what
``swh.model.from_disk`` computes on that extraction: regular files keep their
executable bit, symlinks are contents holding their target (never followed),
directories are implied by member paths, and a later member replaces an earlier one
at the same path. Only perms and ids are kept for the tree, never file bytes.
"""

from __future__ import annotations

import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from .errors import UnreadableSource
from .hashing import ContentHashes, hash_bytes, hash_stream
from .records import MODE_SYMLINK, DirectoryRecord, FileEntry, perms_for_file_mode
from .tree import TreeBuilder, normalize_member_path

#: Errors the stdlib readers raise on corrupt or truncated input.
_ARCHIVE_ERRORS = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    KeyError,  # tarfile: hard link to a member that does not exist
    NotImplementedError,  # zip: unsupported compression method
    RuntimeError,  # zip: encrypted member
    ValueError,
)


def _file(parts: list[bytes], perms: int, hashes: ContentHashes, data: bytes | None) -> FileEntry:
    return FileEntry(
        path=b"/".join(parts),
        sha1_git=hashes.sha1_git,
        sha1=hashes.sha1,
        sha256=hashes.sha256,
        length=hashes.length,
        mode=perms,
        data=data,
    )


def _keep(data: bytes, max_file_size: int | None) -> bytes | None:
    return data if max_file_size is None or len(data) <= max_file_size else None


def walk_tar(path: Path, *, max_file_size: int | None) -> Iterator[DirectoryRecord | FileEntry]:
    """Files in archive order, then every directory (root last)."""
    try:
        yield from _walk_tar(path, max_file_size)
    except UnreadableSource:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise UnreadableSource(f"unreadable tar archive {path.name}: {exc}") from exc


def _name(text: str) -> bytes:
    # Opened with utf-8/surrogateescape, so this gives back the member's exact bytes.
    return text.encode("utf-8", "surrogateescape")


def _walk_tar(path: Path, max_file_size: int | None) -> Iterator[DirectoryRecord | FileEntry]:
    builder = TreeBuilder()
    regular: dict[bytes, ContentHashes] = {}  # hard-link targets: hashes only
    # Random-access mode (not "r|*"): a hard link's bytes are those of an earlier
    # member, which tarfile can only re-read by seeking back to it.
    with tarfile.open(path, mode="r:*", encoding="utf-8", errors="surrogateescape") as tar:
        for member in tar:
            parts = normalize_member_path(_name(member.name))
            if not parts:
                continue
            if member.isdir():
                builder.add_directory(parts)
                continue
            if member.issym():
                target = _name(member.linkname)
                builder.add_file(parts, MODE_SYMLINK, hash_bytes(target).sha1_git)
                yield _file(parts, MODE_SYMLINK, hash_bytes(target), _keep(target, max_file_size))
                continue
            perms = perms_for_file_mode(member.mode & 0o7777)
            if member.islnk():
                hashes, data = _hard_link(tar, member, regular, max_file_size)
                regular[b"/".join(parts)] = hashes
            elif member.isreg():
                stream = tar.extractfile(member)
                if stream is None:  # pragma: no cover - regular members always have one
                    raise UnreadableSource(f"cannot read tar member {member.name!r}")
                with stream:
                    hashes, data = hash_stream(stream, member.size, keep_up_to=max_file_size)
                regular[b"/".join(parts)] = hashes
            else:  # fifo, device: from_disk records an empty content
                hashes, data = hash_bytes(b""), b""
            builder.add_file(parts, perms, hashes.sha1_git)
            yield _file(parts, perms, hashes, data)
    yield from builder.directories()


def _hard_link(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    regular: dict[bytes, ContentHashes],
    max_file_size: int | None,
) -> tuple[ContentHashes, bytes | None]:
    """A hard link has its target's bytes; re-read them only if they are to be kept."""
    target = b"/".join(normalize_member_path(_name(member.linkname)))
    hashes = regular.get(target)
    if hashes is None:
        raise UnreadableSource(f"tar hard link {member.name!r} to a missing member")
    if max_file_size is not None and hashes.length > max_file_size:
        return hashes, None
    stream = tar.extractfile(member)
    if stream is None:  # pragma: no cover
        raise UnreadableSource(f"cannot read tar member {member.name!r}")
    with stream:
        data = stream.read()
    if hash_bytes(data) != hashes:
        raise UnreadableSource(f"tar hard link {member.name!r} does not match its target")
    return hashes, data


def walk_zip(path: Path, *, max_file_size: int | None) -> Iterator[DirectoryRecord | FileEntry]:
    """Files in archive order, then every directory (root last)."""
    try:
        yield from _walk_zip(path, max_file_size)
    except UnreadableSource:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise UnreadableSource(f"unreadable zip archive {path.name}: {exc}") from exc


def _zip_name(info: zipfile.ZipInfo) -> bytes:
    # zipfile decoded the stored bytes as UTF-8 (flag bit 11) or cp437; both codecs
    # round-trip, so this recovers the exact bytes, as unzip writes them on Unix.
    return info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _walk_zip(path: Path, max_file_size: int | None) -> Iterator[DirectoryRecord | FileEntry]:
    builder = TreeBuilder()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts = normalize_member_path(_zip_name(info))
            if not parts:
                continue
            unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
            if info.is_dir() or stat.S_ISDIR(unix_mode):
                builder.add_directory(parts)
                continue
            if stat.S_ISLNK(unix_mode):
                target = archive.read(info)
                hashes, data, perms = hash_bytes(target), _keep(target, max_file_size), MODE_SYMLINK
            else:
                perms = perms_for_file_mode(unix_mode & 0o7777)
                with archive.open(info) as stream:
                    hashes, data = hash_stream(stream, info.file_size, keep_up_to=max_file_size)
            builder.add_file(parts, perms, hashes.sha1_git)
            yield _file(parts, perms, hashes, data)
    yield from builder.directories()


def sniff_archive(path: Path) -> str | None:
    """``"tar"`` or ``"zip"`` from the file's first bytes (not its name), else None."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError as exc:
        raise UnreadableSource(f"cannot read {os.fsdecode(path)}: {exc}") from exc
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    compressed = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")
    if head.startswith(compressed) or head[257:262] == b"ustar":
        return "tar"
    return None
