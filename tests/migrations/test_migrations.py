"""The Alembic history is the only source of the schema: it upgrades from empty to
head, downgrades back to empty, and matches the ORM models exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url

from app.config import to_libpq_url, to_psycopg_url
from app.kit import migrations
from app.models import Base


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    url = make_url(to_psycopg_url(database_url))
    name = f"cc_migrations_{uuid.uuid4().hex[:8]}"
    admin = to_libpq_url(url.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(url.set(database=name))
    yield engine
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_upgrade_to_head_then_downgrade_to_empty(empty_engine: Engine) -> None:
    migrations.upgrade(empty_engine)
    assert migrations.current_revision(empty_engine) == migrations.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrations.downgrade(empty_engine, "base")
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    with empty_engine.connect() as conn:
        types = (
            conn.exec_driver_sql(
                "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype = 'e'"
            )
            .scalars()
            .all()
        )
    assert types == []
    migrations.upgrade(empty_engine)  # and up again: the downgrade left nothing behind


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_job_kinds_are_renamed_both_ways(empty_engine: Engine) -> None:
    """0005 renames the stored kinds of existing jobs, and its downgrade restores them."""
    migrations.upgrade(empty_engine, "0004")
    old = ["demo", "archive.scan", "facts.neardup", "forges.import", "papers.resolve"]
    with empty_engine.begin() as conn:
        for kind in old:
            conn.exec_driver_sql("INSERT INTO job (kind) VALUES (%s)", (kind,))

    def kinds() -> list[str]:
        with empty_engine.connect() as conn:
            return list(conn.exec_driver_sql("SELECT kind FROM job ORDER BY id").scalars())

    migrations.upgrade(empty_engine, "0005")
    assert kinds() == [
        "jobs.demo",
        "scans.scan",
        "neardups.recluster",
        "forges.import",
        "papers.resolve",
    ]
    migrations.downgrade(empty_engine, "0004")
    assert kinds() == old


def test_0008_records_urls_as_the_archive_does(empty_engine: Engine) -> None:
    """Rows written before 0008: the SWHID becomes that of the URL as the stored payload
    spells it, forge fields leave ``extra`` (scan facts stay), each URL and login gets
    its period, and counts take 64 bits."""
    import hashlib
    import json
    from pathlib import Path

    from sqlalchemy import text
    from swh.model.model import Origin as SWHOrigin

    from app.kit.swhid import origin_swhid_id

    recorded = json.loads(
        (
            Path(__file__).parents[1] / "forges/fixtures/github/repo_PyGithub_PyGithub.json"
        ).read_text()
    )
    payload = json.dumps(recorded).encode()
    migrations.upgrade(empty_engine, "0007")
    with empty_engine.begin() as conn:
        forge = conn.execute(
            text(
                "INSERT INTO forge (name, kind, base_url) VALUES "
                "('github.com', 'github', 'https://github.com') RETURNING id"
            )
        ).scalar_one()
        raw = conn.execute(
            text(
                "INSERT INTO raw_metadata (authority, format, kind, source_url, fetcher_name, "
                "fetcher_version, fetched_at, payload, sha256) VALUES ('github.com', "
                "'application/vnd.github.v3+json', 'repository', "
                "'https://api.github.com/repos/PyGithub/PyGithub', 'test', '1', "
                "'2025-01-07T07:32:15Z', :payload, :sha) RETURNING id"
            ),
            {"payload": payload, "sha": hashlib.sha256(payload).digest()},
        ).scalar_one()
        owner = conn.execute(
            text(
                "INSERT INTO owner (forge_id, native_id, login, display_login, raw_metadata_id) "
                "VALUES (:forge, '11288996', 'pygithub', 'PyGithub', :raw) RETURNING id"
            ),
            {"forge": forge, "raw": raw},
        ).scalar_one()
        lowered = "https://github.com/pygithub/pygithub"
        conn.execute(
            text(
                "INSERT INTO origin (url, swhid_id, forge_id, kind, native_id, owner_id, stars, "
                "extra, raw_metadata_id, last_fetched_at) VALUES (:url, :swhid, :forge, "
                "'repository', '3544490', :owner, 7122, CAST(:extra AS jsonb), :raw, "
                "'2025-01-07T07:32:15Z'), ('https://github.com/nvie/gitflow', :other, :forge, "
                "'repository', NULL, NULL, NULL, '{}', NULL, NULL)"
            ),
            {
                "url": lowered,
                "swhid": origin_swhid_id(lowered),
                "other": origin_swhid_id("https://github.com/nvie/gitflow"),
                "forge": forge,
                "owner": owner,
                "raw": raw,
                "extra": json.dumps(
                    {
                        "is_mirror": True,
                        "fork_source_url": "https://github.com/a/b",
                        "effective_license": {"expression": "LGPL-3.0-only"},
                        "languages": {"snapshot_id": 1, "breakdown": []},
                    }
                ),
            },
        )
    migrations.upgrade(empty_engine, "0008")
    with empty_engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT archive_url, swhid_id, extra, is_mirror, fork_source_url "
                "FROM origin WHERE native_id = '3544490'"
            )
        ).one()
        placeholder = conn.execute(
            text("SELECT archive_url, swhid_id FROM origin WHERE native_id IS NULL")
        ).one()
        periods = conn.execute(
            text("SELECT url, reason, first_seen_at IS NOT NULL FROM origin_alias")
        ).all()
        logins = conn.execute(text("SELECT login, display_login FROM owner_login")).all()
        conn.execute(text("UPDATE origin SET stars = 5000000000"))  # a bigint now
    assert row.archive_url == "https://github.com/PyGithub/PyGithub"
    expected = SWHOrigin(url="https://github.com/PyGithub/PyGithub").swhid()
    assert f"swh:1:ori:{bytes(row.swhid_id).hex()}" == str(expected)
    assert row.extra == {
        "effective_license": {"expression": "LGPL-3.0-only"},
        "languages": {"snapshot_id": 1, "breakdown": []},
    }
    assert (row.is_mirror, row.fork_source_url) == (True, "https://github.com/a/b")
    # known only by reference: no spelling to go by, the canonical URL's SWHID stays
    assert placeholder.archive_url is None
    assert bytes(placeholder.swhid_id) == origin_swhid_id("https://github.com/nvie/gitflow")
    assert periods == [(lowered, "seen", True)]
    assert logins == [("pygithub", "PyGithub")]
    migrations.downgrade(empty_engine, "0007")  # and back, while no URL is shared
    with empty_engine.connect() as conn:
        back = conn.execute(
            text("SELECT extra, swhid_id FROM origin WHERE stars IS NOT NULL")
        ).one()
    assert back.extra["is_mirror"] is True
    assert bytes(back.swhid_id) == origin_swhid_id(lowered)


def test_0011_moves_scan_facts_out_of_origin_extra(empty_engine: Engine) -> None:
    """What scans stored in ``origin.extra`` lands in ``scan_summary`` (the effective
    license on the snapshot it names, or the latest visit's; the languages on the
    snapshot they were counted for), ``extra`` goes, and the downgrade folds it back."""
    import json

    from sqlalchemy import text

    migrations.upgrade(empty_engine, "0010")
    extras = {
        "named": {
            "effective_license": {
                "expression": "MIT",
                "category": "permissive",
                "conflicts": ["a conflict"],
                "basis": "license_file",
                "snapshot_id": 1,
            },
            "languages": {"snapshot_id": 1, "breakdown": [["Python", 2, 40]]},
        },
        "unnamed": {"effective_license": {"expression": None, "category": "unknown"}},
        "languages only": {"languages": {"snapshot_id": 2, "breakdown": []}},
        "forge only": {},
    }
    with empty_engine.begin() as conn:
        conn.execute(
            text("INSERT INTO snapshot (id, sha1_git) VALUES (1, :one), (2, :two)"),
            {"one": b"\1" * 20, "two": b"\2" * 20},
        )
        for n, (_name, extra) in enumerate(extras.items(), start=1):
            conn.execute(
                text(
                    "INSERT INTO origin (id, url, swhid_id, kind, extra) VALUES "
                    "(:id, :url, :swhid, 'repository', CAST(:extra AS jsonb))"
                ),
                {
                    "id": n,
                    "url": f"https://x.org/{n}",
                    "swhid": bytes(20),
                    "extra": json.dumps(extra),
                },
            )
        conn.execute(
            text(
                "INSERT INTO visit (origin_id, visit_type, status, snapshot_id) "
                "VALUES (2, 'git', 'full', 2), (3, 'git', 'full', 2)"
            )
        )
    migrations.upgrade(empty_engine, "0011")
    with empty_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT origin_id, snapshot_id, is_current, license_expression, "
                "license_category, license_conflicts, license_basis, languages "
                "FROM scan_summary ORDER BY origin_id, snapshot_id"
            )
        ).all()
        columns = {c["name"] for c in inspect(conn).get_columns("origin")}
    assert [tuple(r) for r in rows] == [
        (1, 1, True, "MIT", "permissive", ["a conflict"], "license_file", [["Python", 2, 40]]),
        (2, 2, True, None, "unknown", [], None, None),  # the latest visit's snapshot
        (3, 2, True, None, None, [], None, []),
    ]
    assert "extra" not in columns
    migrations.downgrade(empty_engine, "0010")
    with empty_engine.connect() as conn:
        back: dict[int, Any] = {
            row.id: row.extra for row in conn.execute(text("SELECT id, extra FROM origin"))
        }
    assert back[1] == extras["named"]
    assert back[2]["effective_license"]["category"] == "unknown"
    assert back[3] == extras["languages only"]
    assert back[4] == {}
