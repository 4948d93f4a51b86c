"""Request and answer of ``POST /v1/attribution`` (GraphQL ``attribution``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.kit.boundary import RequestModel
from app.kit.params import INT4_MAX

MAX_SNIPPET_BYTES = 64 * 1024


class AttributionIn(RequestModel):
    """A piece of code to attribute (e.g. a model's output)."""

    model_config = ConfigDict(extra="forbid")

    snippet: str = Field(
        min_length=1,
        max_length=MAX_SNIPPET_BYTES,
        description="The code, one line to 64 KB (UTF-8).",
    )
    language: str | None = Field(
        default=None,
        max_length=64,
        description="Its language (a pygments or Linguist name: python, JavaScript, c++...); "
        "guessed when absent.",
    )
    limit: int = Field(default=10, ge=1, le=50, description="Files to return, best first.")
    occurrences: int = Field(
        default=3, ge=0, le=20, description="Occurrences shown inline per file (the rest paged)."
    )
    dataset: str | None = Field(
        default=None, max_length=200, description="With `dataset_build`: a dataset id or name."
    )
    dataset_build: int | None = Field(
        default=None,
        ge=1,
        le=INT4_MAX,
        description="Tell, per file, whether it is in this build of `dataset`.",
    )

    @field_validator("snippet")
    @classmethod
    def _size(cls, value: str) -> str:
        if len(value.encode("utf-8", "surrogatepass")) > MAX_SNIPPET_BYTES:
            raise ValueError("snippet is larger than 64 KB")
        if not value.strip():
            raise ValueError("snippet is blank")
        return value


class LineRangeOut(BaseModel):
    snippet_start: int = Field(description="First line of the snippet (1-based).")
    snippet_end: int
    file_start: int = Field(description="First line of the archived file it matches.")
    file_end: int


class AttributionOccurrenceOut(BaseModel):
    origin: str
    snapshot: str = Field(description="Snapshot SWHID.")
    path: str
    swhid: str = Field(description="Qualified SWHID: the file at this origin, visit and path.")


class LicenseFindingBriefOut(BaseModel):
    expression: str | None
    source: str
    start_line: int | None = None
    end_line: int | None = None


class OriginLicenseOut(BaseModel):
    origin: str
    expression: str | None = Field(description="The origin's effective (reconciled) license.")
    category: str | None


class ObligationsOut(BaseModel):
    """What a user most needs to know, from the license catalog's categories."""

    categories: list[str] = Field(description="Categories of every license found or effective.")
    attribution_required: bool = Field(
        description="A license asks for its notice to be kept (permissive and copyleft)."
    )
    copyleft: bool = Field(description="A copyleft license: derived works under the same terms.")
    weak_copyleft: bool = Field(description="File or library level copyleft (MPL, LGPL, EPL...).")
    restricted: bool = Field(description="Source-available, restricted or proprietary terms.")
    unknown: bool = Field(description="No license known for the file or one of its origins.")


class MembershipBriefOut(BaseModel):
    dataset: str
    build: int
    member: bool
    extensional_fingerprint: str


class FileMatchOut(BaseModel):
    kind: str = Field(
        description="`snippet` (winnowing fingerprints: line ranges) or `near_duplicate` "
        "(the whole snippet and the whole file are MinHash near duplicates: similarity "
        "and coverage are their estimated Jaccard similarity, no ranges)."
    )
    swhid: str = Field(description="The archived file's content SWHID.")
    score: float = Field(description="0..1: half coverage, half similarity.")
    similarity: float = Field(description="Share of the snippet's fingerprints found in the file.")
    coverage: float = Field(description="Share of the snippet's code lines inside a range.")
    matched_fingerprints: int
    ranges: list[LineRangeOut]
    occurrence_count: int
    occurrences: list[AttributionOccurrenceOut] = Field(description="The first occurrences.")
    occurrences_next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` to /v1/contents/{swhid}/occurrences for the rest.",
    )
    licenses: list[LicenseFindingBriefOut] = Field(description="Licenses found in the file.")
    origin_licenses: list[OriginLicenseOut]
    obligations: ObligationsOut
    earliest_visit: datetime | None = Field(description="The first visit that saw the file.")
    authors: list[str] = Field(
        description="Names of the commit authors of revisions where the file was seen "
        "(names only: e-mail addresses are never shown)."
    )
    in_dataset_build: MembershipBriefOut | None = None


class AttributionOut(BaseModel):
    language: str = Field(description="The lexer the snippet was read with.")
    fingerprints: int = Field(description="Fingerprints of the snippet that were looked up.")
    guarantee_tokens: int = Field(
        description="Any shared run of this many normalised tokens is always found."
    )
    matches: list[FileMatchOut]
