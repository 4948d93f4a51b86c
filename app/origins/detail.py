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
from app.signals.domains.repository import domains_of
from app.signals.importance.repository import importances_of
from app.signals.schemas import ImportanceOut, OriginDomainOut
from app.signals.vulnerabilities.repository import origin_advisories
from app.signals.vulnerabilities.schemas import OriginAdvisoryOut

Ids = Sequence[int]


def licenses(session: Session, ids: Ids) -> list[list[LicenseFindingOut]]:
    found = repository.license_findings(session, ids)
    return [[LicenseFindingOut.of(f) for f in found[i]] for i in ids]


def advisories(session: Session, ids: Ids) -> list[list[OriginAdvisoryOut]]:
    """Advisories concerning each origin, current ones first (``app.signals``)."""
    found = origin_advisories(session, ids)
    return [[OriginAdvisoryOut.of(link, a) for link, a in found[i]] for i in ids]


def domains(session: Session, ids: Ids) -> list[list[OriginDomainOut]]:
    """Each origin's application domains with their evidence."""
    found = domains_of(session, ids)
    return [[OriginDomainOut.of(r) for r in found[i]] for i in ids]


def importance(session: Session, ids: Ids) -> list[ImportanceOut]:
    """Each origin's importance score with its formula, inputs and stored signals."""
    found = importances_of(session, ids)
    return [ImportanceOut.of(i, *found[i]) for i in ids]


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
