"""A small archive to opt out of: accounts, origins, files, revisions with authors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.kit.db import UnitOfWork
from app.models import Content, Origin, Owner, PathOccurrence, Revision
from app.models.enums import OwnerKind
from tests import factories

SECRET = "test-optouts-secret"
OPERATOR_KEY = "test-operator-key"


@pytest.fixture
def optout_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("OPTOUTS_SECRET", SECRET)
    monkeypatch.setenv("OPTOUTS_ADMIN_KEYS", OPERATOR_KEY)
    monkeypatch.setenv("OPTOUTS_REQUESTS_PER_MINUTE", "1000")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def operator() -> dict[str, str]:
    return {"Authorization": f"Bearer {OPERATOR_KEY}"}


@dataclass
class World:
    session: Session
    owners: dict[str, Owner] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    contents: dict[str, Content] = field(default_factory=dict)
    revisions: dict[str, Revision] = field(default_factory=dict)

    def content(self, name: str) -> Content:
        if name not in self.contents:
            self.contents[name] = factories.ContentFactory(data=f"# {name}\n".encode())
        return self.contents[name]

    def revision(self, name: str, author: bytes) -> Revision:
        if name not in self.revisions:
            rev = Revision(
                sha1_git=hashlib.sha1(name.encode()).digest(),  # noqa: S324
                directory=bytes(20),
                author=author,
            )
            self.session.add(rev)
            self.session.flush()
            self.revisions[name] = rev
        return self.revisions[name]

    def put(
        self, origin: str, path: str, content: str, revision: Revision | None = None
    ) -> PathOccurrence:
        o = self.origins[origin]
        snapshot = getattr(o, "_test_snapshot", None)
        if snapshot is None:
            snapshot = factories.SnapshotFactory()
            o._test_snapshot = snapshot  # type: ignore[attr-defined]
        occurrence = PathOccurrence(
            content_id=self.content(content).id,
            origin_id=o.id,
            snapshot_id=snapshot.id,
            revision_id=revision.id if revision else None,
            path=path.encode(),
        )
        self.session.add(occurrence)
        self.session.flush()
        return occurrence

    def ids(self, *names: str) -> set[int]:
        return {self.contents[n].id for n in names}


def build_world(session: Session) -> World:
    """alice (user 101) owns tools and site; acme (org 201) owns lib and .github;
    bob (user 301) owns a fork holding a copy of alice's util.py."""
    factories.bind(session)
    w = World(session)
    for login, native, kind in (
        ("alice", "101", OwnerKind.USER),
        ("acme", "201", OwnerKind.ORGANIZATION),
        ("bob", "301", OwnerKind.USER),
    ):
        w.owners[login] = factories.OwnerFactory(login=login, native_id=native, kind=kind)
    for full_name, owner in (
        ("alice/tools", "alice"),
        ("alice/site", "alice"),
        ("acme/lib", "acme"),
        ("acme/.github", "acme"),
        ("bob/fork", "bob"),
    ):
        w.origins[full_name] = factories.OriginFactory(
            full_name=full_name, owner_id=w.owners[owner].id
        )
    alice_rev = w.revision("alice-head", b"Alice <Alice@Example.org>")
    bob_rev = w.revision("bob-head", b"Bob <bob@example.org>")
    noreply = w.revision("alice-noreply", b"Alice <101+alice@users.noreply.github.com>")
    w.put("alice/tools", "src/util.py", "util", alice_rev)
    w.put("alice/tools", "src/main.py", "main", alice_rev)
    w.put("alice/tools", "tests/test_util.py", "test_util", alice_rev)
    w.put("alice/tools", "vendor/six.py", "six", alice_rev)
    w.put("alice/site", "index.md", "index", noreply)
    w.put("acme/lib", "lib/core.py", "core")
    w.put("acme/lib", "docs/guide.md", "guide")
    w.put("bob/fork", "src/util.py", "util", bob_rev)
    w.put("bob/fork", "src/bob.py", "bob", bob_rev)
    w.put("acme/.github", "profile/README.md", "profile")
    return w


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


@pytest.fixture
def uow(db: Session) -> UnitOfWork:
    return UnitOfWork(db)


def as_dict(obj: Any) -> dict[str, Any]:
    return dict(obj.__dict__)
