"""Keys and who presents them.

Three scopes, each including the ones before it: ``read`` (a known caller: higher
rate and GraphQL cost budgets), ``submit`` (start jobs, create and build datasets,
imports, scans, fetches), ``admin`` (operator decisions on opt-outs, registry
checks, personal data in full: e-mail addresses in git identities and raw payloads).

Where keys come from:

* the ``api_key`` table (``codecommons keys create``): the caller is ``key:<name>``;
* ``API_KEYS`` and ``OPTOUTS_ADMIN_KEYS`` (settings, kept for compatibility): admin
  keys, named ``config:<fingerprint>`` (the first 12 hex digits of the key's SHA-256,
  the name the opt-out event log has always used for operators).

A caller is never named by its key: the name is what jobs record as ``requested_by``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.keys import repository
from app.models import ApiKey

#: Every key we issue starts with this (opt-out request tokens start with ``cco_``).
KEY_PREFIX = "cck_"


class Scope(StrEnum):
    READ = "read"
    SUBMIT = "submit"
    ADMIN = "admin"


RANK = {Scope.READ: 0, Scope.SUBMIT: 1, Scope.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is: a name (safe to show and store) and what it may do."""

    name: str
    scopes: frozenset[Scope]
    key_id: int | None = None

    def can(self, scope: Scope) -> bool:
        """A scope includes the ones below it (admin can submit, submit can read)."""
        return any(RANK[held] >= RANK[scope] for held in self.scopes)

    @property
    def is_admin(self) -> bool:
        return self.can(Scope.ADMIN)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(key: str) -> str:
    return hash_key(key)[:12]


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def parse_scopes(names: list[str]) -> list[str]:
    """Validated scope names, in rank order; raises ValueError on an unknown one."""
    scopes = {Scope(name.strip().lower()) for name in names if name.strip()}
    if not scopes:
        raise ValueError("give at least one scope: read, submit or admin")
    return [s.value for s in sorted(scopes, key=RANK.__getitem__)]


def create(session: Session, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key; the secret is returned once and only its hash is stored."""
    name = name.strip()
    if not name:
        raise ValueError("a key needs a name")
    if repository.by_name(session, name) is not None:
        raise ValueError(f"a key named {name!r} exists already")
    secret = new_key()
    row = repository.add(session, name, hash_key(secret), secret[:10], parse_scopes(scopes))
    return row, secret


def revoke(session: Session, name: str) -> ApiKey:
    row = repository.by_name(session, name)
    if row is None:
        raise ValueError(f"no key named {name!r}")
    repository.revoke(session, row)
    return row


def configured(presented: str, settings: Settings) -> Principal | None:
    """A key from the settings (``API_KEYS``, ``OPTOUTS_ADMIN_KEYS``): admin.

    Constant-time comparisons, so the time taken says nothing about the keys."""
    match = None
    for key in [*settings.api_keys, *settings.optouts_admin_keys]:
        secret = key.get_secret_value()
        if secrets.compare_digest(presented.encode(), secret.encode()):
            match = secret
    if match is None:
        return None
    return Principal(name="config:" + fingerprint(match), scopes=frozenset({Scope.ADMIN}))


def resolve(session: Session | None, presented: str | None, settings: Settings) -> Principal | None:
    """The caller a presented key names, or None when it names no live key.

    A key is looked up by its hash (an index probe; the hash of a random 256-bit
    token leaks nothing through timing)."""
    if not presented:
        return None
    found = configured(presented, settings)
    if found is not None or session is None:
        return found
    row = repository.by_hash(session, hash_key(presented))
    if row is None:
        return None
    return Principal(
        name=f"key:{row.name}",
        scopes=frozenset(Scope(s) for s in row.scopes),
        key_id=row.id,
    )


class KnownKeyHashes:
    """The rate limiter's view of which keys exist: :func:`app.kit.ratelimit.hash_api_key`
    of every configured key and every live key of the table.

    The limiter runs before any route, on every request; rather than a database
    probe per request it keeps the set for ``ttl`` seconds (a new key is counted as
    anonymous, and a revoked one as a key, for at most that long; authentication
    itself always asks the database)."""

    def __init__(
        self,
        settings: Settings,
        factory: Callable[[], sessionmaker[Session] | None],
        *,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._factory = factory
        self._ttl = ttl
        self._clock = clock
        self._cached: frozenset[str] = frozenset()
        self._at: float | None = None

    def __call__(self) -> frozenset[str]:
        now = self._clock()
        if self._at is None or now - self._at > self._ttl:
            configured = [*self._settings.api_keys, *self._settings.optouts_admin_keys]
            found = {hash_key(k.get_secret_value())[:32] for k in configured}
            factory = self._factory()
            if factory is not None:
                try:
                    with factory() as session:
                        found.update(h[:32] for h in repository.live_hashes(session))
                except SQLAlchemyError:  # the database is down: keys count as anonymous
                    pass
            self._cached, self._at = frozenset(found), now
        return self._cached


LOCAL_KEY_NAME = "local"


def ensure_local_key(session: Session, path: Path, settings: Settings) -> tuple[str, bool]:
    """The embedded mode's own admin key: the one kept in ``path`` while it is still
    live, else a new one written there (owner-only permissions). Returns (key,
    created). What ``codecommons run`` gives a new user so every write can be tried
    without configuring anything."""
    if path.is_file():
        kept = path.read_text().strip()
        if kept and resolve(session, kept, settings) is not None:
            return kept, False
    name, n = LOCAL_KEY_NAME, 1
    while repository.by_name(session, name) is not None:
        n += 1
        name = f"{LOCAL_KEY_NAME}-{n}"
    _, secret = create(session, name, [Scope.ADMIN.value])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    os.chmod(path, 0o600)
    return secret, True
