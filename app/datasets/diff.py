"""What changed between two builds of a dataset, and why.

Added and removed SWHIDs come from an anti-join of the two partitions (both indexed
by ``(build_id, sha1_git)``), a page at a time in SWHID order. The reason of each
change is found by asking the other build's question about that file: the compiled
selection, restricted to the page's contents (:func:`~app.datasets.compiler.
candidates_select`), says which stage it fails:

* added, and archived after the base build's cut-off: **new data**;
* the file fails the license stage: **license changed** (same definition) or
  **filter changed** (the definitions differ);
* the file fails the domain or vulnerabilities stage: **signals changed** (same
  definition: a domain assigned or withdrawn, an advisory imported or matched) or
  **filter changed**;
* the file fails the opt-out stage: **opted out** (removed) or **opt-out withdrawn**
  (added);
* it fails another stage: **filter changed** when the definitions differ, else
  **data changed** (its facts or its origins' metadata changed, or time moved a
  relative date bound);
* it passes every filter: **ranking** (deduplication or the limit decided) when the
  build it is missing from removed files at those steps, else **data changed**.

An added file is judged against the base build's definition on today's data (a
build keeps what it kept, not the state of what it left out): a file that passes it
today was left out for data that has changed since (its license, its facts, its
origin's metadata) or for ranking. Removals are judged exactly: the newer build's
definition on the data it saw.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.datasets import compiler
from app.datasets.builder import prepare_input
from app.datasets.schemas import DiffEntryOut, DiffOut
from app.datasets.selection import Selection
from app.kit.pagination import decode_cursor, encode_cursor
from app.kit.problems import InvalidCursor, Problem
from app.kit.swhid import ObjectType, format_swhid
from app.kit.text import quoted
from app.models import Content, DatasetBuild, DatasetManifest, DatasetRevision

STAGE_NAMES = {n: s.name for n, s in enumerate(compiler.STAGES, start=1)}


def _only_in(
    session: Session, here: int, there: int, after: bytes | None, limit: int
) -> list[bytes]:
    mine, theirs = aliased(DatasetManifest), aliased(DatasetManifest)
    stmt = (
        select(mine.sha1_git)
        .where(mine.build_id == here)
        .where(
            ~select(theirs.sha1_git)
            .where(theirs.build_id == there, theirs.sha1_git == mine.sha1_git)
            .exists()
        )
        .order_by(mine.sha1_git)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(mine.sha1_git > after)
    return [bytes(v) for v in session.scalars(stmt)]


def _count_only_in(session: Session, here: int, there: int) -> int:
    from sqlalchemy import func

    mine, theirs = aliased(DatasetManifest), aliased(DatasetManifest)
    return int(
        session.scalar(
            select(func.count())
            .select_from(mine)
            .where(mine.build_id == here)
            .where(
                ~select(theirs.sha1_git)
                .where(theirs.build_id == there, theirs.sha1_git == mine.sha1_git)
                .exists()
            )
        )
        or 0
    )


def _stages(
    session: Session, build: DatasetBuild, revision: DatasetRevision, ids: list[bytes]
) -> dict[bytes, int]:
    """The stage each content reaches under ``build``'s definition and cut-off."""
    if not ids:
        return {}
    selection = Selection.model_validate(revision.selection)
    inp = prepare_input(
        session,
        build_id=build.id,
        target=f"diff_{build.id}",
        cutoff=build.cutoff,
        purpose=revision.purpose,
        registry_version=build.optout_registry_version,
        selection=selection,
        refresh_authors=False,
    )
    query = compiler.candidates_select(selection, inp, only=ids).subquery()
    rows = session.execute(select(query.c.sha1_git, query.c.stage)).all()
    return {bytes(sha): int(stage) for sha, stage in rows}


def _ranked(build: DatasetBuild, clustered: bool) -> bool:
    """Could ranking have left the file out of ``build``: its limit removed files, or
    the file is in a near-duplicate cluster and deduplication removed files."""
    removed = {s["step"]: s.get("removed", 0) for s in build.funnel}
    return bool(removed.get("limit")) or (clustered and bool(removed.get("near_duplicates")))


def _reason(
    stage: int | None, same_definition: bool, added: bool, archived_after: bool, ranked: bool
) -> str:
    if added and archived_after:
        return "new data"
    if stage is None:
        return "data changed"  # no longer a candidate (no facts, or not archived then)
    name = STAGE_NAMES.get(stage)
    if name == "opt_out":
        return "opt-out withdrawn" if added else "opted out"
    if name == "license":
        return "license changed" if same_definition else "filter changed"
    if name in {"domain", "vulnerabilities"}:
        return "signals changed" if same_definition else "filter changed"
    if name is not None:
        return "data changed" if same_definition else "filter changed"
    return "ranking" if ranked else "data changed"


def diff(
    session: Session,
    dataset_id: int,
    base: tuple[DatasetBuild, DatasetRevision],
    other: tuple[DatasetBuild, DatasetRevision],
    cursor: str | None,
    limit: int,
) -> DiffOut:
    (a, rev_a), (b, rev_b) = base, other
    same = rev_a.selection == rev_b.selection
    kind = f"diff:{a.id}:{b.id}"
    after_added: bytes | None = None
    after_removed: bytes | None = None
    if cursor is not None:
        added_hex, removed_hex = decode_cursor(kind, cursor, 2)
        try:
            after_added = bytes.fromhex(added_hex) if added_hex else None
            after_removed = bytes.fromhex(removed_hex) if removed_hex else None
        except (TypeError, ValueError) as exc:
            raise InvalidCursor(f"cursor {quoted(cursor)} does not belong to this list") from exc
    added = _only_in(session, b.id, a.id, after_added, limit + 1)
    removed = _only_in(session, a.id, b.id, after_removed, limit + 1)
    more = len(added) > limit or len(removed) > limit
    added, removed = added[:limit], removed[:limit]
    archived = dict(
        session.execute(
            select(Content.sha1_git, Content.created_at).where(Content.sha1_git.in_(added))
        ).all()
    )
    clustered = set(
        session.scalars(
            select(DatasetManifest.sha1_git).where(
                DatasetManifest.build_id == b.id,
                DatasetManifest.sha1_git.in_(added),
                DatasetManifest.near_dup_cluster.is_not(None),
            )
        )
    )
    stages_under_a = _stages(session, a, rev_a, added)
    stages_under_b = _stages(session, b, rev_b, removed)
    entries: list[DiffEntryOut] = []
    for sha in added:
        created = archived.get(sha)
        reason = _reason(
            stages_under_a.get(sha),
            same,
            True,
            created is not None and created > a.cutoff,
            _ranked(a, sha in clustered),
        )
        entries.append(
            DiffEntryOut(swhid=format_swhid(ObjectType.CONTENT, sha), change="added", reason=reason)
        )
    for sha in removed:
        reason = _reason(stages_under_b.get(sha), same, False, False, _ranked(b, True))
        entries.append(
            DiffEntryOut(
                swhid=format_swhid(ObjectType.CONTENT, sha), change="removed", reason=reason
            )
        )
    next_cursor = None
    if more:
        next_cursor = encode_cursor(
            kind,
            [added[-1].hex() if added else (after_added or b"").hex(),
             removed[-1].hex() if removed else (after_removed or b"").hex()],
        )  # fmt: skip
    counts: Counter[str] = Counter(e.reason for e in entries)
    return DiffOut(
        dataset_id=dataset_id,
        base=a.number,
        other=b.number,
        added=_count_only_in(session, b.id, a.id),
        removed=_count_only_in(session, a.id, b.id),
        reasons=dict(counts),
        entries=entries,
        next_cursor=next_cursor,
    )


def check_pair(a: Any, b: Any) -> None:
    if a.id == b.id:
        raise Problem("compare two different builds")
