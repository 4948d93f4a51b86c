"""GraphQL types and fields of origins."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type

from app.forges.gql import RawPayloadInfo
from app.graphql.context import Batch, Context
from app.graphql.convert import to_gql
from app.graphql.relay import Connection, Edge, PageInfo, check_first
from app.licenses.gql import (  # noqa: F401 - registers nested types
    EffectiveLicense,
    LicenseFinding,
    Provenance,
)
from app.models.enums import LicenseVia, OriginKind, PaperLinkKind
from app.origins import detail, repository
from app.origins.schemas import (
    DESCRIPTIONS,
    DetectedLicenseOut,
    IssueCountsOut,
    IssueStatsOut,
    LanguageOut,
    OriginOut,
    OwnerOut,
    PullRequestCountsOut,
    VisitOut,
)
from app.origins.search import OriginFilters, count, cursor_for, search
from app.papers.gql import OriginPaper
from app.signals.gql import AdvisoryMatch, DomainAssignment, Importance, domain_assignment

T = TypeVar("T")


@pydantic_type(model=OwnerOut, all_fields=True)
class Owner:
    pass


@pydantic_type(model=VisitOut, all_fields=True)
class Visit:
    pass


@pydantic_type(model=LanguageOut, all_fields=True)
class LanguageShare:
    pass


@pydantic_type(model=IssueCountsOut, all_fields=True)
class IssueCounts:
    pass


@pydantic_type(model=PullRequestCountsOut, all_fields=True)
class PullRequestCounts:
    pass


@pydantic_type(model=IssueStatsOut, all_fields=True)
class IssueStats:
    pass


@pydantic_type(model=DetectedLicenseOut, all_fields=True)
class DetectedLicense:
    pass


async def _part(info: strawberry.Info[Context, None], part: Batch[int, T], origin: Any) -> T:
    """One part of the origin's detail (:mod:`app.origins.detail`), through the
    request's DataLoader: one query per part for all the origins of a query. (The
    origin is ``Any``: pydantic-derived fields are invisible to mypy's strawberry
    plugin.)"""
    return await info.context.loader(part).load(origin.id)


@pydantic_type(model=OriginOut, all_fields=True)
class Origin:
    @strawberry.field(description="License findings attached to the origin, with provenance.")
    async def licenses(self, info: strawberry.Info[Context, None]) -> list[LicenseFinding]:
        found = await _part(info, detail.licenses, self)
        return [to_gql(LicenseFinding, f) for f in found]

    # The detail fields, each from a DataLoader: one query per field for a whole page.

    @strawberry.field(description=DESCRIPTIONS["latest_visit"])
    async def latest_visit(self, info: strawberry.Info[Context, None]) -> Visit | None:
        found = await _part(info, detail.latest_visit, self)
        return to_gql(Visit, found) if found is not None else None

    @strawberry.field(description=DESCRIPTIONS["languages"])
    async def languages(self, info: strawberry.Info[Context, None]) -> list[LanguageShare]:
        found = await _part(info, detail.languages, self)
        return [to_gql(LanguageShare, r) for r in found]

    @strawberry.field(description=DESCRIPTIONS["issue_stats"])
    async def issue_stats(self, info: strawberry.Info[Context, None]) -> IssueStats:
        found = await _part(info, detail.issue_stats, self)
        return to_gql(IssueStats, found)

    @strawberry.field(description=DESCRIPTIONS["detected_licenses"])
    async def detected_licenses(
        self, info: strawberry.Info[Context, None]
    ) -> list[DetectedLicense]:
        found = await _part(info, detail.detected_licenses, self)
        return [to_gql(DetectedLicense, r) for r in found]

    @strawberry.field(description=DESCRIPTIONS["raw_payloads"])
    async def raw_payloads(self, info: strawberry.Info[Context, None]) -> list[RawPayloadInfo]:
        found = await _part(info, detail.raw_payloads, self)
        return [to_gql(RawPayloadInfo, r) for r in found]

    @strawberry.field(
        description="Papers linked to the origin, with the kind of link and its evidence "
        "(the same as originPapers)."
    )
    async def papers(self, info: strawberry.Info[Context, None]) -> list[OriginPaper]:
        found = await _part(info, detail.papers_of, self)
        return [to_gql(OriginPaper, r) for r in found]

    # The signals (app.signals), also one query per field for a whole page.

    @strawberry.field(
        description="Known vulnerabilities: OSV advisories concerning the origin, current "
        "ones (affecting the latest release or scanned snapshot) first."
    )
    async def advisories(self, info: strawberry.Info[Context, None]) -> list[AdvisoryMatch]:
        found = await _part(info, detail.advisories, self)
        return [AdvisoryMatch.of(a) for a in found]

    @strawberry.field(description="Application domains with their evidence and confidence.")
    async def domains(self, info: strawberry.Info[Context, None]) -> list[DomainAssignment]:
        found = await _part(info, detail.domains, self)
        return [domain_assignment(d) for d in found]

    @strawberry.field(description="The importance score (importance@1) with its inputs.")
    async def importance(self, info: strawberry.Info[Context, None]) -> Importance:
        return Importance.of(await _part(info, detail.importance, self))


def origin_node(row: object) -> Origin:
    return to_gql(Origin, OriginOut.of(row))  # type: ignore[arg-type]


@strawberry.type
class OriginQuery:
    @strawberry.field(
        description="Repositories and packages (the filters of REST "
        "/v1/origins, from the same query layer)."
    )
    async def origins(
        self,
        info: strawberry.Info[Context, None],
        first: int = 50,
        after: str | None = None,
        forge: str | None = None,
        kind: OriginKind | None = None,
        language: str | None = None,
        license: str | None = None,
        license_expression: str | None = None,
        license_category: str | None = None,
        license_via: LicenseVia | None = None,
        has_paper: bool | None = None,
        paper_link_kind: PaperLinkKind | None = None,
        stars_min: int | None = None,
        stars_max: int | None = None,
        forks_min: int | None = None,
        forks_max: int | None = None,
        archived: bool | None = None,
        fork: bool | None = None,
        owner: str | None = None,
        topic: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
        scanned_after: datetime | None = None,
        scanned_before: datetime | None = None,
        q: str | None = None,
        vulnerable: bool | None = None,
        max_severity: str | None = None,
        advisory: str | None = None,
        domain: str | None = None,
        sort: str = "id",
    ) -> Connection[Origin]:
        check_first(first)
        filters = OriginFilters.from_arguments(locals())
        rows, next_cursor = await info.context.db(search, filters, cursor=after, limit=first)
        edges = [Edge(cursor=cursor_for(filters, r), node=origin_node(r)) for r in rows]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=next_cursor),
            counter=lambda: info.context.db(count, filters),
        )

    @strawberry.field(description="One origin by URL (also a former URL) or by id.")
    async def origin(
        self, info: strawberry.Info[Context, None], url: str | None = None, id: int | None = None
    ) -> Origin | None:
        if url is not None:
            row = await info.context.db(repository.get_by_url, url)
        elif id is not None:
            row = await info.context.db(repository.get, id)
        else:
            raise ValueError("give `url` or `id`")
        return origin_node(row) if row is not None else None
