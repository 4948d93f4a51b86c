"""The declarative selection of a dataset: what a build keeps, and in which order.

A selection has four parts, each a small strict model (unknown keys are errors, so a
typo never silently widens a dataset):

* ``files``: per content: languages, licenses (with the rule saying which evidence
  counts), quality flags to exclude, BigCode-style line statistics, secret/PII kinds
  to exclude, size bounds.
* ``origins``: per occurrence: the origin holding the file must match (forge, kind,
  stars/forks, dates, archived, fork, topics, owners, papers, and the signals of
  :mod:`app.signals`: application domains, known vulnerabilities). A content
  qualifies when at least one of its occurrences does; that occurrence is its
  representative.
* ``dedup``: exact duplicates are one content already (same ``sha1_git``); with
  ``near_duplicates`` one representative per MinHash cluster is kept (see
  :data:`NEAR_DUP_RULE`).
* ``ranking``: a named ordering (:data:`RANKINGS`) and a ``limit``.

Dates can be relative to the build's cut-off (``updated_within_days``), so a
definition like "updated in the last two years" means the same thing in every build
and two builds of it on the same data are the same build.

Extending: a new filter is a field here plus a :class:`~app.datasets.compiler.Stage`
in the compiler; a new ordering is an entry of :data:`RANKINGS` and its SQL in the
compiler. Issue 14's signals (vulnerabilities, domains, importance) plug in that way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.licenses.detection.categories import LicenseCategory
from app.models.enums import OriginKind
from app.signals.vulnerabilities.severity import LABEL_BOUNDS


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# Dates come as ISO strings in JSON: accepted as such, while numbers stay strict.
LaxDatetime = Annotated[datetime, Field(strict=False)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, strict=False)]
Count = Annotated[int, Field(ge=0)]


class EvidenceKind(StrEnum):
    """Where a file's license comes from (see :class:`LicenseRule`)."""

    OWN = "own"  # the file's own findings: SPDX tag, header, or the file is a license text
    INHERITED = "inherited"  # a license file of its directory or the nearest parent
    ORIGIN = "origin"  # the effective license reconciled for the origin holding it


class QualityFlag(StrEnum):
    GENERATED = "generated"
    VENDORED = "vendored"
    MINIFIED = "minified"
    BINARY = "binary"
    DATA = "data"
    TOO_LARGE = "too_large"


# Enumerations arrive as strings in JSON: matched by value (strict mode would want
# Python enum instances).
Category = Annotated[LicenseCategory, Field(strict=False)]
Evidence = Annotated[EvidenceKind, Field(strict=False)]
Flag = Annotated[QualityFlag, Field(strict=False)]
Kind = Annotated[OriginKind, Field(strict=False)]


class LicenseRule(Strict):
    """Which licenses qualify, and which evidence decides a file's license.

    ``evidence`` lists the kinds of evidence that count, strongest first: a file's
    license is the one of the first kind that has any evidence for it (for the
    occurrence considered). Evidence *conflicts* when two counted kinds that both have
    evidence disagree, when one kind holds several different expressions, or when the
    origin's effective license records conflicts; such a file is excluded unless
    ``allow_conflicts`` (then the strongest kind decides).

    A license qualifies when it matches any of ``ids`` (the expression can be
    honoured using only these ids: ``MIT OR GPL-3.0-only`` qualifies under ``MIT``,
    ``MIT AND GPL-3.0-only`` does not), ``expressions`` (equivalent expressions), or
    ``categories`` (the expression's category: ``AND`` takes the most restrictive
    part, ``OR`` the least). A file without any counted evidence never qualifies.
    """

    ids: list[str] = Field(default_factory=list)
    expressions: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    evidence: list[Evidence] = Field(
        default_factory=lambda: [EvidenceKind.OWN, EvidenceKind.INHERITED, EvidenceKind.ORIGIN],
        min_length=1,
    )
    allow_conflicts: bool = False

    @model_validator(mode="after")
    def _something_to_match(self) -> LicenseRule:
        if not (self.ids or self.expressions or self.categories):
            raise ValueError("give at least one of ids, expressions or categories")
        if len(set(self.evidence)) != len(self.evidence):
            raise ValueError("evidence lists a kind twice")
        return self


class PiiRule(Strict):
    """Secrets and personal data: files with a finding of these kinds are left out
    (``any``: a finding of any kind)."""

    exclude_any: bool = False
    exclude_kinds: list[str] = Field(default_factory=list)


class FileFilters(Strict):
    languages: list[str] = Field(default_factory=list, description="Linguist names; empty: any.")
    license: LicenseRule | None = None
    exclude_flags: list[Flag] = Field(default_factory=list)
    max_line_length: Count | None = Field(default=None, description="Longest line, at most.")
    max_mean_line_length: Annotated[float, Field(ge=0, strict=False)] | None = None
    min_alnum_fraction: Fraction | None = None
    pii: PiiRule | None = None
    min_size: Count | None = Field(default=None, description="Bytes, at least.")
    max_size: Count | None = Field(default=None, description="Bytes, at most.")

    @model_validator(mode="after")
    def _bounds(self) -> FileFilters:
        if (
            self.min_size is not None
            and self.max_size is not None
            and self.min_size > self.max_size
        ):
            raise ValueError("min_size is larger than max_size")
        return self


class VulnerabilityScope(StrEnum):
    """Which advisories ``vulnerable`` looks at (see :class:`OriginFilters`)."""

    CURRENT = "current"  # affecting the latest release or the latest scanned snapshot
    EVER = "ever"  # concerning the origin at any version


def severity_bound(value: str | float) -> float:
    """``max_severity`` as a CVSS base score: a number from 0 to 10, or a label standing
    for the upper bound of its band (none 0, low 3.9, medium 6.9, high 8.9, critical 10)."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in LABEL_BOUNDS:
            return LABEL_BOUNDS[word]
        try:
            value = float(word)
        except ValueError:
            value = -1.0
    if isinstance(value, bool) or not 0.0 <= float(value) <= 10.0:
        raise ValueError("give a CVSS score from 0 to 10 or one of " + ", ".join(LABEL_BOUNDS))
    return float(value)


class OriginFilters(Strict):
    forges: list[str] = Field(default_factory=list, description="Host names, e.g. github.com.")
    kinds: list[Kind] = Field(default_factory=list)
    stars_min: Count | None = None
    stars_max: Count | None = None
    forks_min: Count | None = None
    forks_max: Count | None = None
    created_since: LaxDatetime | None = None
    updated_since: LaxDatetime | None = None
    pushed_since: LaxDatetime | None = None
    created_within_days: Count | None = Field(default=None, description="Before the cut-off.")
    updated_within_days: Count | None = Field(default=None, description="Before the cut-off.")
    pushed_within_days: Count | None = Field(default=None, description="Before the cut-off.")
    archived: bool | None = None
    fork: bool | None = None
    topics: list[str] = Field(default_factory=list, description="Any of these topics.")
    owners: list[str] = Field(default_factory=list, description="Owner logins.")
    has_paper: bool | None = None
    # Signals (app.signals), read as they are when the build runs; the build records
    # their versions (see app.datasets.builder.signal_versions).
    domains: list[str] = Field(
        default_factory=list,
        description="Any of these application domains (GET /v1/domains), a domain "
        "including its narrower ones (science includes astronomy and gis).",
    )
    vulnerable: bool | None = Field(
        default=None,
        description="false: no known advisory concerns the origin (within "
        "vulnerability_scope); true: one does.",
    )
    vulnerability_scope: Annotated[VulnerabilityScope, Field(strict=False)] = Field(
        default=VulnerabilityScope.CURRENT,
        description="current (default): advisories affecting the latest release (registry "
        "payload) or the version the latest scanned snapshot declares; ever: advisories "
        "concerning any version.",
    )
    max_severity: float | str | None = Field(
        default=None,
        description="No advisory affecting the current version is more severe: a CVSS "
        "score (0-10) or none, low, medium, high, critical; unknown severity counts as "
        "above any bound.",
    )
    exclude_advisories: list[str] = Field(
        default_factory=list,
        description="Leave out origins concerned, at any version, by any of these "
        "advisories (OSV ids or aliases: GHSA-..., CVE-..., PYSEC-...).",
    )

    @field_validator("max_severity")
    @classmethod
    def _severity(cls, value: float | str | None) -> float | None:
        return None if value is None else severity_bound(value)

    @field_validator("created_since", "updated_since", "pushed_since")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone (e.g. 2024-01-01T00:00:00Z)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _ranges(self) -> OriginFilters:
        for low, high in (("stars_min", "stars_max"), ("forks_min", "forks_max")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{low} is larger than {high}")
        for what in ("created", "updated", "pushed"):
            if getattr(self, f"{what}_since") and getattr(self, f"{what}_within_days"):
                raise ValueError(f"give {what}_since or {what}_within_days, not both")
        return self


NEAR_DUP_RULE = (
    "one file per near-duplicate (MinHash) cluster: among the cluster's members that "
    "pass every filter, the one the ranking puts first, ties broken by the smallest "
    "sha1_git (so deduplication never keeps a file the limit would drop over one it "
    "would keep); files outside any cluster are their own cluster"
)


class Dedup(Strict):
    near_duplicates: bool = True


class RankingName(StrEnum):
    SHA1_GIT = "sha1_git"
    ORIGIN_STARS = "origin_stars"
    ORIGIN_COUNT = "origin_count"
    SIZE = "size"
    IMPORTANCE = "importance"


#: Each ordering, documented; ties are always broken by ``sha1_git`` ascending.
RANKINGS: dict[RankingName, str] = {
    RankingName.SHA1_GIT: "by content id (sha1_git) ascending: an arbitrary but stable order",
    RankingName.ORIGIN_STARS: "most stars of any qualifying origin holding the file first "
    "(unknown star counts last)",
    RankingName.ORIGIN_COUNT: "most origins holding the file first (forks and vendored "
    "copies count: a file many projects carry is one many people rely on)",
    RankingName.SIZE: "largest files first",
    RankingName.IMPORTANCE: "most important files first: the file importance of "
    "app.signals.importance (importance@1), max(importance of the origins holding the "
    "file) + log10(number of those origins), over the occurrences archived by the "
    "cut-off, rounded to 6 decimals (origins without a computed score count 0)",
}


class Ranking(Strict):
    order: Annotated[RankingName, Field(strict=False)] = RankingName.SHA1_GIT
    limit: Annotated[int, Field(ge=1)] | None = None


class Selection(Strict):
    files: FileFilters = Field(default_factory=FileFilters)
    origins: OriginFilters = Field(default_factory=OriginFilters)
    dedup: Dedup = Field(default_factory=Dedup)
    ranking: Ranking = Field(default_factory=Ranking)

    def canonical(self) -> dict[str, Any]:
        """The normalized form hashed into fingerprints: every field present (defaults
        too, so ``{}`` and its spelled-out form are one definition), lists sorted and
        without repeats where order carries no meaning."""
        data = self.model_dump(mode="json")
        files, origins = data["files"], data["origins"]
        for key in ("languages", "exclude_flags"):
            files[key] = sorted(set(files[key]))
        if files["pii"] is not None:
            files["pii"]["exclude_kinds"] = sorted(set(files["pii"]["exclude_kinds"]))
        if files["license"] is not None:
            lic = files["license"]
            for key in ("ids", "expressions", "categories"):
                lic[key] = sorted(set(lic[key]))
            # evidence keeps its order: it is a precedence
        for key in ("forges", "kinds", "topics", "owners", "exclude_advisories"):
            origins[key] = sorted(set(origins[key]))
        origins["domains"] = sorted({d.strip().lower() for d in origins["domains"]})
        return data
