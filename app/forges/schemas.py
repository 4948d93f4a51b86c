"""What the forge-metadata endpoints return: raw payloads, owners, issues."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.kit.boundary import RequestModel
from app.kit.personal import redact_payload
from app.kit.redaction import strip_credentials
from app.licenses.findings import ProvenanceOut
from app.models import Issue, Owner, RawMetadata
from app.models.enums import IssueKind, IssueState, OwnerKind


class RawMetadataOut(BaseModel):
    id: int
    authority: str = Field(description="Who said it: github.com, pypi.org, ...")
    format: str
    kind: str
    source_url: str | None = Field(description="What was fetched.")
    fetcher_name: str
    fetcher_version: str
    fetched_at: datetime
    etag: str | None
    sha256: str
    origin_id: int | None

    @classmethod
    def of(cls, raw: RawMetadata) -> RawMetadataOut:
        return cls(
            id=raw.id,
            authority=raw.authority,
            format=raw.format,
            kind=raw.kind,
            source_url=strip_credentials(raw.source_url) if raw.source_url else None,
            fetcher_name=raw.fetcher_name,
            fetcher_version=raw.fetcher_version,
            fetched_at=raw.fetched_at,
            etag=raw.etag,
            sha256=raw.sha256.hex(),
            origin_id=raw.origin_id,
        )


class RawMetadataDetail(RawMetadataOut):
    payload: Any = Field(
        description="The payload as stored (decoded JSON); e-mail addresses withheld "
        "(`withheld@domain`) unless the caller's key has the admin scope."
    )
    personal_data_withheld: bool = Field(
        description="Whether e-mail addresses were masked in this answer (`sha256` still "
        "names the stored bytes)."
    )

    @classmethod
    def with_payload(cls, raw: RawMetadata, *, show_personal: bool = False) -> RawMetadataDetail:
        try:
            payload = json.loads(raw.payload)
        except ValueError:
            payload = raw.payload.decode("utf-8", errors="replace")
        withheld = False
        if not show_personal:
            masked = redact_payload(payload)
            withheld = masked != payload
            payload = masked
        return cls(
            **RawMetadataOut.of(raw).model_dump(),
            payload=payload,
            personal_data_withheld=withheld,
        )


class OwnerDetail(BaseModel):
    id: int
    forge: str
    login: str
    kind: OwnerKind | None
    native_id: str | None
    name: str | None
    url: str | None
    provenance: ProvenanceOut

    @classmethod
    def of(cls, owner: Owner) -> OwnerDetail:
        return cls(
            id=owner.id,
            forge=owner.forge.name,
            login=owner.display_login,
            kind=owner.kind,
            native_id=owner.native_id,
            name=owner.name,
            url=owner.url,
            provenance=ProvenanceOut.of(owner),
        )


class IssueOut(BaseModel):
    id: int
    origin_id: int
    kind: IssueKind
    number: int
    title: str
    state: IssueState = Field(description="open, closed or merged (one vocabulary).")
    forge_state: str = Field(description="The forge's own word for the state.")
    is_draft: bool
    is_locked: bool
    author_login: str | None
    labels: list[str]
    comments_count: int | None
    url: str | None
    forge_created_at: datetime | None
    forge_updated_at: datetime | None
    closed_at: datetime | None
    merged_at: datetime | None
    provenance: ProvenanceOut

    @classmethod
    def of(cls, issue: Issue) -> IssueOut:
        return cls(
            id=issue.id,
            origin_id=issue.origin_id,
            kind=issue.kind,
            number=issue.number,
            title=issue.title,
            state=issue.state,
            forge_state=issue.forge_state,
            is_draft=issue.is_draft,
            is_locked=issue.is_locked,
            author_login=issue.author_login,
            labels=list(issue.labels or []),
            comments_count=issue.comments_count,
            url=issue.url,
            forge_created_at=issue.forge_created_at,
            forge_updated_at=issue.forge_updated_at,
            closed_at=issue.closed_at,
            merged_at=issue.merged_at,
            provenance=ProvenanceOut.of(issue),
        )


class RederiveIn(RequestModel):
    authority: str | None = Field(default=None, description="Only payloads from this source.")


class FetchIn(RequestModel):
    url: str = Field(
        min_length=8,
        max_length=2048,
        description="A repository or package URL (any usual spelling).",
    )
    issues: bool = Field(default=False, description="Also crawl issues and pull requests.")


class FetchOut(BaseModel):
    origin_id: int
    url: str
    jobs: list[int]
