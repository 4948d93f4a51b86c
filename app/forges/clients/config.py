"""Client configuration: a plain dataclass the service fills from ``app.config.Settings``.

Why not read settings here: the one Settings class belongs to the whole service, and
these clients are also used from scripts and tests with hand-made configurations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.models.enums import ForgeKind

FETCHER_NAME = "codecommons-forge-client"
FETCHER_VERSION = "1"


@dataclass(frozen=True, slots=True)
class ForgeCredential:
    """A token for one forge host.

    GitHub: a token sent as ``Authorization: Bearer``; GitLab: ``PRIVATE-TOKEN``;
    Gitea/Forgejo: ``Authorization: token``; Bitbucket: with ``username`` an app
    password sent as HTTP basic auth, without it an access token sent as Bearer.
    """

    token: str
    username: str | None = None

    def __repr__(self) -> str:  # never print a secret in a log or a traceback
        return f"ForgeCredential(username={self.username!r}, token='***')"


@dataclass(frozen=True, slots=True)
class ForgeInstance:
    """A self-hosted forge: which software it runs, and its API root when not the default.

    Public hosts (github.com, gitlab.com, codeberg.org, gitea.com, bitbucket.org, the
    registries) are known without configuration. Defaults for ``api_base``: GitHub
    Enterprise ``https://HOST/api/v3``, GitLab ``https://HOST/api/v4``, Gitea/Forgejo
    ``https://HOST/api/v1``.
    """

    host: str
    kind: ForgeKind
    api_base: str | None = None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything the forge clients need; every field has a working default."""

    contact: str | None = None
    """A URL or e-mail put in the User-Agent (crates.io requires one, GitHub asks for one)."""
    credentials: Mapping[str, ForgeCredential] = field(default_factory=dict)
    """Tokens by forge host (``github.com``, ``gitlab.com``, ``codeberg.org``...)."""
    instances: tuple[ForgeInstance, ...] = ()
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 10.0
    per_page: int = 100
    """Entries per page asked for (clamped to each forge's maximum)."""
    max_pages: int = 10
    """Pages fetched per listing and call; the rest waits for the next run."""
    max_attempts: int = 3
    """Tries per request in-process for transient errors before TransientFetchError."""
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    """In-process waits stay short: longer waits belong to Celery's countdown."""
    budget_reserve: int = 0
    """Requests per window kept back by the shared budget (for interactive callers)."""
    rate_limit_pause_seconds: float = 60.0
    """Pause after a rate-limit refusal that says neither Retry-After nor a reset time."""

    @property
    def user_agent(self) -> str:
        suffix = f" (+{self.contact})" if self.contact else ""
        return f"{FETCHER_NAME}/{FETCHER_VERSION}{suffix}"

    def credential_for(self, host: str) -> ForgeCredential | None:
        return self.credentials.get(host.strip().lower())

    def instance_for(self, host: str) -> ForgeInstance | None:
        host = host.strip().lower()
        return next((i for i in self.instances if i.host.strip().lower() == host), None)
