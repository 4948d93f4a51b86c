"""npm registry packument (``GET /<name>``): the package as its ``latest`` version says.

* fields come from ``versions[dist-tags.latest]``, falling back to the packument root
  (which mirrors the latest manifest's ``repository``, ``bugs``, ``license``...);
* ``repository`` is a string (``github:x/y``, ``x/y`` shorthand, ``git+https://...``)
  or ``{type, url, directory}``; repositories declared by *earlier* versions that
  differ from the current one are kept in ``previous_declared_repository_urls``
  (a repository renamed or moved shows up there);
* ``bugs`` is a string or ``{url, email}``; ``keywords`` a list (or, rarely, a string);
* licenses: see :func:`app.licenses.spdx.licenses_from_npm`;
* the owner of a scoped package is its scope (a user or an organization: npm does
  not say which); unscoped packages have no owner here (maintainers are not owners).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.forges.errors import UnmappablePayload
from app.forges.mappers._packages import declared_repository
from app.forges.payload import (
    JSONObject,
    as_object,
    opt_datetime,
    opt_object,
    opt_str,
    req_object,
    req_str,
)
from app.forges.records import MappedPayload, OriginRecord, OwnerRecord
from app.forges.urls import package_url
from app.licenses.spdx import licenses_from_npm
from app.models.enums import ForgeKind, OriginKind

MAPPER = "npm-packument"
VERSION = 1


def map_packument(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET https://registry.npmjs.org/<name>``."""
    del source_url
    doc = as_object(payload, "packument")
    name = req_str(doc, "name", "packument")
    versions = opt_object(doc, "versions", "packument") or {}
    dist_tags = opt_object(doc, "dist-tags", "packument")
    latest = opt_str(dist_tags, "latest", "packument.dist-tags")
    manifest: JSONObject = doc
    if latest is not None:
        manifest = req_object(versions, latest, "packument.versions")
    times = opt_object(doc, "time", "packument")
    repository = _repository(_pick(manifest, doc, "repository"), "repository")
    keywords = _pick(manifest, doc, "keywords")
    licenses = licenses_from_npm(manifest) or licenses_from_npm(doc)
    origin = OriginRecord(
        url=package_url(ForgeKind.NPM, name),
        forge="npmjs.com" if host == "registry.npmjs.org" else host,
        forge_kind=ForgeKind.NPM,
        kind=OriginKind.PACKAGE,
        full_name=name,
        owner=_scope_owner(name),
        description=_text(_pick(manifest, doc, "description")),
        homepage=_text(_pick(manifest, doc, "homepage")),
        topics=_keywords(keywords),
        issue_tracker_url=_bugs(_pick(manifest, doc, "bugs")),
        declared_repository_url=repository,
        previous_declared_repository_urls=_previous_repositories(versions, times, repository),
        created_at=opt_datetime(times, "created", "packument.time"),
        updated_at=opt_datetime(times, "modified", "packument.time"),
        declared_licenses=licenses,
        latest_version=latest,
    )
    return MappedPayload(MAPPER, f"{MAPPER}@{VERSION}", origin=origin)


def _pick(manifest: JSONObject, doc: JSONObject, key: str) -> Any:
    value = manifest.get(key)
    return doc.get(key) if value is None else value


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _repository(value: object, what: str) -> str | None:
    if isinstance(value, str):
        return declared_repository(value)
    if isinstance(value, Mapping):
        url = value.get("url")
        return declared_repository(url) if isinstance(url, str) else None
    if value is None:
        return None
    raise UnmappablePayload(f"packument: {what} should be a string or an object")


def _bugs(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        url = value.get("url")
        return url.strip() or None if isinstance(url, str) else None
    return None


def _keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = list(value.replace(",", " ").split())
    elif isinstance(value, list):
        items = value
    else:
        return ()
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, str) and item.strip():
            seen.setdefault(item.strip(), None)
    return tuple(seen)


def _scope_owner(name: str) -> OwnerRecord | None:
    if not name.startswith("@") or "/" not in name:
        return None
    scope = name[1:].split("/", 1)[0]
    return OwnerRecord(forge="npmjs.com", login=scope, url=f"https://www.npmjs.com/~{scope}")


def _previous_repositories(
    versions: JSONObject, times: JSONObject | None, current: str | None
) -> tuple[str, ...]:
    """Repositories earlier versions declared, oldest first, without the current one."""

    def published(version: str) -> str:
        value = times.get(version) if times else None
        return value if isinstance(value, str) else ""

    seen: dict[str, None] = {}
    for version in sorted(versions, key=published):
        manifest = versions.get(version)
        if not isinstance(manifest, Mapping):
            continue
        try:
            url = _repository(manifest.get("repository"), f"versions[{version}].repository")
        except UnmappablePayload:
            continue  # an old version's odd manifest does not make the package unmappable
        if url and url != current:
            seen.setdefault(url, None)
    return tuple(seen)
