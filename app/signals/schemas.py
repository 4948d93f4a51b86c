"""What the domain and importance endpoints return (advisories: see
``app.signals.vulnerabilities.schemas``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.models import ImportanceSignal, OriginDomain, OriginImportance
from app.signals.domains.taxonomy import Domain, ancestors
from app.signals.importance.score import FORMULA_VERSION, WEIGHTS

FORMULA = (
    "log10(1 + stars) + 0.5 * log10(1 + forks) + log10(1 + dependents) "
    "+ 0.5 * log10(1 + downloads) + log10(1 + citations); each input the larger of the "
    "origin's and its linked package's or repository's"
)


class DomainOut(BaseModel):
    key: str
    label: str
    parent: str | None
    classifiers: list[str] = Field(description="The PyPI Topic classifiers that define it.")
    terms: list[str] = Field(description="Topics and keywords that count as evidence.")

    @classmethod
    def of(cls, domain: Domain) -> DomainOut:
        return cls(
            key=domain.key,
            label=domain.label,
            parent=domain.parent,
            classifiers=list(domain.classifiers),
            terms=list(domain.terms),
        )


class OriginDomainOut(BaseModel):
    domain: str
    ancestors: list[str] = Field(description="Broader domains that include this one.")
    confidence: float
    evidence: list[dict[str, Any]] = Field(
        description="What was read: kind (registry_classifier, forge_topic, registry_keyword, "
        "codemeta_keyword, codemeta_category, paper), value, the origin it was read on, the "
        "payload or paper, and its confidence."
    )
    assigner_version: str
    assigned_at: datetime

    @classmethod
    def of(cls, row: OriginDomain) -> OriginDomainOut:
        return cls(
            domain=row.domain,
            ancestors=ancestors(row.domain),
            confidence=row.confidence,
            evidence=list(row.evidence),
            assigner_version=row.assigner_version,
            assigned_at=row.assigned_at,
        )


class ImportanceSignalOut(BaseModel):
    name: str
    value: float
    source: str
    raw_metadata_id: int | None
    observed_at: datetime | None

    @classmethod
    def of(cls, row: ImportanceSignal) -> ImportanceSignalOut:
        return cls(
            name=row.name,
            value=row.value,
            source=row.source,
            raw_metadata_id=row.raw_metadata_id,
            observed_at=row.observed_at,
        )


class ImportanceOut(BaseModel):
    origin_id: int
    score: float | None = Field(description="null until the signals job has run.")
    formula_version: str
    formula: str
    weights: dict[str, float]
    inputs: dict[str, Any] = Field(description="Each input used, and the origin it came from.")
    signals: list[ImportanceSignalOut] = Field(description="The origin's own stored signals.")
    computed_at: datetime | None

    @classmethod
    def of(
        cls, origin_id: int, score: OriginImportance | None, signals: list[ImportanceSignal]
    ) -> ImportanceOut:
        return cls(
            origin_id=origin_id,
            score=score.score if score else None,
            formula_version=score.formula_version if score else FORMULA_VERSION,
            formula=FORMULA,
            weights=dict(WEIGHTS),
            inputs=dict(score.inputs) if score else {},
            signals=[ImportanceSignalOut.of(s) for s in signals],
            computed_at=score.computed_at if score else None,
        )
