"""Reservation files in a repository become opt-outs (and stop being ones when they
go); proof files found by a scan activate their requests. Through the scan hook the
scanner calls, on the real database."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.config import get_settings
from app.models import OptoutRequest
from app.optouts import registry, resolution, service, signals
from app.optouts.scanhook import ScannedFile, on_scan, wants
from app.optouts.schemas import OptoutIn, ScopeIn
from tests.optouts.conftest import World

SWHID_A = "swh:1:cnt:" + "a" * 40
SWHID_B = "swh:1:cnt:" + "b" * 40


def files(**named: tuple[bytes, str]) -> dict[str, ScannedFile]:
    out = {}
    for key, (data, swhid) in named.items():
        path = {
            "tdmrep": ".well-known/tdmrep.json",
            "robots": "robots.txt",
            "ai": "ai.txt",
            "proof": ".codecommons-optout",
        }[key]
        out[path] = ScannedFile(path, data, swhid)
    return out


def excluded(db, purpose: str) -> set[int]:
    at = registry.current_version(db)
    return resolution.excluded_ids(db, resolution.exclusion_query(db, purpose, at))


def test_the_scan_asks_only_for_the_files_that_matter():
    assert wants(b".codecommons-optout")
    assert wants(".well-known/tdmrep.json")
    assert wants("robots.txt")
    assert not wants("src/robots.txt")
    assert not wants("README.md")


def test_tdmrep_first_match_wins_and_becomes_path_scoped_opt_outs(world: World, db):
    tdmrep = json.dumps(
        [
            {"location": "/tests/*", "tdm-reservation": 0},
            {"location": "/", "tdm-reservation": 1, "tdm-policy": "https://example.org/p"},
        ]
    ).encode()
    origin = world.origins["alice/tools"]
    report = on_scan(db, origin.id, files(tdmrep=(tdmrep, SWHID_A)), snapshot_swhid="swh:1:snp:x")
    assert len(report.signals_added) == 1
    request = db.scalars(select(OptoutRequest)).one()
    assert request.method == "signal"
    assert request.evidence["swhid"] == SWHID_A
    assert request.rules == ["any"]
    # Reserved everywhere except tests/, which the earlier rule leaves open.
    assert excluded(db, "search") == world.ids("util", "main", "six")


def test_robots_content_usage_and_content_signal(world: World, db):
    robots = (
        b"User-agent: GPTBot\nDisallow: /\n\n"
        b"User-agent: *\nAllow: /\nContent-Usage: train-ai=n, search=y\n"
        b"Content-Signal: /vendor/ ai-input=no\n"
    )
    origin = world.origins["alice/tools"]
    on_scan(db, origin.id, files(robots=(robots, SWHID_A)))
    assert excluded(db, "pre-training") == world.ids("util", "main", "test_util")
    assert excluded(db, "retrieval") == world.ids("six")
    assert excluded(db, "search") == set()


def test_spawning_ai_txt_reserves_training(world: World, db):
    ai_txt = b"# Spawning AI\nUser-Agent: *\nDisallow: /\nAllow: /vendor/\n"
    on_scan(db, world.origins["alice/tools"].id, files(ai=(ai_txt, SWHID_A)))
    assert excluded(db, "fine-tuning") == world.ids("util", "main", "test_util")
    assert excluded(db, "evaluation") == set()


def test_a_changed_or_removed_file_withdraws_the_signal(world: World, db):
    origin = world.origins["acme/lib"]
    reserve = json.dumps([{"location": "/", "tdm-reservation": 1}]).encode()
    on_scan(db, origin.id, files(tdmrep=(reserve, SWHID_A)))
    assert excluded(db, "search") == world.ids("core", "guide")
    again = on_scan(db, origin.id, files(tdmrep=(reserve, SWHID_A)))
    assert again.signals_added == again.signals_withdrawn == []  # nothing changed
    gone = on_scan(db, origin.id, {})
    assert len(gone.signals_withdrawn) == 1
    assert excluded(db, "search") == set()
    kinds = [e["kind"] for e in registry.public_chain(db)]
    assert kinds == ["signal-found", "signal-gone"]


def test_broken_files_are_reported_not_guessed(world: World, db):
    report = on_scan(db, world.origins["acme/lib"].id, files(tdmrep=(b"{not json", SWHID_A)))
    assert report.signal_problems == [".well-known/tdmrep.json: not JSON (JSONDecodeError)"]
    assert report.signals_added == []
    detection = signals.read_tdmrep(b'[{"location": "/", "tdm-reservation": "1"}]', SWHID_A)
    assert detection.signals == []  # "1" is a protocol error: unknown, not a reservation


def test_a_scan_finding_the_proof_file_activates_the_request(
    world: World, uow, db, optout_settings
):
    origin = world.origins["alice/tools"]
    created = service.create(
        uow,
        optout_settings,
        OptoutIn(scope=ScopeIn(kind="origin", origin_url=origin.url), method="proof-file"),
    )
    token = created.request.proof_token
    bad = on_scan(db, origin.id, files(proof=(b"please opt me out", SWHID_B)))
    assert bad.activated == []
    assert "malformed" in (created.request.status_reason or "")
    other_origin = world.origins["bob/fork"]
    on_scan(db, other_origin.id, files(proof=(f"codecommons-optout: {token}\n".encode(), SWHID_B)))
    assert created.request.status == "pending"  # a proof elsewhere proves nothing here
    good = on_scan(
        db, origin.id, files(proof=(f"# mine\ncodecommons-optout: {token}\n".encode(), SWHID_B))
    )
    assert good.activated == [created.request.public_id]
    assert created.request.status == "active"
    assert created.request.evidence["proof_file"] == SWHID_B


def test_every_way_into_force_queues_the_withdrawals_job(world: World, db, monkeypatch):
    """Earlier builds hear of an opt-out however it took effect: a signal found by a scan
    (session only: the job row, which the reaper sends) or an activation inside a unit
    of work (sent after its commit)."""
    from app.jobs.kinds import DATASETS_WITHDRAWALS
    from app.kit.db import UnitOfWork
    from app.models import Job

    def queued() -> list[dict[str, object]]:
        return [
            dict(j.params)
            for j in db.scalars(select(Job).where(Job.kind == DATASETS_WITHDRAWALS)).all()
        ]

    reserve = json.dumps([{"location": "/", "tdm-reservation": 1}]).encode()
    on_scan(db, world.origins["alice/tools"].id, files(tdmrep=(reserve, SWHID_A)))
    assert queued() == [{"registry_version": registry.current_version(db)}]
    again = on_scan(db, world.origins["alice/tools"].id, files(tdmrep=(reserve, SWHID_A)))
    assert again.signals_added == []
    assert len(queued()) == 1  # nothing new in force, nothing queued

    sent: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr("app.kit.queue.send_now", lambda name, *a: sent.append((name, a)))
    uow = UnitOfWork(db)
    created = service.create_by_operator(
        uow,
        get_settings(),
        "operator:test",
        ScopeIn(kind="origin", origin_url=world.origins["acme/lib"].url),
        ["ai-training"],
        [],
        "legal request",
    )
    assert queued()[-1] == {"registry_version": created.request.activated_version}
    assert sent == []  # not before the commit
    uow.commit()
    assert [name for name, _ in sent] == [DATASETS_WITHDRAWALS]
