"""Vocabularies shared by the model, the APIs and the workers."""

from __future__ import annotations

from enum import StrEnum


class ForgeKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    GITEA = "gitea"
    FORGEJO = "forgejo"
    BITBUCKET = "bitbucket"
    PYPI = "pypi"
    NPM = "npm"
    CRATES = "crates"
    OTHER = "other"


class OriginKind(StrEnum):
    REPOSITORY = "repository"
    PACKAGE = "package"


class OwnerKind(StrEnum):
    USER = "user"
    ORGANIZATION = "organization"


class VisitStatus(StrEnum):
    CREATED = "created"
    ONGOING = "ongoing"
    FULL = "full"
    PARTIAL = "partial"
    FAILED = "failed"


class BranchTargetType(StrEnum):
    """What a snapshot branch points to (SWH's vocabulary; ``dangling`` has no target)."""

    CONTENT = "content"
    DIRECTORY = "directory"
    REVISION = "revision"
    RELEASE = "release"
    SNAPSHOT = "snapshot"
    ALIAS = "alias"
    DANGLING = "dangling"


class EntryType(StrEnum):
    FILE = "file"
    DIR = "dir"
    REV = "rev"


class LicenseSource(StrEnum):
    """Where a license finding comes from; an effective license reconciles these."""

    FORGE_DECLARED = "forge_declared"
    REGISTRY_DECLARED = "registry_declared"
    MANIFEST_DECLARED = "manifest_declared"
    LICENSE_FILE = "license_file"
    HEADER = "header"
    SPDX_TAG = "spdx_tag"
    INHERITED = "inherited"


class LicenseVia(StrEnum):
    """How an origin has a license: declared for it by its forge or registry, or
    detected in one of its files (package manifests, license files, headers, vendored
    code)."""

    DECLARED = "declared"
    DETECTED = "detected"


class PaperLinkKind(StrEnum):
    PREFERRED_CITATION = "preferred_citation"
    REFERENCE = "reference"
    SOFTWARE_DOI = "software_doi"
    README_MENTION = "readme_mention"
    REGISTRY_LINK = "registry_link"


class PaperStatus(StrEnum):
    UNRESOLVED = "unresolved"
    RESOLVED = "resolved"
    NOT_FOUND = "not_found"


class IssueKind(StrEnum):
    ISSUE = "issue"
    PULL_REQUEST = "pull_request"


class IssueState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED}


class JobItemState(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
