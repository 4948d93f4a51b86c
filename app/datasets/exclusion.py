"""Proof of exclusion: the set of contents a build's opt-out stage removed, published
as the RFC 9162 root of its sorted SWHIDs, with inclusion proofs in that set, and
non-inclusion proofs for a file it does not hold.

An author holds a build's ``optout_excluded_root`` and asks
``GET .../builds/{n}/exclusion?swhid=``: the answer's audit path leads from their
file's SWHID to that root with the same hashing as the manifest's (checked by
:func:`app.datasets.verify.verify_inclusion`, or the README's few lines of hashlib),
so "your file was left out" is a fact anyone can check, not a promise; and so is
"your file was not left out": the two adjacent leaves of the set around where its
SWHID would sort, each with its inclusion proof (the same proof as a membership
answer's, from the same code). The set
holds SWHIDs only: nothing in it says which opt-out, or whose, removed a file.

It is the opt-out stage's set, not the whole registry's: a file that another filter
would have removed anyway (wrong language, no license) is not in it, so its size is
the funnel's ``opt_out`` count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.datasets import membership
from app.datasets.compiler import STAGE_NUMBER, CompileInput, candidates_select
from app.datasets.merkle import CHUNK_LEAVES, MerkleBuilder, leaf_of
from app.datasets.schemas import ExclusionOut
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
    """Whether the build's opt-out stage removed the content, with the proof either way:
    its inclusion in the excluded set, or its non-inclusion (the adjacent leaves of that
    set), made by the same code as a membership answer's (:func:`membership.prove_in`)."""
    proof = membership.prove_in(session, membership.Tree.excluded(build), sha1_git)
    return ExclusionOut(
        swhid=format_swhid(ObjectType.CONTENT, sha1_git),
        excluded=proof.member,
        tree_size=proof.tree_size,
        root=(build.optout_excluded_root or b"").hex() or None,
        leaf=proof.leaf,
        proof=proof,
    )
