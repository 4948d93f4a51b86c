"""crates.io API (``GET /api/v1/crates/<name>``): the crate and its versions.

* the license is per version: the one of ``default_version`` (crates.io's own pick,
  the highest non-yanked stable release), else ``max_version``; its text may be an
  SPDX expression or the legacy ``MIT/Apache-2.0`` form, which Cargo defined as OR;
* keywords and categories both become topics (categories are crates.io's curated
  topics, keywords the author's);
* the crate name as published is the identity (crates.io resolves ``-``/``_`` and
  case variants to it): ``crate.name``, else ``crate.id``.
"""

from __future__ import annotations

from app.forges.mappers._packages import declared_repository
from app.forges.payload import (
    JSONObject,
    as_list,
    as_object,
    opt_datetime,
    opt_str,
    opt_str_list,
    req_object,
    req_str,
)
from app.forges.records import MappedPayload, OriginRecord
from app.forges.urls import package_url
from app.licenses.spdx import licenses_from_crate
from app.models.enums import ForgeKind, OriginKind

MAPPER = "crates-crate"
VERSION = 1


def map_crate(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /api/v1/crates/<name>``."""
    del source_url
    doc = as_object(payload, "crate response")
    crate = req_object(doc, "crate", "crate response")
    name = opt_str(crate, "name", "crate") or req_str(crate, "id", "crate")
    version = opt_str(crate, "default_version", "crate") or opt_str(crate, "max_version", "crate")
    raw_versions = doc.get("versions")
    versions = [] if raw_versions is None else as_list(raw_versions, "crate response.versions")
    license_text = _license_of(versions, version)
    topics = dict.fromkeys(
        opt_str_list(crate, "keywords", "crate") + opt_str_list(crate, "categories", "crate")
    )
    origin = OriginRecord(
        url=package_url(ForgeKind.CRATES, name),
        forge=host,
        forge_kind=ForgeKind.CRATES,
        kind=OriginKind.PACKAGE,
        native_id=None,
        full_name=name,
        description=opt_str(crate, "description", "crate"),
        homepage=opt_str(crate, "homepage", "crate"),
        topics=tuple(topics),
        declared_repository_url=declared_repository(opt_str(crate, "repository", "crate")),
        created_at=opt_datetime(crate, "created_at", "crate"),
        updated_at=opt_datetime(crate, "updated_at", "crate"),
        declared_licenses=licenses_from_crate(license_text),
        latest_version=version,
    )
    return MappedPayload(MAPPER, f"{MAPPER}@{VERSION}", origin=origin)


def _license_of(versions: list[object], wanted: str | None) -> str | None:
    for i, item in enumerate(versions):
        entry: JSONObject = as_object(item, f"versions[{i}]")
        if wanted is None or entry.get("num") == wanted:
            return opt_str(entry, "license", f"versions[{i}]")
    return None


__all__ = ["map_crate"]
