"""GraphQL fields of the signals (the same repository calls as REST)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.graphql.context import Context
from app.signals.domains.repository import domains_of
from app.signals.importance.repository import importance_of
from app.signals.schemas import FORMULA, ImportanceOut, OriginDomainOut
from app.signals.vulnerabilities import repository as advisories
from app.signals.vulnerabilities.schemas import OriginAdvisoryOut


@strawberry.type
class AdvisoryMatch:
    id: str
    aliases: list[str]
    summary: str | None
    severity_score: float | None
    severity_label: str | None
    current: bool
    latest_version: str | None
    affects_latest: bool | None
    snapshot_version: str | None
    affects_snapshot: bool | None
    fixed_versions: list[str]

    @classmethod
    def of(cls, out: OriginAdvisoryOut) -> AdvisoryMatch:
        return cls(
            id=out.advisory.id,
            aliases=out.advisory.aliases,
            summary=out.advisory.summary,
            severity_score=out.advisory.severity.score,
            severity_label=out.advisory.severity.label,
            current=out.current,
            latest_version=out.latest_version,
            affects_latest=out.affects_latest,
            snapshot_version=out.snapshot_version,
            affects_snapshot=out.affects_snapshot,
            fixed_versions=out.fixed_versions,
        )


@strawberry.type
class DomainAssignment:
    domain: str
    ancestors: list[str]
    confidence: float
    evidence: JSON
    assigner_version: str


@strawberry.type
class ImportanceSignal:
    """One stored input of the score: its value, where and when it was read."""

    name: str
    value: float
    source: str
    raw_metadata_id: int | None
    observed_at: datetime | None


@strawberry.type
class Importance:
    score: float | None
    formula_version: str
    formula: str
    inputs: JSON = strawberry.field(
        description="Each input used (stars, forks, dependents, downloads, citations) and "
        "the origin it came from (a package and its repository share inputs)."
    )
    signals: list[ImportanceSignal] = strawberry.field(
        default_factory=list, description="The origin's own stored inputs."
    )
    computed_at: datetime | None = None

    @classmethod
    def of(cls, out: ImportanceOut) -> Importance:
        return cls(
            score=out.score,
            formula_version=out.formula_version,
            formula=FORMULA,
            inputs=cast(JSON, out.inputs),
            signals=[
                ImportanceSignal(
                    name=s.name,
                    value=s.value,
                    source=s.source,
                    raw_metadata_id=s.raw_metadata_id,
                    observed_at=s.observed_at,
                )
                for s in out.signals
            ],
            computed_at=out.computed_at,
        )


def domain_assignment(d: OriginDomainOut) -> DomainAssignment:
    return DomainAssignment(
        domain=d.domain,
        ancestors=d.ancestors,
        confidence=d.confidence,
        evidence=cast(JSON, d.evidence),
        assigner_version=d.assigner_version,
    )


@strawberry.type
class SignalsQuery:
    @strawberry.field(description="Advisories concerning an origin, current ones first.")
    async def origin_advisories(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> list[AdvisoryMatch]:
        found = await info.context.db(advisories.origin_advisories, [origin_id])
        return [AdvisoryMatch.of(OriginAdvisoryOut.of(m, a)) for m, a in found[origin_id]]

    @strawberry.field(description="An origin's application domains with their evidence.")
    async def origin_domains(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> list[DomainAssignment]:
        found = await info.context.db(domains_of, [origin_id])
        return [domain_assignment(OriginDomainOut.of(r)) for r in found[origin_id]]

    @strawberry.field(description="An origin's importance score and its inputs.")
    async def origin_importance(
        self, info: strawberry.Info[Context, None], origin_id: int
    ) -> Importance:
        score, signals = await info.context.db(importance_of, origin_id)
        return Importance.of(ImportanceOut.of(origin_id, score, signals))
