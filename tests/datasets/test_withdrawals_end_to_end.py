"""An opt-out arriving after a build, end to end through the API, the broker and a real
Celery worker: the build is made by the worker; an operator's decision activates an
opt-out, which queues ``datasets.withdrawals``; the worker computes the build's
withdrawal list, adds the dataset's feed entry and POSTs a signed webhook to a local
receiver; a rebuild excludes the files, its card counts them and each one has a proof
of exclusion that the shipped verifier accepts; the author's view lists it all.
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.datasets.merkle import leaf_of
from app.datasets.verify import root_from_inclusion, verify
from app.jobs.kinds import DATASETS_WITHDRAWALS
from app.kit.db import unit_of_work
from app.kit.swhid import parse_swhid
from app.main import create_app
from app.models import Job
from app.optouts import webhooks
from tests.datasets.conftest import World

OPERATOR_KEY = "withdrawals-operator-key"


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: Any = self.server
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        server.seen.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def live(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    celery_worker: None,
) -> Iterator[TestClient]:
    monkeypatch.setenv("OPTOUTS_ADMIN_KEYS", OPERATOR_KEY)
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", "1000")
    get_settings.cache_clear()
    app = create_app(get_settings(), engine=engine, session_factory=committed_factory)
    with TestClient(app) as client:
        yield client
    get_settings.cache_clear()


@pytest.fixture
def corpus(committed_factory: sessionmaker[Session]) -> dict[str, str]:
    """Two origins; ``acme/mine`` is the one its author will opt out."""
    with unit_of_work(committed_factory) as uow:
        w = World(uow.session)
        from tests import factories as f

        f.bind(uow.session)
        w.origin("mine", stars=50)
        w.origin("other", stars=5)
        w.file("m1", [("mine", "src/m1.py")])
        w.file("m2", [("mine", "src/m2.py")])
        w.file("m3", [("mine", "lib/m3.py")])
        w.file("shared", [("other", "shared.py"), ("mine", "vendor/shared.py")])
        w.file("o1", [("other", "o1.py")])
        uow.session.flush()
        urls = {k: v.url for k, v in w.origins.items()}
        swhids = {k: "swh:1:cnt:" + bytes(v.sha1_git).hex() for k, v in w.contents.items()}
    return {**{f"origin:{k}": v for k, v in urls.items()}, **swhids}


def wait_job(client: TestClient, job_id: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/jobs/{job_id}").json()
        if body["state"] in {"succeeded", "failed", "cancelled"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def build(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    started = client.post("/v1/datasets/mine-too/builds", headers=auth)
    assert started.status_code == 202, started.text
    job = wait_job(client, started.json()["job_id"])
    assert job["state"] == "succeeded", job
    out: dict[str, Any] = client.get(
        f"/v1/datasets/mine-too/builds/{started.json()['number']}"
    ).json()
    return out


@pytest.mark.usefixtures("drop_partitions")
def test_an_optout_after_a_build_withdraws_announces_and_excludes(
    live: TestClient,
    auth: dict[str, str],
    corpus: dict[str, str],
    committed_factory: sessionmaker[Session],
    receiver: Any,
) -> None:
    mine = {corpus[k] for k in ("m1", "m2", "m3", "shared")}
    created = live.post(
        "/v1/datasets",
        json={"name": "mine-too", "purpose": "pre-training", "selection": {}},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    dataset_id = created.json()["id"]
    first = build(live, auth)
    assert first["files"] == 5
    assert first["optout_exclusion"]["files"] == 0
    v_build = first["optout_registry_version"]

    hook = live.post(
        "/v1/datasets/mine-too/webhooks",
        json={"url": f"http://127.0.0.1:{receiver.server_address[1]}/hook"},
        headers=auth,
    )
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]

    # The author's legal request, decided by an operator: in force at once.
    optout = live.post(
        "/v1/optouts/operator",
        json={
            "scope": {"kind": "origin", "origin_url": corpus["origin:mine"]},
            "purposes": ["ai-training"],
            "reason": "court order 42",
        },
        headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
    )
    assert optout.status_code == 201, optout.text
    public_id = optout.json()["id"]
    activated = optout.json()["activated_version"]
    assert activated > v_build

    # The activation queued the withdrawals job; the worker runs it.
    with unit_of_work(committed_factory) as uow:
        job_id = uow.session.scalar(select(Job.id).where(Job.kind == DATASETS_WITHDRAWALS))
    assert job_id is not None
    done = wait_job(live, job_id)
    assert done["state"] == "succeeded", done
    assert done["result"]["withdrawn"] == 4

    # The withdrawal list, paged with the house cursors: SWHIDs only.
    seen: list[dict[str, Any]] = []
    url: str | None = f"/v1/datasets/mine-too/builds/1/withdrawals?since={v_build}&limit=3"
    while url:
        page = live.get(url)
        assert page.status_code == 200, page.text
        body = page.json()
        seen.extend(body["items"])
        url = (
            f"/v1/datasets/mine-too/builds/1/withdrawals?since={v_build}&limit=3"
            f"&cursor={body['next_cursor']}"
            if body["next_cursor"]
            else None
        )
    assert {i["swhid"] for i in seen} == mine
    assert {i["registry_version"] for i in seen} == {activated}
    assert set(seen[0]) == {"swhid", "registry_version"}
    later = live.get(f"/v1/datasets/mine-too/builds/1/withdrawals?since={activated}").json()
    assert later["items"] == []
    bad = live.get("/v1/datasets/mine-too/builds/1/withdrawals?cursor=bm9wZQ")
    assert bad.status_code == 400

    # The change feed: one entry, in JSON Feed and Atom, without the requester.
    feed = live.get(f"/v1/datasets/{dataset_id}/withdrawals/feed.json")
    assert feed.headers["content-type"].startswith("application/feed+json")
    items = feed.json()["items"]
    assert len(items) == 1
    assert set(items[0]["_codecommons"]["swhids"]) == mine
    assert public_id not in feed.text
    assert "court order" not in feed.text
    atom_body = live.get("/v1/datasets/mine-too/withdrawals/feed.atom").content
    atom = ET.fromstring(atom_body)  # noqa: S314 - our own server's answer
    assert len(atom.findall("{http://www.w3.org/2005/Atom}entry")) == 1

    # The webhook: one signed POST of the same entry.
    deadline = time.monotonic() + 60
    while not receiver.seen and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(receiver.seen) == 1
    headers, payload = receiver.seen[0]
    assert webhooks.verify_signature(
        secret,
        headers[webhooks.TIMESTAMP_HEADER],
        payload,
        headers[webhooks.SIGNATURE_HEADER],
    )
    assert set(json.loads(payload)["items"][0]["_codecommons"]["swhids"]) == mine

    # A rebuild excludes them, counts them on the card and proves each exclusion.
    second = build(live, auth)
    assert second["files"] == 1
    funnel = {s["step"]: s for s in second["funnel"]}
    assert funnel["opt_out"]["removed"] == 4
    assert second["optout_exclusion"]["files"] == 4
    card = live.get("/v1/datasets/mine-too/builds/2/card.md").text
    assert "**4 files removed**" in card
    assert f"Opt-out registry version | {second['optout_registry_version']} |" in card
    root = bytes.fromhex(second["optout_exclusion"]["root"])
    for swhid in mine:
        answer = live.get(f"/v1/datasets/mine-too/builds/2/exclusion?swhid={swhid}").json()
        assert answer["excluded"] is True
        leaf = answer["leaf"]
        got = root_from_inclusion(
            leaf_of(parse_swhid(swhid).object_id),
            leaf["index"],
            answer["tree_size"],
            [bytes.fromhex(h) for h in leaf["audit_path"]],
        )
        assert got == root
    kept = live.get(f"/v1/datasets/mine-too/builds/2/exclusion?swhid={corpus['o1']}").json()
    assert kept["excluded"] is False
    assert kept["leaf"] is None
    # ... and the file kept has its proof too: not in the excluded set (its neighbours).
    assert verify(kept["proof"], corpus["o1"], second["optout_exclusion"]["root"], size=4) is False

    # The author's view: requester's token or an operator; nobody else.
    assert live.get(f"/v1/optouts/{public_id}/impact").status_code == 404
    view = live.get(
        f"/v1/optouts/{public_id}/impact", headers={"Authorization": f"Bearer {OPERATOR_KEY}"}
    )
    assert view.status_code == 200, view.text
    impact = view.json()
    assert impact["files_covered"] == 4
    assert impact["scope"]["origin_url"] == corpus["origin:mine"]
    by_build = {b["build"]: b for b in impact["builds"]}
    assert by_build[1]["built_before_optout"] is True
    assert by_build[1]["files_included"] == 4
    assert set(by_build[1]["withdrawn"]) == mine
    assert 2 not in by_build  # the rebuild holds none of it
