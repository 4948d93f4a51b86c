"""``/v1/origins``: repositories and packages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.kit.api import UoW
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    encode_cursor,
    next_link,
)
from app.kit.problems import NotFound
from app.licenses.findings import LicenseFindingOut
from app.models.enums import OriginKind, PaperLinkKind
from app.origins import repository
from app.origins.schemas import OriginDetail, OriginOut, VisitOut

router = APIRouter(prefix="/v1/origins", tags=["origins"])


@router.get("", response_model=Page[OriginOut])
def list_origins(
    uow: UoW,
    request: Request,
    response: Response,
    forge: Annotated[str | None, Query(description="Forge host, e.g. github.com")] = None,
    kind: OriginKind | None = None,
    language: str | None = None,
    has_paper: Annotated[bool | None, Query(description="Linked to at least one paper")] = None,
    paper_link_kind: Annotated[
        PaperLinkKind | None, Query(description="Linked to a paper by this kind of link")
    ] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[OriginOut]:
    after = decode_id_cursor("origins", cursor)
    rows = repository.list_origins(
        uow.session,
        repository.OriginFilters(
            forge=forge,
            kind=kind,
            language=language,
            has_paper=has_paper,
            paper_link_kind=paper_link_kind,
        ),
        after_id=after,
        limit=limit + 1,
    )
    items = [OriginOut.of(o) for o in rows[:limit]]
    next_cursor = encode_cursor("origins", [items[-1].id]) if len(rows) > limit else None
    response.headers.update(next_link(request.url, next_cursor))
    return Page[OriginOut](items=items, next_cursor=next_cursor)


@router.get("/lookup", response_model=OriginDetail)
def lookup_origin(
    uow: UoW, url: Annotated[str, Query(min_length=1, max_length=2048)]
) -> OriginDetail:
    """Find an origin by its URL, including URLs it had before a rename."""
    origin = repository.get_by_url(uow.session, url)
    if origin is None:
        raise NotFound(f"no origin with URL {url!r}")
    return _detail(uow, origin.id)


@router.get("/{origin_id}", response_model=OriginDetail)
def get_origin(uow: UoW, origin_id: int) -> OriginDetail:
    return _detail(uow, origin_id)


def _detail(uow: UoW, origin_id: int) -> OriginDetail:
    session = uow.session
    origin = repository.get(session, origin_id)
    if origin is None:
        raise NotFound(f"no origin with id {origin_id}")
    visit = repository.latest_visit(session, origin.id)
    visit_out = None
    if visit is not None:
        visit_out = VisitOut(
            date=visit.date,
            visit_type=visit.visit_type,
            status=visit.status,
            snapshot=repository.snapshot_swhid(session, visit.snapshot_id),
            files=repository.file_count(session, visit.snapshot_id, origin.id)
            if visit.snapshot_id
            else 0,
        )
    findings = repository.license_findings(session, [origin.id])[origin.id]
    return OriginDetail(
        **OriginOut.of(origin).model_dump(),
        licenses=[LicenseFindingOut.of(f) for f in findings],
        aliases=[a.url for a in repository.aliases(session, origin.id)],
        latest_visit=visit_out,
    )
