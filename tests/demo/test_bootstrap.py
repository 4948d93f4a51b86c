"""The first start (``codecommons run``'s bootstrap) shows the commons at work: the
demo corpus goes through the scan pipeline (facts, licenses, contents kept), and a
demo dataset is defined and built, with a card, an export and a proof to look at."""

from __future__ import annotations

import hashlib
import io

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.datasets.verify import verify
from app.demo.loader import CORPUS
from app.embedded.runner import _bootstrap
from app.forges.repository import origin_by_url_or_alias
from app.models import (
    Content,
    ContentFact,
    DatasetBuild,
    Job,
    LicenseFinding,
    PathOccurrence,
    ScanSummary,
)
from tests.datasets.conftest import drop_partitions  # noqa: F401 - a fixture

SIX = "https://github.com/benjaminp/six"


@pytest.mark.committed
@pytest.mark.usefixtures("drop_partitions")
def test_first_start_scans_the_demo_and_builds_its_dataset(
    settings: Settings, committed_factory: sessionmaker[Session], client: TestClient
) -> None:
    _bootstrap(settings, load_demo=True)
    with committed_factory() as session:
        six = origin_by_url_or_alias(session, SIX)
        assert six is not None
        contents = select(PathOccurrence.content_id).where(PathOccurrence.origin_id == six.id)
        # every file of the demo origin has its facts, and its license was detected
        facts = session.scalar(
            select(func.count())
            .select_from(ContentFact)
            .where(ContentFact.content_id.in_(contents))
        )
        files = session.scalar(
            select(func.count(func.distinct(PathOccurrence.content_id))).where(
                PathOccurrence.origin_id == six.id
            )
        )
        assert facts == files == 8
        expressions = set(
            session.scalars(
                select(LicenseFinding.expression).where(LicenseFinding.content_id.in_(contents))
            )
        )
        assert "MIT" in expressions
        summary = session.scalars(
            select(ScanSummary).where(ScanSummary.origin_id == six.id, ScanSummary.is_current)
        ).one()
        assert summary.license_expression == "MIT"
        # the bytes were kept
        assert (
            session.scalar(select(func.count()).select_from(Content).where(~Content.in_storage))
            == 0
        )
        build = session.scalars(select(DatasetBuild)).one()
        assert (build.state, build.number) == ("succeeded", 1)
        assert (build.row_count or 0) > 10
        job = session.get(Job, build.job_id)
        assert job is not None
        assert (job.state.value, job.progress_stage) == ("succeeded", "done")

    job_out = client.get(f"/v1/jobs/{build.job_id}").json()
    assert job_out["progress"] == {
        "done": build.row_count,
        "total": build.row_count,
        "fraction": 1.0,
        "stage": "done",
    }

    card = client.get("/v1/datasets/demo/builds/1/card.md")
    assert card.status_code == 200
    assert build.extensional_fingerprint is not None
    assert build.extensional_fingerprint.hex() in card.text

    export = client.get("/v1/datasets/demo/builds/1/export/parquet", params={"with_content": True})
    assert export.status_code == 200
    table = pq.read_table(io.BytesIO(export.content))
    assert table.num_rows == build.row_count
    on_disk = {
        hashlib.sha1(p.read_bytes()).hexdigest(): p.read_bytes()  # noqa: S324 - content id
        for p in (CORPUS / "projects").rglob("*")
        if p.is_file()
    }
    for row in table.to_pylist():
        assert row["content"] == on_disk[row["sha1"]]

    swhid = table.column("swhid")[0].as_py()
    answer = client.get("/v1/datasets/demo/builds/1/membership", params={"swhid": swhid}).json()
    assert verify(answer["proof"], swhid, build.extensional_fingerprint.hex(), build.row_count)

    # a second start changes nothing
    _bootstrap(settings, load_demo=True)
    with committed_factory() as session:
        assert session.scalar(select(func.count()).select_from(DatasetBuild)) == 1
