"""``/v1/origins``: repositories and packages, and everything asked of one of them.

Every ``/v1/origins/...`` route is here, whichever feature answers it; the handlers
stay thin and call that feature: the detail view (:mod:`app.origins.detail`), forge
fetching (:mod:`app.forges.service`), paper links (:mod:`app.papers`), the CodeMeta
record (:mod:`app.codemeta.service`) and the signals (:mod:`app.signals`). Each route
keeps the OpenAPI tag of its feature.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from app.codemeta import service as codemeta
from app.codemeta.citation import to_bibtex
from app.codemeta.schemas import CodeMetaOut
from app.forges import repository as forges
from app.forges import service as forge_service
from app.forges.schemas import FetchIn, FetchOut, RawMetadataOut
from app.jobs.schemas import JobOut
from app.keys.auth import VARY_BY_CALLER, Caller, Submitter
from app.keys.service import Principal
from app.kit.api import BibTeXResponse, JSONLDResponse, UoW, YAMLResponse, problems
from app.kit.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_id_cursor,
    id_page,
    next_link,
)
from app.kit.params import Cursor, ForkCount, OriginId, StarCount
from app.kit.problems import NotFound
from app.models import Origin
from app.models.enums import LicenseVia, OriginKind, PaperLinkKind
from app.origins import detail, repository
from app.origins.schemas import OriginDetail, OriginOut
from app.origins.search import OriginFilters, search
from app.origins.search import count as search_count
from app.papers import repository as papers
from app.papers.schemas import OriginPaperOut
from app.signals.domains.repository import domains_of
from app.signals.importance.repository import importance_of
from app.signals.schemas import ImportanceOut, OriginDomainOut
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.schemas import OriginAdvisoryOut

router = APIRouter(prefix="/v1/origins")
# The OpenAPI tag of each feature answering here (as its other routes have it).
ORIGINS: list[str | Enum] = ["origins"]
FORGE_METADATA: list[str | Enum] = ["forge metadata"]
PAPERS: list[str | Enum] = ["papers"]
SIGNALS: list[str | Enum] = ["signals"]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def _origin(uow: UoW, origin_id: int) -> Origin:
    origin = repository.get(uow.session, origin_id)
    if origin is None:
        raise NotFound(f"no origin with id {origin_id}")
    return origin


@router.get("", response_model=Page[OriginOut], tags=ORIGINS)
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
    vulnerable: Annotated[
        bool | None,
        Query(
            description="true: a known advisory affects the latest release or the latest "
            "scanned snapshot; false: none does (see /v1/origins/{id}/advisories)"
        ),
    ] = None,
    max_severity: Annotated[
        str | None,
        Query(
            description="Advisories affecting the current version are at most this severe: "
            "a CVSS score (0-10) or none, low, medium, high, critical; unknown severity "
            "counts as above any bound"
        ),
    ] = None,
    advisory: Annotated[
        str | None,
        Query(description="Concerned (at any version) by this OSV id or alias (GHSA-, CVE-)"),
    ] = None,
    domain: Annotated[
        str | None,
        Query(description="Application domain or a narrower one (see /v1/domains)"),
    ] = None,
    sort: Annotated[
        str,
        Query(
            description="id, stars, forks, created, updated, scanned, importance; '-' prefix "
            "for descending"
        ),
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


@router.post(
    "/fetch", status_code=status.HTTP_202_ACCEPTED, response_model=FetchOut, tags=FORGE_METADATA
)
def fetch_origin(uow: UoW, _key: Submitter, body: FetchIn) -> FetchOut:
    """Register a repository or package by URL (if new) and fetch it in the background."""
    return forge_service.queue_fetch(uow, body.url, issues=body.issues)


@router.get("/lookup", response_model=OriginDetail, tags=ORIGINS, responses=problems(404))
def lookup_origin(
    uow: UoW, url: Annotated[str, Query(min_length=1, max_length=2048)]
) -> OriginDetail:
    """Find an origin by its URL, including URLs it had before a rename."""
    origin = repository.get_by_url(uow.session, url)
    if origin is None:
        raise NotFound(f"no origin with URL {url!r}")
    return detail.assemble(uow.session, origin)


@router.get("/{origin_id}", response_model=OriginDetail, tags=ORIGINS)
def get_origin(uow: UoW, origin_id: OriginId) -> OriginDetail:
    return detail.assemble(uow.session, _origin(uow, origin_id))


@router.get("/{origin_id}/raw", response_model=Page[RawMetadataOut], tags=FORGE_METADATA)
def list_origin_raw(
    uow: UoW,
    request: Request,
    response: Response,
    origin_id: OriginId,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
) -> Page[RawMetadataOut]:
    """The payloads an origin's data came from, oldest first."""
    rows = forges.raw_of_origin(
        uow.session, origin_id, after_id=decode_id_cursor("raw", cursor), limit=limit + 1
    )
    return id_page(rows, limit, "raw", RawMetadataOut.of, request.url, response.headers)


@router.post(
    "/{origin_id}/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    tags=FORGE_METADATA,
)
def refresh_origin(uow: UoW, _key: Submitter, origin_id: OriginId) -> JobOut:
    _origin(uow, origin_id)
    return JobOut.of(forge_service.queue_refresh(uow, origin_id), {})


@router.post(
    "/{origin_id}/issues/crawl",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    tags=FORGE_METADATA,
)
def crawl_origin_issues(uow: UoW, _key: Submitter, origin_id: OriginId) -> JobOut:
    _origin(uow, origin_id)
    return JobOut.of(forge_service.queue_issue_crawl(uow, origin_id), {})


@router.get("/{origin_id}/papers", response_model=list[OriginPaperOut], tags=PAPERS)
def origin_papers(uow: UoW, origin_id: OriginId) -> list[OriginPaperOut]:
    """The origin's papers, each with the kind of link and its evidence."""
    _origin(uow, origin_id)
    return [
        OriginPaperOut.of(link, paper)
        for link, paper in papers.links_of_origin(uow.session, origin_id)
    ]


@router.get("/{origin_id}/metadata", response_model=CodeMetaOut, tags=PAPERS)
def origin_metadata(
    uow: UoW, caller: Caller, response: Response, origin_id: OriginId
) -> CodeMetaOut:
    """The CodeMeta record with, per field, the files and mappings it came from
    (e-mail fields only for admin keys)."""
    response.headers["Vary"] = VARY_BY_CALLER
    return codemeta.origin_record(
        uow.session, _origin(uow, origin_id), show_personal=_admin(caller)
    )


@router.get("/{origin_id}/codemeta.json", response_class=JSONLDResponse, tags=PAPERS)
def origin_codemeta(uow: UoW, caller: Caller, origin_id: OriginId) -> Response:
    record = _codemeta_record(uow, origin_id, caller)
    return Response(
        codemeta.codemeta_json(record),
        media_type="application/ld+json",
        headers={"Vary": VARY_BY_CALLER},
    )


@router.get("/{origin_id}/citation.bib", response_class=BibTeXResponse, tags=PAPERS)
def origin_bibtex(uow: UoW, caller: Caller, origin_id: OriginId) -> PlainTextResponse:
    record = _codemeta_record(uow, origin_id, caller)
    return PlainTextResponse(
        to_bibtex(record), media_type="application/x-bibtex", headers={"Vary": VARY_BY_CALLER}
    )


@router.get(
    "/{origin_id}/CITATION.cff",
    response_class=YAMLResponse,
    tags=PAPERS,
    responses={
        200: {"content": {YAMLResponse.media_type: {"schema": {"type": "object"}}}},
        **problems(400),
    },
)
def origin_cff(uow: UoW, caller: Caller, origin_id: OriginId) -> PlainTextResponse:
    record = _codemeta_record(uow, origin_id, caller)
    return PlainTextResponse(
        codemeta.citation_cff(record),
        media_type="application/x-yaml",
        headers={"Vary": VARY_BY_CALLER},
    )


@router.get("/{origin_id}/advisories", response_model=list[OriginAdvisoryOut], tags=SIGNALS)
def list_origin_advisories(
    uow: UoW,
    origin_id: OriginId,
    current: Annotated[
        bool, Query(description="Only those affecting the latest release or snapshot")
    ] = False,
) -> list[OriginAdvisoryOut]:
    """Advisories concerning the origin (at any version), current ones first."""
    rows = advisories.origin_advisories(
        uow.session, [_origin(uow, origin_id).id], current_only=current
    )[origin_id]
    return [OriginAdvisoryOut.of(link, advisory) for link, advisory in rows]


@router.get("/{origin_id}/domains", response_model=list[OriginDomainOut], tags=SIGNALS)
def list_origin_domains(uow: UoW, origin_id: OriginId) -> list[OriginDomainOut]:
    """The origin's application domains with their evidence and confidence."""
    rows = domains_of(uow.session, [_origin(uow, origin_id).id])[origin_id]
    return [OriginDomainOut.of(r) for r in rows]


@router.get("/{origin_id}/importance", response_model=ImportanceOut, tags=SIGNALS)
def get_origin_importance(uow: UoW, origin_id: OriginId) -> ImportanceOut:
    """The origin's importance score, its formula and version, and its inputs."""
    score, signals = importance_of(uow.session, _origin(uow, origin_id).id)
    return ImportanceOut.of(origin_id, score, signals)


def _admin(caller: Principal | None) -> bool:
    return caller is not None and caller.is_admin


def _codemeta_record(uow: UoW, origin_id: int, caller: Principal | None) -> dict[str, object]:
    origin = _origin(uow, origin_id)
    return codemeta.origin_record(uow.session, origin, show_personal=_admin(caller)).record
