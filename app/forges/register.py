"""Register an origin by URL before anything is known about it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.forges import repository as repo
from app.forges.mappers import resolve_forge_kind
from app.forges.urls import normalize_url, parse_repository_url
from app.kit.problems import Problem
from app.kit.redaction import strip_credentials
from app.kit.swhid import origin_swhid_id
from app.models import Origin
from app.models.enums import ForgeKind, OriginKind

PACKAGE_HOSTS = {
    "pypi.org": ForgeKind.PYPI,
    "www.npmjs.com": ForgeKind.NPM,
    "npmjs.com": ForgeKind.NPM,
    "crates.io": ForgeKind.CRATES,
}


def register_url(session: Session, url: str) -> Origin:
    """The origin of a URL (current or former), created with just its identity if new.

    The canonical form drops credentials; the messages quote the URL without them."""
    url = strip_credentials(url)
    try:
        canonical = normalize_url(url)
    except ValueError as exc:
        raise Problem(f"{url!r} is not a repository or package URL") from exc
    existing = repo.origin_by_url_or_alias(session, canonical)
    if existing is not None:
        return existing
    host = canonical.split("/")[2]
    if host in PACKAGE_HOSTS:
        kind, origin_kind = PACKAGE_HOSTS[host], OriginKind.PACKAGE
    else:
        if parse_repository_url(canonical) is None:
            raise Problem(f"{url!r} does not name a repository (expected host/owner/name)")
        try:
            kind = resolve_forge_kind(host, "")
        except ValueError as exc:
            raise Problem(
                f"{host} is not a forge CodeCommons knows; configure it in FORGE_INSTANCES"
            ) from exc
        origin_kind = OriginKind.REPOSITORY
    forge = repo.forge_for(session, host, kind)
    origin = Origin(
        url=canonical,
        swhid_id=origin_swhid_id(canonical),
        forge_id=forge.id,
        kind=origin_kind,
        topics=[],
    )
    session.add(origin)
    session.flush()
    return origin
