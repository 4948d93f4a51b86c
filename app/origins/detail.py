"""The origin detail view, assembled in one place for REST and GraphQL.

Each part of the view is a batch function: a session and origin ids in, one value
per id out, in the same order, from one query whatever the number of ids. GraphQL
asks for the part of each origin of a page through the request's DataLoaders
(:meth:`app.graphql.context.Context.loader`), so a page costs one query per part;
REST's :func:`assemble` calls the same functions with one id. Rows become the API
models here, so both answers are equal by construction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.forges.schemas import RawMetadataOut
from app.licenses.findings import LicenseFindingOut
from app.models import Origin
from app.origins import repository
from app.origins.schemas import (
    DetectedLicenseOut,
    IssueStatsOut,
    LanguageOut,
    OriginDetail,
    OriginOut,
    VisitOut,
)
from app.papers import repository as papers
from app.papers.schemas import OriginPaperOut

Ids = Sequence[int]


def licenses(session: Session, ids: Ids) -> list[list[LicenseFindingOut]]:
    found = repository.license_findings(session, ids)
    return [[LicenseFindingOut.of(f) for f in found[i]] for i in ids]


def latest_visit(session: Session, ids: Ids) -> list[VisitOut | None]:
    found = repository.latest_visits(session, ids)
    return [VisitOut.of(v) if (v := found[i]) is not None else None for i in ids]


def languages(session: Session, ids: Ids) -> list[list[LanguageOut]]:
    found = repository.languages(session, ids)
    return [LanguageOut.breakdown(found[i]) for i in ids]


def issue_stats(session: Session, ids: Ids) -> list[IssueStatsOut]:
    found = repository.issue_stats(session, ids)
    return [IssueStatsOut.of(found[i]) for i in ids]


def detected_licenses(session: Session, ids: Ids) -> list[list[DetectedLicenseOut]]:
    found = repository.detected_licenses(session, ids)
    return [[DetectedLicenseOut.of(r) for r in found[i]] for i in ids]


def papers_of(session: Session, ids: Ids) -> list[list[OriginPaperOut]]:
    found = papers.links_of_origins(session, ids)
    return [[OriginPaperOut.of(link, paper) for link, paper in found[i]] for i in ids]


def raw_payloads(session: Session, ids: Ids) -> list[list[RawMetadataOut]]:
    found = repository.raw_payloads(session, ids)
    return [[RawMetadataOut.of(r) for r in found[i]] for i in ids]


def assemble(session: Session, origin: Origin) -> OriginDetail:
    """One origin's detail: each part as GraphQL gets it, for this one id."""
    ids = [origin.id]
    return OriginDetail(
        **OriginOut.of(origin).model_dump(),
        licenses=licenses(session, ids)[0],
        detected_licenses=detected_licenses(session, ids)[0],
        aliases=[a.url for a in repository.aliases(session, origin.id)],
        latest_visit=latest_visit(session, ids)[0],
        languages=languages(session, ids)[0],
        issue_stats=issue_stats(session, ids)[0],
        papers=papers_of(session, ids)[0],
        raw_payloads=raw_payloads(session, ids)[0],
    )
