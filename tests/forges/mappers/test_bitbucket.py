"""Bitbucket Cloud mapper on responses recorded from api.bitbucket.org."""

from __future__ import annotations

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, IssueKind, IssueState, OwnerKind


def test_repository(load_fixture) -> None:
    mapped = map_envelope(
        "bitbucket.org",
        "bitbucket-repository-json",
        "repository",
        load_fixture("bitbucket/repo_gitea_test_repo.json"),
    )
    origin = mapped.origin
    assert origin is not None
    assert mapped.mapper_version == "bitbucket-repo@2"
    assert (origin.url, origin.forge_kind) == (
        "https://bitbucket.org/gitea/test_repo",
        ForgeKind.BITBUCKET,
    )
    assert origin.native_id == "{7b764bc5-c3f3-4910-a90b-4cdc229a66b7}"
    assert origin.owner is not None
    assert (origin.owner.login, origin.owner.kind) == ("gitea", OwnerKind.ORGANIZATION)
    assert origin.default_branch == "master"
    assert origin.description is None
    assert origin.homepage is None
    assert origin.language is None
    assert (origin.stars, origin.forks, origin.watchers) == (None, None, None)


def test_fork_parent(load_fixture) -> None:
    payload = load_fixture("bitbucket/repo_gitea_test_repo.json")
    payload["parent"] = {
        "type": "repository",
        "full_name": "upstream/test_repo",
        "uuid": "{1}",
        "links": {"html": {"href": "https://bitbucket.org/upstream/test_repo"}},
    }
    origin = map_envelope(
        "api.bitbucket.org", "bitbucket-repository-json", "repository", payload
    ).origin
    assert origin is not None
    assert origin.is_fork
    assert (origin.fork_parent_url, origin.fork_parent_native_id) == (
        "https://bitbucket.org/upstream/test_repo",
        "{1}",
    )


def test_pull_requests(load_fixture) -> None:
    mapped = map_envelope(
        "bitbucket.org",
        "bitbucket-pullrequests-json",
        "pullrequests",
        load_fixture("bitbucket/pullrequests_page1.json"),
    )
    (pr,) = mapped.issues
    assert (pr.kind, pr.number, pr.state, pr.forge_state) == (
        IssueKind.PULL_REQUEST,
        1,
        IssueState.OPEN,
        "OPEN",
    )
    assert pr.author_login == "Lunny Xiao"
    assert pr.url == "https://bitbucket.org/gitea/test_repo/pull-requests/1"


@pytest.mark.parametrize(
    ("forge_state", "state"),
    [
        ("MERGED", IssueState.MERGED),
        ("DECLINED", IssueState.CLOSED),
        ("SUPERSEDED", IssueState.CLOSED),
    ],
)
def test_pull_request_states(load_fixture, forge_state, state) -> None:
    page = load_fixture("bitbucket/pullrequests_page1.json")
    page["values"][0]["state"] = forge_state
    (pr,) = map_envelope(
        "bitbucket.org", "bitbucket-pullrequests-json", "pullrequests", page
    ).issues
    assert pr.state is state
    assert pr.merged_at is None


def test_issues() -> None:
    page = {
        "values": [
            {
                "id": 7,
                "title": "Crash",
                "state": "on hold",
                "kind": "bug",
                "reporter": {"nickname": "ann"},
                "component": None,
            },
            {"id": 8, "title": "Typo", "state": "resolved", "kind": "task"},
        ],
        "pagelen": 10,
        "page": 1,
    }
    on_hold, resolved = map_envelope(
        "bitbucket.org", "bitbucket-issues-json", "issues", page
    ).issues
    assert (on_hold.state, on_hold.forge_state, on_hold.labels, on_hold.author_login) == (
        IssueState.OPEN,
        "on hold",
        ("bug",),
        "ann",
    )
    assert resolved.state is IssueState.CLOSED


def test_malformed() -> None:
    with pytest.raises(UnmappablePayload, match="values"):
        map_envelope(
            "bitbucket.org", "bitbucket-pullrequests-json", "pullrequests", {"values": {"id": 1}}
        )
    with pytest.raises(UnmappablePayload, match="full_name"):
        map_envelope(
            "bitbucket.org",
            "bitbucket-repository-json",
            "repository",
            {"type": "error", "error": {"message": "Not found"}},
        )


def test_archive_url_is_the_https_clone_link(load_fixture) -> None:
    payload = load_fixture("bitbucket/repo_gitea_test_repo.json")
    origin = map_envelope(
        "bitbucket.org", "bitbucket-repository-json", "repository", payload
    ).origin
    assert origin is not None
    assert origin.archive_url == "https://bitbucket.org/gitea/test_repo.git"
    # an authenticated listing names the user in the link: never kept
    payload["links"]["clone"][0]["href"] = "https://someone@bitbucket.org/gitea/test_repo.git"
    origin = map_envelope(
        "bitbucket.org", "bitbucket-repository-json", "repository", payload
    ).origin
    assert origin is not None
    assert origin.archive_url == "https://bitbucket.org/gitea/test_repo.git"
