"""GitLab REST v4 (gitlab.com and self-hosted): project, issues, merge requests.

Field notes that decide the mapping:

* the owner is the project's ``namespace`` (a user or a group, possibly nested:
  ``full_path`` keeps the subgroups); groups are organizations for us;
* ``topics`` replaced ``tag_list`` (GitLab 14.0): both are read;
* the project API has no homepage, no language and no watcher count: left ``None``;
* issues are ``opened``/``closed``; merge requests ``opened``/``closed``/``merged``/
  ``locked``, where ``locked`` is GitLab's short-lived "being merged" state: still open;
* drafts are ``draft`` (GitLab 13.2+) or ``work_in_progress`` before it;
* a project fetched by an old path (``/projects/old%2Fname``) answers with its new
  ``path_with_namespace``: the old path becomes a previous URL;
* ``http_url_to_repo`` (``https://gitlab.com/group/project.git``) is the URL Software
  Heritage's GitLab lister records: kept as ``archive_url`` (``web_url`` without it).
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
from app.licenses.spdx import licenses_from_gitlab
from app.models.enums import ForgeKind, IssueKind, IssueState, OriginKind, OwnerKind

PROJECT_MAPPER = "gitlab-project"
ISSUES_MAPPER = "gitlab-issues"
MERGE_REQUESTS_MAPPER = "gitlab-merge-requests"
VERSION = 2  # 2: archive_url, ports kept in hosts

_OPEN_STATES = {"opened", "reopened", "locked"}


def map_project(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /projects/:id`` (``?license=true`` adds the detected license)."""
    project = as_object(payload, "project")
    native_id = req_int(project, "id", "project")
    full_name = req_str(project, "path_with_namespace", "project")
    web_url = opt_str(project, "web_url", "project")
    web_host = host_of(web_url, host)
    url = normalize_url(web_url or f"https://{web_host}/{full_name}", case_insensitive=True)
    recorded = as_recorded(opt_str(project, "http_url_to_repo", "project") or web_url)
    namespace = opt_object(project, "namespace", "project")
    forked_from = opt_object(project, "forked_from_project", "project")
    topics = opt_str_list(project, "topics", "project") or opt_str_list(
        project, "tag_list", "project"
    )
    issues_enabled = opt_bool(project, "issues_enabled", "project")
    origin = OriginRecord(
        url=url,
        forge=web_host,
        forge_kind=ForgeKind.GITLAB,
        kind=OriginKind.REPOSITORY,
        native_id=str(native_id),
        full_name=full_name,
        owner=_owner(namespace, web_host) if namespace else None,
        is_fork=forked_from is not None,
        fork_parent_url=_forked_from_url(forked_from, web_host),
        fork_parent_native_id=_id(forked_from),
        fork_parent_archive_url=as_recorded(
            opt_str(forked_from, "http_url_to_repo", "project.forked_from_project")
            or opt_str(forked_from, "web_url", "project.forked_from_project")
        ),
        description=opt_str(project, "description", "project"),
        topics=topics,
        stars=opt_int(project, "star_count", "project"),
        forks=opt_int(project, "forks_count", "project"),
        open_issues=opt_int(project, "open_issues_count", "project"),
        is_archived=bool(opt_bool(project, "archived", "project")),
        is_mirror=bool(opt_bool(project, "mirror", "project")),
        default_branch=opt_str(project, "default_branch", "project"),
        issue_tracker_url=f"{url}/-/issues" if issues_enabled else None,
        created_at=opt_datetime(project, "created_at", "project"),
        updated_at=opt_datetime(project, "updated_at", "project")
        or opt_datetime(project, "last_activity_at", "project"),
        previous_urls=previous_urls(
            host=web_host,
            fetched_path=repo_path_from_api_url(source_url, "projects"),
            canonical_url=url,
            case_insensitive=True,
        ),
        declared_licenses=licenses_from_gitlab(opt_object(project, "license", "project")),
        archive_url=recorded or f"https://{web_host}/{full_name}",
    )
    return MappedPayload(PROJECT_MAPPER, f"{PROJECT_MAPPER}@{VERSION}", origin=origin)


def map_issues(payload: object, *, host: str, source_url: str | None = None) -> MappedPayload:
    """``GET /projects/:id/issues``: one page of issues."""
    del host, source_url
    items = page_items(payload, "issues")
    issues = map_entries(items, "issues", lambda e, w: _entry(e, w, IssueKind.ISSUE))
    return MappedPayload(ISSUES_MAPPER, f"{ISSUES_MAPPER}@{VERSION}", issues=issues)


def map_merge_requests(
    payload: object, *, host: str, source_url: str | None = None
) -> MappedPayload:
    """``GET /projects/:id/merge_requests``: one page of merge requests."""
    del host, source_url
    items = page_items(payload, "merge_requests")
    issues = map_entries(items, "merge_requests", lambda e, w: _entry(e, w, IssueKind.PULL_REQUEST))
    return MappedPayload(MERGE_REQUESTS_MAPPER, f"{MERGE_REQUESTS_MAPPER}@{VERSION}", issues=issues)


def _entry(entry: JSONObject, what: str, kind: IssueKind) -> IssueRecord:
    forge_state = req_str(entry, "state", what)
    merged_at = opt_datetime(entry, "merged_at", what)
    if forge_state == "merged" or merged_at is not None:
        state = IssueState.MERGED
    elif forge_state in _OPEN_STATES:
        state = IssueState.OPEN
    else:
        state = IssueState.CLOSED
    author = opt_object(entry, "author", what)
    draft = opt_bool(entry, "draft", what)
    if draft is None:
        draft = opt_bool(entry, "work_in_progress", what)
    native = entry.get("id")
    return IssueRecord(
        kind=kind,
        number=req_int(entry, "iid", what),
        title=req_str(entry, "title", what),
        state=state,
        forge_state=forge_state,
        native_id=str(native) if isinstance(native, int) else None,
        is_draft=bool(draft),
        is_locked=bool(opt_bool(entry, "discussion_locked", what)),
        author_login=opt_str(author, "username", f"{what}.author"),
        labels=_labels(entry, what),
        comments_count=opt_int(entry, "user_notes_count", what),
        url=opt_str(entry, "web_url", what),
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
    for label in raw:  # plain names, or objects with ``with_labels_details=true``
        name = label if isinstance(label, str) else opt_str(as_object(label, what), "name", what)
        if name:
            names.append(name)
    return tuple(names)


def _owner(namespace: JSONObject, host: str) -> OwnerRecord:
    full_path = req_str(namespace, "full_path", "project.namespace")
    kind = {"user": OwnerKind.USER, "group": OwnerKind.ORGANIZATION}.get(
        opt_str(namespace, "kind", "project.namespace") or ""
    )
    return OwnerRecord(
        forge=host,
        login=full_path,
        native_id=_id(namespace),
        kind=kind,
        name=opt_str(namespace, "name", "project.namespace"),
        url=normalize_url(f"https://{host}/{full_path}", case_insensitive=True),
    )


def _forked_from_url(forked_from: JSONObject | None, host: str) -> str | None:
    if forked_from is None:
        return None
    web_url = opt_str(forked_from, "web_url", "project.forked_from_project")
    path = opt_str(forked_from, "path_with_namespace", "project.forked_from_project")
    if web_url:
        return normalize_url(web_url, case_insensitive=True)
    return normalize_url(f"https://{host}/{path}", case_insensitive=True) if path else None


def _id(obj: JSONObject | None) -> str | None:
    native = obj.get("id") if obj else None
    return str(native) if isinstance(native, int) else None
