"""The one settings class of the service.

Every process (API, worker, beat, CLI) reads its configuration here and nowhere else,
from environment variables and an optional ``.env`` file. A setting left unset keeps a
working default for the embedded all-in-one mode; production passes URLs explicitly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REDIS_SCHEMES = ("redis://", "rediss://", "redis+socket://")
EMBEDDED_ENV_FILE = ".codecommons/embedded.env"


class Settings(BaseSettings):
    """Configuration, named after the environment variables that set it."""

    model_config = SettingsConfigDict(
        # `codecommons run` writes the embedded servers' URLs to the first file while it
        # runs, so other commands started from the same folder find them; .env wins.
        env_file=(EMBEDDED_ENV_FILE, ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: `codecommons run` starts an embedded server.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (Celery broker, result store, rate-limit counters).",
    )
    data_dir: Path = Field(
        default=Path(".codecommons"),
        description="Where the embedded PostgreSQL and Redis keep their data.",
    )
    uploads_dir: Path | None = Field(
        default=None,
        description="Where uploaded dumps wait for their import job (default: "
        "DATA_DIR/imports); the API and the workers must share it.",
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated API keys accepted for write endpoints.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    load_demo: bool = Field(
        default=True, description="Load the demo corpus on the first embedded start."
    )
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    db_pool_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds a request waits for a free database connection before it is "
        "told to retry (503) rather than queued further.",
    )
    worker_concurrency: int = Field(default=2, ge=1, le=64)
    # Job leases (app.jobs.lease): a running job renews its lease every quarter of
    # this; the reaper re-sends a running job only once its lease has lapsed.
    job_lease_seconds: float = Field(
        default=60.0,
        ge=0.5,
        le=3600,
        description="Seconds a running job's lease lasts unless its heartbeat renews it.",
    )
    job_reaper_seconds: float = Field(
        default=60.0, gt=0, description="How often beat runs the reaper of lapsed jobs."
    )
    job_queued_stale_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A job still queued after this long is sent again (its send was lost).",
    )
    # Live fetching from forges and registries (app.forges.clients).
    forge_contact: str | None = Field(
        default=None, description="URL or e-mail for the User-Agent (crates.io asks for one)."
    )
    github_token: SecretStr | None = None
    gitlab_token: SecretStr | None = None
    codeberg_token: SecretStr | None = None
    gitea_token: SecretStr | None = None
    bitbucket_username: str | None = None
    bitbucket_app_password: SecretStr | None = None
    forge_instances: list[dict[str, str]] = Field(
        default_factory=list,
        description='Self-hosted forges, JSON: [{"host": "git.example.org", "kind": "gitlab"}]',
    )
    forge_timeout_seconds: float = Field(default=30.0, gt=0)
    forge_max_pages: int = Field(default=10, ge=1, le=1000)
    rate_limit_enabled: bool = Field(
        default=True, description="Count requests per client in Redis."
    )
    rate_limit_anonymous_per_minute: int = Field(
        default=120, ge=1, description="Requests per minute per client IP without an API key."
    )
    rate_limit_key_per_minute: int = Field(
        default=1200, ge=1, description="Requests per minute per configured API key."
    )
    graphql_max_cost_anonymous: int = Field(
        default=10_000,
        ge=1,
        description="Largest GraphQL query cost (fields, times page sizes) without an API key.",
    )
    graphql_max_cost_key: int = Field(
        default=100_000, ge=1, description="Largest GraphQL query cost with an API key."
    )
    behind_proxy: bool = Field(
        default=False,
        description="Trust the rightmost X-Forwarded-For entry (only behind your own proxy).",
    )
    scan_max_file_size: int = Field(
        default=10 * 1024 * 1024,
        ge=0,
        description="Files larger than this get identifiers and flags but no text analysis.",
    )
    # Content storage (app.storage): scanned files' bytes in swh.objstorage.
    content_storage_enabled: bool = Field(
        default=True, description="Keep scanned files' bytes in the object storage."
    )
    content_storage: dict[str, Any] | None = Field(
        default=None,
        description="swh.objstorage configuration, JSON (any backend it supports), e.g. "
        '{"cls": "pathslicing", "root": "/srv/objects", "slicing": "0:2/2:4/4:6"}. '
        "Unset: a path-sliced store under DATA_DIR/objects.",
    )
    content_storage_max_size: int = Field(
        default=1024 * 1024,
        ge=0,
        description="Bytes; larger files are archived by their hashes only (exports list "
        "them by SWHID as missing).",
    )
    scan_batch_files: int = Field(
        default=2000,
        ge=1,
        le=100_000,
        description="Files a scan writes and analyses per transaction (its resume step).",
    )
    import_batch_lines: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Dump lines an import applies per transaction (its resume step).",
    )
    scan_local_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated folders whose contents submitted scans may read "
        "(none: submitted scans take URLs only). `codecommons scan` is not limited.",
    )
    scan_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts submitted scans may clone from even though "
        "they resolve to non-public addresses (an internal forge).",
    )
    refresh_batch: int = Field(
        default=100, ge=0, description="Origins beat sends for refresh per run (oldest first)."
    )
    beat_refresh_seconds: float = Field(default=3600.0, gt=0)
    # Opt-outs (app.optouts).
    optouts_secret: SecretStr | None = Field(
        default=None,
        description="Key of the keyed hash (HMAC-SHA256) under which e-mail addresses are "
        "stored; needed for author opt-outs. Changing it orphans stored hashes.",
    )
    optouts_admin_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated operator keys for opt-out decisions (app.optouts.auth).",
    )
    optouts_token_failures_per_minute: int = Field(
        default=10,
        ge=1,
        description="Failed requester-token checks (a cco_... token that opens no request: "
        "token guessing) one address may make per minute on the opt-out views that take "
        "one; beyond, 429 before the token is checked (app.optouts.tokenguard).",
    )
    optouts_requests_per_minute: int = Field(
        default=5,
        ge=1,
        description="Opt-out requests one requester (the identity behind their token, "
        "their API key, else their address) may make per minute.",
    )
    optouts_queue: str = Field(
        default="celery", description="Celery queue of the opt-out and webhook tasks."
    )
    optouts_key_api_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Key-listing API roots by forge host, JSON (default: {"github.com": '
        '"https://api.github.com", "gitlab.com": "https://gitlab.com/api/v4"}).',
    )
    optouts_email_code_hours: float = Field(default=48.0, gt=0)
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mails.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "CodeCommons <optouts@localhost>"
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_base_seconds: float = Field(
        default=30.0, gt=0, description="First retry delay of a webhook; doubles each time."
    )
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        # Plain strings checked by SQLAlchemy's parser: libpq URLs may have an empty
        # host with ?host=/socket/dir, which generic URL types reject.
        if value is None or not value.strip():
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value.strip())
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {value!r}") from exc
        if url.get_backend_name() not in {"postgresql", "postgres"}:
            raise ValueError(f"must be a postgresql:// URL, got {url.drivername}://")
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().startswith(REDIS_SCHEMES):
            raise ValueError(f"must start with one of {', '.join(REDIS_SCHEMES)}")
        return value.strip()

    @field_validator(
        "api_keys",
        "cors_origins",
        "optouts_admin_keys",
        "scan_local_roots",
        "scan_allowed_hosts",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver SQLAlchemy needs."""
        if self.database_url is None:
            raise ConfigurationError(
                "DATABASE_URL is not set (use `codecommons run` for the embedded all-in-one mode)"
            )
        return to_psycopg_url(str(self.database_url))

    @property
    def broker_url(self) -> str:
        if self.redis_url is None:
            raise ConfigurationError(
                "REDIS_URL is not set (use `codecommons run` for the embedded all-in-one mode)"
            )
        return str(self.redis_url)


class ConfigurationError(Exception):
    """A setting is missing or unusable; the message is one line for the operator."""


def to_psycopg_url(url: str) -> str:
    """Point a ``postgresql://`` URL at SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def to_libpq_url(url: str) -> str:
    """The same URL as plain libpq understands it (for raw psycopg connections)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
