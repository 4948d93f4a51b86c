"""``/v1/papers``: papers by identifier and link kind, their origins, resolution.

An origin's papers and CodeMeta record are under ``/v1/origins`` (:mod:`app.origins.routes`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.keys.auth import Submitter
from app.kit.api import UoW
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    id_page,
)
from app.kit.params import Cursor, PaperId
from app.kit.problems import NotFound, Problem
from app.models import Paper
from app.models.enums import PaperLinkKind
from app.papers import repository
from app.papers.identifiers import paper_key, parse_identifier
from app.papers.schemas import (
    EvidenceOut,
    PaperDetail,
    PaperOriginOut,
    PaperOut,
)

router = APIRouter(prefix="/v1", tags=["papers"])


@router.get("/papers", response_model=Page[PaperOut])
def list_papers(
    uow: UoW,
    request: Request,
    response: Response,
    identifier: Annotated[
        str | None,
        Query(
            max_length=500,
            description=("A DOI, arXiv id or HAL id in any usual form (URL, doi:, arXiv:...)"),
        ),
    ] = None,
    link_kind: PaperLinkKind | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[PaperOut]:
    if identifier is not None:
        parsed = parse_identifier(identifier)
        if parsed is None:
            raise Problem(f"{identifier!r} is not a DOI, arXiv id or HAL id")
        found = repository.paper_by_key(uow.session, paper_key(parsed))
        return Page[PaperOut](items=[PaperOut.of(found)] if found else [])
    rows = repository.list_papers(
        uow.session, after_id=decode_id_cursor("papers", cursor), limit=limit + 1, kind=link_kind
    )
    return id_page(rows, limit, "papers", PaperOut.of, request.url, response.headers)


@router.get("/papers/{paper_id}", response_model=PaperDetail)
def get_paper(uow: UoW, paper_id: PaperId) -> PaperDetail:
    paper = uow.session.get(Paper, paper_id)
    if paper is None:
        raise NotFound(f"no paper with id {paper_id}")
    origins = [
        PaperOriginOut(
            origin_id=o.id,
            origin_url=o.url,
            kind=link.kind,
            evidence=EvidenceOut.of(link),
        )
        for link, o in repository.origins_of_paper(uow.session, paper.id)
    ]
    return PaperDetail(**PaperOut.of(paper).model_dump(), origins=origins)


@router.post("/papers/resolve", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def resolve_papers(uow: UoW, _key: Submitter) -> JobOut:
    """Look unresolved papers up in Crossref, DataCite, arXiv and OpenAlex."""
    return JobOut.of(service.submit(uow, kinds.PAPERS_RESOLVE, {}), {})
