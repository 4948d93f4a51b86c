"""Bitbucket Cloud API 2.0: repository, pull requests, issues.

Field notes that decide the mapping:

* the stable id is the repository ``uuid``; the owner is the ``workspace`` (its
  ``slug`` is the URL's first segment), a ``team`` owner is an organization;
* the repository object has no star, fork, watcher or open-issue counts (they are
  separate, paged endpoints): left ``None``; there is no archived or template flag;
* pull request states are OPEN, MERGED, DECLINED, SUPERSEDED (the last two: closed);
  there is no ``merged_at``, so it stays ``None`` rather than a guessed time;
* issue states (new, open, on hold: open; resolved, invalid, duplicate, wontfix,
  closed: closed) are kept verbatim in ``forge_state``;
* users have no stable login any more (GDPR change): ``nickname`` is used;
* the https clone link (``links.clone``, without the ``user@`` an authenticated answer
  adds) is the URL Software Heritage's Bitbucket lister records: kept as
  ``archive_url`` (the html link without it).
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
    req_int,
    req_str,
)
from app.forges.records import IssueRecord, MappedPayload, OriginRecord, OwnerRecord
from app.forges.urls import normalize_url
from app.models.enums import ForgeKind, IssueKind, IssueState, OriginKind, OwnerKind

REPOSITORY_MAPPER = "bitbucket-repo"
PULL_REQUESTS_MAPPER = "bitbucket-pullrequests"
ISSUES_MAPPER = "bitbucket-issues"
VERSION = 2  # 2: archive_url, ports kept in hosts

_OPEN_ISSUE_STATES = {"new", "open", "on hold"}


def map_repository(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /2.0/repositories/{workspace}/{repo_slug}``."""
    repo = as_object(payload, "repository")
    full_name = req_str(repo, "full_name", "repository")
    uuid = opt_str(repo, "uuid", "repository")
    links = opt_object(repo, "links", "repository")
    html_url = opt_str(opt_object(links, "html", "repository.links"), "href", "repository.links")
    web_host = _web_host(html_url, host)
    url = normalize_url(html_url or f"https://{web_host}/{full_name}", case_insensitive=True)
    recorded = _https_clone(links) or as_recorded(html_url)
    parent = opt_object(repo, "parent", "repository")
    mainbranch = opt_object(repo, "mainbranch", "repository")
    origin = OriginRecord(
        url=url,
        forge=web_host,
        forge_kind=ForgeKind.BITBUCKET,
        kind=OriginKind.REPOSITORY,
        native_id=uuid,
        full_name=full_name,
        owner=_owner(repo, web_host),
        is_fork=parent is not None,
        fork_parent_url=_related_url(parent, web_host),
        fork_parent_native_id=opt_str(parent, "uuid", "repository.parent"),
        description=opt_str(repo, "description", "repository"),
        homepage=opt_str(repo, "website", "repository"),
        language=opt_str(repo, "language", "repository"),
        default_branch=opt_str(mainbranch, "name", "repository.mainbranch"),
        issue_tracker_url=f"{url}/issues" if opt_bool(repo, "has_issues", "repository") else None,
        created_at=opt_datetime(repo, "created_on", "repository"),
        updated_at=opt_datetime(repo, "updated_on", "repository"),
        previous_urls=previous_urls(
            host=web_host,
            fetched_path=repo_path_from_api_url(source_url, "repositories"),
            canonical_url=url,
            case_insensitive=True,
        ),
        archive_url=recorded or f"https://{web_host}/{full_name}",
    )
    return MappedPayload(REPOSITORY_MAPPER, f"{REPOSITORY_MAPPER}@{VERSION}", origin=origin)


def _https_clone(links: JSONObject | None) -> str | None:
    clones = links.get("clone") if links is not None else None
    if not isinstance(clones, list):
        return None
    for clone in clones:
        if isinstance(clone, dict) and clone.get("name") == "https":
            return as_recorded(opt_str(clone, "href", "repository.links.clone"))
    return None


def map_pull_requests(
    payload: object, *, host: str, source_url: str | None = None
) -> MappedPayload:
    """``GET /2.0/repositories/{ws}/{slug}/pullrequests``: one page (``values``)."""
    del host, source_url
    items = page_items(payload, "pullrequests")
    issues = map_entries(items, "pullrequests", _pull_request)
    return MappedPayload(PULL_REQUESTS_MAPPER, f"{PULL_REQUESTS_MAPPER}@{VERSION}", issues=issues)


def map_issues(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /2.0/repositories/{ws}/{slug}/issues``: one page (``values``)."""
    del host, source_url
    items = page_items(payload, "issues")
    issues = map_entries(items, "issues", _issue)
    return MappedPayload(ISSUES_MAPPER, f"{ISSUES_MAPPER}@{VERSION}", issues=issues)


def _pull_request(entry: JSONObject, what: str) -> IssueRecord:
    forge_state = req_str(entry, "state", what)
    state = {"OPEN": IssueState.OPEN, "MERGED": IssueState.MERGED}.get(
        forge_state.upper(), IssueState.CLOSED
    )
    return IssueRecord(
        kind=IssueKind.PULL_REQUEST,
        number=req_int(entry, "id", what),
        title=req_str(entry, "title", what),
        state=state,
        forge_state=forge_state,
        is_draft=bool(opt_bool(entry, "draft", what)),
        author_login=_login(opt_object(entry, "author", what), f"{what}.author"),
        comments_count=opt_int(entry, "comment_count", what),
        url=_html(entry, what),
        created_at=opt_datetime(entry, "created_on", what),
        updated_at=opt_datetime(entry, "updated_on", what),
    )


def _issue(entry: JSONObject, what: str) -> IssueRecord:
    forge_state = req_str(entry, "state", what)
    state = IssueState.OPEN if forge_state.lower() in _OPEN_ISSUE_STATES else IssueState.CLOSED
    component = opt_object(entry, "component", what)
    labels = tuple(
        label for label in (opt_str(entry, "kind", what), opt_str(component, "name", what)) if label
    )
    return IssueRecord(
        kind=IssueKind.ISSUE,
        number=req_int(entry, "id", what),
        title=req_str(entry, "title", what),
        state=state,
        forge_state=forge_state,
        author_login=_login(opt_object(entry, "reporter", what), f"{what}.reporter"),
        labels=labels,
        url=_html(entry, what),
        created_at=opt_datetime(entry, "created_on", what),
        updated_at=opt_datetime(entry, "updated_on", what),
    )


def _owner(repo: JSONObject, host: str) -> OwnerRecord | None:
    workspace = opt_object(repo, "workspace", "repository")
    owner = opt_object(repo, "owner", "repository")
    login = opt_str(workspace, "slug", "repository.workspace") or opt_str(
        owner, "username", "repository.owner"
    )
    if login is None:
        return None
    kind = {"team": OwnerKind.ORGANIZATION, "user": OwnerKind.USER}.get(
        opt_str(owner, "type", "repository.owner") or ""
    )
    return OwnerRecord(
        forge=host,
        login=login,
        native_id=opt_str(workspace, "uuid", "repository.workspace")
        or opt_str(owner, "uuid", "repository.owner"),
        kind=kind,
        name=opt_str(workspace, "name", "repository.workspace")
        or opt_str(owner, "display_name", "repository.owner"),
        url=normalize_url(f"https://{host}/{login}", case_insensitive=True),
    )


def _login(user: JSONObject | None, what: str) -> str | None:
    return opt_str(user, "nickname", what) or opt_str(user, "display_name", what)


def _html(entry: JSONObject, what: str) -> str | None:
    links = opt_object(entry, "links", what)
    return opt_str(opt_object(links, "html", f"{what}.links"), "href", f"{what}.links")


def _related_url(related: JSONObject | None, host: str) -> str | None:
    if related is None:
        return None
    links = opt_object(related, "links", "repository.parent")
    html = opt_str(opt_object(links, "html", "repository.parent"), "href", "repository.parent")
    full_name = opt_str(related, "full_name", "repository.parent")
    if html:
        return normalize_url(html, case_insensitive=True)
    return (
        normalize_url(f"https://{host}/{full_name}", case_insensitive=True) if full_name else None
    )


def _web_host(html_url: str | None, authority: str) -> str:
    return host_of(html_url, "bitbucket.org" if authority == "api.bitbucket.org" else authority)
