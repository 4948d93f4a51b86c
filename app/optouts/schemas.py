"""What the opt-out endpoints take and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.kit.boundary import RequestModel

ScopeKind = Literal["account", "origin", "path", "content", "author"]
Method = Literal["proof-file", "ssh-signature", "email"]


class ScopeIn(RequestModel):
    """What to exclude (see ``GET /v1/optouts/purposes`` for the semantics)."""

    kind: ScopeKind
    forge: str | None = Field(
        default=None, max_length=255, description="account, author by forge account"
    )
    login: str | None = Field(default=None, max_length=255)
    origin_url: str | None = Field(
        default=None, max_length=2048, description="origin, path; content: the origin you control"
    )
    pattern: str | None = Field(default=None, max_length=1024, description="path: a glob")
    swhid: str | None = Field(default=None, max_length=200, description="content")
    email: str | None = Field(default=None, max_length=320, description="author by e-mail")


class ExceptionIn(RequestModel):
    """A carve-out: an origin, a path pattern inside one, or a content."""

    origin_url: str | None = Field(default=None, max_length=2048)
    pattern: str | None = Field(default=None, max_length=1024)
    swhid: str | None = Field(default=None, max_length=200)


class OptoutIn(RequestModel):
    scope: ScopeIn
    purposes: list[str] = Field(
        default_factory=lambda: ["any"],
        min_length=1,
        max_length=16,
        description="Reserved uses, e.g. 'ai-training', 'ai-training;unless=open-weights-only'; "
        "'search!' allows a use.",
    )
    exceptions: list[ExceptionIn] = Field(default_factory=list, max_length=100)
    method: Method


class OperatorOptoutIn(RequestModel):
    scope: ScopeIn
    purposes: list[str] = Field(default_factory=lambda: ["any"], min_length=1, max_length=16)
    exceptions: list[ExceptionIn] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=3, max_length=2000)


class SignatureIn(RequestModel):
    signature: str = Field(min_length=1, max_length=16_384)


class CodeIn(RequestModel):
    code: str = Field(min_length=1, max_length=32)


class ReasonIn(RequestModel):
    reason: str | None = Field(default=None, max_length=2000)


class DecisionIn(RequestModel):
    decision: Literal["approve", "refuse"]
    reason: str = Field(min_length=3, max_length=2000)


class EventOut(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: str
    reason: str | None
    payload: dict[str, Any]
    hash: str


class OptoutOut(BaseModel):
    """A request as its author (and the operators) see it."""

    id: str
    status: str
    status_reason: str | None
    method: str
    scope: dict[str, Any]
    purposes: list[str]
    exceptions: list[dict[str, Any]]
    evidence: dict[str, Any]
    activated_version: int | None
    withdrawn_version: int | None
    created_at: datetime
    updated_at: datetime
    events: list[EventOut]


class CreatedOut(BaseModel):
    id: str
    token: str = Field(
        description="Shown once: send it as 'Authorization: Bearer <token>' to see, "
        "complete or withdraw this request."
    )
    status: str
    method: str
    instructions: dict[str, Any]
    job_id: int | None = None


class JobStartedOut(BaseModel):
    id: str
    status: str
    job_id: int


class ChainEntryOut(BaseModel):
    seq: int
    at: str
    kind: str
    payload_digest: str
    prev_hash: str
    hash: str


class RegistryOut(BaseModel):
    version: int
    head: str | None
    requests_by_status: dict[str, int]
    active_by_scope: dict[str, int]
    active_by_method: dict[str, int]
    active_by_purpose: dict[str, int]


class ChainReportOut(BaseModel):
    ok: bool
    version: int
    head: str | None
    checked: int
    problems: list[str]


class ExplanationOut(BaseModel):
    request: str
    scope_kind: str
    method: str
    contents: int


class ResolutionOut(BaseModel):
    purpose: str
    version: int
    excluded: int
    explanations: list[ExplanationOut]


class PurposeNodeOut(BaseModel):
    id: str
    parent: str | None
    description: str


class PurposesOut(BaseModel):
    vocabulary_version: str
    aipref_revision: str
    uses: list[PurposeNodeOut]
    modifiers: list[PurposeNodeOut]
    mapping: list[dict[str, str]]
