"""Read the files of a source again, for the backfill: contents' bytes are not stored
(the archive keeps hashes, facts and places), so fingerprints of contents archived
before the index come from re-reading where they were scanned from.

A git repository (its HEAD tree, through ``git cat-file --batch``), a directory, a
tarball or a zip. Each file comes with its git blob id, which names its content
row. This is a reader of its own rather than ``app.scans.reading`` because scans
stand above attribution in the layers (a scan calls the index, not the reverse), and
the backfill needs only bytes and blob ids, not SWH objects.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

MAX_FILE_BYTES = 1024 * 1024  # as the index (larger files are not fingerprinted)


def blob_id(data: bytes) -> bytes:
    """git's (and Software Heritage's) content identifier: sha1 of the blob object."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).digest()


def path_of_url(url: str) -> Path | None:
    """The local path of a ``file://`` origin URL."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def iter_files(location: Path) -> Iterator[tuple[str, bytes, bytes]]:
    """``(path, sha1_git, data)`` of every regular file of the source."""
    if location.is_dir():
        if (location / ".git").exists() or (location / "HEAD").is_file():
            yield from _git(location)
        else:
            yield from _directory(location)
    elif tarfile.is_tarfile(location):
        yield from _tar(location)
    elif zipfile.is_zipfile(location):
        yield from _zip(location)


def _directory(root: Path) -> Iterator[tuple[str, bytes, bytes]]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
            yield path.relative_to(root).as_posix(), blob_id(data), data


def _tar(location: Path) -> Iterator[tuple[str, bytes, bytes]]:
    with tarfile.open(location) as archive:
        for member in archive:
            if not member.isfile() or member.size > MAX_FILE_BYTES:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                data = handle.read()
                yield member.name, blob_id(data), data


def _zip(location: Path) -> Iterator[tuple[str, bytes, bytes]]:
    with zipfile.ZipFile(location) as archive:
        for info in archive.infolist():
            if info.is_dir() or info.file_size > MAX_FILE_BYTES:
                continue
            data = archive.read(info)
            yield info.filename, blob_id(data), data


def _git(location: Path) -> Iterator[tuple[str, bytes, bytes]]:
    listing = subprocess.run(
        ["git", "-C", str(location), "ls-tree", "-r", "-z", "-l", "HEAD"],
        capture_output=True,
        check=True,
    ).stdout
    wanted: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, raw_sha, length = meta.split()
        if kind != b"blob" or mode == b"120000" or length == b"-" or int(length) > MAX_FILE_BYTES:
            continue
        wanted.append((raw_path.decode("utf-8", "replace"), raw_sha.decode()))
    if not wanted:
        return
    with subprocess.Popen(
        ["git", "-C", str(location), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        for path, sha in wanted:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            size = int(header[2])
            data = proc.stdout.read(size)
            proc.stdout.read(1)  # the newline after each object
            yield path, bytes.fromhex(sha), data
        proc.stdin.close()
