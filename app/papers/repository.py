"""SQL for papers and paper links."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, literal, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Session

from app.models import Origin, Paper, PaperLink, SignalPending
from app.models.enums import PaperLinkKind, PaperStatus
from app.papers.identifiers import PaperKey, Scheme

KEY_COLUMN = {Scheme.DOI: "doi", Scheme.ARXIV: "arxiv_id", Scheme.HAL: "hal_id"}


def paper_for_key(session: Session, key: PaperKey) -> Paper:
    """The one paper row of a key, created on first sight (concurrency-safe)."""
    column = KEY_COLUMN[key.scheme]
    session.execute(insert(Paper).values({column: key.value}).on_conflict_do_nothing())
    return session.scalars(select(Paper).where(getattr(Paper, column) == key.value)).one()


def paper_by_key(session: Session, key: PaperKey) -> Paper | None:
    column = getattr(Paper, KEY_COLUMN[key.scheme])
    return session.scalars(select(Paper).where(column == key.value)).first()


def replace_links(
    session: Session, origin_id: int, tool: str, links: Sequence[PaperLink], *, from_payload: bool
) -> None:
    """A source's links are a snapshot: the new set replaces what the same tool found
    before in the same kind of evidence (files of a scan, or a registry payload)."""
    which = [PaperLink.origin_id == origin_id, PaperLink.tool == tool]
    which.append(
        PaperLink.raw_metadata_id.is_not(None)
        if from_payload
        else PaperLink.raw_metadata_id.is_(None)
    )
    before = set(session.scalars(select(PaperLink.paper_id).where(*which)))
    session.execute(delete(PaperLink).where(*which))
    session.add_all(links)
    changed = before ^ {link.paper_id for link in links}
    if _classified(session, changed):
        # A classified paper was linked or unlinked: the origin's domains change.
        mark_signals_stale(session, [origin_id], "paper link to a classified paper")


def _classified(session: Session, paper_ids: set[int]) -> set[int]:
    """Which of these papers are resolved with fields (domain evidence)."""
    ids = sorted(paper_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Paper.id).where(
                Paper.id.in_(ids),
                Paper.status == PaperStatus.RESOLVED,
                Paper.fields != literal([], JSONB),
            )
        )
    )


def mark_signals_stale(session: Session, origin_ids: Sequence[int], reason: str) -> None:
    """Queue these origins for the signals refresh (``signal_pending``): their papers
    changed, so the domains (and citations) derived from them are stale."""
    if origin_ids:
        session.execute(
            insert(SignalPending)
            .values([{"origin_id": i, "reason": reason} for i in sorted(set(origin_ids))])
            .on_conflict_do_nothing()
        )


def mark_linked_origins_stale(session: Session, paper_ids: Sequence[int], reason: str) -> int:
    """Queue every origin linked to these papers; how many origins (set-based)."""
    if not paper_ids:
        return 0
    linked = (
        select(PaperLink.origin_id, literal(reason))
        .where(PaperLink.paper_id.in_(list(paper_ids)))
        .distinct()
    )
    queued = session.scalars(
        insert(SignalPending)
        .from_select(["origin_id", "reason"], linked)
        .on_conflict_do_nothing()
        .returning(SignalPending.origin_id)
    )
    return len(queued.all())


def links_of_origin(session: Session, origin_id: int) -> Sequence[tuple[PaperLink, Paper]]:
    return links_of_origins(session, [origin_id])[origin_id]


def links_of_origins(
    session: Session, origin_ids: Sequence[int]
) -> dict[int, list[tuple[PaperLink, Paper]]]:
    """Each origin's paper links with their papers, in one query (GraphQL batches)."""
    out: dict[int, list[tuple[PaperLink, Paper]]] = {i: [] for i in origin_ids}
    if not origin_ids:
        return out
    rows = session.execute(
        select(PaperLink, Paper)
        .join(Paper, Paper.id == PaperLink.paper_id)
        .where(PaperLink.origin_id.in_(list(origin_ids)))
        .order_by(PaperLink.origin_id, PaperLink.kind, PaperLink.id)
    ).all()
    for link, paper in rows:
        out[link.origin_id].append((link, paper))
    return out


def origins_of_paper(session: Session, paper_id: int) -> Sequence[tuple[PaperLink, Origin]]:
    rows = session.execute(
        select(PaperLink, Origin)
        .join(Origin, Origin.id == PaperLink.origin_id)
        .where(PaperLink.paper_id == paper_id)
        .order_by(Origin.id, PaperLink.kind)
    ).all()
    return [(link, origin) for link, origin in rows]


def papers_query(kind: PaperLinkKind | None = None) -> Select[Paper]:
    stmt = select(Paper)
    if kind is not None:
        stmt = stmt.where(Paper.id.in_(select(PaperLink.paper_id).where(PaperLink.kind == kind)))
    return stmt


def list_papers(
    session: Session, *, after_id: int | None, limit: int, kind: PaperLinkKind | None = None
) -> Sequence[Paper]:
    stmt = papers_query(kind).order_by(Paper.id).limit(limit)
    if after_id is not None:
        stmt = stmt.where(Paper.id > after_id)
    return session.scalars(stmt).all()


def unresolved_ids(session: Session, limit: int) -> list[int]:
    """The oldest papers no resolver has answered for yet."""
    return list(
        session.scalars(
            select(Paper.id)
            .where(Paper.status == PaperStatus.UNRESOLVED)
            .order_by(Paper.id)
            .limit(limit)
        )
    )


def has_unresolved(session: Session) -> bool:
    found = session.scalar(select(Paper.id).where(Paper.status == PaperStatus.UNRESOLVED).limit(1))
    return found is not None
