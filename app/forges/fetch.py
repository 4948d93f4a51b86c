"""Live refresh of origins from their forge or registry, through app.forges.clients.

Every response goes through the same :func:`app.forges.ingest.ingest` as dumps, so
live and bulk data share one code path. Conditional requests reuse the ETag stored
with the last payload fetched from the same URL: an unchanged project answers 304,
costs no rate budget, and only moves ``last_fetched_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import nulls_first, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.forges.clients import (
    ClientConfig,
    Fetched,
    ForgeClient,
    ForgeCredential,
    ForgeInstance,
    NotFoundAtSource,
    PermanentFetchError,
)
from app.forges.ingest import ingest
from app.jobs import kinds
from app.kit.db import unit_of_work
from app.kit.redis import make_redis
from app.models import Forge, Job, Origin, RawMetadata
from app.models.enums import ForgeKind, JobState, OriginKind

REGISTRIES = {ForgeKind.PYPI, ForgeKind.NPM, ForgeKind.CRATES}


class GoneAtSource(Exception):
    """The forge says the project does not exist (any more) or may not be read."""


def client_config(settings: Settings) -> ClientConfig:
    credentials: dict[str, ForgeCredential] = {}
    for host, secret in (
        ("github.com", settings.github_token),
        ("gitlab.com", settings.gitlab_token),
        ("codeberg.org", settings.codeberg_token),
        ("gitea.com", settings.gitea_token),
    ):
        if secret is not None:
            credentials[host] = ForgeCredential(token=secret.get_secret_value())
    if settings.bitbucket_app_password is not None:
        credentials["bitbucket.org"] = ForgeCredential(
            token=settings.bitbucket_app_password.get_secret_value(),
            username=settings.bitbucket_username,
        )
    instances = tuple(
        ForgeInstance(host=i["host"], kind=ForgeKind(i["kind"]), api_base=i.get("api_base"))
        for i in settings.forge_instances
    )
    return ClientConfig(
        contact=settings.forge_contact,
        credentials=credentials,
        instances=instances,
        timeout_seconds=settings.forge_timeout_seconds,
        max_pages=settings.forge_max_pages,
    )


def client_from_settings(settings: Settings) -> ForgeClient:
    redis_client = make_redis(settings.redis_url) if settings.redis_url else None
    return ForgeClient.create(client_config(settings), redis_client=redis_client)


def _previous_etag(session: Session, url: str) -> str | None:
    return session.scalar(
        select(RawMetadata.etag)
        .where(RawMetadata.source_url == url, RawMetadata.etag.is_not(None))
        .order_by(RawMetadata.fetched_at.desc())
        .limit(1)
    )


@dataclass
class FetchReport:
    origin_url: str
    fetched: int = 0
    unchanged: int = 0
    applied: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "origin": self.origin_url,
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "applied": self.applied,
            "failed": self.failed,
        }


def _load_origin(session: Session, origin_id: int) -> tuple[Origin, ForgeKind | None]:
    origin = session.get(Origin, origin_id)
    if origin is None:
        raise GoneAtSource(f"origin {origin_id} does not exist")
    return origin, origin.forge.kind if origin.forge else None


def refresh_origin(
    client: ForgeClient, origin_id: int, factory: sessionmaker[Session] | None = None
) -> FetchReport:
    """Fetch the origin's repository or package record and apply it.

    Three steps, and the HTTP fetch (seconds, or minutes behind a rate limit) holds no
    transaction: read what the fetch needs in one short unit of work, fetch with no
    database connection checked out, then apply the answer in another short one. A
    transaction left open across the fetch would pin a pooled connection and hold
    back vacuum for as long as the forge takes to answer."""
    with unit_of_work(factory) as uow:
        origin, kind = _load_origin(uow.session, origin_id)
        url = origin.url
        is_package = origin.kind is OriginKind.PACKAGE or kind in REGISTRIES
        etag = None
        if not is_package:
            api_url = uow.session.scalar(
                select(RawMetadata.source_url)
                .where(RawMetadata.origin_id == origin.id, RawMetadata.kind == "repository")
                .order_by(RawMetadata.fetched_at.desc())
                .limit(1)
            )
            etag = _previous_etag(uow.session, api_url) if api_url else None
    report = FetchReport(origin_url=url)
    try:
        if is_package:
            result = client.fetch_package(url, previous_etag=None)
        else:
            result = client.fetch_repository(url, previous_etag=etag)
    except (NotFoundAtSource, PermanentFetchError) as exc:
        raise GoneAtSource(f"{url}: {exc}") from exc
    with unit_of_work(factory) as uow:
        if isinstance(result, Fetched):
            report.fetched += 1
            outcome = ingest(uow.session, result.envelope)
            report.applied += outcome.status in {"applied", "unchanged"}
            report.failed += outcome.status == "failed"
        else:
            report.unchanged += 1
            found = uow.session.get(Origin, origin_id)
            if found is not None:
                found.last_fetched_at = datetime.now(UTC)
    return report


def crawl_issues(
    client: ForgeClient, origin_id: int, factory: sessionmaker[Session] | None = None
) -> FetchReport:
    """Fetch the origin's issues and pull/merge requests, page by page (each page is
    its own payload, applied in its own transaction)."""
    with unit_of_work(factory) as uow:
        origin, _ = _load_origin(uow.session, origin_id)
        url = origin.url
    report = FetchReport(origin_url=url)

    def etag_of(page_url: str) -> str | None:
        with unit_of_work(factory) as uow:
            return _previous_etag(uow.session, page_url)

    try:
        for pages in (
            client.iter_issues(url, previous_etag=etag_of),
            client.iter_pulls(url, previous_etag=etag_of),
        ):
            for page in pages:
                if not isinstance(page, Fetched):
                    report.unchanged += 1
                    continue
                report.fetched += 1
                with unit_of_work(factory) as uow:
                    outcome = ingest(uow.session, page.envelope)
                report.applied += outcome.status != "failed"
                report.failed += outcome.status == "failed"
    except (NotFoundAtSource, PermanentFetchError) as exc:
        raise GoneAtSource(f"{url}: {exc}") from exc
    return report


def stalest_origins(session: Session, limit: int) -> list[int]:
    """Origins whose data is oldest (never fetched first) with no refresh under way."""
    busy = select(Job.params["origin_id"].as_integer()).where(
        Job.kind == kinds.FORGE_REFRESH, Job.state.in_([JobState.QUEUED, JobState.RUNNING])
    )
    rows = session.scalars(
        select(Origin.id)
        .join(Forge, Forge.id == Origin.forge_id)
        .where(Forge.kind != ForgeKind.OTHER, Origin.id.not_in(busy))
        .order_by(nulls_first(Origin.last_fetched_at.asc()), Origin.id)
        .limit(limit)
    )
    return list(rows)
