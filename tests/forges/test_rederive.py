"""Normalized rows are re-derived from stored payloads, without refetching."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.demo.loader import load_demo_corpus
from app.forges.rederive import rederive
from app.kit.db import UnitOfWork
from app.models import Issue, Origin, RawMetadata


def test_rederive_restores_what_the_current_mappers_say(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    load_demo_corpus(UnitOfWork(db))
    six = db.scalars(select(Origin).where(Origin.url == "https://github.com/benjaminp/six")).one()
    expected = (six.description, six.stars, six.mapper_version)
    six.description, six.stars, six.mapper_version = "stale", 0, "github-repo@0"
    db.query(Issue).update({Issue.title: "stale"})
    db.flush()
    raws = db.scalar(select(func.count()).select_from(RawMetadata))
    report = rederive(session_factory, batch_size=3)
    assert report.payloads == raws
    assert report.failed == 0
    db.expire_all()
    again = db.get(Origin, six.id)
    assert again is not None
    assert (again.description, again.stars, again.mapper_version) == expected
    assert "stale" not in set(db.scalars(select(Issue.title)))
    assert db.scalar(select(func.count()).select_from(RawMetadata)) == raws  # nothing fetched


def test_rederive_one_authority(db: Session, session_factory: sessionmaker[Session]) -> None:
    load_demo_corpus(UnitOfWork(db))
    report = rederive(session_factory, mapper="pypi.org")
    assert report.payloads == 2
