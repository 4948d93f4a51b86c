"""Parse raw git commit, tag and tree bodies into scan records.

Hand-written (no dulwich/pygit2) because the formats are tiny and we already hold
the raw bytes from ``git cat-file``; what matters is fidelity, and that is checked
by rebuilding each object with ``swh.model`` and comparing ids. When the parsed
fields cannot reproduce the id (malformed dates, header oddities, non-canonical
trees), the record keeps the raw manifest, as SWH's git loader does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TypeVar

from swh.model.hashutil import git_object_header

from app.kit.swhid import ObjectType

from .records import DirectoryEntry, GitDate, ReleaseRecord, RevisionRecord, entry_type_for_mode

_R = TypeVar("_R", RevisionRecord, ReleaseRecord)
_AUTHORSHIP = re.compile(rb"^.*> (?P<seconds>\S+) (?P<offset>\S+)$", re.DOTALL)

GIT_TYPE_TO_OBJECT_TYPE = {
    b"blob": ObjectType.CONTENT,
    b"tree": ObjectType.DIRECTORY,
    b"commit": ObjectType.REVISION,
    b"tag": ObjectType.RELEASE,
}


def split_headers(raw: bytes) -> tuple[list[tuple[bytes, bytes]], bytes | None]:
    """Headers (continuation lines joined with ``\\n``) and the message after the
    first blank line; the message is None when there is no blank line at all."""
    headers: list[tuple[bytes, bytes]] = []
    pos, end = 0, len(raw)
    while pos < end:
        if raw[pos] == 0x0A:
            return headers, raw[pos + 1 :]
        nl = raw.find(b"\n", pos)
        line = raw[pos:] if nl == -1 else raw[pos:nl]
        pos = end if nl == -1 else nl + 1
        if line[:1] == b" " and headers:
            key, value = headers[-1]
            headers[-1] = (key, value + b"\n" + line[1:])
        else:
            key, _, value = line.partition(b" ")
            headers.append((key, value))
    return headers, None


def parse_authorship(value: bytes) -> tuple[bytes, GitDate | None]:
    """``Name <email> 1700000000 +0200`` → (b"Name <email>", GitDate).

    Same split as SWH: the identity runs to the last ``>`` followed by a space; a
    line without a parsable date is all identity.
    """
    sep = value.rfind(b"> ")
    if sep == -1:
        return value, None
    match = _AUTHORSHIP.match(value)
    if match is None:
        return value[: sep + 1], None
    try:
        seconds = int(match["seconds"])
    except ValueError:
        return value[: sep + 1], None
    return value[: sep + 1], GitDate(seconds=seconds, offset_bytes=match["offset"])


def _hex_id(value: bytes) -> bytes:
    try:
        oid = bytes.fromhex(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        oid = b""
    return oid if len(oid) == 20 else b"\x00" * 20


def parse_commit(sha1_git: bytes, raw: bytes) -> RevisionRecord:
    headers, message = split_headers(raw)
    directory = b"\x00" * 20
    parents: list[bytes] = []
    author = committer = None
    author_date = committer_date = None
    extra: list[tuple[bytes, bytes]] = []
    for key, value in headers:
        if key == b"tree":
            directory = _hex_id(value)
        elif key == b"parent":
            parents.append(_hex_id(value))
        elif key == b"author" and author is None:
            author, author_date = parse_authorship(value)
        elif key == b"committer" and committer is None:
            committer, committer_date = parse_authorship(value)
        else:
            extra.append((key, value))
    record = RevisionRecord(
        sha1_git=sha1_git,
        directory=directory,
        parents=tuple(parents),
        author=author,
        author_date=author_date,
        committer=committer,
        committer_date=committer_date,
        extra_headers=tuple(extra),
        message=message,
    )
    if _reproduces(record, sha1_git):
        return record
    return _with_manifest(record, "commit", raw)


def parse_tag(sha1_git: bytes, raw: bytes) -> ReleaseRecord:
    headers, message = split_headers(raw)
    target = b"\x00" * 20
    target_type = ObjectType.REVISION
    name = b""
    author = None
    date = None
    for key, value in headers:
        if key == b"object":
            target = _hex_id(value)
        elif key == b"type":
            target_type = GIT_TYPE_TO_OBJECT_TYPE.get(value, ObjectType.REVISION)
        elif key == b"tag":
            name = value
        elif key == b"tagger":
            author, date = parse_authorship(value)
    record = ReleaseRecord(
        sha1_git=sha1_git,
        name=name,
        target=target,
        target_type=target_type,
        author=author,
        date=date,
        message=message,
    )
    if _reproduces(record, sha1_git):
        return record
    return _with_manifest(record, "tag", raw)


def _reproduces(record: RevisionRecord | ReleaseRecord, sha1_git: bytes) -> bool:
    """Does ``swh.model`` rebuild exactly this id from the parsed fields?"""
    try:
        return bool(record.to_model(with_raw_manifest=False).compute_hash() == sha1_git)
    except (ValueError, TypeError):  # fields swh.model refuses (attrs validators)
        return False


def _with_manifest(record: _R, git_type: str, raw: bytes) -> _R:
    return replace(record, raw_manifest=git_object_header(git_type, len(raw)) + raw)


def parse_tree(raw: bytes) -> list[DirectoryEntry]:
    """Entries of a raw git tree (``<octal mode> <name>\\0<20-byte id>``...), in order."""
    entries: list[DirectoryEntry] = []
    pos, end = 0, len(raw)
    find = raw.find
    while pos < end:
        space = find(b" ", pos)
        nul = find(b"\x00", space + 1)
        if space == -1 or nul == -1 or nul + 21 > end:
            raise ValueError("truncated git tree")
        mode = int(raw[pos:space], 8)
        entries.append(
            DirectoryEntry(
                name=raw[space + 1 : nul],
                type=entry_type_for_mode(mode),
                perms=mode,
                target=raw[nul + 1 : nul + 21],
            )
        )
        pos = nul + 21
    return entries


__all__ = [
    "GIT_TYPE_TO_OBJECT_TYPE",
    "parse_authorship",
    "parse_commit",
    "parse_tag",
    "parse_tree",
    "split_headers",
]
