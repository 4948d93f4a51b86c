"""API keys with scopes: read < submit < admin, one resolver for every route, jobs
that say who asked, and the personal-data policy by scope on every surface."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.keys import service
from app.keys.service import ensure_local_key
from app.kit.ratelimit import hash_api_key
from app.models import ApiKey, Job, ProjectMetadata, Release, Revision
from tests.factories import OriginFactory, RawMetadataFactory


def _key(db: Session, name: str, *scopes: str) -> dict[str, str]:
    _, secret = service.create(db, name, list(scopes))
    db.flush()
    return {"Authorization": f"Bearer {secret}"}


def test_only_a_hash_of_the_key_is_stored(db: Session) -> None:
    row, secret = service.create(db, "ci", ["submit"])
    db.flush()
    stored = db.scalars(select(ApiKey).where(ApiKey.id == row.id)).one()
    assert secret.startswith("cck_")
    assert len(secret) > 40
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.key_hash, stored.prefix, stored.name}
    with pytest.raises(ValueError, match="exists already"):
        service.create(db, "ci", ["read"])
    with pytest.raises(ValueError, match="root"):
        service.create(db, "bad", ["root"])


def test_scopes_decide_what_a_key_may_do(client: TestClient, db: Session) -> None:
    reader = _key(db, "reader", "read")
    submitter = _key(db, "alice", "submit")
    demo = "/v1/jobs/demo"
    assert client.post(demo, json={"steps": 1}).status_code == 401
    assert client.post(demo, headers={"X-API-Key": "nope"}, json={}).status_code == 401
    refused = client.post(demo, headers=reader, json={"steps": 1})
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "/problems/forbidden"
    accepted = client.post(demo, headers=submitter, json={"steps": 1})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["requested_by"] == "key:alice"
    # X-API-Key works the same as the bearer header.
    header = {"X-API-Key": submitter["Authorization"].removeprefix("Bearer ")}
    assert client.post(demo, headers=header, json={"steps": 1}).status_code == 202
    # Admin routes need the admin scope.
    verify = client.get("/v1/optouts/registry/verify", headers=submitter)
    assert verify.status_code == 403, verify.text
    admin = _key(db, "ops", "admin")
    assert client.get("/v1/optouts/registry/verify", headers=admin).status_code == 200


def test_a_revoked_key_is_refused(client: TestClient, db: Session) -> None:
    headers = _key(db, "gone", "submit")
    assert client.post("/v1/jobs/demo", headers=headers, json={}).status_code == 202
    service.revoke(db, "gone")
    db.flush()
    assert client.post("/v1/jobs/demo", headers=headers, json={}).status_code == 401


def test_the_configured_key_is_an_admin(
    client: TestClient, db: Session, auth: dict[str, str]
) -> None:
    assert client.get("/v1/optouts/registry/verify", headers=auth).status_code == 200
    job = client.post("/v1/jobs/demo", headers=auth, json={}).json()
    assert job["requested_by"].startswith("config:")
    assert "test-api-key" not in json.dumps(job)


def test_only_the_requester_or_an_admin_cancels_a_job(
    client: TestClient, db: Session, auth: dict[str, str]
) -> None:
    alice, bob = _key(db, "alice", "submit"), _key(db, "bob", "submit")
    job = client.post("/v1/jobs/demo", headers=alice, json={"steps": 1}).json()
    refused = client.post(f"/v1/jobs/{job['id']}/cancel", headers=bob)
    assert refused.status_code == 403, refused.text
    assert db.get(Job, job["id"]).state.value == "queued"  # type: ignore[union-attr]
    assert client.post(f"/v1/jobs/{job['id']}/cancel", headers=alice).status_code == 200
    other = client.post("/v1/jobs/demo", headers=bob, json={"steps": 1}).json()
    assert client.post(f"/v1/jobs/{other['id']}/cancel", headers=auth).status_code == 200


def test_graphql_budget_counts_keys_from_the_table(client: TestClient, db: Session) -> None:
    reader = _key(db, "reader", "read")
    query = {"query": "{ jobs(first: 1) { nodes { id } } }"}
    anonymous = client.post("/graphql", json=query).json()
    keyed = client.post("/graphql", headers=reader, json=query).json()
    assert anonymous["extensions"]["cost"]["limit"] < keyed["extensions"]["cost"]["limit"]


# --- personal data, by scope, REST and GraphQL ----------------------------------------

PAYLOAD = {
    "name": "six",
    "author": "Benjamin <benjamin@example.org>",
    "author_email": "benjamin@example.org",
    "maintainers": [{"name": "jane", "email": "jane@uni.example.edu"}],
    "ssh_url": "git@github.com:benjaminp/six.git",
}


def test_raw_payloads_withhold_emails_from_non_admins(client: TestClient, db: Session) -> None:
    raw = RawMetadataFactory(
        authority="pypi.org",
        format="pypi-project-json",
        kind="package",
        payload=json.dumps(PAYLOAD).encode(),
        source_url="https://pypi.org/pypi/six/json",
    )
    db.flush()
    submitter, admin = _key(db, "alice", "submit"), _key(db, "ops", "admin")
    for headers in ({}, submitter):
        shown = client.get(f"/v1/raw/{raw.id}", headers=headers)
        assert shown.status_code == 200
        body = shown.json()
        assert "benjamin@example.org" not in shown.text
        assert "jane@" not in shown.text
        assert body["payload"]["author_email"] == "withheld@example.org"
        assert body["payload"]["author"] == "Benjamin <withheld@example.org>"
        assert body["payload"]["maintainers"][0] == {
            "name": "jane",
            "email": "withheld@uni.example.edu",
        }
        assert body["payload"]["ssh_url"] == PAYLOAD["ssh_url"]
        assert body["personal_data_withheld"] is True
        assert "Authorization" in shown.headers["vary"]
    full = client.get(f"/v1/raw/{raw.id}", headers=admin).json()
    assert full["payload"] == PAYLOAD
    assert full["personal_data_withheld"] is False
    query = {"query": f"{{ rawPayload(id: {raw.id}) {{ payload personalDataWithheld }} }}"}
    anonymous = client.post("/graphql", json=query)
    assert "benjamin@example.org" not in anonymous.text
    assert anonymous.json()["data"]["rawPayload"]["personalDataWithheld"] is True
    as_admin = client.post("/graphql", headers=admin, json=query).json()
    assert as_admin["data"]["rawPayload"]["payload"] == PAYLOAD


def test_git_identities_withhold_emails_from_non_admins(client: TestClient, db: Session) -> None:
    author = b"Jane Doe <jane.doe@example.org>"
    revision = Revision(
        sha1_git=hashlib.sha1(b"rev").digest(),  # noqa: S324
        directory=hashlib.sha1(b"dir").digest(),  # noqa: S324
        parents=[],
        author=author,
        author_date=datetime(2020, 1, 1, tzinfo=UTC),
        committer=b"Bot <bot@ci.example.com>",
        committer_date=datetime(2020, 1, 1, tzinfo=UTC),
        message=b"init\n",
    )
    release = Release(
        sha1_git=hashlib.sha1(b"rel").digest(),  # noqa: S324
        name=b"v1",
        target_type="rev",
        target=revision.sha1_git,
        author=author,
        message=b"v1\n",
    )
    db.add_all([revision, release])
    db.flush()
    admin = _key(db, "ops", "admin")
    shown = client.get(f"/v1/swhid/{revision.swhid}").json()["revision"]
    assert shown["author"] == "Jane Doe <withheld@example.org>"
    assert shown["committer"] == "Bot <withheld@ci.example.com>"
    tag = client.get(f"/v1/swhid/{release.swhid}").json()["release"]
    assert tag["author"] == "Jane Doe <withheld@example.org>"
    full = client.get(f"/v1/swhid/{revision.swhid}", headers=admin).json()["revision"]
    assert full["author"] == author.decode()
    query = {"query": f'{{ resolveSWHID(swhid: "{revision.swhid}") {{ revision {{ author }} }} }}'}
    anonymous = client.post("/graphql", json=query).json()
    assert anonymous["data"]["resolveSWHID"]["revision"]["author"] == (
        "Jane Doe <withheld@example.org>"
    )
    as_admin = client.post("/graphql", headers=admin, json=query).json()
    assert as_admin["data"]["resolveSWHID"]["revision"]["author"] == author.decode()


# --- the CLI ----------------------------------------------------------------------------


def test_keys_cli_create_list_revoke(
    database_url: str, committed_factory: sessionmaker[Session]
) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "keys", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    created = cli("create", "ci", "--scope", "submit")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("cck_")
    listed = cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["scopes"], r["revoked_at"]) for r in rows] == [("ci", ["submit"], None)]
    assert secret not in listed.stdout
    assert cli("create", "ci").returncode == 2  # one line, no traceback
    assert cli("revoke", "ci").returncode == 0
    with committed_factory() as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.revoked_at is not None
        assert service.resolve(session, secret, _no_config()) is None


def _no_config() -> Settings:
    return Settings(_env_file=None)


def test_the_embedded_mode_keeps_one_local_admin_key(db: Session, tmp_path: Path) -> None:
    """``codecommons run`` gives a new user an admin key on first start, kept in the
    data dir (owner-only), reused while it is live, replaced once revoked."""
    settings = _no_config()
    path = tmp_path / "local-api-key"
    first, created = ensure_local_key(db, path, settings)
    assert created
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    caller = service.resolve(db, first, settings)
    assert caller is not None
    assert caller.name == "key:local"
    assert caller.is_admin
    assert ensure_local_key(db, path, settings) == (first, False)
    service.revoke(db, "local")
    second, created = ensure_local_key(db, path, settings)
    assert created
    assert second != first
    assert service.resolve(db, second, settings).name == "key:local-2"  # type: ignore[union-attr]


def test_the_rate_limiter_knows_table_keys_within_its_ttl(
    db: Session, session_factory: sessionmaker[Session]
) -> None:
    now = [0.0]
    known = service.KnownKeyHashes(
        _no_config(), lambda: session_factory, ttl=30, clock=lambda: now[0]
    )
    _, secret = service.create(db, "ci", ["read"])
    db.flush()
    assert hash_api_key(secret) in known()
    service.revoke(db, "ci")
    db.flush()
    assert hash_api_key(secret) in known()  # cached
    now[0] = 31.0
    assert hash_api_key(secret) not in known()


def test_codemeta_records_lose_emails_for_non_admins(client: TestClient, db: Session) -> None:
    origin = OriginFactory()
    db.flush()
    record = {
        "name": "six",
        "author": [
            {"givenName": "Jane", "familyName": "Doe", "email": "jane@uni.example.edu"},
        ],
        "maintainer": {"name": "Bob", "email": "bob@example.org"},
    }
    db.add(
        ProjectMetadata(
            origin_id=origin.id, record=record, sources={}, problems=[], tool="t", tool_version="1"
        )
    )
    db.flush()
    admin = _key(db, "ops", "admin")
    base = f"/v1/origins/{origin.id}"
    for path in ("/metadata", "/codemeta.json", "/CITATION.cff", "/citation.bib"):
        shown = client.get(base + path)
        assert shown.status_code in {200, 400}, (path, shown.text)  # CFF may refuse
        assert "jane@" not in shown.text, path
        assert "bob@" not in shown.text, path
    metadata = client.get(base + "/metadata").json()["record"]
    assert metadata["author"][0] == {"givenName": "Jane", "familyName": "Doe"}
    full = client.get(base + "/metadata", headers=admin).json()["record"]
    assert full["author"][0]["email"] == "jane@uni.example.edu"
    query = {"query": f"{{ originMetadata(originId: {origin.id}) }}"}
    assert "jane@" not in client.post("/graphql", json=query).text
    assert "jane@" in client.post("/graphql", headers=admin, json=query).text
