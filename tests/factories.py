"""factory_boy factories for test data, bound to each test's session."""

from __future__ import annotations

import hashlib
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from app.jobs import kinds
from app.kit.swhid import origin_swhid_id
from app.models import (
    Content,
    ContentFact,
    Forge,
    Issue,
    Job,
    LicenseFinding,
    Origin,
    Owner,
    Paper,
    PaperLink,
    PathOccurrence,
    RawMetadata,
    ScanSummary,
    Snapshot,
    Visit,
)
from app.models.enums import (
    ForgeKind,
    IssueKind,
    IssueState,
    JobState,
    LicenseSource,
    OriginKind,
    PaperLinkKind,
    VisitStatus,
)


def git_blob_sha1(data: bytes) -> bytes:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).digest()  # noqa: S324


class Base(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class _ForgeFactory(Base):
    class Meta:
        model = Forge
        sqlalchemy_get_or_create = ("name",)

    name = "github.com"
    kind = ForgeKind.GITHUB
    base_url = factory.LazyAttribute(lambda o: f"https://{o.name}")
    api_url = "https://api.github.com"


class _RawMetadataFactory(Base):
    class Meta:
        model = RawMetadata

    authority = "github.com"
    format = "application/vnd.github.v3+json"
    kind = "repository"
    fetcher_name = "tests"
    fetcher_version = "1"
    payload = b'{"id": 1}'
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.payload).digest())


class _OwnerFactory(Base):
    class Meta:
        model = Owner

    forge = factory.SubFactory(_ForgeFactory)
    forge_id = factory.SelfAttribute("forge.id")
    login = factory.Sequence(lambda n: f"owner{n}")
    display_login = factory.SelfAttribute("login")
    native_id = factory.Sequence(lambda n: str(1000 + n))


class _OriginFactory(Base):
    class Meta:
        model = Origin
        exclude = ("forge",)

    forge = factory.SubFactory(_ForgeFactory)
    forge_id = factory.SelfAttribute("forge.id")
    kind = OriginKind.REPOSITORY
    full_name = factory.Sequence(lambda n: f"owner/project{n}")
    url = factory.LazyAttribute(lambda o: f"https://github.com/{o.full_name}")
    swhid_id = factory.LazyAttribute(lambda o: origin_swhid_id(o.url))
    native_id = factory.Sequence(lambda n: str(5000 + n))
    description = "a project"
    language = "Python"
    stars = 10
    topics: Any = factory.LazyFunction(list)


class _ContentFactory(Base):
    class Meta:
        model = Content
        exclude = ("data",)

    data = factory.Sequence(lambda n: f"print({n})\n".encode())
    sha1_git = factory.LazyAttribute(lambda o: git_blob_sha1(o.data))
    sha1 = factory.LazyAttribute(lambda o: hashlib.sha1(o.data).digest())  # noqa: S324
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.data).digest())
    length = factory.LazyAttribute(lambda o: len(o.data))


class _SnapshotFactory(Base):
    class Meta:
        model = Snapshot

    sha1_git = factory.Sequence(lambda n: hashlib.sha1(b"snp%d" % n).digest())  # noqa: S324


class _VisitFactory(Base):
    class Meta:
        model = Visit

    origin_id = 0
    visit_type = "git"
    status = VisitStatus.FULL
    snapshot_id = None


class _PathOccurrenceFactory(Base):
    class Meta:
        model = PathOccurrence

    content_id = 0
    origin_id = 0
    snapshot_id = 0
    path = factory.Sequence(lambda n: f"src/file{n}.py".encode())


class _LicenseFindingFactory(Base):
    class Meta:
        model = LicenseFinding

    expression = "MIT"
    original_text = "MIT"
    source = LicenseSource.FORGE_DECLARED
    tool = "tests"
    tool_version = "1"


class _IssueFactory(Base):
    class Meta:
        model = Issue

    kind = IssueKind.ISSUE
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Issue {n}")
    state = IssueState.OPEN
    forge_state = factory.LazyAttribute(lambda o: str(o.state))
    mapper_version = "tests/1"


class _ContentFactFactory(Base):
    class Meta:
        model = ContentFact

    content_id = 0
    language = "Python"
    tool = "tests"
    tool_version = "1"


class _PaperFactory(Base):
    class Meta:
        model = Paper

    doi = factory.Sequence(lambda n: f"10.5555/tests.{n}")
    title = factory.Sequence(lambda n: f"Paper {n}")
    authors: Any = factory.LazyFunction(list)


class _PaperLinkFactory(Base):
    """Give ``evidence_content_id`` or ``raw_metadata_id`` (a link needs evidence)."""

    class Meta:
        model = PaperLink

    paper_id = 0
    origin_id = 0
    kind = PaperLinkKind.PREFERRED_CITATION
    evidence_path = "CITATION.cff"
    identifier_as_found = "doi:10.5555/tests"
    tool = "tests"
    tool_version = "1"


class _ScanSummaryFactory(Base):
    """A scan's summary, as ``app/scans/summary.py`` writes it (the current one)."""

    class Meta:
        model = ScanSummary

    snapshot_id = factory.LazyFunction(lambda: _SnapshotFactory().id)
    is_current = True
    license_expression = "MIT"
    license_category = "permissive"
    license_conflicts: Any = factory.LazyFunction(list)
    license_basis = "license_file"


class _JobFactory(Base):
    class Meta:
        model = Job

    kind = kinds.DEMO
    state = JobState.QUEUED
    params: Any = factory.LazyFunction(lambda: {"steps": 2})


ALL: list[Any] = [
    _ForgeFactory,
    _RawMetadataFactory,
    _OwnerFactory,
    _OriginFactory,
    _ContentFactory,
    _SnapshotFactory,
    _VisitFactory,
    _PathOccurrenceFactory,
    _LicenseFindingFactory,
    _IssueFactory,
    _ContentFactFactory,
    _PaperFactory,
    _PaperLinkFactory,
    _JobFactory,
    _ScanSummaryFactory,
]


def bind(session: Session) -> None:
    for f in ALL:
        f._meta.sqlalchemy_session = session


# factory_boy is untyped, and calling a factory class returns a model instance, which
# mypy cannot know; the public names are typed Any so tests read naturally.
ForgeFactory: Any = _ForgeFactory
RawMetadataFactory: Any = _RawMetadataFactory
OwnerFactory: Any = _OwnerFactory
OriginFactory: Any = _OriginFactory
ContentFactory: Any = _ContentFactory
SnapshotFactory: Any = _SnapshotFactory
VisitFactory: Any = _VisitFactory
PathOccurrenceFactory: Any = _PathOccurrenceFactory
LicenseFindingFactory: Any = _LicenseFindingFactory
JobFactory: Any = _JobFactory
IssueFactory: Any = _IssueFactory
ContentFactFactory: Any = _ContentFactFactory
PaperFactory: Any = _PaperFactory
PaperLinkFactory: Any = _PaperLinkFactory
ScanSummaryFactory: Any = _ScanSummaryFactory
