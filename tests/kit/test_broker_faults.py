"""Redis stopped under a real API process (issue 10, faults with real processes).

The broker is a redis-server of this test's own (never the machine's shared one),
killed with SIGKILL and no persistence, so the task messages it held are lost as in
a crash. While it is down, reads keep serving (the rate limiter fails open) and a job
submission is refused with ``503`` + ``Retry-After`` and writes nothing; once it is
back, every job accepted before the outage still runs: its row was committed as
``queued``, and the reaper sends it again.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.jobs import service
from app.kit.celery import get_celery
from app.models import Job
from app.models.enums import JobState
from tests.conftest import TEST_API_KEY
from tests.processes import RedisServer, start_api, start_worker, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.committed]
AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


def job_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def test_reads_survive_a_broker_outage_and_no_accepted_job_is_lost(
    database_url: str,
    committed_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    redis = RedisServer(Path(tempfile.mkdtemp(prefix="cc-broker-"))).start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "API_KEYS": TEST_API_KEY,
        "LOAD_DEMO": "false",
        "LOG_LEVEL": "WARNING",
    }
    for key in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, env[key])
    get_settings.cache_clear()
    get_celery.cache_clear()
    api = start_api(env, tmp_path / "api.log")
    worker = None
    try:
        with httpx.Client(base_url=api.url, timeout=10, headers=AUTH) as http:
            accepted = []
            for _ in range(3):
                answer = http.post("/v1/jobs/demo", json={"steps": 2})
                assert answer.status_code == 202, answer.text
                accepted.append(answer.json()["id"])

            redis.kill()  # no worker has read them: the three messages die with it
            down_at = time.monotonic()
            timings = []
            for _ in range(20):
                started = time.monotonic()
                read = http.get("/v1/origins", params={"limit": 5})
                timings.append(time.monotonic() - started)
                assert read.status_code == 200, read.text  # the rate limiter fails open
            before = job_count(committed_factory)
            started = time.monotonic()
            refused = http.post("/v1/jobs/demo", json={"steps": 2})
            refused_in = time.monotonic() - started
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"] == "/problems/unavailable"
            assert int(refused.headers["retry-after"]) > 0
            assert job_count(committed_factory) == before  # nothing written
            outage = time.monotonic() - down_at

            redis.start()  # empty: the messages are gone, the rows are not
            worker = start_worker({**env, "LOG_LEVEL": "INFO"}, tmp_path / "worker.log")
            resent: list[int] = []

            def all_done() -> bool:
                reaped = service.reap_stale(committed_factory, timedelta(seconds=1))
                resent.extend(reaped.as_dict()["resent"])
                return all(
                    http.get(f"/v1/jobs/{job_id}").json()["state"] == "succeeded"
                    for job_id in accepted
                )

            wait_until(all_done, timeout=45, every=0.5, what="the accepted jobs to run")
    finally:
        if worker is not None:
            worker.stop()
        api.stop()
        redis.kill()
    assert sorted(set(resent)) == sorted(accepted)
    with committed_factory() as session:
        jobs = session.scalars(select(Job).where(Job.id.in_(accepted))).all()
        assert [j.state for j in jobs] == [JobState.SUCCEEDED] * 3
        assert [j.attempts for j in jobs] == [1, 1, 1]
    print(
        f"redis down {outage:.1f}s: 20 reads all 200 (slowest {max(timings) * 1000:.0f} ms, "
        f"median {sorted(timings)[10] * 1000:.0f} ms); submission refused 503 in "
        f"{refused_in * 1000:.0f} ms; 3/3 jobs accepted before the outage ran once after it"
    )
