"""Resolve papers' titles, authors, year and venue from Crossref, DataCite, arXiv and
OpenAlex. Without a network the papers stay ``unresolved`` with the reason noted,
and a later run tries again; a definite 404 is ``not_found``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.jobs.service import JobContext
from app.kit.db import unit_of_work
from app.models import Paper
from app.models.enums import PaperStatus
from app.papers.identifiers import PaperKey, Scheme
from app.papers.resolve import (
    ArxivClient,
    CrossrefClient,
    DataCiteClient,
    OpenAlexClient,
    Resolver,
    resolve,
)

Progress = Callable[[int, int | None], None]


def default_resolvers(client: httpx.Client) -> list[Resolver]:
    return [
        CrossrefClient(client),
        DataCiteClient(client),
        ArxivClient(client),
        OpenAlexClient(client),
    ]


def key_of(paper: Paper) -> PaperKey | None:
    if paper.doi:
        return PaperKey(Scheme.DOI, paper.doi)
    if paper.arxiv_id:
        return PaperKey(Scheme.ARXIV, paper.arxiv_id)
    if paper.hal_id:
        return PaperKey(Scheme.HAL, paper.hal_id)
    return None


def resolve_papers(
    resolvers: Sequence[Resolver],
    factory: sessionmaker[Session] | None = None,
    *,
    limit: int = 500,
    progress: Progress | None = None,
) -> dict[str, int]:
    counts = {status.value: 0 for status in PaperStatus}
    with unit_of_work(factory) as uow:
        ids = list(
            uow.session.scalars(
                select(Paper.id)
                .where(Paper.status == PaperStatus.UNRESOLVED)
                .order_by(Paper.id)
                .limit(limit)
            )
        )
    for n, paper_id in enumerate(ids, start=1):
        with unit_of_work(factory) as uow:
            paper = uow.session.get(Paper, paper_id)
            key = key_of(paper) if paper else None
            if paper is None or key is None:
                continue
            answer = resolve(key, resolvers)
            paper.status = answer.status
            paper.resolution_note = answer.error
            if answer.metadata is not None:
                paper.title = answer.metadata.title
                paper.authors = list(answer.metadata.authors)
                paper.year = answer.metadata.year
                paper.venue = answer.metadata.venue
                paper.resolved_by = answer.metadata.source
                paper.resolved_at = datetime.now(UTC)
            counts[answer.status.value] += 1
        if progress is not None:
            progress(n, len(ids))
    return counts


def resolve_body(context: JobContext) -> dict[str, object]:
    with httpx.Client(timeout=20.0, follow_redirects=True) as client:
        return dict(
            resolve_papers(default_resolvers(client), context.factory, progress=context.progress)
        )


def pending_resolution(session: Session) -> bool:
    """Unresolved papers exist and no resolution job is already queued or running."""
    from app.jobs.kinds import PAPERS_RESOLVE
    from app.models import Job
    from app.models.enums import JobState

    waiting = session.scalar(
        select(Paper.id).where(Paper.status == PaperStatus.UNRESOLVED).limit(1)
    )
    busy = session.scalar(
        select(Job.id)
        .where(Job.kind == PAPERS_RESOLVE, Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
        .limit(1)
    )
    return waiting is not None and busy is None
