"""Assign application domains to origins from declared evidence only.

Evidence read, with the confidence each item carries (how directly it states the
field of application):

* ``registry_classifier`` 0.9: a "Topic ::" Trove classifier in the stored PyPI
  payload (``info.classifiers``): a curated vocabulary the maintainers chose;
* ``forge_topic`` 0.7: a repository topic (GitHub, GitLab, Gitea...) equal to a
  domain's term;
* ``codemeta_category`` 0.7: CodeMeta ``applicationCategory`` of the latest
  snapshot's record, when a reader filled it (today's readers keep keywords, not
  this field);
* ``registry_keyword`` 0.6 and ``codemeta_keyword`` 0.6: a keyword equal to a term;
* ``paper``: a field of a resolved paper linked to the origin (``paper.fields``, as
  the resolver reported it), each with its own confidence: an arXiv *primary*
  category 0.8 (the authors chose it in arXiv's curated taxonomy), a cross-listed
  category 0.6, a DataCite subject 0.6 (the depositor's keyword), a Crossref subject
  0.5 (the journal's subject, not the paper's), an OpenAlex concept ``0.8 * score``
  when its score is at least 0.3 (a classifier's guess, weighted by its own score).

A package and the repository it declares share their evidence (each item says which
origin it was read on). The confidence of an assignment combines its distinct items
as independent clues, ``1 - prod(1 - c)``. Nothing is read from names, descriptions
or READMEs. Arxiv categories map through ``ARXIV_CATEGORIES``; subject and concept
names through the same whole-word terms as keywords.

The job recomputes every assignment (``ASSIGNER_VERSION`` names the rules).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select, true
from sqlalchemy.dialects.postgresql import JSONB, distinct_on
from sqlalchemy.orm import Session

from app.models import (
    Origin,
    OriginDomain,
    Paper,
    PaperLink,
    ProjectMetadata,
    RawMetadata,
    Visit,
)
from app.models.enums import OriginKind, PaperStatus
from app.signals.domains.taxonomy import (
    TAXONOMY_VERSION,
    domain_for_classifier,
    domain_for_paper_field,
    domain_for_term,
)
from app.signals.links import linked_origins
from app.signals.repository import replace_rows

ASSIGNER_VERSION = f"domains@2/{TAXONOMY_VERSION}"
CONFIDENCE = {
    "registry_classifier": 0.9,
    "forge_topic": 0.7,
    "codemeta_category": 0.7,
    "registry_keyword": 0.6,
    "codemeta_keyword": 0.6,
}
PAPER_CONFIDENCE = {
    "arxiv-primary": 0.8,
    "arxiv": 0.6,
    "datacite-subject": 0.6,
    "crossref-subject": 0.5,
}
OPENALEX_WEIGHT = 0.8
OPENALEX_MIN_SCORE = 0.3
# The ``domain`` filter counts assignments at least this confident (every single
# item of evidence above reaches it; the bound is for future, weaker sources).
MIN_CONFIDENCE = 0.5


@dataclass
class AssignReport:
    origins: int = 0
    assignments: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"origins": self.origins, "assignments": self.assignments}


def _item(kind: str, value: str, origin_id: int, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "value": value, "origin_id": origin_id, **extra}


def evidence_of_payload(raw: RawMetadata) -> list[tuple[str, dict[str, Any]]]:
    """(domain, evidence) from a stored registry payload's classifiers."""
    if raw.format != "pypi-project-json":
        return []
    try:
        info = json.loads(raw.payload).get("info") or {}
    except (ValueError, AttributeError):
        return []
    out = []
    for classifier in info.get("classifiers") or []:
        if isinstance(classifier, str) and classifier.startswith("Topic ::"):
            domain = domain_for_classifier(classifier)
            if domain is not None:
                item = _item(
                    "registry_classifier", classifier, raw.origin_id or 0, raw_metadata_id=raw.id
                )
                out.append((domain, item))
    return out


def evidence_of_terms(
    kind: str, terms: Iterable[object], origin_id: int, **extra: Any
) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for term in terms:
        if isinstance(term, str):
            domain = domain_for_term(term)
            if domain is not None:
                out.append((domain, _item(kind, term, origin_id, **extra)))
    return out


def paper_field_confidence(field: dict[str, Any]) -> float | None:
    """How much one field of a paper says about the software's domain (None: too
    weak to be evidence); see the module docstring."""
    scheme = field.get("scheme")
    if scheme == "openalex-concept":
        score = field.get("score")
        if not isinstance(score, int | float) or score < OPENALEX_MIN_SCORE:
            return None
        return round(OPENALEX_WEIGHT * float(score), 4)
    if scheme == "arxiv" and field.get("primary") is True:
        return PAPER_CONFIDENCE["arxiv-primary"]
    return PAPER_CONFIDENCE.get(str(scheme))


def evidence_of_paper(
    paper_id: int, fields: Iterable[object], origin_id: int
) -> list[tuple[str, dict[str, Any]]]:
    """(domain, evidence) from a resolved paper's fields, for an origin linked to it."""
    out = []
    for field in fields:
        if not isinstance(field, dict):
            continue
        scheme, value = field.get("scheme"), field.get("value")
        if not isinstance(scheme, str) or not isinstance(value, str):
            continue
        confidence = paper_field_confidence(field)
        domain = domain_for_paper_field(scheme, value)
        if confidence is None or domain is None:
            continue
        item = _item("paper", f"{scheme}:{value}", origin_id, paper_id=paper_id)
        item["confidence"] = confidence
        out.append((domain, item))
    return out


def _paper_fields(session: Session, origin_ids: Sequence[int] | None) -> list[tuple[int, int, Any]]:
    """(origin, paper, fields) of the resolved, classified papers linked to these
    origins (every origin when None)."""
    stmt = (
        select(PaperLink.origin_id, Paper.id, Paper.fields)
        .join(Paper, Paper.id == PaperLink.paper_id)
        .where(Paper.status == PaperStatus.RESOLVED, Paper.fields != literal([], JSONB))
        .distinct()
    )
    if origin_ids is not None:
        stmt = stmt.where(PaperLink.origin_id.in_(list(origin_ids)))
    return [(o, p, f) for o, p, f in session.execute(stmt)]


def confidence_of(item: dict[str, Any]) -> float:
    return float(item.get("confidence", CONFIDENCE.get(item["kind"], 0.0)))


def _latest_metadata(
    session: Session, origin_ids: Sequence[int] | None = None
) -> dict[int, ProjectMetadata]:
    """Each origin's CodeMeta record of its newest snapshot-producing visit."""
    newest = (
        select(Visit.origin_id, Visit.snapshot_id)
        .where(Visit.snapshot_id.is_not(None))
        .where(Visit.origin_id.in_(list(origin_ids)) if origin_ids is not None else true())
        .ext(distinct_on(Visit.origin_id))
        .order_by(Visit.origin_id, Visit.date.desc(), Visit.id.desc())
        .subquery()
    )
    rows = session.scalars(
        select(ProjectMetadata).join(
            newest,
            (newest.c.origin_id == ProjectMetadata.origin_id)
            & (newest.c.snapshot_id == ProjectMetadata.snapshot_id),
        )
    )
    return {m.origin_id: m for m in rows}


def combine(confidences: Iterable[float]) -> float:
    remaining = 1.0
    for c in confidences:
        remaining *= 1.0 - c
    return round(1.0 - remaining, 4)


def assign_all(session: Session, origin_ids: Sequence[int] | None = None) -> AssignReport:
    """Recompute ``origin_domain`` for these origins (every origin when None), reading
    the evidence of the origins linked to them too."""
    batch = set(origin_ids) if origin_ids is not None else None
    linked = linked_origins(session, list(batch)) if batch is not None else None
    origins = session.execute(
        select(
            Origin.id,
            Origin.kind,
            Origin.topics,
            Origin.raw_metadata_id,
            Origin.repository_origin_id,
        ).where(Origin.id.in_(linked) if linked is not None else true())
    ).all()
    found: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    raw_ids = [r for _, kind, _, r, _ in origins if r is not None and kind is OriginKind.PACKAGE]
    raws = {
        r.id: r for r in session.scalars(select(RawMetadata).where(RawMetadata.id.in_(raw_ids)))
    }
    for origin_id, kind, topics, raw_id, _ in origins:
        if kind is OriginKind.PACKAGE:
            raw = raws.get(raw_id) if raw_id is not None else None
            if raw is not None:
                found[origin_id] += evidence_of_payload(raw)
            found[origin_id] += evidence_of_terms("registry_keyword", topics or [], origin_id)
        else:
            found[origin_id] += evidence_of_terms("forge_topic", topics or [], origin_id)
    for origin_id, meta in _latest_metadata(session, linked).items():
        record = meta.record or {}
        keywords = record.get("keywords") or []
        extra = {"snapshot_id": meta.snapshot_id}
        found[origin_id] += evidence_of_terms(
            "codemeta_keyword",
            keywords if isinstance(keywords, list) else [keywords],
            origin_id,
            **extra,
        )
        category = record.get("applicationCategory")
        categories = category if isinstance(category, list) else [category]
        found[origin_id] += evidence_of_terms("codemeta_category", categories, origin_id, **extra)
    for origin_id, paper_id, fields in _paper_fields(session, linked):
        found[origin_id] += evidence_of_paper(paper_id, fields or [], origin_id)
    # A package and its repository share their evidence.
    shared: dict[int, list[tuple[str, dict[str, Any]]]] = {k: list(v) for k, v in found.items()}
    for origin_id, _, _, _, repository_id in origins:
        if repository_id is not None and repository_id != origin_id:
            shared.setdefault(repository_id, []).extend(found.get(origin_id, []))
            shared.setdefault(origin_id, []).extend(found.get(repository_id, []))
    if batch is not None:
        shared = {k: v for k, v in shared.items() if k in batch}
    report = AssignReport()
    rows: list[dict[str, object]] = []
    for origin_id, items in sorted(shared.items()):
        by_domain: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for domain, item in items:
            key = json.dumps([item["kind"], item["value"], item["origin_id"], item.get("paper_id")])
            by_domain[domain][key] = item
        for domain, distinct in sorted(by_domain.items()):
            evidence = sorted(distinct.values(), key=lambda i: (-confidence_of(i), i["value"]))
            rows.append(
                {
                    "origin_id": origin_id,
                    "domain": domain,
                    "confidence": combine(confidence_of(i) for i in evidence),
                    "evidence": [{**i, "confidence": confidence_of(i)} for i in evidence],
                    "assigner_version": ASSIGNER_VERSION,
                }
            )
            report.assignments += 1
        if by_domain:
            report.origins += 1
    replace_rows(
        session,
        OriginDomain,
        ("origin_id", "domain"),
        sorted(batch) if batch is not None else None,
        rows,
        touch=("assigned_at",),
    )
    return report
