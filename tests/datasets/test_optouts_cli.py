"""``codecommons datasets withdrawals|exclusion`` and ``codecommons optouts impact|author``:
real processes on the test database, over the same services as REST; the impact is
the requester's (their token) or the console operator's, nobody else's."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.datasets import repository, withdrawals
from app.datasets.builder import run_build
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.kit.db import unit_of_work
from app.kit.swhid import format_swhid
from app.models.enums import OwnerKind
from app.optouts import service
from app.optouts.registry import EventKind
from app.optouts.schemas import OptoutIn, ScopeIn
from tests.cli.test_main import codecommons
from tests.datasets.conftest import World, make_dataset

MINE = ["m1", "m2", "m3"]


def _build(factory: sessionmaker[Session], name: str) -> None:
    with unit_of_work(factory) as uow:
        dataset = repository.dataset_by_name(uow.session, name)
        assert dataset is not None
        b, _ = submit_build(uow, name, BuildIn())
        build_id = b.id
    with unit_of_work(factory) as uow:
        run_build(uow.session, build_id)


@pytest.fixture
def story(
    committed_factory: sessionmaker[Session], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    from tests import factories

    with unit_of_work(committed_factory) as uow:
        factories.bind(uow.session)
        w = World(uow.session)
        w.origin("mine")
        w.origin("other")
        for key in MINE:
            w.file(key, [("mine", f"{key}.py")])
        w.file("o1", [("other", "o1.py")])
        alice = factories.OwnerFactory(login="alice", native_id="101", kind=OwnerKind.USER)
        w.origins["other"].owner_id = alice.id
        uow.session.flush()
        make_dataset(uow.session, "cliopt", {}, purpose="pre-training")
        swhids = {k: format_swhid("cnt", c.sha1_git) for k, c in w.contents.items()}
        url = w.origins["mine"].url
        other = w.origins["other"].url
    _build(committed_factory, "cliopt")
    with unit_of_work(committed_factory) as uow:
        created = service.create(
            uow,
            settings,
            OptoutIn(scope=ScopeIn(kind="origin", origin_url=url), method="proof-file"),
        )
        service.decide(uow, created.request.public_id, "operator:test", True, "by hand")
        version = created.request.activated_version
    with unit_of_work(committed_factory) as uow:
        withdrawals.compute(uow)
    _build(committed_factory, "cliopt")
    with unit_of_work(committed_factory) as uow:
        signed = service.create(
            uow,
            settings,
            OptoutIn(scope=ScopeIn(kind="origin", origin_url=other), method="ssh-signature"),
        )
        # as a checked signature does
        service.activate(uow.session, signed.request, kind=EventKind.VERIFIED, actor="test")
    return {
        "signed": (signed.request.public_id, signed.token),
        "id": created.request.public_id,
        "token": created.token,
        "version": version,
        "swhids": swhids,
    }


@pytest.mark.usefixtures("drop_partitions")
def test_withdrawals_exclusion_and_impact_commands(
    story: dict[str, Any], database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}
    mine = sorted(story["swhids"][k] for k in MINE)

    listed = codecommons("datasets", "withdrawals", "cliopt", "1", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted(swhid for swhid, _ in lines) == mine
    assert {version for _, version in lines} == {str(story["version"])}
    after = codecommons(
        "datasets", "withdrawals", "cliopt", "1", "--since", str(story["version"]), env=env
    )
    assert after.returncode == 0, after.stderr
    assert after.stdout == ""
    missing = codecommons("datasets", "withdrawals", "nope", "1", env=env)
    assert missing.returncode == 2
    assert "no dataset 'nope'" in missing.stderr

    out = codecommons("datasets", "exclusion", "cliopt", "2", story["swhids"]["m2"], env=env)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["excluded"] is True
    kept = codecommons("datasets", "exclusion", "cliopt", "2", story["swhids"]["o1"], env=env)
    assert json.loads(kept.stdout)["excluded"] is False
    # What it prints, the verifier checks (both kinds of answer).
    for printed, verdict in ((out.stdout, "WAS excluded"), (kept.stdout, "was NOT excluded")):
        checked = subprocess.run(
            [sys.executable, "-m", "app.cli", "datasets", "verify", "-",
             "--fingerprint", answer["root"]],
            input=printed, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        assert verdict in checked.stdout
    bad = codecommons("datasets", "exclusion", "cliopt", "2", "swh:1:cnt:zz", env=env)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr

    own = codecommons("optouts", "impact", story["id"], "--token", story["token"], env=env)
    assert own.returncode == 0, own.stderr
    view = json.loads(own.stdout)
    by_build = {b["build"]: b for b in view["builds"]}
    assert sorted(by_build[1]["withdrawn"]) == mine
    assert 2 not in by_build
    console = codecommons("optouts", "impact", story["id"], env=env)
    assert console.returncode == 0, console.stderr
    assert json.loads(console.stdout) == view
    stranger = codecommons("optouts", "impact", story["id"], "--token", "cco_nope", env=env)
    assert stranger.returncode != 0
    assert "no opt-out request" in stranger.stderr
    assert "withdrawn" not in stranger.stdout

    # The author's view: the identity a signature proved, across its requests.
    public_id, token = story["signed"]
    author = codecommons("optouts", "author", public_id, "--token", token, env=env)
    assert author.returncode == 0, author.stderr
    view = json.loads(author.stdout)
    assert view["identities"][0]["account_id"] == "101"
    assert [r["id"] for r in view["requests"]] == [public_id]
    (included,) = [b for b in view["requests"][0]["builds"] if b["build"] == 2]
    assert included["built_before_optout"] is True
    assert included["files_included"] == 1
    unproven = codecommons("optouts", "author", story["id"], "--token", story["token"], env=env)
    assert unproven.returncode != 0
    assert "proved no identity" in unproven.stderr
    nobody = codecommons("optouts", "author", public_id, "--token", story["token"], env=env)
    assert nobody.returncode != 0
    assert "no opt-out request" in nobody.stderr
