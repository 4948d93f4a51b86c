"""The event chain: append-only in the database, every rewrite detected, publishable
without personal data, checkable with hashlib alone; and the public statistics."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.optouts import registry, service
from app.optouts.schemas import ScopeIn
from tests.optouts.conftest import World

OP = "operator:test"


def _some_history(uow, settings, world: World) -> None:
    for name in ("alice/tools", "acme/lib"):
        service.create_by_operator(
            uow,
            settings,
            OP,
            ScopeIn(kind="origin", origin_url=world.origins[name].url),
            ["ai-training"],
            [],
            "legal request",
        )
    first = uow.session.execute(text("SELECT public_id FROM optout_request ORDER BY id")).first()
    service.withdraw(uow, first[0], None, OP, "opted back in")


def test_chain_verifies_and_versions_grow(world, uow, db, optout_settings):
    _some_history(uow, optout_settings, world)
    report = registry.verify_chain(db)
    assert report.ok, report.problems
    # 2 x (requested + approved) + withdrawn
    assert report.version == report.checked == 5
    assert registry.current_version(db) == 5
    seqs = db.execute(text("SELECT seq FROM optout_event ORDER BY seq")).scalars().all()
    assert seqs == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "statement", ["UPDATE optout_event SET reason = 'x'", "DELETE FROM optout_event"]
)
def test_the_database_refuses_to_rewrite_history(world, uow, db, optout_settings, statement):
    _some_history(uow, optout_settings, world)
    nested = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    nested.rollback()
    assert registry.verify_chain(db).ok


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("reason", "'nothing to see'", "details do not match their digest"),
        ("kind", "'refused'", "hash does not match its contents"),
        ("at", "at + interval '1 second'", "hash does not match its contents"),
    ],
)
def test_a_rewrite_behind_the_triggers_back_is_detected(
    world, uow, db, optout_settings, column, value, problem
):
    _some_history(uow, optout_settings, world)
    # Only a table owner can do this; the chain still tells.
    db.execute(text("ALTER TABLE optout_event DISABLE TRIGGER optout_event_append_only"))
    db.execute(text(f"UPDATE optout_event SET {column} = {value} WHERE seq = 3"))
    report = registry.verify_chain(db)
    assert not report.ok
    assert any(p.startswith("event 3:") and problem in p for p in report.problems)


def test_a_removed_event_breaks_the_chain(world, uow, db, optout_settings):
    _some_history(uow, optout_settings, world)
    db.execute(text("ALTER TABLE optout_event DISABLE TRIGGER optout_event_append_only"))
    db.execute(text("DELETE FROM optout_event WHERE seq = 2"))
    problems = registry.verify_chain(db).problems
    assert "event 3: expected sequence number 2" in problems
    assert "event 3: does not chain onto event 2" in problems


def test_public_chain_has_no_personal_data_and_checks_with_hashlib(world, uow, db, optout_settings):
    service.create_by_operator(
        uow,
        optout_settings,
        OP,
        ScopeIn(kind="author", email="ada@example.org"),
        ["any"],
        [],
        "legal",
    )
    entries = registry.public_chain(db)
    assert len(entries) == 2
    assert set(entries[0]) == {"seq", "at", "kind", "payload_digest", "prev_hash", "hash"}
    # (not the bare "ada": the hex hashes contain it about once in five runs)
    assert "ada@" not in repr(entries)
    assert "example.org" not in repr(entries)
    assert registry.verify_public_entries(entries)
    # Continuation from a known head, as a follower of the feed would check it.
    assert registry.verify_public_entries(entries[1:], entries[0]["hash"])
    forged = [dict(entries[0], kind="refused"), entries[1]]
    assert not registry.verify_public_entries(forged)


def test_statistics_are_aggregates(world, uow, db, optout_settings):
    _some_history(uow, optout_settings, world)
    stats = registry.statistics(db)
    assert stats["version"] == 5
    assert stats["requests_by_status"] == {"active": 1, "withdrawn": 1}
    assert stats["active_by_scope"] == {"origin": 1}
    assert stats["active_by_method"] == {"operator": 1}
    assert stats["active_by_purpose"] == {"ai-training": 1}
