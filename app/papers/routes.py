"""Papers, the papers of an origin, and an origin's CodeMeta record and citations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.kit.api import ApiKey, BibTeXResponse, JSONLDResponse, UoW, YAMLResponse, problems
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    id_page,
)
from app.kit.params import Cursor, OriginId, PaperId
from app.kit.problems import NotFound, Problem
from app.models import Origin, Paper
from app.models.enums import PaperLinkKind
from app.papers import repository
from app.papers.citation import to_bibtex, to_cff, to_codemeta
from app.papers.identifiers import paper_key, parse_identifier
from app.papers.schemas import (
    CodeMetaOut,
    EvidenceOut,
    OriginPaperOut,
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
def resolve_papers(uow: UoW, _key: ApiKey) -> JobOut:
    """Look unresolved papers up in Crossref, DataCite, arXiv and OpenAlex."""
    return JobOut.of(service.submit(uow, kinds.PAPERS_RESOLVE, {}), {})


def _origin(uow: UoW, origin_id: int) -> Origin:
    origin = uow.session.get(Origin, origin_id)
    if origin is None:
        raise NotFound(f"no origin with id {origin_id}")
    return origin


@router.get("/origins/{origin_id}/papers", response_model=list[OriginPaperOut])
def origin_papers(uow: UoW, origin_id: OriginId) -> list[OriginPaperOut]:
    """The origin's papers, each with the kind of link and its evidence."""
    _origin(uow, origin_id)
    return [
        OriginPaperOut.of(link, paper)
        for link, paper in repository.links_of_origin(uow.session, origin_id)
    ]


def _record(uow: UoW, origin_id: int) -> tuple[Origin, dict[str, object], CodeMetaOut]:
    origin = _origin(uow, origin_id)
    metadata = repository.latest_metadata(uow.session, origin_id)
    if metadata is None:
        raise NotFound(f"origin {origin_id} has no intrinsic metadata yet (scan it first)")
    record = dict(metadata.record)
    record.setdefault("codeRepository", origin.url)
    out = CodeMetaOut(
        origin_id=origin_id,
        snapshot_id=metadata.snapshot_id,
        record=record,
        sources=metadata.sources,
        problems=metadata.problems,
    )
    return origin, record, out


@router.get("/origins/{origin_id}/metadata", response_model=CodeMetaOut)
def origin_metadata(uow: UoW, origin_id: OriginId) -> CodeMetaOut:
    """The CodeMeta record with, per field, the files and mappings it came from."""
    return _record(uow, origin_id)[2]


@router.get("/origins/{origin_id}/codemeta.json", response_class=JSONLDResponse)
def origin_codemeta(uow: UoW, origin_id: OriginId) -> Response:
    import json

    _, record, _ = _record(uow, origin_id)
    return Response(
        json.dumps(to_codemeta(record), indent=2, ensure_ascii=False),
        media_type="application/ld+json",
    )


@router.get("/origins/{origin_id}/citation.bib", response_class=BibTeXResponse)
def origin_bibtex(uow: UoW, origin_id: OriginId) -> PlainTextResponse:
    _, record, _ = _record(uow, origin_id)
    return PlainTextResponse(to_bibtex(record), media_type="application/x-bibtex")


@router.get(
    "/origins/{origin_id}/CITATION.cff",
    response_class=YAMLResponse,
    responses={
        200: {"content": {YAMLResponse.media_type: {"schema": {"type": "object"}}}},
        **problems(400),
    },
)
def origin_cff(uow: UoW, origin_id: OriginId) -> PlainTextResponse:
    _, record, _ = _record(uow, origin_id)
    try:
        text = to_cff(record)
    except ValueError as exc:
        raise Problem(f"cannot write a CITATION.cff: {exc}") from exc
    return PlainTextResponse(text, media_type="application/x-yaml")
