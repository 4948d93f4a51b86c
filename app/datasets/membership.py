"""Is this file in that build? Answers with RFC 9162 proofs a client checks offline
(:mod:`app.datasets.verify`).

A proof reads one chunk of leaves (``CHUNK_LEAVES`` rows by primary-key range) and
the build's stored chunk roots: a few milliseconds whatever the build's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.archive import repository as archive
from app.datasets import repository
from app.datasets.merkle import CHUNK_LEAVES, leaf_of, proof_for, upper_tree
from app.datasets.schemas import (
    LeafOut,
    ManifestRowOut,
    MembershipOut,
    OriginMembershipOut,
    ProofOut,
)
from app.kit.problems import NotFound, Problem
from app.kit.swhid import ObjectType, format_swhid, parse_swhid
from app.models import DatasetBuild, DatasetExclusion, DatasetManifest

MAX_ORIGIN_FILES = 1000


@dataclass(frozen=True)
class Tree:
    """One of a build's RFC 9162 trees over sorted SWHIDs, stored as leaf rows with
    the roots of their chunks: the manifest (root: the extensional fingerprint) or
    the set its opt-out stage excluded (root: ``optout_exclusion.root``). Both are
    proven by :func:`prove_in`, so "in" and "not in" mean the same in both."""

    table: repository.LeafTable
    build_id: int
    size: int
    chunk_leaves: int
    chunk_roots: bytes

    @classmethod
    def manifest(cls, build: DatasetBuild) -> Tree:
        return cls(
            DatasetManifest,
            build.id,
            build.row_count or 0,
            build.merkle_chunk_leaves or 1,
            build.merkle_chunk_roots or b"",
        )

    @classmethod
    def excluded(cls, build: DatasetBuild) -> Tree:
        return cls(
            DatasetExclusion,
            build.id,
            build.optout_excluded_count or 0,
            CHUNK_LEAVES,
            build.optout_excluded_chunk_roots or b"",
        )


def _leaf(session: Session, tree: Tree, index: int, sha1_git: bytes) -> LeafOut:
    start = index - index % tree.chunk_leaves
    chunk = repository.leaf_ids(
        session, tree.build_id, start, start + tree.chunk_leaves - 1, tree.table
    )
    path = proof_for(
        index,
        tree.size,
        tree.chunk_leaves,
        upper_tree(tree.chunk_roots),
        [leaf_of(sha) for sha in chunk],
    )
    return LeafOut(
        swhid=format_swhid(ObjectType.CONTENT, sha1_git),
        index=index,
        audit_path=[h.hex() for h in path],
    )


def prove_in(session: Session, tree: Tree, sha1_git: bytes) -> ProofOut:
    """Whether ``sha1_git`` is a leaf of ``tree``: its inclusion proof, or the proof
    that it is not (the adjacent leaves around where it would sort, each with its
    inclusion proof: :func:`app.datasets.verify.verify` checks both kinds)."""
    found = repository.leaf_by_sha(session, tree.table, tree.build_id, sha1_git)
    if found is not None:
        return ProofOut(member=True, tree_size=tree.size, leaf=_leaf(session, tree, *found))
    before, after = repository.neighbours(session, tree.build_id, sha1_git, tree.table)
    return ProofOut(
        member=False,
        tree_size=tree.size,
        before=_leaf(session, tree, *before) if before is not None else None,
        after=_leaf(session, tree, *after) if after is not None else None,
    )


def prove(session: Session, build: DatasetBuild, sha1_git: bytes) -> MembershipOut:
    """Membership of the content ``sha1_git`` in ``build``, with its proof."""
    assert build.extensional_fingerprint is not None
    swhid = format_swhid(ObjectType.CONTENT, sha1_git)
    fingerprint = build.extensional_fingerprint.hex()
    proof = prove_in(session, Tree.manifest(build), sha1_git)
    row = (
        repository.manifest_row_by_hash(session, build.id, "sha1_git", sha1_git)
        if proof.member
        else None
    )
    return MembershipOut(
        swhid=swhid,
        member=proof.member,
        extensional_fingerprint=fingerprint,
        proof=proof,
        row=ManifestRowOut.of(row) if row is not None else None,
    )


def content_key(swhid: str | None, sha1: str | None, sha256: str | None) -> tuple[str, bytes]:
    """Which hash the caller gave (exactly one), decoded."""
    given = [(k, v) for k, v in (("swhid", swhid), ("sha1", sha1), ("sha256", sha256)) if v]
    if len(given) != 1:
        raise Problem("give exactly one of swhid, sha1, sha256 or origin")
    kind, value = given[0]
    if kind == "swhid":
        parsed = parse_swhid(value)
        if parsed.object_type is not ObjectType.CONTENT:
            raise Problem(f"{value} is not a content SWHID (swh:1:cnt:...)")
        return "sha1_git", parsed.object_id
    size = 20 if kind == "sha1" else 32
    try:
        digest = bytes.fromhex(value)
    except ValueError:
        digest = b""
    if len(digest) != size:
        raise Problem(f"{kind} must be {size * 2} hexadecimal digits")
    return kind, digest


def prove_hash(session: Session, build: DatasetBuild, algo: str, digest: bytes) -> MembershipOut:
    """Membership by a hash of a file's bytes. A proof is about SWHIDs: a member's
    comes from the manifest, a non-member's from the archive (a 404 when the archive
    does not know those bytes either: ask by SWHID, ``git hash-object`` gives it)."""
    if algo == "sha1_git":
        return prove(session, build, digest)
    row = repository.manifest_row_by_hash(session, build.id, algo, digest)
    if row is not None:
        return prove(session, build, row.sha1_git)
    content = archive.content_by_hash(session, algo, digest)
    if content is None:
        raise NotFound(
            f"no archived content has {algo} {digest.hex()}: give its SWHID "
            "(git hash-object) for a proof of non-membership"
        )
    return prove(session, build, content.sha1_git)


def prove_origin(
    session: Session, build: DatasetBuild, url: str, limit: int = MAX_ORIGIN_FILES
) -> OriginMembershipOut:
    """Which of the origin's archived files are in the build (with proofs for those)."""
    if not repository.origin_exists(session, url):
        raise NotFound(f"no origin {url!r}")
    assert build.extensional_fingerprint is not None
    ids = repository.origin_contents(session, url, limit)
    members = repository.members_among(session, build.id, ids)
    return OriginMembershipOut(
        origin=url,
        extensional_fingerprint=build.extensional_fingerprint.hex(),
        files=len(ids),
        members=[prove(session, build, sha) for sha in ids if sha in members],
        non_members=[format_swhid(ObjectType.CONTENT, sha) for sha in ids if sha not in members],
    )
