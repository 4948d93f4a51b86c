"""Each verification method end to end: the API, the Redis broker, a real Celery
worker process, PostgreSQL; a real SMTP server (aiosmtpd) for the e-mail round trip,
a local HTTP server serving key listings in the recorded forges' format, a real git
repository for the proof file, and a webhook receiver.

The worker listens on a queue of its own (``OPTOUTS_QUEUE``) with this module's
settings, so a worker started by other tests cannot take these tasks.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.kit.db import unit_of_work
from app.main import create_app
from app.optouts import registry, resolution, webhooks
from app.optouts.feed import Entry
from tests.optouts.conftest import OPERATOR_KEY, SECRET, build_world
from tests.optouts.test_sshsig import make_key, recorded, sign
from tests.processes import running_worker

QUEUE = f"optouts-test-{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Routes(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (status, body)``; records every request."""

    def _answer(self) -> None:
        server: Any = self.server
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        server.seen.append((self.command, self.path, dict(self.headers), body))
        script = server.routes.get(self.path)
        if isinstance(script, list):  # a sequence of answers, one per request
            status, payload = script.pop(0) if len(script) > 1 else script[0]
        else:
            status, payload = script or (404, {"message": "Not Found"})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer  # noqa: N815 - the names http.server dispatches to
    do_POST = _answer  # noqa: N815

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def http_server() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Routes)
    server.routes = {}
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def module_env(http_server: Any, smtp: tuple[Inbox, int]) -> dict[str, str]:
    base = f"http://127.0.0.1:{http_server.server_address[1]}"
    return {
        "OPTOUTS_QUEUE": QUEUE,
        "OPTOUTS_SECRET": SECRET,
        "OPTOUTS_ADMIN_KEYS": OPERATOR_KEY,
        "OPTOUTS_KEY_API_URLS": json.dumps(
            {"github.com": f"{base}/github", "gitlab.com": f"{base}/gitlab/api/v4"}
        ),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp[1]),
        "SMTP_FROM": "CodeCommons tests <optouts@test.invalid>",
        "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "WEBHOOK_MAX_ATTEMPTS": "3",
    }


@pytest.fixture(scope="module")
def optout_worker(
    engine: Engine, worker_env: dict[str, str], server_dir: Path, module_env: dict[str, str]
) -> Iterator[None]:
    # Its own queue (opt-out tasks need this module's settings), and the default one
    # too: the proof-file check is an ordinary scan.
    with running_worker(
        {**worker_env, **module_env}, server_dir / f"worker-{QUEUE}.log", queues=f"{QUEUE},celery"
    ):
        yield


@pytest.fixture
def live(
    settings: Settings,
    engine: Engine,
    committed_factory: sessionmaker[Session],
    module_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    optout_worker: None,
) -> Iterator[TestClient]:
    from app.kit.celery import get_celery

    for name, value in module_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", "1000")
    get_settings.cache_clear()
    get_celery.cache_clear()
    app = create_app(get_settings(), engine=engine, session_factory=committed_factory)
    with TestClient(app) as client:
        yield client
    get_settings.cache_clear()
    get_celery.cache_clear()


@pytest.fixture
def world(committed_factory: sessionmaker[Session]) -> Any:
    with unit_of_work(committed_factory) as uow:
        built = build_world(uow.session)
        names = {k: v.url for k, v in built.origins.items()}
        contents = {k: v.id for k, v in built.contents.items()}
    return names, contents


def wait_job(client: TestClient, job_id: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/v1/jobs/{job_id}").json()
        if body["state"] in {"succeeded", "failed", "cancelled"}:
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {body}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


OPERATOR = bearer(OPERATOR_KEY)


def version(client: TestClient) -> int:
    return int(client.get("/v1/optouts/registry").json()["version"])


def excluded_now(factory: sessionmaker[Session], purpose: str) -> set[int]:
    with unit_of_work(factory) as uow:
        at = registry.current_version(uow.session)
        resolution.refresh_author_index(uow.session, SECRET)
        query = resolution.exclusion_query(uow.session, purpose, at)
        return resolution.excluded_ids(uow.session, query)


# --- proof file --------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_proof_file_through_an_on_demand_scan(
    live: TestClient, committed_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "code.py").write_text("print('mine')\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    url = repo.resolve().as_uri()
    with unit_of_work(committed_factory) as uow:
        from app.scans.service import origin_for

        origin_for(uow.session, str(repo), url)

    created = live.post(
        "/v1/optouts",
        json={
            "scope": {"kind": "origin", "origin_url": url},
            "method": "proof-file",
            "purposes": ["ai-training"],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    token, public_id = body["token"], body["id"]
    assert created.headers["cache-control"] == "private, no-store"
    before = version(live)

    # No file yet: the scan runs, the request stays pending with the reason.
    check = live.post(f"/v1/optouts/{public_id}/proof-file/check", headers=bearer(token))
    assert check.status_code == 202
    scan = wait_job(live, check.json()["job_id"])
    assert (scan["kind"], scan["state"]) == ("scans.scan", "succeeded"), scan
    state = live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()
    assert state["status"] == "pending"
    assert "no .codecommons-optout" in state["status_reason"]

    # A malformed file is reported and changes nothing.
    (repo / ".codecommons-optout").write_text("opt me out please\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "malformed proof")
    check = live.post(f"/v1/optouts/{public_id}/proof-file/check", headers=bearer(token))
    assert wait_job(live, check.json()["job_id"])["state"] == "succeeded"
    state = live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()
    assert state["status"] == "pending"
    assert "malformed" in state["status_reason"]
    assert version(live) == before
    assert excluded_now(committed_factory, "pre-training") == set()

    (repo / ".codecommons-optout").write_text(body["instructions"]["contents"])
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "proof")
    check = live.post(f"/v1/optouts/{public_id}/proof-file/check", headers=bearer(token))
    done = wait_job(live, check.json()["job_id"])
    assert done["state"] == "succeeded", done
    state = live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()
    assert state["status"] == "active"
    assert state["evidence"]["proof_file"].startswith("swh:1:cnt:")
    assert state["activated_version"] == version(live) > before
    assert [e["kind"] for e in state["events"]] == ["requested", "verified"]
    with unit_of_work(committed_factory) as uow:
        code_id = uow.session.execute(
            text(
                "SELECT DISTINCT content_id FROM path_occurrence po "
                "JOIN origin o ON o.id = po.origin_id "
                "WHERE o.url = :u AND po.path = 'code.py'"
            ),
            {"u": url},
        ).scalar_one()
    assert code_id in excluded_now(committed_factory, "pre-training")
    assert code_id not in excluded_now(committed_factory, "search")


# --- SSH signature -----------------------------------------------------------------


def _serve_github_account(server: Any, login: str, account_id: str, public_key: str) -> None:
    user = dict(recorded("github/user_rafaparadela.json"), login=login, id=int(account_id))  # type: ignore[arg-type]
    listing = [*recorded("github/users_wycats_keys.json"), {"id": 424242, "key": public_key}]  # type: ignore[misc]
    server.routes[f"/github/users/{login}"] = (200, user)
    server.routes[f"/github/users/{login}/keys"] = (200, listing)


def test_ssh_signature_with_a_key_the_forge_lists(
    live: TestClient,
    world: Any,
    http_server: Any,
    tmp_path: Path,
    committed_factory: sessionmaker[Session],
) -> None:
    _, contents = world
    key, public = make_key(tmp_path)
    _serve_github_account(http_server, "alice", "101", public)
    created = live.post(
        "/v1/optouts",
        json={
            "scope": {"kind": "account", "forge": "github.com", "login": "alice"},
            "method": "ssh-signature",
            "purposes": ["ai-training"],
        },
    ).json()
    token, public_id = created["token"], created["id"]
    statement = created["instructions"]["statement"].encode()

    # Malformed: refused at once, nothing stored, no job.
    bad = live.post(
        f"/v1/optouts/{public_id}/signature", json={"signature": "hello"}, headers=bearer(token)
    )
    assert bad.status_code == 422
    assert bad.json()["type"] == "/problems/invalid-proof"

    # Well formed but by a key the forge does not list for alice: fails, stays pending.
    other_key, _ = make_key(tmp_path, "other")
    wrong = live.post(
        f"/v1/optouts/{public_id}/signature",
        json={"signature": sign(other_key, statement)},
        headers=bearer(token),
    )
    assert wait_job(live, wrong.json()["job_id"])["state"] == "failed"
    state = live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()
    assert state["status"] == "pending"
    assert "does not verify with any of the 5 keys" in state["status_reason"]

    good = live.post(
        f"/v1/optouts/{public_id}/signature",
        json={"signature": sign(key, statement)},
        headers=bearer(token),
    )
    assert wait_job(live, good.json()["job_id"])["state"] == "succeeded"
    state = live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()
    assert state["status"] == "active"
    assert state["evidence"]["key"].startswith("ED25519 SHA256:")
    alice = {contents[n] for n in ("util", "main", "test_util", "six", "index")}
    assert excluded_now(committed_factory, "fine-tuning") == alice
    assert excluded_now(committed_factory, "evaluation") == set()
    assert ("GET", "/github/users/alice/keys") in [(m, p) for m, p, _, _ in http_server.seen]


# --- e-mail round trip -------------------------------------------------------------


def test_email_round_trip_with_a_real_smtp_server(
    live: TestClient,
    world: Any,
    smtp: tuple[Inbox, int],
    committed_factory: sessionmaker[Session],
) -> None:
    _, contents = world
    inbox, _ = smtp
    already = len(inbox.messages)
    created = live.post(
        "/v1/optouts",
        json={"scope": {"kind": "author", "email": "Alice@Example.org"}, "method": "email"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    token, public_id = body["token"], body["id"]
    assert wait_job(live, body["job_id"])["state"] == "succeeded"
    assert len(inbox.messages) == already + 1
    message = inbox.messages[-1].decode()
    assert "To: alice@example.org" in message
    code = re.search(r"^    ([A-Z2-7]{4}-[A-Z2-7]{4})\r?$", message, re.M)
    assert code is not None

    wrong = live.post(
        f"/v1/optouts/{public_id}/email/confirm", json={"code": "AAAA-AAAA"}, headers=bearer(token)
    )
    assert wrong.status_code == 422
    assert live.get(f"/v1/optouts/{public_id}", headers=bearer(token)).json()["status"] == "pending"
    # Someone else's token cannot confirm it either.
    stranger = live.post(
        f"/v1/optouts/{public_id}/email/confirm",
        json={"code": code.group(1)},
        headers=bearer("cco_not-the-token"),
    )
    assert stranger.status_code == 404

    ok = live.post(
        f"/v1/optouts/{public_id}/email/confirm",
        json={"code": code.group(1).lower()},
        headers=bearer(token),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "active"
    assert excluded_now(committed_factory, "retrieval") == {
        contents[n] for n in ("util", "main", "test_util", "six")
    }
    # The address is nowhere in the database any more.
    with unit_of_work(committed_factory) as uow:
        dump = uow.session.execute(
            text(
                "SELECT concat_ws(' ', (SELECT string_agg(r::text, ' ') FROM optout_request r), "
                "(SELECT string_agg(e::text, ' ') FROM optout_event e), "
                "(SELECT count(*) FROM optout_email_outbox))"
            )
        ).scalar_one()
    assert "alice@example.org" not in dump.lower()
    assert dump.endswith(" 0")


# --- operator ----------------------------------------------------------------------


def test_operator_decisions_with_reasons(live: TestClient, world: Any) -> None:
    origins, _ = world
    scope = {"kind": "origin", "origin_url": origins["acme/lib"]}
    denied = live.post(
        "/v1/optouts/operator",
        json={"scope": scope, "reason": "court order 12"},
        headers=bearer("cco_nope"),
    )
    assert denied.status_code == 401
    made = live.post(
        "/v1/optouts/operator", json={"scope": scope, "reason": "court order 12"}, headers=OPERATOR
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "active"
    assert made.json()["events"][-1]["kind"] == "operator-approved"
    assert made.json()["events"][-1]["reason"] == "court order 12"
    assert made.json()["events"][-1]["actor"].startswith("operator:")

    pending = live.post(
        "/v1/optouts",
        json={
            "scope": {"kind": "origin", "origin_url": origins["bob/fork"]},
            "method": "proof-file",
        },
    ).json()
    refused = live.post(
        f"/v1/optouts/{pending['id']}/decision",
        json={"decision": "refuse", "reason": "not the owner"},
        headers=OPERATOR,
    )
    assert refused.json()["status"] == "refused"
    seen_by_author = live.get(f"/v1/optouts/{pending['id']}", headers=bearer(pending["token"]))
    assert seen_by_author.json()["status_reason"] == "not the owner"
    # Everyone else: 404, and only aggregates in public.
    assert live.get(f"/v1/optouts/{pending['id']}").status_code == 404
    stats = live.get("/v1/optouts/registry").json()
    assert stats["requests_by_status"] == {"active": 1, "refused": 1}
    chain = live.get("/v1/optouts/registry/chain").json()
    assert registry.verify_public_entries(chain)
    assert live.get("/v1/optouts/registry/verify", headers=OPERATOR).json()["ok"] is True
    withdrawn = live.post(
        f"/v1/optouts/{made.json()['id']}/withdraw",
        json={"reason": "order lifted"},
        headers=OPERATOR,
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_version"] == version(live)


def test_requests_are_rate_limited_per_client(
    live: TestClient,
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    committed_factory: sessionmaker[Session],
) -> None:
    origins, _ = world
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", "2")
    get_settings.cache_clear()
    app = create_app(get_settings(), engine=engine, session_factory=committed_factory)
    who = (f"198.51.100.{uuid.uuid4().int % 250}", 4000)
    with TestClient(app, client=who) as client:
        body = {
            "scope": {"kind": "origin", "origin_url": origins["acme/lib"]},
            "method": "proof-file",
        }
        codes = [client.post("/v1/optouts", json=body).status_code for _ in range(3)]
    assert codes == [201, 201, 429]


# --- webhooks ----------------------------------------------------------------------


def test_signed_webhook_retried_with_backoff(
    live: TestClient, http_server: Any, committed_factory: sessionmaker[Session]
) -> None:
    base = f"http://127.0.0.1:{http_server.server_address[1]}"
    http_server.routes["/hook"] = [(500, {}), (200, {"ok": True})]
    entry = Entry(
        id="tag:codecommons,2026:dataset:1:withdrawals:7",
        title="3 files withdrawn from build 1",
        updated=__import__("datetime").datetime(2026, 12, 1, tzinfo=__import__("datetime").UTC),
        text="Drop these files before your next training run.",
        data={"swhids": ["swh:1:cnt:" + "0" * 40]},
    )
    with unit_of_work(committed_factory) as uow:
        _, secret = webhooks.subscribe(uow.session, "dataset:1", f"{base}/hook")
        [delivery_id] = webhooks.publish(uow, "dataset:1", "Withdrawals", f"{base}/feed", [entry])
    deadline = time.monotonic() + 60
    state = None
    while time.monotonic() < deadline:
        with unit_of_work(committed_factory) as uow:
            row = uow.session.execute(
                text("SELECT state, attempts FROM webhook_delivery WHERE id = :i"),
                {"i": delivery_id},
            ).one()
        state = tuple(row)
        if row.state != "pending":
            break
        time.sleep(0.2)
    assert state == ("delivered", 2)
    posts = [(h, b) for m, p, h, b in http_server.seen if m == "POST" and p == "/hook"]
    assert len(posts) == 2
    headers, body = posts[-1]
    assert webhooks.verify_signature(
        secret, headers["X-CodeCommons-Timestamp"], body, headers["X-CodeCommons-Signature"]
    )
    assert not webhooks.verify_signature(
        secret, headers["X-CodeCommons-Timestamp"], body + b" ", headers["X-CodeCommons-Signature"]
    )
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["items"][0]["_codecommons"]["swhids"] == ["swh:1:cnt:" + "0" * 40]
