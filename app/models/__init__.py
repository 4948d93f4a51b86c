"""All ORM models, in one place, so Alembic and every domain see the same metadata."""

from app.models.archive import (
    Content,
    Directory,
    DirectoryEntry,
    PathOccurrence,
    Release,
    Revision,
    Snapshot,
    SnapshotBranch,
    Visit,
)
from app.models.base import Base
from app.models.datasets import Dataset, DatasetBuild, DatasetManifest, DatasetRevision
from app.models.facts import ContentFact, PiiFinding
from app.models.forges import Forge, Origin, OriginAlias, Owner, RawMetadata
from app.models.issues import Issue
from app.models.jobs import Job, JobItem
from app.models.licenses import License, LicenseFinding, OriginLicense
from app.models.papers import Paper, PaperLink, ProjectMetadata

__all__ = [
    "Base",
    "Content",
    "ContentFact",
    "Dataset",
    "DatasetBuild",
    "DatasetManifest",
    "DatasetRevision",
    "Directory",
    "DirectoryEntry",
    "Forge",
    "Issue",
    "Job",
    "JobItem",
    "License",
    "LicenseFinding",
    "Origin",
    "OriginAlias",
    "OriginLicense",
    "Owner",
    "Paper",
    "PaperLink",
    "PathOccurrence",
    "PiiFinding",
    "ProjectMetadata",
    "RawMetadata",
    "Release",
    "Revision",
    "Snapshot",
    "SnapshotBranch",
    "Visit",
]
