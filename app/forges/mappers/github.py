"""GitHub REST v3 (github.com and GitHub Enterprise): repository, issues, pull requests.

Field notes that decide the mapping:

* ``watchers``/``watchers_count`` are stargazers (a legacy name); the people who
  watch are ``subscribers_count``, present only on ``GET /repos/{o}/{r}``;
* ``open_issues_count`` counts open issues *and* pull requests (GitHub's definition);
* the issues endpoint lists pull requests too: an entry with ``pull_request`` is one,
  and ``pull_request.merged_at`` tells it was merged;
* a renamed or transferred repository is served under its new ``full_name`` for the
  old URL: the fetch URL then names the old one (``previous_urls``);
* payloads from 2012 have ``master_branch`` instead of ``default_branch``, owners
  without ``type``, and no ``stargazers_count``: the star count was ``watchers`` (or
  ``watchers_count``), read when ``stargazers_count`` is absent;
* ``html_url`` is the URL as GitHub spells it (``https://github.com/PyGithub/PyGithub``),
  which Software Heritage records: kept as ``archive_url``, while ``url`` is the
  lower-cased form that matches other spellings.
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
from app.licenses.spdx import licenses_from_github
from app.models.enums import ForgeKind, IssueKind, IssueState, OriginKind, OwnerKind

REPOSITORY_MAPPER = "github-repo"
ISSUES_MAPPER = "github-issues"
PULLS_MAPPER = "github-pulls"
VERSION = 2  # 2: archive_url, 2012 star counts, ports kept in hosts


def map_repository(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /repos/{owner}/{repo}`` (also ``/repositories/{id}``)."""
    repo = as_object(payload, "repository")
    native_id = req_int(repo, "id", "repository")
    full_name = req_str(repo, "full_name", "repository")
    html_url = opt_str(repo, "html_url", "repository")
    web_host = _web_host(html_url, host)
    recorded = as_recorded(html_url) or f"https://{web_host}/{full_name}"
    url = normalize_url(recorded, case_insensitive=True)
    owner_obj = opt_object(repo, "owner", "repository")
    parent = opt_object(repo, "parent", "repository")
    source = opt_object(repo, "source", "repository")
    has_issues = opt_bool(repo, "has_issues", "repository")
    origin = OriginRecord(
        url=url,
        forge=web_host,
        forge_kind=ForgeKind.GITHUB,
        kind=OriginKind.REPOSITORY,
        native_id=str(native_id),
        full_name=full_name,
        owner=_owner(owner_obj, web_host) if owner_obj else None,
        is_fork=bool(opt_bool(repo, "fork", "repository")),
        fork_parent_url=_related_url(parent, web_host),
        fork_parent_native_id=_related_id(parent),
        fork_parent_archive_url=as_recorded(opt_str(parent, "html_url", "repository.parent")),
        fork_source_url=_related_url(source, web_host),
        description=opt_str(repo, "description", "repository"),
        homepage=opt_str(repo, "homepage", "repository"),
        topics=opt_str_list(repo, "topics", "repository"),
        language=opt_str(repo, "language", "repository"),
        stars=_stars(repo),
        forks=opt_int(repo, "forks_count", "repository"),
        watchers=opt_int(repo, "subscribers_count", "repository"),
        open_issues=opt_int(repo, "open_issues_count", "repository"),
        is_archived=bool(opt_bool(repo, "archived", "repository")),
        is_template=bool(opt_bool(repo, "is_template", "repository")),
        is_mirror=opt_str(repo, "mirror_url", "repository") is not None,
        default_branch=opt_str(repo, "default_branch", "repository")
        or opt_str(repo, "master_branch", "repository"),
        issue_tracker_url=f"{url}/issues" if has_issues else None,
        created_at=opt_datetime(repo, "created_at", "repository"),
        updated_at=opt_datetime(repo, "updated_at", "repository"),
        pushed_at=opt_datetime(repo, "pushed_at", "repository"),
        previous_urls=previous_urls(
            host=web_host,
            fetched_path=repo_path_from_api_url(source_url, "repos"),
            canonical_url=url,
            case_insensitive=True,
        ),
        declared_licenses=licenses_from_github(opt_object(repo, "license", "repository")),
        archive_url=recorded,
    )
    return MappedPayload(REPOSITORY_MAPPER, f"{REPOSITORY_MAPPER}@{VERSION}", origin=origin)


def _stars(repo: JSONObject) -> int | None:
    """``stargazers_count``; before it existed (2012) ``watchers_count`` / ``watchers``
    counted the stars (today they still repeat it)."""
    for key in ("stargazers_count", "watchers_count", "watchers"):
        value = opt_int(repo, key, "repository")
        if value is not None:
            return value
    return None


def map_issues(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /repos/{o}/{r}/issues?state=all``: issues and pull requests, one page."""
    del host, source_url
    items = page_items(payload, "issues")
    issues = map_entries(items, "issues", lambda entry, what: _issue(entry, what, pulls=False))
    return MappedPayload(ISSUES_MAPPER, f"{ISSUES_MAPPER}@{VERSION}", issues=issues)


def map_pulls(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /repos/{o}/{r}/pulls?state=all``: pull requests, one page."""
    del host, source_url
    items = page_items(payload, "pulls")
    issues = map_entries(items, "pulls", lambda entry, what: _issue(entry, what, pulls=True))
    return MappedPayload(PULLS_MAPPER, f"{PULLS_MAPPER}@{VERSION}", issues=issues)


def _issue(entry: JSONObject, what: str, *, pulls: bool) -> IssueRecord:
    forge_state = req_str(entry, "state", what)
    pull = opt_object(entry, "pull_request", what)
    is_pr = pulls or pull is not None
    merged_at = opt_datetime(entry, "merged_at", what) or opt_datetime(pull, "merged_at", what)
    if merged_at is not None:
        state = IssueState.MERGED
    elif forge_state == "open":
        state = IssueState.OPEN
    else:
        state = IssueState.CLOSED
    user = opt_object(entry, "user", what)
    native = entry.get("id")
    return IssueRecord(
        kind=IssueKind.PULL_REQUEST if is_pr else IssueKind.ISSUE,
        number=req_int(entry, "number", what),
        title=req_str(entry, "title", what),
        state=state,
        forge_state=forge_state,
        native_id=str(native) if isinstance(native, int) else None,
        is_draft=bool(opt_bool(entry, "draft", what)),
        is_locked=bool(opt_bool(entry, "locked", what)),
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
    names: list[str] = []
    for label in raw:
        name = label if isinstance(label, str) else opt_str(as_object(label, what), "name", what)
        if name:
            names.append(name)
    return tuple(names)


def _owner(owner: JSONObject, host: str) -> OwnerRecord:
    login = req_str(owner, "login", "repository.owner")
    kind = {"User": OwnerKind.USER, "Organization": OwnerKind.ORGANIZATION}.get(
        opt_str(owner, "type", "repository.owner") or ""
    )
    html_url = opt_str(owner, "html_url", "repository.owner")
    native = owner.get("id")
    return OwnerRecord(
        forge=host,
        login=login,
        native_id=str(native) if isinstance(native, int) else None,
        kind=kind,
        name=opt_str(owner, "name", "repository.owner"),
        url=normalize_url(html_url or f"https://{host}/{login}", case_insensitive=True),
    )


def _related_url(related: JSONObject | None, host: str) -> str | None:
    if related is None:
        return None
    html_url = opt_str(related, "html_url", "repository.parent")
    full_name = opt_str(related, "full_name", "repository.parent")
    if html_url:
        return normalize_url(html_url, case_insensitive=True)
    if full_name:
        return normalize_url(f"https://{host}/{full_name}", case_insensitive=True)
    return None


def _related_id(related: JSONObject | None) -> str | None:
    native = related.get("id") if related else None
    return str(native) if isinstance(native, int) else None


def _web_host(html_url: str | None, authority: str) -> str:
    return host_of(html_url, "github.com" if authority == "api.github.com" else authority)
