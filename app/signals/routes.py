"""``/v1/advisories``, ``/v1/domains`` and the signals of an origin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.kit.api import ApiKey, UoW
from app.kit.problems import NotFound
from app.origins import repository as origins
from app.signals.domains.repository import domains_of
from app.signals.domains.taxonomy import DOMAINS
from app.signals.importance.repository import importance_of
from app.signals.schemas import DomainOut, ImportanceOut, OriginDomainOut
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.schemas import (
    AdvisoryDetail,
    AdvisoryOut,
    AffectedPackageOut,
    OriginAdvisoryOut,
)

router = APIRouter(prefix="/v1", tags=["signals"])


def _origin(uow: UoW, origin_id: int) -> int:
    if origins.get(uow.session, origin_id) is None:
        raise NotFound(f"no origin with id {origin_id}")
    return origin_id


@router.get("/advisories/{advisory_id}", response_model=AdvisoryDetail)
def get_advisory(uow: UoW, advisory_id: str) -> AdvisoryDetail:
    """An OSV advisory by its id or an alias (GHSA-..., CVE-..., PYSEC-...)."""
    found = advisories.get_advisory(uow.session, advisory_id)
    if found is None:
        raise NotFound(f"no advisory {advisory_id!r}")
    packages = advisories.packages_of(uow.session, [found.id])[found.id]
    return AdvisoryDetail(
        **AdvisoryOut.fields_of(found),
        details=found.details,
        references=list(found.references),
        affected=[AffectedPackageOut.of(p) for p in packages],
    )


@router.get("/origins/{origin_id}/advisories", response_model=list[OriginAdvisoryOut])
def list_origin_advisories(
    uow: UoW,
    origin_id: int,
    current: Annotated[
        bool, Query(description="Only those affecting the latest release or snapshot")
    ] = False,
) -> list[OriginAdvisoryOut]:
    """Advisories concerning the origin (at any version), current ones first."""
    rows = advisories.origin_advisories(
        uow.session, [_origin(uow, origin_id)], current_only=current
    )[origin_id]
    return [OriginAdvisoryOut.of(link, advisory) for link, advisory in rows]


@router.get("/domains", response_model=list[DomainOut])
def list_domains() -> list[DomainOut]:
    """The application-domain taxonomy (from PyPI's Topic classifiers)."""
    return [DomainOut.of(d) for d in DOMAINS]


@router.get("/origins/{origin_id}/domains", response_model=list[OriginDomainOut])
def list_origin_domains(uow: UoW, origin_id: int) -> list[OriginDomainOut]:
    """The origin's application domains with their evidence and confidence."""
    rows = domains_of(uow.session, [_origin(uow, origin_id)])[origin_id]
    return [OriginDomainOut.of(r) for r in rows]


@router.get("/origins/{origin_id}/importance", response_model=ImportanceOut)
def get_origin_importance(uow: UoW, origin_id: int) -> ImportanceOut:
    """The origin's importance score, its formula and version, and its inputs."""
    score, signals = importance_of(uow.session, _origin(uow, origin_id))
    return ImportanceOut.of(origin_id, score, signals)


@router.post("/signals/refresh", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_refresh(uow: UoW, _key: ApiKey) -> JobOut:
    """Match advisories, assign domains and compute importance again, in the background."""
    return JobOut.of(service.submit(uow, kinds.SIGNALS_REFRESH, {}), {})
