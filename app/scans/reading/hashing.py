"""Content hashes (sha1, sha256, sha1_git) computed in one pass over the bytes.

Hand-written on top of :mod:`hashlib` rather than ``swh.model.hashutil.MultiHash``
because this is the hot loop of a scan: MultiHash also computes blake2s256 by
default and dispatches per hash in Python for every chunk; here the three digests
are plain C calls. The result is checked against ``swh.model`` in the tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

CHUNK_SIZE = 1 << 20


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ContentHashes:
    sha1_git: bytes
    sha1: bytes
    sha256: bytes
    length: int


class ContentHasher:
    """Incremental hasher for a content whose length is known up front.

    git's object id is ``sha1(b"blob <length>\\0" + data)``, so the length has to be
    known before the first byte; every source we read (git object headers, tar and
    zip members, ``lstat``) gives it to us.
    """

    __slots__ = ("_length", "_seen", "_sha1", "_sha1_git", "_sha256")

    def __init__(self, length: int) -> None:
        self._length = length
        self._seen = 0
        self._sha1 = hashlib.sha1()  # noqa: S324 - content identity, not security
        self._sha256 = hashlib.sha256()
        self._sha1_git = hashlib.sha1(b"blob %d\x00" % length)  # noqa: S324

    def update(self, chunk: bytes) -> None:
        self._seen += len(chunk)
        self._sha1.update(chunk)
        self._sha256.update(chunk)
        self._sha1_git.update(chunk)

    def digest(self) -> ContentHashes:
        if self._seen != self._length:
            raise ValueError(f"expected {self._length} bytes, hashed {self._seen}")
        return ContentHashes(
            sha1_git=self._sha1_git.digest(),
            sha1=self._sha1.digest(),
            sha256=self._sha256.digest(),
            length=self._length,
        )


def hash_bytes(data: bytes) -> ContentHashes:
    """Hashes of an in-memory content (symlink targets, small files)."""
    hasher = ContentHasher(len(data))
    hasher.update(data)
    return hasher.digest()


def hash_stream(
    stream: Readable, length: int, *, keep_up_to: int | None
) -> tuple[ContentHashes, bytes | None]:
    """Hash exactly ``length`` bytes of ``stream``; return them too when small enough.

    Bytes are kept only when ``keep_up_to`` is None or ``length <= keep_up_to`` so a
    multi-gigabyte file never sits in memory: it is hashed chunk by chunk.
    Raises :class:`EOFError` if the stream ends early (a truncated source).
    """
    keep = keep_up_to is None or length <= keep_up_to
    if keep:
        data = stream.read(length)
        if len(data) != length:
            raise EOFError(f"expected {length} bytes, got {len(data)}")
        return hash_bytes(data), data
    hasher = ContentHasher(length)
    remaining = length
    while remaining:
        chunk = stream.read(min(CHUNK_SIZE, remaining))
        if not chunk:
            raise EOFError(f"stream ended {remaining} bytes early")
        hasher.update(chunk)
        remaining -= len(chunk)
    return hasher.digest(), None
