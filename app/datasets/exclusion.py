"""Proof of exclusion: the set of contents a build's opt-out stage removed, published
as the RFC 9162 root of its sorted SWHIDs, with inclusion proofs in that set.

An author holds a build's ``optout_excluded_root`` and asks
``GET .../builds/{n}/exclusion?swhid=``: the answer's audit path leads from their
file's SWHID to that root with the same hashing as the manifest's (checked by
:func:`app.datasets.verify.verify_inclusion`, or the README's few lines of hashlib),
so "your file was left out" is a fact anyone can check, not a promise. The set
holds SWHIDs only: nothing in it says which opt-out, or whose, removed a file.

It is the opt-out stage's set, not the whole registry's: a file that another filter
would have removed anyway (wrong language, no license) is not in it, so its size is
the funnel's ``opt_out`` count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.datasets.compiler import STAGE_NUMBER, CompileInput, candidates_select
from app.datasets.merkle import CHUNK_LEAVES, MerkleBuilder, leaf_of, proof_for, upper_tree
from app.datasets.schemas import ExclusionOut, LeafOut
from app.datasets.selection import Selection
from app.kit.swhid import ObjectType, format_swhid
from app.models import DatasetBuild, DatasetExclusion

INSERT_BATCH = 5000


@dataclass
class ExcludedSet:
    count: int
    root: bytes
    chunk_roots: bytes


def record(session: Session, build_id: int, selection: Selection, inp: CompileInput) -> ExcludedSet:
    """Find the contents the opt-out stage removed (re-evaluating the selection for the
    opted-out contents only), store them as leaves and return the set's root."""
    builder = MerkleBuilder(CHUNK_LEAVES)
    if inp.optouts is not None and inp.optouts.total:
        query = candidates_select(selection, inp, only_optouts=True).subquery("x")
        shas = session.scalars(
            select(query.c.sha1_git)
            .where(query.c.stage == STAGE_NUMBER["opt_out"])
            .order_by(query.c.sha1_git)
        ).all()
        batch: list[dict[str, object]] = []
        for index, sha in enumerate(shas):
            builder.add(leaf_of(bytes(sha)))
            batch.append({"build_id": build_id, "leaf_index": index, "sha1_git": bytes(sha)})
            if len(batch) >= INSERT_BATCH:
                session.execute(insert(DatasetExclusion), batch)
                batch = []
        if batch:
            session.execute(insert(DatasetExclusion), batch)
    root = builder.finish()
    return ExcludedSet(builder.size, root, b"".join(builder.chunk_roots))


def prove(session: Session, build: DatasetBuild, sha1_git: bytes) -> ExclusionOut:
    """Whether the build's opt-out stage removed the content, with the inclusion proof
    in the excluded set when it did."""
    swhid = format_swhid(ObjectType.CONTENT, sha1_git)
    size = build.optout_excluded_count or 0
    root = (build.optout_excluded_root or b"").hex() or None
    row = session.scalars(
        select(DatasetExclusion).where(
            DatasetExclusion.build_id == build.id, DatasetExclusion.sha1_git == sha1_git
        )
    ).first()
    if row is None:
        return ExclusionOut(swhid=swhid, excluded=False, tree_size=size, root=root, leaf=None)
    start = row.leaf_index - row.leaf_index % CHUNK_LEAVES
    chunk = session.scalars(
        select(DatasetExclusion.sha1_git)
        .where(
            DatasetExclusion.build_id == build.id,
            DatasetExclusion.leaf_index.between(start, start + CHUNK_LEAVES - 1),
        )
        .order_by(DatasetExclusion.leaf_index)
    ).all()
    path = proof_for(
        row.leaf_index,
        size,
        CHUNK_LEAVES,
        upper_tree(build.optout_excluded_chunk_roots or b""),
        [leaf_of(bytes(sha)) for sha in chunk],
    )
    return ExclusionOut(
        swhid=swhid,
        excluded=True,
        tree_size=size,
        root=root,
        leaf=LeafOut(swhid=swhid, index=row.leaf_index, audit_path=[h.hex() for h in path]),
    )
