"""Severity of an advisory: a CVSS base score computed from its vector, else its
database's own label.

Scores come from the ``cvss`` package (the FIRST specifications' formulas for v2,
v3.x and v4.0), never from a hand-written calculator. When a record carries no
vector, GitHub-style ``database_specific.severity`` labels (LOW, MODERATE/MEDIUM,
HIGH, CRITICAL) are kept and scored at the *upper* end of the band CVSS v3 gives
that label (3.9, 6.9, 8.9, 10.0), so a ``max_severity`` bound never lets through an
advisory that could be worse than it. A record with neither has no score; the
filters treat an unknown severity as above every bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cvss

LABEL_BOUNDS: dict[str, float] = {
    "none": 0.0,
    "low": 3.9,
    "medium": 6.9,
    "high": 8.9,
    "critical": 10.0,
}
_LABEL_ALIASES = {"moderate": "medium", "important": "high"}
# Vector types in the order a record's several scores are preferred.
_PREFERENCE = ("CVSS_V4", "CVSS_V3", "CVSS_V2")


@dataclass(frozen=True, slots=True)
class Severity:
    score: float | None
    label: str | None
    vector: str | None
    source: str | None


def label_for(score: float) -> str:
    """CVSS v3/v4 qualitative rating of a base score."""
    if score == 0:
        return "none"
    if score < 4.0:
        return "low"
    if score < 7.0:
        return "medium"
    if score < 9.0:
        return "high"
    return "critical"


def normalize_label(text: str) -> str | None:
    word = text.strip().lower()
    word = _LABEL_ALIASES.get(word, word)
    return word if word in LABEL_BOUNDS else None


def score_vector(kind: str, vector: str) -> float:
    """The base score of a CVSS vector; ValueError when it does not parse."""
    try:
        if kind == "CVSS_V4":
            return float(cvss.CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(cvss.CVSS3(vector).base_score)
        if kind == "CVSS_V2":
            return float(cvss.CVSS2(vector).base_score)
    except cvss.CVSSError as exc:
        raise ValueError(f"invalid {kind} vector {vector!r}: {exc}") from exc
    raise ValueError(f"unknown severity type {kind!r}")


def severity_of(record: dict[str, Any]) -> Severity:
    """The record's severity (see the module docstring for the rules)."""
    entries = [s for s in record.get("severity") or [] if isinstance(s, dict)]
    for affected in record.get("affected") or []:
        if isinstance(affected, dict):
            entries += [s for s in affected.get("severity") or [] if isinstance(s, dict)]
    for kind in _PREFERENCE:
        for entry in entries:
            if entry.get("type") == kind and isinstance(entry.get("score"), str):
                score = score_vector(kind, entry["score"])
                return Severity(score, label_for(score), entry["score"], kind)
    specific = record.get("database_specific")
    if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
        label = normalize_label(specific["severity"])
        if label is not None:
            return Severity(
                LABEL_BOUNDS[label], label, None, "database_specific.severity (upper bound)"
            )
    return Severity(None, None, None, None)
