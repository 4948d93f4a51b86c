"""``/v1/origins``: repositories and packages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.forges.schemas import RawMetadataOut
from app.kit.api import UoW, problems
from app.kit.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, next_link
from app.kit.params import Cursor, ForkCount, OriginId, StarCount
from app.kit.problems import NotFound
from app.licenses.findings import LicenseFindingOut
from app.models.enums import LicenseVia, OriginKind, PaperLinkKind
from app.origins import repository
from app.origins.schemas import (
    DetectedLicenseOut,
    IssueStatsOut,
    LanguageOut,
    OriginDetail,
    OriginOut,
    VisitOut,
)
from app.origins.search import OriginFilters, search
from app.origins.search import count as search_count
from app.papers import repository as papers
from app.papers.schemas import OriginPaperOut

router = APIRouter(prefix="/v1/origins", tags=["origins"])


@router.get("", response_model=Page[OriginOut])
def list_origins(
    uow: UoW,
    request: Request,
    response: Response,
    forge: Annotated[str | None, Query(description="Forge host, e.g. github.com")] = None,
    kind: OriginKind | None = None,
    language: str | None = None,
    license: Annotated[
        str | None,
        Query(
            description="An SPDX id in any declared or "
            "detected license (MIT matches 'MIT OR Apache-2.0')"
        ),
    ] = None,
    license_expression: Annotated[str | None, Query(description="An exact SPDX expression")] = None,
    license_category: Annotated[
        str | None,
        Query(
            description=(
                "Of the reconciled license: permissive, weak-copyleft, copyleft, public-domain, "
                "source-available, proprietary, unknown..."
            )
        ),
    ] = None,
    license_via: Annotated[
        LicenseVia | None,
        Query(
            description="declared: said for the origin by its forge or registry; "
            "detected: found in its scanned files (any snapshot), package manifests, license "
            "files, headers and vendored code included. Restricts license / "
            "license_expression; alone: has any license that way"
        ),
    ] = None,
    has_paper: Annotated[bool | None, Query(description="Linked to at least one paper")] = None,
    paper_link_kind: Annotated[
        PaperLinkKind | None, Query(description="Linked to a paper by this kind of link")
    ] = None,
    stars_min: StarCount | None = None,
    stars_max: StarCount | None = None,
    forks_min: ForkCount | None = None,
    forks_max: ForkCount | None = None,
    archived: bool | None = None,
    fork: bool | None = None,
    owner: Annotated[str | None, Query(description="Owner login")] = None,
    topic: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    scanned_after: datetime | None = None,
    scanned_before: datetime | None = None,
    q: Annotated[
        str | None,
        Query(min_length=2, max_length=200, description="Text in the name or description"),
    ] = None,
    sort: Annotated[
        str,
        Query(description="id, stars, forks, created, updated, scanned; '-' prefix for descending"),
    ] = "id",
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    count: Annotated[
        bool, Query(description="Also count all matching origins into `total` (one more query)")
    ] = False,
) -> Page[OriginOut]:
    """Repositories and packages; every filter combines with the others."""
    filters = OriginFilters.from_arguments(locals())
    rows, next_cursor = search(uow.session, filters, cursor=cursor, limit=limit)
    response.headers.update(next_link(request.url, next_cursor))
    return Page[OriginOut](
        items=[OriginOut.of(o) for o in rows],
        next_cursor=next_cursor,
        total=search_count(uow.session, filters) if count else None,
    )


@router.get("/lookup", response_model=OriginDetail, responses=problems(404))
def lookup_origin(
    uow: UoW, url: Annotated[str, Query(min_length=1, max_length=2048)]
) -> OriginDetail:
    """Find an origin by its URL, including URLs it had before a rename."""
    origin = repository.get_by_url(uow.session, url)
    if origin is None:
        raise NotFound(f"no origin with URL {url!r}")
    return _detail(uow, origin.id)


@router.get("/{origin_id}", response_model=OriginDetail)
def get_origin(uow: UoW, origin_id: OriginId) -> OriginDetail:
    return _detail(uow, origin_id)


def _detail(uow: UoW, origin_id: int) -> OriginDetail:
    """The same batch queries as GraphQL's DataLoaders, for one origin."""
    session = uow.session
    origin = repository.get(session, origin_id)
    if origin is None:
        raise NotFound(f"no origin with id {origin_id}")
    ids = [origin.id]
    visit = repository.latest_visits(session, ids)[origin.id]
    return OriginDetail(
        **OriginOut.of(origin).model_dump(),
        licenses=[
            LicenseFindingOut.of(f) for f in repository.license_findings(session, ids)[origin.id]
        ],
        detected_licenses=[
            DetectedLicenseOut.of(r) for r in repository.detected_licenses(session, ids)[origin.id]
        ],
        aliases=[a.url for a in repository.aliases(session, origin.id)],
        latest_visit=VisitOut.of(visit) if visit is not None else None,
        languages=LanguageOut.breakdown(repository.languages(session, ids)[origin.id]),
        issue_stats=IssueStatsOut.of(repository.issue_stats(session, ids)[origin.id]),
        papers=[
            OriginPaperOut.of(link, paper)
            for link, paper in papers.links_of_origin(session, origin.id)
        ],
        raw_payloads=[
            RawMetadataOut.of(r) for r in repository.raw_payloads(session, ids)[origin.id]
        ],
    )
