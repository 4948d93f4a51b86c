"""What the dataset endpoints take and return."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.archive.schemas import show_bytes
from app.kit.boundary import RequestModel
from app.kit.swhid import ObjectType, format_swhid
from app.models import Dataset, DatasetBuild, DatasetManifest, DatasetRevision

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"


class DatasetIn(RequestModel):
    """A new dataset: its first revision. ``selection`` is checked field by field (a
    422 lists every wrong one)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="Lower case, digits, . _ -")
    description: str | None = Field(default=None, max_length=10_000)
    purpose: str = Field(description="The kind of AI use, e.g. pre-training;research-only.")
    selection: dict[str, Any] = Field(default_factory=dict)


class DatasetEditIn(RequestModel):
    """An edit: a new revision when the purpose or selection changes."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=10_000)
    purpose: str | None = None
    selection: dict[str, Any] | None = None


class DatasetRevisionOut(BaseModel):
    revision: int
    purpose: str
    selection: dict[str, Any]
    selection_sha256: str
    built: bool = Field(description="A build used it: it can no longer change.")
    created_at: datetime

    @classmethod
    def of(cls, row: DatasetRevision, built: bool) -> DatasetRevisionOut:
        return cls(
            revision=row.revision,
            purpose=row.purpose,
            selection=row.selection,
            selection_sha256=row.selection_sha256.hex(),
            built=built,
            created_at=row.created_at,
        )


class DatasetOut(BaseModel):
    id: int
    name: str
    description: str | None
    current_revision: DatasetRevisionOut
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Dataset, revision: DatasetRevisionOut) -> DatasetOut:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            current_revision=revision,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class BuildIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    revision: int | None = Field(default=None, ge=1, description="Default: the current one.")
    cutoff: datetime | None = Field(
        default=None,
        description="Only data archived by then. Default: the newest archived data, so "
        "two builds on unchanged data are the same build.",
    )


class FingerprintsOut(BaseModel):
    intensional: str | None = Field(description="SHA-256 of the canonical definition.")
    extensional: str | None = Field(description="RFC 9162 Merkle root of the SWHIDs.")


class OptoutExclusionOut(BaseModel):
    files: int = Field(description="Files the opt-out stage removed.")
    root: str = Field(description="RFC 9162 Merkle root over their sorted SWHIDs (hex).")


class BuildOut(BaseModel):
    dataset_id: int
    number: int
    revision: int
    state: str
    job_id: int | None
    cutoff: datetime
    purpose: str
    files: int | None
    fingerprints: FingerprintsOut
    funnel: list[dict[str, Any]]
    versions: dict[str, Any]
    optout_registry_version: int | None
    optout_exclusion: OptoutExclusionOut | None = Field(
        default=None,
        description="The set the opt-out stage removed: its size and the RFC 9162 root "
        "of its sorted SWHIDs (proofs at .../exclusion?swhid=).",
    )
    stats: dict[str, Any]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: DatasetBuild, revision: DatasetRevision) -> BuildOut:
        return cls(
            dataset_id=row.dataset_id,
            number=row.number,
            revision=revision.revision,
            state=row.visible_state,
            job_id=row.job_id,
            cutoff=row.cutoff,
            purpose=revision.purpose,
            files=row.row_count,
            fingerprints=FingerprintsOut(
                intensional=row.intensional_fingerprint.hex()
                if row.intensional_fingerprint
                else None,
                extensional=row.extensional_fingerprint.hex()
                if row.extensional_fingerprint
                else None,
            ),
            funnel=row.funnel,
            versions=row.versions,
            optout_registry_version=row.optout_registry_version,
            optout_exclusion=OptoutExclusionOut(
                files=row.optout_excluded_count,
                root=(row.optout_excluded_root or b"").hex(),
            )
            if row.optout_excluded_count is not None
            else None,
            stats=row.stats,
            error=row.visible_error,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


class FileLicenseOut(BaseModel):
    expression: str | None
    evidence: str | None = Field(description="own | inherited | origin")


class ManifestRowOut(BaseModel):
    leaf_index: int
    swhid: str
    sha1: str
    sha256: str
    length: int
    language: str | None
    license: FileLicenseOut
    origin: str
    snapshot: str
    path: str
    other_occurrences: int
    near_dup_cluster: int | None
    rank_value: float | None
    in_storage: bool

    @classmethod
    def of(cls, row: DatasetManifest) -> ManifestRowOut:
        return cls(
            leaf_index=row.leaf_index,
            swhid=format_swhid(ObjectType.CONTENT, row.sha1_git),
            sha1=row.sha1.hex(),
            sha256=row.sha256.hex(),
            length=row.length,
            language=row.language,
            license=FileLicenseOut(
                expression=row.license_expression, evidence=row.license_evidence
            ),
            origin=row.origin_url,
            snapshot=format_swhid(ObjectType.SNAPSHOT, row.snapshot_sha1_git),
            path=show_bytes(row.path) or "",
            other_occurrences=row.other_occurrences,
            near_dup_cluster=row.near_dup_cluster,
            rank_value=row.rank_value,
            in_storage=row.in_storage,
        )


class LeafOut(BaseModel):
    swhid: str
    index: int
    audit_path: list[str] = Field(description="Hex hashes, leaf side first (RFC 9162).")


class ProofOut(BaseModel):
    member: bool
    tree_size: int
    leaf: LeafOut | None = None
    before: LeafOut | None = None
    after: LeafOut | None = None


class MembershipOut(BaseModel):
    swhid: str
    member: bool
    extensional_fingerprint: str
    proof: ProofOut
    row: ManifestRowOut | None = None


class OriginMembershipOut(BaseModel):
    origin: str
    extensional_fingerprint: str
    files: int = Field(description="Files of the origin looked at (at most `limit`).")
    members: list[MembershipOut]
    non_members: list[str] = Field(description="SWHIDs of its files not in the build.")


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class DiffEntryOut(BaseModel):
    swhid: str
    change: str = Field(description="added | removed")
    reason: str = Field(
        description="new data | license changed | signals changed | opted out | "
        "opt-out withdrawn | filter changed | data changed | ranking"
    )


class DiffOut(BaseModel):
    dataset_id: int
    base: int
    other: int
    added: int
    removed: int
    reasons: dict[str, int]
    entries: list[DiffEntryOut]
    next_cursor: str | None = None


class ExclusionOut(BaseModel):
    """Whether a build's opt-out stage removed a file, with the proof either way in the
    excluded set (check ``proof`` against the build's ``optout_exclusion.root`` as a
    membership proof: ``codecommons datasets verify``)."""

    swhid: str
    excluded: bool
    tree_size: int = Field(description="Files in the excluded set.")
    root: str | None = Field(description="The excluded set's root (hex).")
    leaf: LeafOut | None = Field(default=None, description="The inclusion proof, if excluded.")
    proof: ProofOut = Field(
        description="In the excluded set (``member``: excluded) or not, with the inclusion "
        "or non-inclusion proof, shaped like a membership answer's."
    )


class WithdrawalOut(BaseModel):
    swhid: str
    registry_version: int = Field(description="Registry version that withdrew it.")


class WithdrawalsOut(BaseModel):
    """Files of a build that opt-outs made since it was built now cover: drop them
    before training again. SWHIDs only, never who asked."""

    dataset_id: int
    build: int
    build_registry_version: int | None
    checked_version: int | None = Field(description="Registry version computed up to.")
    items: list[WithdrawalOut]
    next_cursor: str | None = None


class WebhookIn(RequestModel):
    """Where to POST a dataset's withdrawal announcements (signed JSON Feed bodies)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", max_length=2000)


class WebhookOut(BaseModel):
    id: int
    topic: str
    url: str
    secret: str = Field(
        description="Shown once: the receiver checks X-CodeCommons-Signature = sha256= + "
        "HMAC-SHA256(secret, '<X-CodeCommons-Timestamp>.' + body)."
    )


class BuildImpactOut(BaseModel):
    dataset: str
    dataset_id: int
    build: int
    purpose: str
    purpose_covered: bool = Field(description="The opt-out's purposes cover the build's.")
    build_registry_version: int | None
    built_before_optout: bool
    files_included: int = Field(description="Files in scope that the manifest holds.")
    files_withdrawn: int
    withdrawn: list[str] = Field(description="Withdrawn SWHIDs (the first 100).")


class ImpactOut(BaseModel):
    """An author's view of their opt-out (requester and operators only)."""

    id: str
    status: str
    activated_version: int | None
    scope: dict[str, Any]
    exceptions: list[dict[str, Any]]
    purposes: list[str]
    files_covered: int = Field(description="Archived files the scope covers today.")
    builds: list[BuildImpactOut]


class AuthorIdentityOut(BaseModel):
    kind: str = Field(description="account | email")
    forge: str | None = None
    account_id: str | None = Field(default=None, description="The forge's stable id.")
    login: str | None = None
    address: str | None = Field(
        default=None, description="Never the address itself: only that it was confirmed."
    )


class AuthorViewOut(BaseModel):
    """An author's view across every request verified as their identity: each scope,
    the builds that included that code before the opt-out, and what was withdrawn."""

    identities: list[AuthorIdentityOut] = Field(
        description="The identities the presented request proved."
    )
    files_covered: int = Field(description="Archived files all these scopes cover today.")
    requests: list[ImpactOut] = Field(
        description="Every request verified as one of these identities, oldest first."
    )
