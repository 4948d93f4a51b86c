"""Scopes resolved to contents in the real database: every scope kind, exceptions,
purposes, versions, withdrawals, and the per-scope explanation."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.db import UnitOfWork
from app.kit.swhid import ObjectType, format_swhid
from app.optouts import registry, resolution, service
from app.optouts.schemas import ExceptionIn, ScopeIn
from tests.optouts.conftest import SECRET, World

OP = "operator:test"


def opt_out(
    uow: UnitOfWork,
    settings: Settings,
    scope: dict[str, str],
    purposes: list[str] | None = None,
    exceptions: list[dict[str, str]] | None = None,
) -> str:
    created = service.create_by_operator(
        uow,
        settings,
        OP,
        ScopeIn(**scope),
        purposes or ["any"],
        [ExceptionIn(**e) for e in exceptions or []],
        "test",
    )
    return created.request.public_id


def excluded(session: Session, purpose: str, version: int | None = None) -> set[int]:
    version = registry.current_version(session) if version is None else version
    resolution.refresh_author_index(session, SECRET)
    return resolution.excluded_ids(session, resolution.exclusion_query(session, purpose, version))


def url(world: World, name: str) -> str:
    return world.origins[name].url


def test_origin_scope_excludes_its_files_and_their_copies(world, uow, db, optout_settings):
    opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "alice/tools")})
    # util.py also occurs in bob's fork: the bytes are alice's, they leave too.
    assert excluded(db, "pre-training") == world.ids("util", "main", "test_util", "six")


def test_path_scope_matches_the_glob(world, uow, db, optout_settings):
    opt_out(
        uow,
        optout_settings,
        {"kind": "path", "origin_url": url(world, "alice/tools"), "pattern": "src/**"},
    )
    assert excluded(db, "fine-tuning") == world.ids("util", "main")


def test_content_scope_excludes_the_file_wherever_it_occurs(world, uow, db, optout_settings):
    swhid = format_swhid(ObjectType.CONTENT, world.contents["util"].sha1_git)
    opt_out(
        uow,
        optout_settings,
        {"kind": "content", "swhid": swhid, "origin_url": url(world, "alice/tools")},
    )
    assert excluded(db, "evaluation") == world.ids("util")


def test_account_scope_covers_every_origin_of_the_account_by_stable_id(
    world, uow, db, optout_settings
):
    opt_out(uow, optout_settings, {"kind": "account", "forge": "github.com", "login": "alice"})
    expected = world.ids("util", "main", "test_util", "six", "index")
    assert excluded(db, "search") == expected
    # A rename keeps the stable id: the opt-out follows the account, not the login.
    world.owners["alice"].login = "alice-renamed"
    db.flush()
    assert excluded(db, "search") == expected
    # A repository created later is covered too.
    new = world.origins["alice/new"] = __import__("tests.factories").factories.OriginFactory(
        full_name="alice-renamed/new", owner_id=world.owners["alice"].id
    )
    assert new.id
    world.put("alice/new", "new.py", "brand-new")
    assert excluded(db, "search") == expected | world.ids("brand-new")


def test_account_exception_leaves_one_origin_in(world, uow, db, optout_settings):
    opt_out(
        uow,
        optout_settings,
        {"kind": "account", "forge": "github.com", "login": "alice"},
        exceptions=[{"origin_url": url(world, "alice/tools")}],
    )
    assert excluded(db, "search") == world.ids("index")


def test_path_exceptions_inside_an_origin(world, uow, db, optout_settings):
    opt_out(
        uow,
        optout_settings,
        {"kind": "origin", "origin_url": url(world, "alice/tools")},
        exceptions=[{"pattern": "vendor/"}, {"pattern": "**/test_*.py"}],
    )
    assert excluded(db, "search") == world.ids("util", "main")


def test_author_by_email_finds_the_revisions_files(world, uow, db, optout_settings):
    opt_out(uow, optout_settings, {"kind": "author", "email": " alice@EXAMPLE.org "})
    assert excluded(db, "retrieval") == world.ids("util", "main", "test_util", "six")
    # The address itself is stored nowhere in clear.
    rows = db.execute(text("SELECT email_hash FROM optout_identity")).scalars().all()
    assert len(rows) == 1
    assert b"alice" not in bytes(rows[0])


def test_author_by_forge_account_uses_the_forge_commit_addresses(world, uow, db, optout_settings):
    opt_out(uow, optout_settings, {"kind": "author", "forge": "github.com", "login": "alice"})
    assert excluded(db, "retrieval") == world.ids("index")


def test_purposes_decide_which_opt_outs_apply(world, uow, db, optout_settings):
    opt_out(
        uow,
        optout_settings,
        {"kind": "origin", "origin_url": url(world, "acme/lib")},
        purposes=["ai-training;unless=open-weights-only"],
    )
    core_guide = world.ids("core", "guide")
    assert excluded(db, "pre-training") == core_guide
    assert excluded(db, "fine-tuning;research-only") == core_guide
    assert excluded(db, "pre-training;open-weights-only") == set()
    assert excluded(db, "evaluation") == set()
    assert excluded(db, "search") == set()


def test_versions_withdrawal_and_newly_excluded(world, uow, db, optout_settings):
    v0 = registry.current_version(db)
    first = opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "acme/lib")})
    v1 = registry.current_version(db)
    opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "bob/fork")})
    v2 = registry.current_version(db)
    assert v0 < v1 < v2
    assert excluded(db, "pre-training", v0) == set()
    assert excluded(db, "pre-training", v1) == world.ids("core", "guide")
    assert excluded(db, "pre-training", v2) == world.ids("core", "guide", "util", "bob")
    newly = resolution.newly_excluded_query(db, "pre-training", v1, v2)
    assert resolution.excluded_ids(db, newly) == world.ids("util", "bob")
    service.withdraw(uow, first, None, OP, "the author opted back in")
    v3 = registry.current_version(db)
    assert excluded(db, "pre-training", v3) == world.ids("util", "bob")
    # History does not change: a build at v2 is still reproduced exactly.
    assert excluded(db, "pre-training", v2) == world.ids("core", "guide", "util", "bob")


def test_materialize_counts_per_scope(world, uow, db, optout_settings):
    a = opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "alice/tools")})
    b = opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "bob/fork")})
    result = resolution.materialize(db, "pre-training", registry.current_version(db), secret=SECRET)
    assert result.total == 5  # util is in both; counted once in the total
    by_request = {e.request: e.contents for e in result.explanations}
    assert by_request == {a: 4, b: 2}
    rows = set(db.execute(text("SELECT content_id FROM optout_excluded")).scalars())
    assert rows == world.ids("util", "main", "test_util", "six", "bob")


def test_exclusion_sql_composes_into_an_insert_select(world, uow, db, optout_settings):
    opt_out(uow, optout_settings, {"kind": "origin", "origin_url": url(world, "acme/lib")})
    query = resolution.exclusion_query(db, "pre-training", registry.current_version(db))
    db.execute(text("CREATE TEMPORARY TABLE manifest (content_id bigint) ON COMMIT DROP"))
    db.execute(
        text(
            "INSERT INTO manifest SELECT c.id FROM content c WHERE NOT EXISTS "
            f"(SELECT 1 FROM ({query.sql}) x WHERE x.content_id = c.id)"
        ),
        query.params,
    )
    kept = set(db.execute(text("SELECT content_id FROM manifest")).scalars())
    everything = {c.id for c in world.contents.values()}
    assert kept == everything - world.ids("core", "guide")


def test_pending_requests_never_take_effect(world, uow, db, optout_settings):
    from app.optouts.schemas import OptoutIn

    service.create(
        uow,
        optout_settings,
        OptoutIn(
            scope=ScopeIn(kind="origin", origin_url=url(world, "alice/tools")),
            method="proof-file",
        ),
    )
    assert excluded(db, "pre-training") == set()


@pytest.mark.parametrize(
    ("pattern", "paths"),
    [
        ("src/**", {"src/util.py", "src/main.py"}),
        ("**/*.py", {"src/util.py", "src/main.py", "tests/test_util.py", "vendor/six.py"}),
        ("*.py", set()),
        ("src/*.py", {"src/util.py", "src/main.py"}),
        ("vendor/", {"vendor/six.py"}),
        ("/tests/test_????.py", {"tests/test_util.py"}),
        ("/tests/test_?????.py", set()),
        ("src/**/util.py", {"src/util.py"}),
        ("**", {"src/util.py", "src/main.py", "tests/test_util.py", "vendor/six.py"}),
    ],
)
def test_database_and_python_agree_on_globs(world, db, pattern, paths):
    from app.optouts.scopes import glob_to_regex, path_matches

    regex = glob_to_regex(pattern)
    rows = db.execute(
        text(
            "SELECT path FROM path_occurrence WHERE origin_id = :o AND encode(path, 'escape') ~ :r"
        ),
        {"o": world.origins["alice/tools"].id, "r": regex},
    ).scalars()
    in_db = {bytes(p).decode() for p in rows}
    assert in_db == paths
    all_paths = [b"src/util.py", b"src/main.py", b"tests/test_util.py", b"vendor/six.py"]
    assert {p.decode() for p in all_paths if path_matches(regex, p)} == paths
