"""Proofs of exclusion both ways: a file the opt-out stage removed has an inclusion
proof in the build's excluded set, and a file it did not remove has a non-inclusion
proof (the set's adjacent leaves around it) that the shipped verifier accepts, from
the route as from the CLI; a forged one is refused."""

from __future__ import annotations

import bisect
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.datasets import verify
from app.datasets.verify import EMPTY_ROOT
from app.kit.swhid import format_swhid
from tests.datasets.conftest import World, make_dataset
from tests.datasets.test_withdrawals import build, opt_out

OPTED = ["m1", "m2", "m3", "m4", "m5"]
KEPT = ["o1", "o2", "o3", "o4", "o5", "o6"]


@pytest.fixture
def excluded(world: World, db: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Build 1 before the opt-out of ``acme/mine`` (empty excluded set), build 2 after
    it (five files excluded, six kept)."""
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    world.origin("mine")
    world.origin("other")
    for key in OPTED:
        world.file(key, [("mine", f"{key}.py")])
    for key in KEPT:
        world.file(key, [("other", f"{key}.py")])
    db.flush()
    dataset = make_dataset(db, "excl", {}, purpose="pre-training")
    before = build(db, dataset)
    opt_out(db, world.origins["mine"].url, ["ai-training"])
    after = build(db, dataset)
    swhids = {k: format_swhid("cnt", c.sha1_git) for k, c in world.contents.items()}
    return {"before": before, "after": after, "swhids": swhids}


def ask(client: TestClient, number: int, swhid: str) -> dict[str, Any]:
    response = client.get(f"/v1/datasets/excl/builds/{number}/exclusion", params={"swhid": swhid})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_excluded_and_kept_files_both_carry_proofs(
    excluded: dict[str, Any], client: TestClient
) -> None:
    after = client.get("/v1/datasets/excl/builds/2").json()
    root = after["optout_exclusion"]["root"]
    assert after["optout_exclusion"]["files"] == len(OPTED)
    swhids = excluded["swhids"]
    leaves = sorted(swhids[k] for k in OPTED)
    for key in OPTED:
        answer = ask(client, 2, swhids[key])
        assert answer["excluded"] is True
        assert answer["proof"]["leaf"] == answer["leaf"]
        assert answer["proof"]["leaf"]["index"] == leaves.index(swhids[key])
        assert verify.verify(answer["proof"], swhids[key], root, size=len(OPTED)) is True
    shapes = set()
    for key in KEPT:
        swhid = swhids[key]
        answer = ask(client, 2, swhid)
        assert answer["excluded"] is False
        assert answer["leaf"] is None
        proof = answer["proof"]
        assert proof["member"] is False
        # The neighbours are exactly the excluded leaves around where it would sort.
        at = bisect.bisect_left(leaves, swhid)
        want_before = leaves[at - 1] if at > 0 else None
        want_after = leaves[at] if at < len(leaves) else None
        assert (proof["before"] or {}).get("swhid") == want_before
        assert (proof["after"] or {}).get("swhid") == want_after
        assert verify.verify(proof, swhid, root, size=len(OPTED)) is False
        shapes.add((want_before is not None, want_after is not None))
        # ... and they prove nothing about another root.
        with pytest.raises(ValueError, match="does not lead"):
            verify.verify(proof, swhid, after["fingerprints"]["extensional"])
    assert (True, True) in shapes  # two adjacent leaves, not only an edge leaf


def test_a_forged_non_inclusion_is_refused(excluded: dict[str, Any], client: TestClient) -> None:
    """Claiming an excluded file was kept by skipping its leaf: its neighbours are real
    leaves with valid proofs, but not adjacent, and the verifier says so."""
    root = client.get("/v1/datasets/excl/builds/2").json()["optout_exclusion"]["root"]
    swhids = excluded["swhids"]
    leaves = sorted(swhids[k] for k in OPTED)
    middle = leaves[2]
    forged = {
        "member": False,
        "tree_size": len(OPTED),
        "before": ask(client, 2, leaves[1])["proof"]["leaf"],
        "after": ask(client, 2, leaves[3])["proof"]["leaf"],
    }
    with pytest.raises(ValueError, match="adjacent"):
        verify.verify(forged, middle, root)


def test_a_build_that_excluded_nothing_proves_it_with_the_empty_tree(
    excluded: dict[str, Any], client: TestClient
) -> None:
    before = client.get("/v1/datasets/excl/builds/1").json()
    assert before["optout_exclusion"] == {"files": 0, "root": EMPTY_ROOT.hex()}
    swhid = excluded["swhids"]["m1"]
    answer = ask(client, 1, swhid)
    assert answer["excluded"] is False
    assert answer["proof"] == {
        "member": False,
        "tree_size": 0,
        "leaf": None,
        "before": None,
        "after": None,
    }
    assert verify.verify(answer["proof"], swhid, before["optout_exclusion"]["root"]) is False


def test_the_cli_verifies_exclusion_answers_both_ways(
    excluded: dict[str, Any], client: TestClient
) -> None:
    root = client.get("/v1/datasets/excl/builds/2").json()["optout_exclusion"]["root"]
    swhids = excluded["swhids"]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", REDIS_URL="redis://127.0.0.1:1/0"
    )

    def run(answer: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "datasets", "verify", "-", "--fingerprint", root,
             *extra],
            env=env, input=json.dumps(answer), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip

    yes = run(ask(client, 2, swhids["m1"]), "--size", str(len(OPTED)))
    assert yes.returncode == 0, yes.stderr
    assert f"{swhids['m1']} WAS excluded from the build" in yes.stdout
    no = run(ask(client, 2, swhids["o1"]))
    assert no.returncode == 0, no.stderr
    assert f"{swhids['o1']} was NOT excluded from the build" in no.stdout
    tampered = ask(client, 2, swhids["o1"])
    side = "before" if tampered["proof"]["before"] else "after"
    tampered["proof"][side]["audit_path"][0] = "ff" * 32
    forged = run(tampered)
    assert forged.returncode == 2
    assert "does NOT check out" in forged.stderr
    wrong_size = run(ask(client, 2, swhids["m1"]), "--size", "4")
    assert wrong_size.returncode == 2
    assert "the build has 4" in wrong_size.stderr
