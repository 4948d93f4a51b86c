"""The demo dataset: a definition and one build over the demo corpus, made on the
first start so that a new user finds a card, an export and a membership proof
straight away (``/v1/datasets/demo/builds/1/card.md``, ``.../export/parquet``,
``.../membership?swhid=...``).

It runs the same code as any dataset: the definition is validated by the service,
near-duplicate clusters are computed by the same reclustering the scan job starts,
and the build is a ``datasets.build`` job, run here in process (before any worker is
up) through the job runner, so ``/v1/jobs`` shows it like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from app.datasets import repository as datasets_repository
from app.datasets import service as datasets
from app.datasets.builder import build_body
from app.datasets.schemas import BuildIn, DatasetIn
from app.jobs import service as jobs
from app.kit.db import unit_of_work
from app.neardups.service import recluster

NAME = "demo"
DEFINITION = DatasetIn(
    name=NAME,
    description=(
        "Every permissively licensed file of the demo corpus (six, ms, itsdangerous), "
        "one per near-duplicate cluster, the most-starred projects first."
    ),
    purpose="pre-training;research-only",
    selection={
        "files": {
            "license": {
                "categories": ["permissive", "public_domain"],
                "evidence": ["own", "inherited", "origin"],
            },
            "exclude_flags": ["generated", "vendored", "binary"],
        },
        "dedup": {"near_duplicates": True},
        "ranking": {"order": "origin_stars"},
    },
)


@dataclass(frozen=True)
class DemoDataset:
    name: str
    build: int
    files: int
    extensional_fingerprint: str | None
    created: bool

    def summary(self) -> str:
        what = "built" if self.created else "already there"
        return (
            f"demo dataset {self.name!r} build {self.build} ({what}): {self.files} files, "
            f"extensional fingerprint {self.extensional_fingerprint}"
        )


def ensure_demo_dataset(factory: sessionmaker[Session] | None = None) -> DemoDataset:
    """Define and build the demo dataset unless it exists (idempotent)."""
    with unit_of_work(factory) as uow:
        existing = datasets_repository.dataset_by_name(uow.session, NAME)
        if existing is not None:
            build = datasets_repository.build(uow.session, existing.id, 1)
            if build is not None:
                fingerprint = build.extensional_fingerprint
                return DemoDataset(
                    NAME,
                    build.number,
                    build.row_count or 0,
                    fingerprint.hex() if fingerprint is not None else None,
                    created=False,
                )
    recluster(factory)
    with unit_of_work(factory) as uow:
        if datasets_repository.dataset_by_name(uow.session, NAME) is None:
            datasets.create(uow, DEFINITION)
        build, _ = datasets.submit_build(uow, NAME, BuildIn(), send=False)
        build_id, job_id, number = build.id, build.job_id, build.number
    assert job_id is not None
    jobs.run(job_id, build_body, factory)
    with unit_of_work(factory) as uow:
        done = datasets_repository.build_by_id(uow.session, build_id)
        assert done is not None
        fingerprint = done.extensional_fingerprint
        return DemoDataset(
            NAME,
            number,
            done.row_count or 0,
            fingerprint.hex() if fingerprint is not None else None,
            created=True,
        )
