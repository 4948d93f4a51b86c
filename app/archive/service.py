"""Resolve SWHIDs and hashes to archive objects, shared by REST and GraphQL."""

from __future__ import annotations

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
from app.kit.problems import NotFound, Problem
from app.kit.swhid import SWHID, ObjectType, format_swhid, parse_swhid
from app.licenses.detection import Finding, inherited_licenses
from app.licenses.findings import LicenseFindingOut, as_finding
from app.models import Content
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


def parse_content_key(key: str) -> tuple[str, bytes]:
    """A content key: a ``swh:1:cnt:`` SWHID or ``sha1:``/``sha256:``/``sha1_git:<hex>``."""
    if key.startswith("swh:"):
        swhid = parse_swhid(key)
        if swhid.object_type is not ObjectType.CONTENT:
            raise Problem(f"{key!r} is a {swhid.object_type.value} SWHID, not a content")
        return "sha1_git", swhid.object_id
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


def _inherited(
    session: Session, origin_id: int, snapshot_id: int, path: str, own: list[Finding]
) -> list[str]:
    """What the file at ``path`` inherits in that snapshot (computed on read: the same
    content inherits differently at different places)."""
    by_path: dict[str, list[Finding]] = {path: own}
    for file_path, row in repository.snapshot_license_files(session, origin_id, snapshot_id):
        by_path.setdefault(show_bytes(file_path) or "", []).append(as_finding(row))
    found = inherited_licenses(by_path, [path]).get(path, [])
    return list(dict.fromkeys(f.expression for f in found if f.expression))


def content_out(session: Session, content: Content, occurrence_limit: int = 20) -> ContentOut:
    fact = repository.content_fact(session, content.id)
    facts = None
    if fact is not None:
        facts = ContentFactOut.model_validate(fact, from_attributes=True)
    own_rows = repository.content_licenses(session, content.id)
    own = [as_finding(f) for f in own_rows]
    occurrences = [
        OccurrenceOut(
            origin=origin.url,
            snapshot=snap.swhid,
            path=show_bytes(occ.path) or "",
            swhid=f"{content.swhid};origin={origin.url};visit={snap.swhid}"
            f";path=/{(show_bytes(occ.path) or '').lstrip('/')}",
            inherited_licenses=_inherited(
                session, origin.id, snap.id, show_bytes(occ.path) or "", own
            ),
        )
        for occ, origin, snap in repository.occurrences(session, content.id, occurrence_limit)
    ]
    return ContentOut(
        swhid=content.swhid,
        sha1_git=content.sha1_git.hex(),
        sha1=content.sha1.hex(),
        sha256=content.sha256.hex(),
        length=content.length,
        facts=facts,
        licenses=[LicenseFindingOut.of(f) for f in own_rows],
        pii=repository.pii_summary(session, content.id),
        occurrence_count=repository.occurrence_count(session, content.id),
        occurrences=occurrences,
    )


def get_content(session: Session, key: str) -> ContentOut:
    algo, digest = parse_content_key(key)
    content = repository.content_by_hash(session, algo, digest)
    if content is None:
        raise NotFound(f"no content with {algo} {digest.hex()}")
    return content_out(session, content)


def resolve(session: Session, text: str) -> ResolvedOut:
    """What we know of the object a SWHID names (qualifiers are accepted and ignored)."""
    swhid: SWHID = parse_swhid(text)
    out = ResolvedOut(swhid=swhid.core, object_type=swhid.object_type)
    oid = swhid.object_id
    missing = NotFound(f"{swhid.core} is not known to CodeCommons")
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
            out.directory = DirectoryOut(
                swhid=directory.swhid,
                entries=[
                    DirectoryEntryOut(
                        name=show_bytes(e.name) or "",
                        type=e.type,
                        perms=e.perms,
                        target=format_swhid(_ENTRY_TYPES[e.type], e.target),
                    )
                    for e in directory.entries
                ],
            )
        case ObjectType.REVISION:
            rev = repository.revision(session, oid)
            if rev is None:
                raise missing
            out.revision = RevisionOut(
                swhid=rev.swhid,
                directory=format_swhid(ObjectType.DIRECTORY, rev.directory),
                parents=[format_swhid(ObjectType.REVISION, p) for p in rev.parents],
                author=show_bytes(rev.author),
                author_date=rev.author_date,
                committer=show_bytes(rev.committer),
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
                author=show_bytes(rel.author),
                date=rel.date,
                message=show_bytes(rel.message),
            )
        case ObjectType.SNAPSHOT:
            snap = repository.snapshot(session, oid)
            if snap is None:
                raise missing
            out.snapshot = SnapshotOut(
                swhid=snap.swhid,
                branches=[
                    BranchOut(
                        name=show_bytes(b.name) or "",
                        target_type=b.target_type,
                        target=format_swhid(_BRANCH_TYPES[b.target_type], b.target)
                        if b.target_type in _BRANCH_TYPES and b.target is not None
                        else show_bytes(b.target),
                    )
                    for b in snap.branches
                ],
            )
        case ObjectType.ORIGIN:
            origin = origins.get_by_swhid_id(session, oid)
            if origin is None:
                raise missing
            out.origin = OriginOut.of(origin)
        case _:
            raise missing
    return out
