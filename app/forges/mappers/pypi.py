"""PyPI JSON API (``GET /pypi/<name>/json``): the project as its latest release describes it.

The record may describe a newer release than the one we archived: that is fine, the
origin is the project, and ``latest_version`` says which release the fields are from.

* the declared repository comes from ``project_urls`` labels, in this order: Source,
  Source Code, Repository, Code, GitHub, GitLab, then Homepage / ``home_page`` only
  when it points at a forge (labels compared case- and punctuation-insensitively, as
  PyPI itself normalizes them);
* keywords are split on commas when there are any, else on whitespace (both are in use);
* licenses: see :func:`app.licenses.spdx.licenses_from_pypi`;
* PyPI has no numeric id: ``native_id`` stays ``None``; the owner is the PyPI
  organization when ``ownership.organization`` names one.
"""

from __future__ import annotations

import re
from datetime import datetime

from app.forges.mappers._packages import declared_repository, is_forge_url
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
from app.forges.urls import normalize_pypi_name, package_url
from app.licenses.spdx import licenses_from_pypi
from app.models.enums import ForgeKind, OriginKind, OwnerKind

MAPPER = "pypi-project"
VERSION = 1

_SOURCE_LABELS = ("source", "sourcecode", "repository", "code", "github", "gitlab")
_HOME_LABELS = ("homepage", "home")
_TRACKER_LABELS = ("issuetracker", "issues", "bugtracker", "tracker", "bugreports", "bugs")


def map_project(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /pypi/<name>/json``."""
    del source_url
    data = as_object(payload, "project")
    info = req_object(data, "info", "project")
    name = req_str(info, "name", "project.info")
    urls = _project_urls(info)
    home_page = opt_str(info, "home_page", "project.info") or _first(urls, _HOME_LABELS)
    repository = _first(urls, _SOURCE_LABELS)
    if repository is None and is_forge_url(home_page):
        repository = home_page
    ownership = opt_object(data, "ownership", "project")
    organization = opt_str(ownership, "organization", "project.ownership")
    origin = OriginRecord(
        url=package_url(ForgeKind.PYPI, name),
        forge=host,
        forge_kind=ForgeKind.PYPI,
        kind=OriginKind.PACKAGE,
        full_name=normalize_pypi_name(name),
        owner=_organization(organization, host) if organization else None,
        description=opt_str(info, "summary", "project.info"),
        homepage=home_page,
        topics=_keywords(opt_str(info, "keywords", "project.info")),
        issue_tracker_url=_first(urls, _TRACKER_LABELS)
        or opt_str(info, "bugtrack_url", "project.info"),
        declared_repository_url=declared_repository(repository),
        created_at=_first_upload(data),
        updated_at=_last_upload(data),
        declared_licenses=licenses_from_pypi(info),
        latest_version=opt_str(info, "version", "project.info"),
    )
    return MappedPayload(MAPPER, f"{MAPPER}@{VERSION}", origin=origin)


def _project_urls(info: JSONObject) -> dict[str, str]:
    raw = opt_object(info, "project_urls", "project.info")
    if raw is None:
        return {}
    out: dict[str, str] = {}
    for label, value in raw.items():
        if isinstance(value, str) and value.strip():
            out.setdefault(re.sub(r"[^a-z0-9]", "", str(label).lower()), value.strip())
    return out


def _first(urls: dict[str, str], labels: tuple[str, ...]) -> str | None:
    for label in labels:
        if label in urls:
            return urls[label]
    return None


def _keywords(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    parts = text.split(",") if "," in text else text.split()
    seen: dict[str, None] = {}
    for part in parts:
        if part.strip():
            seen.setdefault(part.strip(), None)
    return tuple(seen)


def _organization(organization: str, host: str) -> OwnerRecord:
    return OwnerRecord(
        forge=host,
        login=organization,
        kind=OwnerKind.ORGANIZATION,
        url=f"https://{host}/org/{organization}/",
    )


def _upload_times(data: JSONObject) -> list[datetime]:
    """Upload times of every file listed (all releases when present, else the latest)."""
    files: list[object] = []
    releases = data.get("releases")
    if isinstance(releases, dict):
        for release_files in releases.values():
            if isinstance(release_files, list):
                files.extend(release_files)
    urls = data.get("urls")
    if isinstance(urls, list):
        files.extend(urls)
    times: list[datetime] = []
    for item in files:
        entry = as_object(item, "project.urls[]")
        when = opt_datetime(entry, "upload_time_iso_8601", "project.urls[]")
        if when is not None:
            times.append(when)
    return times


def _first_upload(data: JSONObject) -> datetime | None:
    releases = data.get("releases")
    if not isinstance(releases, dict) or not releases:
        return None  # without the release list the first upload is unknown
    times = _upload_times(data)
    return min(times) if times else None


def _last_upload(data: JSONObject) -> datetime | None:
    times = _upload_times(data)
    return max(times) if times else None
