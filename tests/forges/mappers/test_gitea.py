"""Gitea / Forgejo mapper on responses recorded from gitea.com and a Forgejo instance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, IssueKind, IssueState


def test_repository(load_fixture) -> None:
    mapped = map_envelope(
        "gitea.com",
        "gitea-repo-json",
        "repository",
        load_fixture("gitea/repo_gitea_test_repo.json"),
    )
    origin = mapped.origin
    assert origin is not None
    assert mapped.mapper_version == "gitea-repo@2"
    assert (origin.url, origin.forge_kind, origin.native_id) == (
        "https://gitea.com/gitea/test_repo",
        ForgeKind.GITEA,
        "16268",
    )
    assert origin.homepage == "https://gitea.com/test-repo"
    assert origin.topics == ("gitea", "test", "migration", "ci")
    assert (origin.stars, origin.forks, origin.watchers, origin.open_issues) == (1, 2, 10, 2)
    assert origin.language is None  # "" means unknown
    assert origin.declared_licenses == ()  # "licenses": []
    assert origin.issue_tracker_url == "https://gitea.com/gitea/test_repo/issues"
    assert not (origin.is_archived)
    assert not (origin.is_template)
    assert not (origin.is_mirror)


def test_fork_with_parent(load_fixture) -> None:
    origin = map_envelope(
        "gitea.com",
        "gitea-repo-json",
        "repository",
        load_fixture("gitea/repo_fork_6543-forks_test_repo.json"),
    ).origin
    assert origin is not None
    assert origin.is_fork
    assert (origin.fork_parent_url, origin.fork_parent_native_id) == (
        "https://gitea.com/gitea/test_repo",
        "16268",
    )
    assert origin.issue_tracker_url is None  # has_issues: false


def test_mirror_template_licenses_and_unknown_fields(load_fixture) -> None:
    payload = load_fixture("gitea/repo_gitea_test_repo.json")
    payload.update(
        mirror=True,
        template=True,
        archived=True,
        licenses=["MIT", "Apache-2.0"],
        new_in_1_25={"a": 1},
    )
    origin = map_envelope("gitea.com", "gitea-repo-json", "repository", payload).origin
    assert origin is not None
    assert origin.is_mirror
    assert origin.is_template
    assert origin.is_archived
    assert [lic.expression for lic in origin.declared_licenses] == ["MIT", "Apache-2.0"]


def test_forgejo_self_hosted_by_format(load_fixture) -> None:
    origin = map_envelope(
        "forgejo.example",
        "forgejo-repo-json",
        "repository",
        load_fixture("forgejo/repo_alice_test_repo.json"),
    ).origin
    assert origin is not None
    assert (origin.forge, origin.forge_kind) == ("forgejo.example", ForgeKind.FORGEJO)
    assert origin.url == "https://forgejo.example/alice/test_repo"
    assert origin.default_branch == "main"


def test_codeberg_is_forgejo(load_fixture) -> None:
    payload = load_fixture("forgejo/repo_alice_test_repo.json")
    payload["html_url"] = "https://codeberg.org/Alice/Test_Repo"
    origin = map_envelope("codeberg.org", "application/json", "repository", payload).origin
    assert origin is not None
    assert origin.forge_kind is ForgeKind.FORGEJO
    assert origin.url == "https://codeberg.org/alice/test_repo"


def test_issues_page(load_fixture) -> None:
    mapped = map_envelope(
        "gitea.com", "gitea-issues-json", "issues", load_fixture("gitea/issues_page3.json")
    )
    locked, spam = mapped.issues
    assert (locked.number, locked.is_locked, locked.labels, locked.author_login) == (
        4,
        True,
        ("Question",),
        "Ghost",
    )
    assert spam.state is IssueState.CLOSED
    assert spam.kind is IssueKind.ISSUE


def test_pull_request_in_issue_list(load_fixture) -> None:
    page = load_fixture("gitea/issues_page3.json")
    page[0]["pull_request"] = {"merged": True, "merged_at": "2020-09-01T17:55:34Z", "draft": False}
    pr = map_envelope("gitea.com", "gitea-issues-json", "issues", page).issues[0]
    assert (pr.kind, pr.state) == (IssueKind.PULL_REQUEST, IssueState.MERGED)


def test_pulls(load_fixture) -> None:
    mapped = map_envelope(
        "gitea.com", "gitea-pulls-json", "pulls", load_fixture("gitea/pulls_page1.json")
    )
    open_locked, merged = mapped.issues
    assert (open_locked.state, open_locked.is_locked, open_locked.comments_count) == (
        IssueState.OPEN,
        True,
        1,
    )
    assert (merged.state, merged.forge_state) == (IssueState.MERGED, "closed")
    assert merged.merged_at == datetime(2020, 9, 1, 17, 55, 34, tzinfo=UTC)


def test_malformed(load_fixture) -> None:
    payload = load_fixture("gitea/repo_gitea_test_repo.json")
    payload["stars_count"] = None
    payload["watchers_count"] = True
    with pytest.raises(UnmappablePayload, match="watchers_count"):
        map_envelope("gitea.com", "gitea-repo-json", "repository", payload)


def test_archive_url_is_the_clone_url(load_fixture) -> None:
    origin = map_envelope(
        "gitea.com",
        "gitea-repo-json",
        "repository",
        load_fixture("gitea/repo_gitea_test_repo.json"),
    ).origin
    assert origin is not None
    assert origin.archive_url == "https://gitea.com/gitea/test_repo.git"
