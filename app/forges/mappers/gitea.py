"""Gitea and Forgejo API v1 (gitea.com, codeberg.org, self-hosted): repository, issues, pulls.

Forgejo is a Gitea fork with the same repository and issue API, so one mapper serves
both; the forge kind comes from the dispatch (codeberg.org, or the payload format).

Field notes that decide the mapping:

* ``watchers_count`` really counts watchers here (unlike GitHub), ``website`` is the
  homepage, ``licenses`` (Gitea 1.22+) lists the SPDX ids of the license files found;
* ``archived_at`` and ``mirror_updated`` use Go's zero time for "never";
* the issues endpoint lists pull requests too (``pull_request`` not null), with
  ``pull_request.merged``; the pulls endpoint has ``merged`` and ``merged_at``;
* ``clone_url`` is the URL Software Heritage's Gitea lister records: kept as
  ``archive_url`` (``html_url`` without it).
"""

from __future__ import annotations

from app.forges.mappers._common import (
    as_recorded,
    host_of,
    map_entries,
    page_items,
    previous_urls,
    repo_path_from_api_url,
)
from app.forges.payload import (
    JSONObject,
    as_object,
    opt_bool,
    opt_datetime,
    opt_int,
    opt_object,
    opt_str,
    opt_str_list,
    req_int,
    req_str,
)
from app.forges.records import IssueRecord, MappedPayload, OriginRecord, OwnerRecord
from app.forges.urls import normalize_url
from app.licenses.spdx import licenses_from_gitea
from app.models.enums import ForgeKind, IssueKind, IssueState, OriginKind

REPOSITORY_MAPPER = "gitea-repo"
ISSUES_MAPPER = "gitea-issues"
PULLS_MAPPER = "gitea-pulls"
VERSION = 2  # 2: archive_url, ports kept in hosts


def map_repository(
    payload: object,
    *,
    host: str,
    source_url: str | None = None,
    forge_kind: ForgeKind = ForgeKind.GITEA,
) -> MappedPayload:
    """``GET /api/v1/repos/{owner}/{repo}``."""
    repo = as_object(payload, "repository")
    native_id = req_int(repo, "id", "repository")
    full_name = req_str(repo, "full_name", "repository")
    html_url = opt_str(repo, "html_url", "repository")
    web_host = host_of(html_url, host)
    url = normalize_url(html_url or f"https://{web_host}/{full_name}", case_insensitive=True)
    recorded = as_recorded(opt_str(repo, "clone_url", "repository") or html_url)
    owner = opt_object(repo, "owner", "repository")
    parent = opt_object(repo, "parent", "repository")
    licenses = repo.get("licenses")
    origin = OriginRecord(
        url=url,
        forge=web_host,
        forge_kind=forge_kind,
        kind=OriginKind.REPOSITORY,
        native_id=str(native_id),
        full_name=full_name,
        owner=_owner(owner, web_host) if owner else None,
        is_fork=bool(opt_bool(repo, "fork", "repository")),
        fork_parent_url=_parent_url(parent, web_host),
        fork_parent_native_id=_id(parent),
        fork_parent_archive_url=as_recorded(
            opt_str(parent, "clone_url", "repository.parent")
            or opt_str(parent, "html_url", "repository.parent")
        ),
        description=opt_str(repo, "description", "repository"),
        homepage=opt_str(repo, "website", "repository"),
        topics=opt_str_list(repo, "topics", "repository"),
        language=opt_str(repo, "language", "repository"),
        stars=opt_int(repo, "stars_count", "repository"),
        forks=opt_int(repo, "forks_count", "repository"),
        watchers=opt_int(repo, "watchers_count", "repository"),
        open_issues=opt_int(repo, "open_issues_count", "repository"),
        is_archived=bool(opt_bool(repo, "archived", "repository")),
        is_template=bool(opt_bool(repo, "template", "repository")),
        is_mirror=bool(opt_bool(repo, "mirror", "repository")),
        default_branch=opt_str(repo, "default_branch", "repository"),
        issue_tracker_url=_tracker(repo, url),
        created_at=opt_datetime(repo, "created_at", "repository"),
        updated_at=opt_datetime(repo, "updated_at", "repository"),
        previous_urls=previous_urls(
            host=web_host,
            fetched_path=repo_path_from_api_url(source_url, "repos"),
            canonical_url=url,
            case_insensitive=True,
        ),
        declared_licenses=licenses_from_gitea(licenses if isinstance(licenses, list) else None),
        archive_url=recorded or f"https://{web_host}/{full_name}",
    )
    return MappedPayload(REPOSITORY_MAPPER, f"{REPOSITORY_MAPPER}@{VERSION}", origin=origin)


def map_issues(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /api/v1/repos/{o}/{r}/issues?state=all``: issues and pull requests, one page."""
    del host, source_url
    items = page_items(payload, "issues")
    issues = map_entries(items, "issues", lambda e, w: _entry(e, w, pulls=False))
    return MappedPayload(ISSUES_MAPPER, f"{ISSUES_MAPPER}@{VERSION}", issues=issues)


def map_pulls(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /api/v1/repos/{o}/{r}/pulls?state=all``: pull requests, one page."""
    del host, source_url
    items = page_items(payload, "pulls")
    issues = map_entries(items, "pulls", lambda e, w: _entry(e, w, pulls=True))
    return MappedPayload(PULLS_MAPPER, f"{PULLS_MAPPER}@{VERSION}", issues=issues)


def _entry(entry: JSONObject, what: str, *, pulls: bool) -> IssueRecord:
    forge_state = req_str(entry, "state", what)
    pull = opt_object(entry, "pull_request", what)
    is_pr = pulls or pull is not None
    merged = bool(opt_bool(entry, "merged", what)) or bool(opt_bool(pull, "merged", what))
    merged_at = opt_datetime(entry, "merged_at", what) or opt_datetime(pull, "merged_at", what)
    if merged or merged_at is not None:
        state = IssueState.MERGED
    elif forge_state == "open":
        state = IssueState.OPEN
    else:
        state = IssueState.CLOSED
    user = opt_object(entry, "user", what)
    native = entry.get("id")
    draft = opt_bool(entry, "draft", what)
    if draft is None:
        draft = opt_bool(pull, "draft", what)
    return IssueRecord(
        kind=IssueKind.PULL_REQUEST if is_pr else IssueKind.ISSUE,
        number=req_int(entry, "number", what),
        title=req_str(entry, "title", what),
        state=state,
        forge_state=forge_state,
        native_id=str(native) if isinstance(native, int) else None,
        is_draft=bool(draft),
        is_locked=bool(opt_bool(entry, "is_locked", what)),
        author_login=opt_str(user, "login", f"{what}.user"),
        labels=_labels(entry, what),
        comments_count=opt_int(entry, "comments", what),
        url=opt_str(entry, "html_url", what),
        created_at=opt_datetime(entry, "created_at", what),
        updated_at=opt_datetime(entry, "updated_at", what),
        closed_at=opt_datetime(entry, "closed_at", what),
        merged_at=merged_at,
    )


def _labels(entry: JSONObject, what: str) -> tuple[str, ...]:
    raw = entry.get("labels")
    if not isinstance(raw, list):
        return ()
    names = [opt_str(as_object(label, what), "name", what) for label in raw]
    return tuple(name for name in names if name)


def _owner(owner: JSONObject, host: str) -> OwnerRecord:
    login = opt_str(owner, "login", "repository.owner") or req_str(
        owner, "username", "repository.owner"
    )
    html_url = opt_str(owner, "html_url", "repository.owner")
    return OwnerRecord(
        forge=host,
        login=login,
        native_id=_id(owner),
        kind=None,  # the API's user object does not say whether it is an organization
        name=opt_str(owner, "full_name", "repository.owner"),
        url=normalize_url(html_url or f"https://{host}/{login}", case_insensitive=True),
    )


def _tracker(repo: JSONObject, url: str) -> str | None:
    external = opt_object(repo, "external_tracker", "repository")
    external_url = opt_str(external, "external_tracker_url", "repository.external_tracker")
    if external_url:
        return external_url
    return f"{url}/issues" if opt_bool(repo, "has_issues", "repository") else None


def _parent_url(parent: JSONObject | None, host: str) -> str | None:
    if parent is None:
        return None
    html_url = opt_str(parent, "html_url", "repository.parent")
    full_name = opt_str(parent, "full_name", "repository.parent")
    if html_url:
        return normalize_url(html_url, case_insensitive=True)
    return (
        normalize_url(f"https://{host}/{full_name}", case_insensitive=True) if full_name else None
    )


def _id(obj: JSONObject | None) -> str | None:
    native = obj.get("id") if obj else None
    return str(native) if isinstance(native, int) else None
