"""Domains from the fields of linked papers: the recorded resolver responses give the
fields, the link and the resolution queue the origin (``signal_pending``), a refresh
job on a real worker assigns the domain with ``paper`` evidence."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.jobs import kinds
from app.jobs import service as jobs
from app.kit.db import unit_of_work
from app.main import create_app
from app.models import Origin, OriginDomain, Paper, SignalPending
from app.papers.resolve import ArxivClient
from app.papers.service import record_registry_links, resolve_papers
from app.signals.domains.assign import (
    MIN_CONFIDENCE,
    combine,
    evidence_of_paper,
    paper_field_confidence,
)
from app.signals.domains.taxonomy import domain_for_paper_field
from app.signals.service import pending_refresh, refresh
from tests.jobs.test_worker import wait_for
from tests.papers.test_resolve import client, replay
from tests.signals.conftest import ingest_pypi

ARXIV_FEED = "arxiv-hep-ex_0307015.atom.xml"  # recorded: primary hep-ex, cross-list hep-ph
PAPER_URL = "https://arxiv.org/abs/hep-ex/0307015"


def test_arxiv_categories_map_by_category_then_archive() -> None:
    assert domain_for_paper_field("arxiv", "hep-ex") == "physics"
    assert domain_for_paper_field("arxiv", "astro-ph.GA") == "astronomy"  # archive
    assert domain_for_paper_field("arxiv", "physics.ao-ph") == "atmospheric-science"
    assert domain_for_paper_field("arxiv", "physics.soc-ph") == "physics"
    assert domain_for_paper_field("arxiv", "cs.LG") == "artificial-intelligence"
    assert domain_for_paper_field("arxiv", "cs.SE") is None  # a kind of software, no field
    assert domain_for_paper_field("openalex-concept", "Machine learning") == (
        "artificial-intelligence"
    )


def test_the_recorded_non_arxiv_fields_name_no_domain_of_the_taxonomy() -> None:
    """Said plainly: the recorded Crossref, DataCite and OpenAlex works are about
    information systems, linked COVID-19 data and library science; none of their
    fields is a domain of the (PyPI Topic) taxonomy, so they assign nothing."""
    recorded = [
        ("crossref-subject", "Information Systems"),
        ("datacite-subject", "Linked Data"),
        ("datacite-subject", "COVID-19"),
        ("datacite-subject", "Robert-Koch Insitute"),
        ("openalex-concept", "Humanities"),
        ("openalex-concept", "Political science"),
        ("openalex-concept", "Sociology"),
        ("openalex-concept", "SciELO"),
    ]
    assert [domain_for_paper_field(s, v) for s, v in recorded] == [None] * len(recorded)


def test_confidence_follows_how_directly_the_field_was_chosen() -> None:
    primary = {"scheme": "arxiv", "value": "hep-ex", "primary": True}
    cross = {"scheme": "arxiv", "value": "hep-ph", "primary": False}
    assert paper_field_confidence(primary) == 0.8
    assert paper_field_confidence(cross) == 0.6
    assert paper_field_confidence({"scheme": "crossref-subject", "value": "Physics"}) == 0.5
    # an OpenAlex concept weighs its classifier's score; a weak one is no evidence
    assert paper_field_confidence(
        {"scheme": "openalex-concept", "value": "Astronomy", "score": 0.5}
    ) == pytest.approx(0.4)
    assert (
        paper_field_confidence({"scheme": "openalex-concept", "value": "Astronomy", "score": 0.29})
        is None
    )
    alone = evidence_of_paper(7, [{"scheme": "openalex-concept", "value": "Astronomy",
                                   "score": 0.5}], 1)  # fmt: skip
    assert [d for d, _ in alone] == ["astronomy"]
    assert alone[0][1]["confidence"] < MIN_CONFIDENCE  # below the filter's bound on its own


def _paper_domains(db: Session, origin_id: int) -> dict[str, tuple[float, list[Any]]]:
    db.expire_all()
    out = {}
    for row in db.scalars(select(OriginDomain).where(OriginDomain.origin_id == origin_id)):
        papers = [e for e in row.evidence if e["kind"] == "paper"]
        if papers:
            out[row.domain] = (row.confidence, papers)
    return out


def _pending(db: Session) -> list[int]:
    db.expire_all()
    return sorted(db.scalars(select(SignalPending.origin_id)))


def _link(db: Session, origin_id: int, urls: dict[str, str]) -> None:
    origin = db.get(Origin, origin_id)
    assert origin is not None
    assert origin.raw_metadata_id is not None
    record_registry_links(
        db,
        origin_id=origin_id,
        raw_metadata_id=origin.raw_metadata_id,
        info={"project_urls": urls},
        mapper_version="test",
    )
    db.commit()


def _refresh_pending(settings: Settings, engine: Any, factory: sessionmaker[Session]) -> Any:
    with unit_of_work(factory) as uow:
        assert pending_refresh(uow.session)
        job_id = jobs.submit(uow, kinds.SIGNALS_REFRESH, {"pending": True, "batch_size": 1}).id
    api = TestClient(create_app(settings, engine=engine, session_factory=factory))
    job = wait_for(api, job_id, timeout=120)
    assert job["state"] == "succeeded", job
    return job


@pytest.mark.usefixtures("celery_worker")
def test_a_resolved_arxiv_paper_assigns_its_field_to_linked_origins(
    settings: Settings, engine: Any, committed_factory: sessionmaker[Session]
) -> None:
    with committed_factory() as db:
        first = ingest_pypi(db, "utm")
        second = ingest_pypi(db, "pywcs")
        db.commit()
        _link(db, first, {"Paper": PAPER_URL})
        assert _pending(db) == []  # the paper is unresolved: nothing to derive yet

        http = client(replay({"/api/query": (200, ARXIV_FEED, {})}))
        counts = resolve_papers([ArxivClient(http)], committed_factory)
        assert (counts["resolved"], counts["origins_queued_for_signals"]) == (1, 1)
        assert _pending(db) == [first]
        assert _paper_domains(db, first) == {}  # not before the refresh

        job = _refresh_pending(settings, engine, committed_factory)
        assert (job["result"]["origins"], job["result"]["batches"]) == (1, 1)
        assert job["progress"]["done"] == job["progress"]["total"] == 1
        assert _pending(db) == []
        physics = _paper_domains(db, first)["physics"]
        assert physics[0] == combine([0.8, 0.6]) == 0.92
        assert [(e["value"], e["confidence"]) for e in physics[1]] == [
            ("arxiv:hep-ex", 0.8),
            ("arxiv:hep-ph", 0.6),
        ]
        assert {e["paper_id"] for e in physics[1]} == {_paper_id(db)}
        assert _paper_domains(db, second) == {}

        # A link to the already resolved paper queues its origin at once.
        _link(db, second, {"Paper": PAPER_URL})
        assert _pending(db) == [second]
        _refresh_pending(settings, engine, committed_factory)
        assert set(_paper_domains(db, second)) == {"physics"}

        # The one-pass refresh derives the same rows as the queued batches.
        before = sorted(
            (r.origin_id, r.domain, r.confidence, str(r.evidence))
            for r in db.scalars(select(OriginDomain))
        )
        refresh(db)
        db.commit()
        after = sorted(
            (r.origin_id, r.domain, r.confidence, str(r.evidence))
            for r in db.scalars(select(OriginDomain))
        )
        assert after == before

        # Unlinking queues it again, and the paper's domain goes.
        _link(db, second, {})
        assert _pending(db) == [second]
        _refresh_pending(settings, engine, committed_factory)
        assert _paper_domains(db, second) == {}
        assert set(_paper_domains(db, first)) == {"physics"}


def _paper_id(db: Session) -> int:
    return int(db.scalars(select(Paper.id).where(Paper.arxiv_id == "hep-ex/0307015")).one())
