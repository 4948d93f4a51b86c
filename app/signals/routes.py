"""``/v1/advisories``, ``/v1/domains`` and the signals of an origin."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.jobs import kinds, service
from app.jobs.schemas import JobOut
from app.keys.auth import Submitter
from app.kit.api import UoW
from app.kit.problems import NotFound
from app.signals.domains.taxonomy import DOMAINS
from app.signals.schemas import DomainOut
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.schemas import (
    AdvisoryDetail,
    AdvisoryOut,
    AffectedPackageOut,
)

router = APIRouter(prefix="/v1", tags=["signals"])


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


@router.get("/domains", response_model=list[DomainOut])
def list_domains() -> list[DomainOut]:
    """The application-domain taxonomy (from PyPI's Topic classifiers)."""
    return [DomainOut.of(d) for d in DOMAINS]


@router.post("/signals/refresh", status_code=status.HTTP_202_ACCEPTED, response_model=JobOut)
def start_refresh(uow: UoW, _key: Submitter) -> JobOut:
    """Match advisories, assign domains and compute importance again, in the background."""
    return JobOut.of(service.submit(uow, kinds.SIGNALS_REFRESH, {}), {})
