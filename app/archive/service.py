"""Resolve SWHIDs and hashes to archive objects, and page through their parts (a
content's occurrences, a directory's entries, a snapshot's branches). REST and
GraphQL both call these functions, so they give the same answers and cursors.

Parts are paged by keyset: occurrences by ``path_occurrence.id``, entries and
branches by name (their rows are keyed ``(parent id, name)``). ``/v1/swhid`` embeds
only the first page of each, with the count and the cursor of the rest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from app.archive import repository
from app.archive.schemas import (
    BranchOut,
    ContentFactOut,
    ContentOut,
    DirectoryEntryOut,
    DirectoryOut,
    OccurrenceOut,
    ReleaseOut,
    ResolvedOut,
    RevisionOut,
    SnapshotOut,
    show_bytes,
)
from app.kit.pagination import Page, decode_cursor, decode_id_cursor, encode_cursor
from app.kit.personal import mask_identity
from app.kit.problems import InvalidCursor, NotFound, Problem
from app.kit.swhid import SWHID, ObjectType, format_swhid, parse_swhid
from app.licenses.detection import Finding, inherited_licenses
from app.licenses.findings import LicenseFindingOut, as_finding
from app.models import (
    Content,
    Directory,
    DirectoryEntry,
    Origin,
    PathOccurrence,
    Snapshot,
    SnapshotBranch,
)
from app.models.enums import BranchTargetType, EntryType
from app.origins import repository as origins
from app.origins.schemas import OriginOut

_ENTRY_TYPES = {
    EntryType.FILE: ObjectType.CONTENT,
    EntryType.DIR: ObjectType.DIRECTORY,
    EntryType.REV: ObjectType.REVISION,
}
_BRANCH_TYPES = {
    BranchTargetType.CONTENT: ObjectType.CONTENT,
    BranchTargetType.DIRECTORY: ObjectType.DIRECTORY,
    BranchTargetType.REVISION: ObjectType.REVISION,
    BranchTargetType.RELEASE: ObjectType.RELEASE,
    BranchTargetType.SNAPSHOT: ObjectType.SNAPSHOT,
}
HASH_LENGTHS = {"sha1_git": 20, "sha1": 20, "sha256": 32}

EMBEDDED_OCCURRENCES = 20  # occurrences shown with a content
EMBEDDED_PAGE = 1000  # entries or branches shown with a directory or snapshot
# Cursor kinds: a cursor of one list is refused by another.
OCCURRENCES, ENTRIES, BRANCHES = "occurrences", "entries", "branches"

T = TypeVar("T")
RowT = TypeVar("RowT")
OccurrenceRow = tuple[PathOccurrence, Origin, Snapshot]
LicenseFileFinding = tuple[
    str, Finding
]  # a license file's path in its snapshot, and a finding of it


def parse_content_key(key: str) -> tuple[str, bytes]:
    """A content key: a ``swh:1:cnt:`` SWHID or ``sha1:``/``sha256:``/``sha1_git:<hex>``."""
    if key.startswith("swh:"):
        return "sha1_git", _expect(key, ObjectType.CONTENT).object_id
    algo, sep, hexdigest = key.partition(":")
    if not sep or algo not in HASH_LENGTHS:
        raise Problem(
            f"{key!r} is neither a content SWHID nor <algo>:<hex> with algo one of "
            f"{', '.join(HASH_LENGTHS)}"
        )
    try:
        digest = bytes.fromhex(hexdigest)
    except ValueError:
        digest = b""
    if len(digest) != HASH_LENGTHS[algo]:
        raise Problem(f"a {algo} is {HASH_LENGTHS[algo] * 2} hexadecimal digits")
    return algo, digest


def _expect(text: str, expected: ObjectType) -> SWHID:
    """The SWHID ``text`` names, which must be of the ``expected`` type."""
    swhid = parse_swhid(text)
    if swhid.object_type is not expected:
        raise Problem(
            f"{text!r} is a {swhid.object_type.value} SWHID, not a {expected.name.lower()}"
        )
    return swhid


def _unknown(swhid: SWHID) -> NotFound:
    return NotFound(f"{swhid.core} is not known to CodeCommons")


def _name_cursor(kind: str, name: bytes) -> str:
    # Names are bytes (git allows any); hex keeps them exact inside the JSON cursor.
    return encode_cursor(kind, [name.hex()])


def _decode_name_cursor(kind: str, cursor: str | None) -> bytes | None:
    """The name a cursor of :func:`_name_cursor` carries (None without a cursor)."""
    if cursor is None:
        return None
    value = decode_cursor(kind, cursor, 1)[0]
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return bytes.fromhex(value)
    raise InvalidCursor(f"cursor {cursor!r} does not belong to this list")


@dataclass(frozen=True, slots=True)
class Paged(Generic[T]):
    """One page of a list, each item with the cursor that continues right after it:
    REST shows the last one as ``next_cursor``, GraphQL gives every edge its own."""

    items: list[tuple[str, T]]
    has_more: bool

    @property
    def values(self) -> list[T]:
        return [item for _, item in self.items]

    @property
    def next_cursor(self) -> str | None:
        return self.items[-1][0] if self.has_more and self.items else None

    def page(self) -> Page[T]:
        return Page[T](items=self.values, next_cursor=self.next_cursor)


def _paged(
    rows: Sequence[RowT],
    limit: int,
    cursor: Callable[[RowT], str],
    out: Callable[[Sequence[RowT]], list[T]],
) -> Paged[T]:
    """The page of ``limit + 1`` fetched rows (the extra one only says 'more');
    ``out`` converts the whole page at once so it can batch its own lookups."""
    page = rows[:limit]
    return Paged(
        items=list(zip((cursor(r) for r in page), out(page), strict=True)),
        has_more=len(rows) > limit,
    )


# --- contents and their occurrences ---


def _content(session: Session, key: str) -> Content:
    algo, digest = parse_content_key(key)
    content = repository.content_by_hash(session, algo, digest)
    if content is None:
        raise NotFound(f"no content with {algo} {digest.hex()}")
    return content


def _inherited(
    path: str, own: Sequence[Finding], license_files: Sequence[LicenseFileFinding]
) -> list[str]:
    """What the file at ``path`` inherits from the license files of its snapshot
    (computed on read: the same content inherits differently at different places)."""
    by_path: dict[str, list[Finding]] = {path: list(own)}
    for file_path, finding in license_files:
        by_path.setdefault(file_path, []).append(finding)
    found = inherited_licenses(by_path, [path]).get(path, [])
    return list(dict.fromkeys(f.expression for f in found if f.expression))


def _occurrences_out(
    session: Session, content: Content, own: Sequence[Finding], rows: Sequence[OccurrenceRow]
) -> list[OccurrenceOut]:
    """A page of occurrences, each with what it inherits where it is; the license
    files of every snapshot on the page come in one query."""
    found = repository.license_files_of_snapshots(
        session, {(origin.id, snap.id) for _, origin, snap in rows}
    )
    license_files = {
        place: [(show_bytes(path) or "", as_finding(row)) for path, row in files]
        for place, files in found.items()
    }
    out = []
    for occ, origin, snap in rows:
        path = show_bytes(occ.path) or ""
        out.append(
            OccurrenceOut(
                origin=origin.url,
                snapshot=snap.swhid,
                path=path,
                swhid=f"{content.swhid};origin={origin.url};visit={snap.swhid}"
                f";path=/{path.lstrip('/')}",
                inherited_licenses=_inherited(
                    path, own, license_files.get((origin.id, snap.id), [])
                ),
            )
        )
    return out


def _occurrence_page(
    session: Session,
    content: Content,
    own: Sequence[Finding],
    after_id: int | None,
    limit: int,
) -> Paged[OccurrenceOut]:
    rows = repository.occurrences(session, content.id, after_id=after_id, limit=limit + 1)
    return _paged(
        rows,
        limit,
        lambda r: encode_cursor(OCCURRENCES, [r[0].id]),
        lambda page: _occurrences_out(session, content, own, page),
    )


def content_out(
    session: Session, content: Content, occurrence_limit: int = EMBEDDED_OCCURRENCES
) -> ContentOut:
    """A content with its facts, licenses and its first occurrences (the rest are
    paged by :func:`content_occurrences`)."""
    fact = repository.content_fact(session, content.id)
    facts = None
    if fact is not None:
        facts = ContentFactOut.model_validate(fact, from_attributes=True)
    own_rows = repository.content_licenses(session, content.id)
    first = _occurrence_page(
        session, content, [as_finding(f) for f in own_rows], None, occurrence_limit
    )
    return ContentOut(
        swhid=content.swhid,
        sha1_git=content.sha1_git.hex(),
        sha1=content.sha1.hex(),
        sha256=content.sha256.hex(),
        length=content.length,
        facts=facts,
        licenses=[LicenseFindingOut.of(f) for f in own_rows],
        pii=repository.pii_summary(session, content.id),
        occurrence_count=repository.occurrence_count(session, content.id)
        if first.has_more
        else len(first.items),
        occurrences=first.values,
        occurrences_next_cursor=first.next_cursor,
    )


def get_content(session: Session, key: str) -> ContentOut:
    return content_out(session, _content(session, key))


def content_occurrences(
    session: Session, key: str, cursor: str | None, limit: int
) -> Paged[OccurrenceOut]:
    """Every place a content appears, a page at a time, in the order and with the
    inherited licenses of ``ContentOut.occurrences``."""
    after_id = decode_id_cursor(OCCURRENCES, cursor)
    content = _content(session, key)
    own = [as_finding(f) for f in repository.content_licenses(session, content.id)]
    return _occurrence_page(session, content, own, after_id, limit)


# --- directories and their entries ---


def _entry_out(entry: DirectoryEntry) -> DirectoryEntryOut:
    return DirectoryEntryOut(
        name=show_bytes(entry.name) or "",
        type=entry.type,
        perms=entry.perms,
        target=format_swhid(_ENTRY_TYPES[entry.type], entry.target),
    )


def _entry_page(
    session: Session, directory_id: int, after_name: bytes | None, limit: int
) -> Paged[DirectoryEntryOut]:
    rows = repository.directory_entries(
        session, directory_id, after_name=after_name, limit=limit + 1
    )
    return _paged(
        rows, limit, lambda e: _name_cursor(ENTRIES, e.name), lambda p: [_entry_out(e) for e in p]
    )


def directory_out(session: Session, directory: Directory) -> DirectoryOut:
    """A directory with its first entries (the rest are paged by
    :func:`directory_entries`: a directory may hold 50,000)."""
    first = _entry_page(session, directory.id, None, EMBEDDED_PAGE)
    return DirectoryOut(
        swhid=directory.swhid,
        entries=first.values,
        entry_count=repository.directory_entry_count(session, directory.id)
        if first.has_more
        else len(first.items),
        entries_next_cursor=first.next_cursor,
    )


def directory_entries(
    session: Session, swhid: str, cursor: str | None, limit: int
) -> Paged[DirectoryEntryOut]:
    """A directory's entries by name (byte order), a page at a time."""
    after_name = _decode_name_cursor(ENTRIES, cursor)
    parsed = _expect(swhid, ObjectType.DIRECTORY)
    directory = repository.directory(session, parsed.object_id)
    if directory is None:
        raise _unknown(parsed)
    return _entry_page(session, directory.id, after_name, limit)


# --- snapshots and their branches ---


def _branch_out(branch: SnapshotBranch) -> BranchOut:
    return BranchOut(
        name=show_bytes(branch.name) or "",
        target_type=branch.target_type,
        target=format_swhid(_BRANCH_TYPES[branch.target_type], branch.target)
        if branch.target_type in _BRANCH_TYPES and branch.target is not None
        else show_bytes(branch.target),
    )


def _branch_page(
    session: Session, snapshot_id: int, after_name: bytes | None, limit: int
) -> Paged[BranchOut]:
    rows = repository.snapshot_branches(
        session, snapshot_id, after_name=after_name, limit=limit + 1
    )
    return _paged(
        rows, limit, lambda b: _name_cursor(BRANCHES, b.name), lambda p: [_branch_out(b) for b in p]
    )


def snapshot_out(session: Session, snapshot: Snapshot) -> SnapshotOut:
    """A snapshot with its first branches (the rest are paged by
    :func:`snapshot_branches`: a snapshot may hold thousands of tags)."""
    first = _branch_page(session, snapshot.id, None, EMBEDDED_PAGE)
    return SnapshotOut(
        swhid=snapshot.swhid,
        branches=first.values,
        branch_count=repository.snapshot_branch_count(session, snapshot.id)
        if first.has_more
        else len(first.items),
        branches_next_cursor=first.next_cursor,
    )


def snapshot_branches(
    session: Session, swhid: str, cursor: str | None, limit: int
) -> Paged[BranchOut]:
    """A snapshot's branches by name (byte order), a page at a time."""
    after_name = _decode_name_cursor(BRANCHES, cursor)
    parsed = _expect(swhid, ObjectType.SNAPSHOT)
    snapshot = repository.snapshot(session, parsed.object_id)
    if snapshot is None:
        raise _unknown(parsed)
    return _branch_page(session, snapshot.id, after_name, limit)


def _identity(value: bytes | None, show_personal: bool) -> str | None:
    """A git identity as this caller may see it (:mod:`app.kit.personal`)."""
    shown = show_bytes(value)
    return shown if shown is None or show_personal else mask_identity(shown)


def resolve(session: Session, text: str, *, show_personal: bool = False) -> ResolvedOut:
    """What we know of the object a SWHID names (qualifiers are accepted and ignored).

    Git identities keep their e-mail addresses only for ``show_personal`` (admin
    callers); others see ``Name <withheld@domain>``."""
    swhid: SWHID = parse_swhid(text)
    out = ResolvedOut(swhid=swhid.core, object_type=swhid.object_type)
    oid = swhid.object_id
    missing = _unknown(swhid)
    match swhid.object_type:
        case ObjectType.CONTENT:
            content = repository.content_by_hash(session, "sha1_git", oid)
            if content is None:
                raise missing
            out.content = content_out(session, content)
        case ObjectType.DIRECTORY:
            directory = repository.directory(session, oid)
            if directory is None:
                raise missing
            out.directory = directory_out(session, directory)
        case ObjectType.REVISION:
            rev = repository.revision(session, oid)
            if rev is None:
                raise missing
            out.revision = RevisionOut(
                swhid=rev.swhid,
                directory=format_swhid(ObjectType.DIRECTORY, rev.directory),
                parents=[format_swhid(ObjectType.REVISION, p) for p in rev.parents],
                author=_identity(rev.author, show_personal),
                author_date=rev.author_date,
                committer=_identity(rev.committer, show_personal),
                committer_date=rev.committer_date,
                message=show_bytes(rev.message),
            )
        case ObjectType.RELEASE:
            rel = repository.release(session, oid)
            if rel is None:
                raise missing
            out.release = ReleaseOut(
                swhid=rel.swhid,
                name=show_bytes(rel.name) or "",
                target=format_swhid(rel.target_type, rel.target),
                author=_identity(rel.author, show_personal),
                date=rel.date,
                message=show_bytes(rel.message),
            )
        case ObjectType.SNAPSHOT:
            snap = repository.snapshot(session, oid)
            if snap is None:
                raise missing
            out.snapshot = snapshot_out(session, snap)
        case ObjectType.ORIGIN:
            origin = origins.get_by_swhid_id(session, oid)
            if origin is None:
                raise missing
            out.origin = OriginOut.of(origin)
        case _:
            raise missing
    return out
