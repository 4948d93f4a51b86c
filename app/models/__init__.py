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
from app.models.attribution import (
    AttributionFingerprint,
    AttributionIndexed,
    AttributionStopword,
)
from app.models.base import Base
from app.models.datasets import (
    Dataset,
    DatasetBuild,
    DatasetExclusion,
    DatasetManifest,
    DatasetRevision,
    DatasetWithdrawal,
)
from app.models.facts import ContentFact, PiiFinding
from app.models.forges import Forge, Origin, OriginAlias, Owner, OwnerLogin, RawMetadata
from app.models.issues import Issue
from app.models.jobs import Job, JobItem
from app.models.keys import ApiKey
from app.models.licenses import License, LicenseFinding, OriginLicense
from app.models.optouts import (
    OptoutEmailOutbox,
    OptoutEvent,
    OptoutException,
    OptoutIdentity,
    OptoutRequest,
    OptoutRevisionAuthor,
    WebhookDelivery,
    WebhookSubscription,
)
from app.models.papers import Paper, PaperLink, ProjectMetadata
from app.models.scans import NearDupBand, NearDupPending, ScanSummary
from app.models.signals import (
    Advisory,
    AdvisoryPackage,
    ImportanceSignal,
    OriginAdvisory,
    OriginDomain,
    OriginImportance,
    PackageDependency,
    SignalPending,
)

__all__ = [
    "Advisory",
    "AdvisoryPackage",
    "ApiKey",
    "AttributionFingerprint",
    "AttributionIndexed",
    "AttributionStopword",
    "Base",
    "Content",
    "ContentFact",
    "Dataset",
    "DatasetBuild",
    "DatasetExclusion",
    "DatasetManifest",
    "DatasetRevision",
    "DatasetWithdrawal",
    "Directory",
    "DirectoryEntry",
    "Forge",
    "ImportanceSignal",
    "Issue",
    "Job",
    "JobItem",
    "License",
    "LicenseFinding",
    "NearDupBand",
    "NearDupPending",
    "OptoutEmailOutbox",
    "OptoutEvent",
    "OptoutException",
    "OptoutIdentity",
    "OptoutRequest",
    "OptoutRevisionAuthor",
    "Origin",
    "OriginAdvisory",
    "OriginAlias",
    "OriginDomain",
    "OriginImportance",
    "OriginLicense",
    "Owner",
    "OwnerLogin",
    "PackageDependency",
    "Paper",
    "PaperLink",
    "PathOccurrence",
    "PiiFinding",
    "ProjectMetadata",
    "RawMetadata",
    "Release",
    "Revision",
    "ScanSummary",
    "SignalPending",
    "Snapshot",
    "SnapshotBranch",
    "Visit",
    "WebhookDelivery",
    "WebhookSubscription",
]
