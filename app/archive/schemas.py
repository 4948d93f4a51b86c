"""What the archive endpoints return. Byte names and paths are shown as UTF-8, with
undecodable bytes escaped (``\\xNN``) so nothing is silently lost."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.kit.swhid import ObjectType
from app.licenses.findings import LicenseFindingOut
from app.models.enums import BranchTargetType, EntryType
from app.origins.schemas import OriginOut


def show_bytes(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", errors="backslashreplace")


class ContentFactOut(BaseModel):
    language: str | None
    encoding: str | None
    is_binary: bool
    is_vendored: bool
    is_generated: bool
    is_minified: bool
    is_data: bool
    is_too_large: bool
    line_count: int | None
    max_line_length: int | None
    mean_line_length: float | None
    alnum_fraction: float | None
    near_dup_cluster: int | None
    tool: str
    tool_version: str


class OccurrenceOut(BaseModel):
    origin: str = Field(description="Origin URL.")
    snapshot: str = Field(description="Snapshot SWHID.")
    path: str
    swhid: str = Field(description="Qualified SWHID of the file at this place.")
    inherited_licenses: list[str] = Field(
        default_factory=list,
        description="Licenses this file inherits here from license files of its directory "
        "and its parents (when it declares none of its own).",
    )


class ContentOut(BaseModel):
    swhid: str
    sha1_git: str
    sha1: str
    sha256: str
    length: int
    facts: ContentFactOut | None
    licenses: list[LicenseFindingOut]
    pii: dict[str, int] = Field(description="Secret and PII findings by kind (counts only).")
    occurrence_count: int
    occurrences: list[OccurrenceOut] = Field(description="The first occurrences, by age.")
    occurrences_next_cursor: str | None = Field(
        default=None,
        description="Set when `occurrences` is not all of them: pass as `cursor` to "
        "/v1/contents/{key}/occurrences for the rest.",
    )


class DirectoryEntryOut(BaseModel):
    name: str
    type: EntryType
    perms: int
    target: str = Field(description="SWHID of the entry's target.")


class DirectoryOut(BaseModel):
    swhid: str
    entries: list[DirectoryEntryOut] = Field(description="The first entries, by name.")
    entry_count: int = Field(description="How many entries the directory has.")
    entries_next_cursor: str | None = Field(
        default=None,
        description="Set when `entries` is not all of them: pass as `cursor` to "
        "/v1/directories/{swhid}/entries for the rest.",
    )


class RevisionOut(BaseModel):
    swhid: str
    directory: str
    parents: list[str]
    author: str | None
    author_date: datetime | None
    committer: str | None
    committer_date: datetime | None
    message: str | None


class ReleaseOut(BaseModel):
    swhid: str
    name: str
    target: str
    author: str | None
    date: datetime | None
    message: str | None


class BranchOut(BaseModel):
    name: str
    target_type: BranchTargetType
    target: str | None = Field(description="SWHID, the aliased branch name, or null.")


class SnapshotOut(BaseModel):
    swhid: str
    branches: list[BranchOut] = Field(description="The first branches, by name.")
    branch_count: int = Field(description="How many branches the snapshot has.")
    branches_next_cursor: str | None = Field(
        default=None,
        description="Set when `branches` is not all of them: pass as `cursor` to "
        "/v1/snapshots/{swhid}/branches for the rest.",
    )


class ResolvedOut(BaseModel):
    """A SWHID resolved to what CodeCommons knows about the object (one field is set)."""

    swhid: str
    object_type: ObjectType
    content: ContentOut | None = None
    directory: DirectoryOut | None = None
    revision: RevisionOut | None = None
    release: ReleaseOut | None = None
    snapshot: SnapshotOut | None = None
    origin: OriginOut | None = None
