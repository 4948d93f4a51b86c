"""GitHub mapper on recorded REST v3 responses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, IssueKind, IssueState, LicenseSource, OwnerKind

FORMAT = "application/vnd.github.v3+json"


def repo(payload, source_url=None):
    return map_envelope("github.com", FORMAT, "repository", payload, source_url=source_url)


def test_repository(load_fixture) -> None:
    mapped = repo(load_fixture("github/repo_go-gitea_test_repo.json"))
    origin = mapped.origin
    assert mapped.mapper_version == "github-repo@2"
    assert origin is not None
    assert origin.url == "https://github.com/go-gitea/test_repo"
    assert (origin.forge, origin.forge_kind, origin.native_id) == (
        "github.com",
        ForgeKind.GITHUB,
        "220672974",
    )
    assert origin.full_name == "go-gitea/test_repo"
    assert origin.owner is not None
    assert (origin.owner.login, origin.owner.kind, origin.owner.native_id) == (
        "go-gitea",
        OwnerKind.ORGANIZATION,
        "12724356",
    )
    assert origin.topics == ("gitea",)
    # GitHub's watchers_count is stars; real watchers are subscribers_count.
    assert (origin.stars, origin.forks, origin.watchers, origin.open_issues) == (3, 3, 4, 3)
    assert origin.default_branch == "master"
    assert origin.issue_tracker_url == "https://github.com/go-gitea/test_repo/issues"
    assert origin.created_at == datetime(2019, 11, 9, 16, 49, 20, tzinfo=UTC)
    assert origin.pushed_at == datetime(2019, 11, 12, 21, 54, 19, tzinfo=UTC)
    assert not (origin.is_fork)
    assert not (origin.is_archived)
    assert not (origin.is_template)
    assert not (origin.is_mirror)
    assert origin.previous_urls == ()
    (lic,) = origin.declared_licenses
    assert (lic.expression, lic.source) == ("MIT", LicenseSource.FORGE_DECLARED)


def test_demo_corpus_repositories(load_fixture) -> None:
    itsdangerous = repo(load_fixture("github/repo_pallets_itsdangerous.json")).origin
    assert itsdangerous is not None
    assert [lic.expression for lic in itsdangerous.declared_licenses] == ["BSD-3-Clause"]
    ms = repo(load_fixture("github/repo_vercel_ms.json")).origin
    assert ms is not None
    assert ms.url == "https://github.com/vercel/ms"


def test_renamed_repository_keeps_the_old_url(load_fixture) -> None:
    payload = load_fixture("github/repo_renamed_octokit-fixture-org.json")
    origin = repo(
        payload, "https://api.github.com/repos/octokit-fixture-org/rename-repository"
    ).origin
    assert origin is not None
    assert origin.url == "https://github.com/octokit-fixture-org/rename-repository-newname"
    assert origin.previous_urls == ("https://github.com/octokit-fixture-org/rename-repository",)
    assert origin.declared_licenses == ()  # "license": null


def test_fetch_url_differing_only_in_case_is_not_a_rename(load_fixture) -> None:
    payload = load_fixture("github/repo_go-gitea_test_repo.json")
    origin = repo(payload, "https://api.github.com/repos/Go-Gitea/Test_Repo").origin
    assert origin is not None
    assert origin.previous_urls == ()
    by_id = repo(payload, "https://api.github.com/repositories/220672974").origin
    assert by_id is not None
    assert by_id.previous_urls == ()


def test_fork_with_parent_and_source_2012_shape(load_fixture) -> None:
    origin = repo(load_fixture("github/repo_fork_2012_jacquev6_gitflow.json")).origin
    assert origin is not None
    assert origin.is_fork
    assert origin.fork_parent_url == "https://github.com/nvie/gitflow"
    assert origin.fork_parent_native_id == "481366"
    assert origin.fork_source_url == "https://github.com/nvie/gitflow"
    assert origin.default_branch == "develop"  # master_branch, before default_branch existed
    assert origin.owner is not None
    assert origin.owner.kind is None
    assert origin.issue_tracker_url is None  # has_issues: false


def test_noassertion_license_is_unmapped_and_case_is_folded(load_fixture) -> None:
    origin = repo(load_fixture("github/repo_noassertion_takeo_Brief.json")).origin
    assert origin is not None
    assert origin.url == "https://github.com/takeo/brief"
    assert origin.full_name == "takeo/Brief"  # display spelling kept
    (lic,) = origin.declared_licenses
    assert lic.expression is None
    assert lic.original_text == "Other"
    assert origin.watchers is None  # a listing entry has no subscribers_count


def test_archived_template_and_unknown_fields(load_fixture) -> None:
    payload = load_fixture("github/repo_go-gitea_test_repo.json")
    payload.update(archived=True, is_template=True, brand_new_field={"x": [1, 2]})
    origin = repo(payload).origin
    assert origin is not None
    assert origin.is_archived
    assert origin.is_template


def test_issues_two_pages(load_fixture) -> None:
    pages = [
        map_envelope(
            "github.com",
            FORMAT,
            "issues",
            load_fixture(f"github/issues_pallets_itsdangerous_page{n}.json"),
        )
        for n in (1, 2)
    ]
    issues = [issue for page in pages for issue in page.issues]
    assert [i.number for i in issues] == [375, 372, 371]
    first, pr, last = issues
    assert (first.kind, first.state, first.labels, first.author_login) == (
        IssueKind.ISSUE,
        IssueState.CLOSED,
        ("bug",),
        "davidism",
    )
    assert (pr.kind, pr.state, pr.forge_state) == (
        IssueKind.PULL_REQUEST,
        IssueState.MERGED,
        "closed",
    )
    assert pr.merged_at == datetime(2024, 3, 11, 16, 45, 53, tzinfo=UTC)
    assert last.kind is IssueKind.ISSUE
    assert pages[0].mapper_version == "github-issues@2"


def test_pulls_endpoint(load_fixture) -> None:
    mapped = map_envelope(
        "github.com", FORMAT, "pulls", load_fixture("github/pulls_octocat_Hello-World.json")
    )
    (pr,) = mapped.issues
    assert pr.kind is IssueKind.PULL_REQUEST
    # The documentation's example says "open" and has merged_at: merged_at decides, the
    # forge's word is kept alongside.
    assert (pr.state, pr.forge_state, pr.is_draft, pr.is_locked) == (
        IssueState.MERGED,
        "open",
        False,
        False,
    )
    assert pr.comments_count is None  # the pulls list carries no comment count


def test_open_draft_pull_request_in_issue_list(load_fixture) -> None:
    page = load_fixture("github/issues_pallets_itsdangerous_page1.json")
    pr = page[1]
    pr.update(state="open", draft=True, closed_at=None)
    pr["pull_request"]["merged_at"] = None
    (_, mapped) = map_envelope("github.com", FORMAT, "issues", page).issues
    assert (mapped.state, mapped.is_draft) == (IssueState.OPEN, True)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p.pop("full_name"), "full_name"),
        (lambda p: p.update(id="220672974"), "'id'"),
        (lambda p: p.update(stargazers_count="3"), "stargazers_count"),
        (lambda p: p.update(owner=[]), "owner"),
        (lambda p: p.update(created_at="yesterday"), "ISO 8601"),
        (lambda p: p.update(topics=["ok", 3]), "topics"),
    ],
)
def test_malformed_repository(load_fixture, mutate, reason) -> None:
    payload = load_fixture("github/repo_go-gitea_test_repo.json")
    mutate(payload)
    with pytest.raises(UnmappablePayload, match=reason):
        repo(payload)


def test_malformed_issue_pages() -> None:
    with pytest.raises(UnmappablePayload, match="array"):
        map_envelope("github.com", FORMAT, "issues", {"message": "Not Found"})
    with pytest.raises(UnmappablePayload, match=r"issues\[0\]"):
        map_envelope("github.com", FORMAT, "issues", [{"number": 1, "title": "x"}])
    with pytest.raises(UnmappablePayload, match="object"):
        map_envelope("github.com", FORMAT, "issues", ["not an issue"])


# --- issue 10: the URL as recorded, and 2012 payloads ------------------------------------


def test_2012_payload_counts_stars_from_watchers(load_fixture) -> None:
    """In 2012 the API had no ``stargazers_count``: ``watchers`` was the star count."""
    origin = repo(load_fixture("github/repo_2012_jacquev6_PyGithub.json")).origin
    assert origin is not None
    assert origin.stars == 15
    assert origin.watchers is None  # subscribers_count did not exist either
    fork = repo(load_fixture("github/repo_fork_2012_jacquev6_gitflow.json")).origin
    assert fork is not None
    assert fork.stars == 1
    modern = load_fixture("github/repo_PyGithub_PyGithub.json")
    modern["watchers"] = 1  # never read when stargazers_count is there
    origin = repo(modern).origin
    assert origin is not None
    assert origin.stars == 7122


def test_url_as_the_forge_spells_it_is_kept_for_the_archive(load_fixture) -> None:
    origin = repo(load_fixture("github/repo_PyGithub_PyGithub.json")).origin
    assert origin is not None
    assert origin.url == "https://github.com/pygithub/pygithub"  # for matching
    assert origin.archive_url == "https://github.com/PyGithub/PyGithub"  # for the SWHID
    fork = repo(load_fixture("github/repo_fork_2012_jacquev6_gitflow.json")).origin
    assert fork is not None
    assert fork.fork_parent_archive_url == "https://github.com/nvie/gitflow"


def test_enterprise_host_with_a_port(load_fixture) -> None:
    payload = load_fixture("github/repo_go-gitea_test_repo.json")
    payload["html_url"] = "https://ghe.example.org:8443/go-gitea/test_repo"
    origin = repo(payload).origin
    assert origin is not None
    assert origin.forge == "ghe.example.org:8443"
    assert origin.url == "https://ghe.example.org:8443/go-gitea/test_repo"
