"""Property: a build never holds a content that an opt-out in force covers for the
build's purpose, and never loses one that no such opt-out covers.

Hypothesis draws opt-outs of every scope (account, origin, path, content, author),
every purpose rule (reservations with and without ``unless``, allows that refine a
reservation), every state (verified, pending, refused, withdrawn) and exceptions
(origin, path, content), plus the dataset's purpose; the test builds the dataset
with the real builder and compares its manifest with an oracle written here in plain
Python, occurrence by occurrence. The exclusion root the build publishes must be the
RFC 9162 root over exactly the SWHIDs the opt-outs removed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.datasets.builder import run_build
from app.datasets.merkle import leaf_of, root_of
from app.datasets.schemas import BuildIn
from app.datasets.service import submit_build
from app.kit.db import UnitOfWork
from app.models import (
    DatasetManifest,
    OptoutException,
    OptoutIdentity,
    OptoutRequest,
    OwnerLogin,
    Revision,
)
from app.models.enums import OwnerKind
from app.optouts import registry, service
from app.optouts.identity import email_hash
from app.optouts.purposes import Modifier, Purpose, Rule, Statement, Use, covers
from app.optouts.registry import EventKind
from app.optouts.scopes import glob_to_regex, path_matches
from tests import factories as f
from tests.datasets.conftest import make_dataset

SECRET = "property-secret"
NOW = datetime(2026, 6, 1, tzinfo=UTC)

# origin -> owner login; "legacy" is owned by an account the forge gave no id for,
# under a login alice held before her rename.
ORIGINS = {
    "alice/tools": "alice",
    "alice/site": "alice",
    "acme/lib": "acme",
    "bob/fork": "bob",
    "legacy/old": "alice-old",
}
OWNERS = {  # login -> (native id, kind)
    "alice": ("101", OwnerKind.USER),
    "acme": ("201", OwnerKind.ORGANIZATION),
    "bob": ("301", OwnerKind.USER),
    "alice-old": (None, OwnerKind.USER),
}
AUTHORS = {"alice": "alice@example.org", "bob": "bob@example.org"}
# (origin, path, content, revision author or None)
OCCURRENCES = [
    ("alice/tools", "src/util.py", "util", "alice"),
    ("alice/tools", "src/main.py", "main", "alice"),
    ("alice/tools", "tests/test_util.py", "test_util", "alice"),
    ("alice/tools", "docs/guide.md", "guide", None),
    ("alice/site", "index.py", "index", "alice"),
    ("acme/lib", "lib/core.py", "core", None),
    ("acme/lib", "lib/deep/tests/test_core.py", "test_core", None),
    ("acme/lib", "src/util.py", "util", None),
    ("bob/fork", "src/util.py", "util", "bob"),
    ("bob/fork", "src/bob.py", "bob", "bob"),
    ("legacy/old", "old.py", "old", None),
    ("legacy/old", "docs/readme.py", "readme", "bob"),
]
CONTENTS = sorted({o[2] for o in OCCURRENCES})
PATTERNS = ["src/**", "*.py", "docs/", "**/test_*.py", "lib/*", "src/util.py"]


@dataclass
class Corpus:
    origins: dict[str, Any] = field(default_factory=dict)
    owners: dict[str, Any] = field(default_factory=dict)
    contents: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def corpus(db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[Corpus]:
    monkeypatch.setattr("app.kit.queue.send_now", lambda *a: None)
    monkeypatch.setenv("OPTOUTS_SECRET", SECRET)
    get_settings.cache_clear()
    f.bind(db)
    c = Corpus()
    for login, (native, kind) in OWNERS.items():
        c.owners[login] = f.OwnerFactory(login=login, native_id=native, kind=kind)
    # alice was "alice-old" before her rename.
    db.add(OwnerLogin(owner_id=c.owners["alice"].id, login="alice-old", display_login="alice-old"))
    revisions: dict[str, Revision] = {}
    for name, address in AUTHORS.items():
        rev = Revision(
            sha1_git=bytes([len(revisions) + 1]) * 20,
            directory=bytes(20),
            author=f"{name.title()} <{address}>".encode(),
        )
        db.add(rev)
        db.flush()
        revisions[name] = rev
    snapshots = {}
    for full_name, owner in ORIGINS.items():
        origin = f.OriginFactory(full_name=full_name, owner_id=c.owners[owner].id)
        snapshot = f.SnapshotFactory()
        f.VisitFactory(origin_id=origin.id, snapshot_id=snapshot.id, date=NOW - timedelta(days=1))
        c.origins[full_name] = origin
        snapshots[full_name] = snapshot
    for key in CONTENTS:
        content = f.ContentFactory(data=f"# {key}\nprint({key!r})\n".encode())
        f.ContentFactFactory(content_id=content.id, language="Python")
        c.contents[key] = content
    for origin, path, key, author in OCCURRENCES:
        f.PathOccurrenceFactory(
            content_id=c.contents[key].id,
            origin_id=c.origins[origin].id,
            snapshot_id=snapshots[origin].id,
            revision_id=revisions[author].id if author else None,
            path=path.encode(),
        )
    db.flush()
    yield c
    get_settings.cache_clear()


# --- what hypothesis draws -----------------------------------------------------------

uses = st.sampled_from(list(Use))
modifier_sets = st.frozensets(st.sampled_from(list(Modifier)), max_size=2)
purposes = st.builds(Purpose, uses, modifier_sets)
reservations = st.builds(lambda u, m: Rule(u, False, m), uses, modifier_sets)
allows = st.builds(lambda u: Rule(u, True), uses)
rule_lists = st.tuples(reservations, st.lists(st.one_of(reservations, allows), max_size=2)).map(
    lambda t: [t[0], *t[1]]
)


@st.composite
def scopes(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["account", "origin", "path", "content", "author"]))
    if kind == "account":
        return {"kind": kind, "account": draw(st.sampled_from(["alice", "acme", "bob"]))}
    if kind == "origin":
        return {"kind": kind, "origin": draw(st.sampled_from(list(ORIGINS)))}
    if kind == "path":
        return {
            "kind": kind,
            "origin": draw(st.sampled_from(list(ORIGINS))),
            "pattern": draw(st.sampled_from(PATTERNS)),
        }
    if kind == "content":
        return {"kind": kind, "content": draw(st.sampled_from(CONTENTS))}
    return {"kind": kind, "author": draw(st.sampled_from(list(AUTHORS)))}


exceptions = st.one_of(
    st.builds(lambda o: {"origin": o}, st.sampled_from(list(ORIGINS))),
    st.builds(
        lambda o, p: {"origin": o, "pattern": p},
        st.sampled_from(list(ORIGINS)),
        st.sampled_from(PATTERNS),
    ),
    st.builds(lambda c: {"content": c}, st.sampled_from(CONTENTS)),
)
optouts = st.fixed_dictionaries(
    {
        "scope": scopes(),
        "rules": rule_lists,
        "state": st.sampled_from(["active", "active", "pending", "refused", "withdrawn"]),
        "exceptions": st.lists(exceptions, max_size=2),
    }
)


# --- the oracle ----------------------------------------------------------------------


def _in_scope(optout: dict[str, Any], origin: str, path: str, key: str, author: str | None) -> bool:
    scope = optout["scope"]
    kind = scope["kind"]
    if kind == "content":
        return bool(key == scope["content"])  # a content scope has no exceptions
    if kind == "account":
        owner = ORIGINS[origin]
        hit = owner == scope["account"] or (scope["account"] == "alice" and owner == "alice-old")
    elif kind == "origin":
        hit = origin == scope["origin"]
    elif kind == "path":
        hit = origin == scope["origin"] and path_matches(
            glob_to_regex(scope["pattern"]), path.encode()
        )
    else:
        hit = author is not None and author == scope["author"]
    if not hit:
        return False
    for exc in optout["exceptions"]:
        if "content" in exc and exc["content"] == key:
            return False
        if (
            "origin" in exc
            and exc["origin"] == origin
            and ("pattern" not in exc or path_matches(glob_to_regex(exc["pattern"]), path.encode()))
        ):
            return False
    return True


def expected_excluded(optouts: list[dict[str, Any]], purpose: Purpose) -> set[str]:
    """Contents with ANY occurrence in the scope of an active opt-out covering the
    purpose (a disallow wins: one covering opt-out is enough)."""
    out = set()
    for optout in optouts:
        if optout["state"] != "active":
            continue
        if not covers(Statement(tuple(optout["rules"])), purpose):
            continue
        for origin, path, key, author in OCCURRENCES:
            if _in_scope(optout, origin, path, key, author):
                out.add(key)
    return out


# --- filing them in the registry -----------------------------------------------------


def file_optout(db: Session, corpus: Corpus, optout: dict[str, Any], n: int) -> None:
    scope = optout["scope"]
    kind = scope["kind"]
    statement = Statement(tuple(optout["rules"]))
    request = OptoutRequest(
        public_id=f"prop-{n}",
        scope_kind=kind,
        rules=[r.canonical() for r in statement.rules],
        method="operator",
        status="pending",
        evidence={},
    )
    if kind == "account":
        owner = corpus.owners[scope["account"]]
        request.forge, request.account_id, request.account_login = (
            "github.com",
            owner.native_id,
            owner.login,
        )
    elif kind in ("origin", "path"):
        request.origin_id = corpus.origins[scope["origin"]].id
        if kind == "path":
            request.path_pattern = scope["pattern"]
            request.path_regex = glob_to_regex(scope["pattern"])
    elif kind == "content":
        request.content_sha1_git = corpus.contents[scope["content"]].sha1_git
    db.add(request)
    db.flush()
    if kind == "author":
        db.add(
            OptoutIdentity(
                request_id=request.id, email_hash=email_hash(AUTHORS[scope["author"]], SECRET)
            )
        )
    if kind != "content":
        for exc in optout["exceptions"]:
            row = OptoutException(request_id=request.id)
            if "content" in exc:
                row.content_sha1_git = corpus.contents[exc["content"]].sha1_git
            else:
                row.origin_id = corpus.origins[exc["origin"]].id
                if "pattern" in exc:
                    row.path_pattern = exc["pattern"]
                    row.path_regex = glob_to_regex(exc["pattern"])
            db.add(row)
    db.flush()
    registry.append(db, kind=EventKind.REQUESTED, actor="test", request=request)
    state = optout["state"]
    if state in ("active", "withdrawn"):
        service.activate(db, request, kind=EventKind.OPERATOR_APPROVED, actor="test")
    if state == "withdrawn":
        service.withdraw_request(db, request, kind=EventKind.WITHDRAWN, actor="test", reason=None)
    if state == "refused":
        service.refuse(db, request, kind=EventKind.REFUSED, actor="test", reason="no")


counter = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(optouts, max_size=4), purpose=purposes)
def test_builds_honour_every_optout_in_force_and_nothing_else(
    db: Session, corpus: Corpus, drawn: list[dict[str, Any]], purpose: Purpose
) -> None:
    savepoint = db.begin_nested()
    try:
        for optout in drawn:
            file_optout(db, corpus, optout, next(counter))
        dataset = make_dataset(db, f"prop-{next(counter)}", {}, purpose=purpose.canonical())
        build, _ = submit_build(UnitOfWork(db), str(dataset.id), BuildIn())
        run_build(db, build.id)
        db.refresh(build)
        shas = set(
            db.scalars(
                select(DatasetManifest.sha1_git).where(DatasetManifest.build_id == build.id)
            ).all()
        )
        by_sha = {bytes(c.sha1_git): k for k, c in corpus.contents.items()}
        kept = {by_sha[bytes(s)] for s in shas}
        excluded = expected_excluded(drawn, purpose)
        assert build.optout_registry_version == registry.current_version(db)
        # No opted-out content in the manifest; nothing else removed.
        assert kept == set(CONTENTS) - excluded, (kept, excluded)
        funnel = {s["step"]: s for s in build.funnel}
        assert funnel["opt_out"]["removed"] == len(excluded)
        # The published exclusion root is over exactly those SWHIDs.
        leaves = sorted(leaf_of(bytes(corpus.contents[k].sha1_git)) for k in excluded)
        assert build.optout_excluded_count == len(excluded)
        assert build.optout_excluded_root == root_of(leaves)
    finally:
        savepoint.rollback()
