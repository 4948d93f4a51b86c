"""GitLab mapper on recorded v4 responses (gitlab.com and a self-hosted instance)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, IssueKind, IssueState, OwnerKind


def test_project(load_fixture) -> None:
    mapped = map_envelope(
        "gitlab.com",
        "gitlab-project-json",
        "project",
        load_fixture("gitlab/project_gitea_test_repo.json"),
    )
    origin = mapped.origin
    assert mapped.mapper_version == "gitlab-project@2"
    assert origin is not None
    assert (origin.url, origin.forge_kind, origin.native_id) == (
        "https://gitlab.com/gitea/test_repo",
        ForgeKind.GITLAB,
        "15578026",
    )
    assert origin.owner is not None
    assert (origin.owner.login, origin.owner.kind, origin.owner.url) == (
        "gitea",
        OwnerKind.ORGANIZATION,
        "https://gitlab.com/gitea",
    )
    assert origin.topics == ("migration", "test")
    assert (origin.stars, origin.forks, origin.watchers, origin.open_issues) == (0, 1, None, 0)
    assert origin.issue_tracker_url == "https://gitlab.com/gitea/test_repo/-/issues"
    assert origin.updated_at == datetime(2025, 11, 25, 9, 21, 43, 130000, tzinfo=UTC)
    assert not origin.is_fork
    assert origin.declared_licenses == ()


def test_self_hosted_by_format_with_fork_and_license(load_fixture) -> None:
    payload = load_fixture("gitlab/project_gitea_test_repo.json")
    payload["web_url"] = "https://gitlab.example.org/Gitea/Test_Repo"
    payload["forked_from_project"] = {
        "id": 1,
        "path_with_namespace": "upstream/test_repo",
        "web_url": "https://gitlab.example.org/upstream/test_repo",
    }
    payload["license"] = {"key": "mit", "name": "MIT License", "nickname": None}
    origin = map_envelope("gitlab.example.org", "gitlab-project-json", "project", payload).origin
    assert origin is not None
    assert origin.url == "https://gitlab.example.org/gitea/test_repo"
    assert origin.forge == "gitlab.example.org"
    assert origin.forge_kind is ForgeKind.GITLAB
    assert origin.is_fork
    assert origin.fork_parent_url == "https://gitlab.example.org/upstream/test_repo"
    assert [lic.expression for lic in origin.declared_licenses] == ["MIT"]


def test_project_fetched_by_old_path(load_fixture) -> None:
    payload = load_fixture("gitlab/project_gitea_test_repo.json")
    origin = map_envelope(
        "gitlab.com",
        "gitlab-project-json",
        "project",
        payload,
        source_url="https://gitlab.com/api/v4/projects/gitea%2Fold_name",
    ).origin
    assert origin is not None
    assert origin.previous_urls == ("https://gitlab.com/gitea/old_name",)
    same = map_envelope(
        "gitlab.com",
        "gitlab-project-json",
        "project",
        payload,
        source_url="https://gitlab.com/api/v4/projects/15578026",
    ).origin
    assert same is not None
    assert same.previous_urls == ()


def test_archived_and_legacy_tag_list(load_fixture) -> None:
    payload = load_fixture("gitlab/project_gitea_test_repo.json")
    payload.update(archived=True)
    payload.pop("topics")
    origin = map_envelope("gitlab.com", "gitlab-project-json", "project", payload).origin
    assert origin is not None
    assert origin.is_archived
    assert origin.topics == ("migration", "test")


def test_issues(load_fixture) -> None:
    mapped = map_envelope(
        "gitlab.com", "gitlab-issues-json", "issues", load_fixture("gitlab/issues_page1.json")
    )
    first, second = mapped.issues
    assert (first.number, first.kind, first.state, first.forge_state) == (
        1,
        IssueKind.ISSUE,
        IssueState.CLOSED,
        "closed",
    )
    assert first.labels == ("bug", "discussion")
    assert first.author_login == "lafriks"
    assert second.comments_count == 2


def test_merge_requests(load_fixture) -> None:
    page = [
        load_fixture("gitlab/merge_request_3.json"),
        load_fixture("gitlab/merge_request_4.json"),
    ]
    mapped = map_envelope("gitlab.com", "gitlab-merge-requests-json", "merge_requests", page)
    assert mapped.mapper_version == "gitlab-merge-requests@2"
    three, four = mapped.issues
    assert (three.kind, three.state, three.number, three.comments_count) == (
        IssueKind.PULL_REQUEST,
        IssueState.CLOSED,
        3,
        1,
    )
    assert three.closed_at == datetime(2024, 9, 3, 7, 52, 28, 488000, tzinfo=UTC)
    assert four.author_login == "patdyn"


@pytest.mark.parametrize(
    ("changes", "state", "draft", "locked"),
    [
        (
            {"state": "merged", "merged_at": "2024-09-03T08:00:00.000Z"},
            IssueState.MERGED,
            False,
            False,
        ),
        ({"state": "opened", "closed_at": None, "draft": True}, IssueState.OPEN, True, False),
        ({"state": "locked", "discussion_locked": True}, IssueState.OPEN, False, True),
        (
            {"state": "opened", "draft": None, "work_in_progress": True},
            IssueState.OPEN,
            True,
            False,
        ),
    ],
)
def test_merge_request_states(load_fixture, changes, state, draft, locked) -> None:
    entry = load_fixture("gitlab/merge_request_3.json")
    entry.update(changes)
    (mr,) = map_envelope(
        "gitlab.com", "gitlab-merge-requests-json", "merge_requests", [entry]
    ).issues
    assert (mr.state, mr.is_draft, mr.is_locked, mr.forge_state) == (
        state,
        draft,
        locked,
        changes["state"],
    )


def test_malformed_project(load_fixture) -> None:
    payload = load_fixture("gitlab/project_gitea_test_repo.json")
    payload["namespace"] = {"id": 1}
    with pytest.raises(UnmappablePayload, match="full_path"):
        map_envelope("gitlab.com", "gitlab-project-json", "project", payload)
    with pytest.raises(UnmappablePayload, match="iid"):
        map_envelope(
            "gitlab.com", "gitlab-issues-json", "issues", [{"state": "opened", "title": "x"}]
        )


def test_archive_url_is_the_http_clone_url(load_fixture) -> None:
    """Software Heritage's GitLab lister records ``http_url_to_repo``."""
    origin = map_envelope(
        "gitlab.com",
        "gitlab-project-json",
        "project",
        load_fixture("gitlab/project_gitea_test_repo.json"),
    ).origin
    assert origin is not None
    assert origin.archive_url == "https://gitlab.com/gitea/test_repo.git"
    assert origin.url == "https://gitlab.com/gitea/test_repo"


def test_self_hosted_port_is_part_of_the_forge(load_fixture) -> None:
    payload = load_fixture("gitlab/project_gitea_test_repo.json")
    payload["web_url"] = "https://gitlab.example.org:8443/gitea/test_repo"
    payload["http_url_to_repo"] = "https://gitlab.example.org:8443/gitea/test_repo.git"
    origin = map_envelope(
        "gitlab.example.org:8443", "gitlab-project-json", "repository", payload
    ).origin
    assert origin is not None
    assert origin.forge == "gitlab.example.org:8443"
    assert origin.url == "https://gitlab.example.org:8443/gitea/test_repo"
