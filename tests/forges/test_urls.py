"""Canonical URLs: one spelling per repository or package."""

from __future__ import annotations

import pytest

from app.forges.urls import (
    RepositoryRef,
    canonical_repository_url,
    normalize_pypi_name,
    normalize_url,
    package_url,
    parse_repository_url,
    repository_url_from_declared,
)
from app.models.enums import ForgeKind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "http://www.GitHub.com/Pallets/ItsDangerous.git/",
            "https://github.com/pallets/itsdangerous",
        ),
        ("git://github.com/go-gitea/test_repo.git", "https://github.com/go-gitea/test_repo"),
        ("git@github.com:stevemao/left-pad.git", "https://github.com/stevemao/left-pad"),
        (
            "ssh://git@forgejo.example/alice/test_repo.git",
            "https://forgejo.example/alice/test_repo",
        ),
        ("https://user@bitbucket.org/Gitea/Test_Repo.git", "https://bitbucket.org/gitea/test_repo"),
        ("https://GitLab.com/Group/Sub/Project", "https://gitlab.com/group/sub/project"),
        ("https://codeberg.org/Forgejo/Forgejo//", "https://codeberg.org/forgejo/forgejo"),
        ("https://example.org/Some/Repo.git?x=1#frag", "https://example.org/Some/Repo"),
        ("github.com/a/b", "https://github.com/a/b"),
    ],
)
def test_normalize_url(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_case_is_kept_on_unknown_hosts_unless_told() -> None:
    url = "https://gitlab.example.org/Team/Tool"
    assert normalize_url(url) == "https://gitlab.example.org/Team/Tool"
    assert normalize_url(url, case_insensitive=True) == "https://gitlab.example.org/team/tool"


def test_normalize_url_without_host_is_an_error() -> None:
    with pytest.raises(ValueError, match="host"):
        normalize_url("https:///nothing")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://pypi.org/project/Zope.Interface", "https://pypi.org/project/zope-interface/"),
        (
            "http://www.npmjs.com/package/@sindresorhus/is/v/8.1.0",
            "https://www.npmjs.com/package/@sindresorhus/is",
        ),
        ("https://crates.io/crates/serde_json/1.0.0", "https://crates.io/crates/serde_json"),
    ],
)
def test_registry_urls_become_package_urls(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_package_urls() -> None:
    assert (
        package_url(ForgeKind.PYPI, "Python_Dateutil")
        == "https://pypi.org/project/python-dateutil/"
    )
    assert package_url(ForgeKind.NPM, "@babel/core") == "https://www.npmjs.com/package/@babel/core"
    assert package_url(ForgeKind.CRATES, "serde") == "https://crates.io/crates/serde"
    assert normalize_pypi_name("Foo.Bar__baz") == "foo-bar-baz"
    with pytest.raises(ValueError, match="registry"):
        package_url(ForgeKind.GITHUB, "x")
    with pytest.raises(ValueError, match="empty"):
        package_url(ForgeKind.NPM, " ")


@pytest.mark.parametrize(
    ("url", "ref"),
    [
        (
            "https://github.com/pallets/itsdangerous/tree/main/src",
            RepositoryRef("github.com", "pallets", "itsdangerous"),
        ),
        (
            "https://gitlab.com/group/sub/project/-/issues/3",
            RepositoryRef("gitlab.com", "group/sub", "project"),
        ),
        (
            "https://gitea.com/gitea/test_repo/src/branch/master/README.md",
            RepositoryRef("gitea.com", "gitea", "test_repo"),
        ),
        (
            "https://github.com/Pallets/ItsDangerous.git",
            RepositoryRef("github.com", "Pallets", "ItsDangerous"),
        ),
    ],
)
def test_parse_repository_url(url: str, ref: RepositoryRef) -> None:
    assert parse_repository_url(url) == ref


def test_parse_repository_url_rejects_non_repositories() -> None:
    assert parse_repository_url("https://github.com/pallets") is None
    assert parse_repository_url("not a url at all ://") is None
    assert canonical_repository_url("https://github.com/") is None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("git+https://github.com/x/y.git", "https://github.com/x/y"),
        ("git://github.com/x/y", "https://github.com/x/y"),
        ("github:x/y", "https://github.com/x/y"),
        ("x/y", "https://github.com/x/y"),
        ("sindresorhus/is", "https://github.com/sindresorhus/is"),
        ("git@github.com:x/y.git", "https://github.com/x/y"),
        ("gitlab:Group/Proj", "https://gitlab.com/group/proj"),
        ("bitbucket:team/repo", "https://bitbucket.org/team/repo"),
        ("git+ssh://git@github.com/x/y.git#v1.2.3", "https://github.com/x/y"),
        (
            "https://github.com/babel/babel/tree/main/packages/babel-core",
            "https://github.com/babel/babel",
        ),
    ],
)
def test_repository_url_from_declared(declared: str, expected: str) -> None:
    assert repository_url_from_declared(declared) == expected


@pytest.mark.parametrize("declared", ["", "   ", "just-a-name", "http://"])
def test_repository_url_from_declared_rejects_non_repositories(declared: str) -> None:
    assert repository_url_from_declared(declared) is None


# --- issue 10, item 9: ports are part of a forge's address; old GitLab deep links -----


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://git.example.org:8443/g/p", "https://git.example.org:8443/g/p"),
        ("http://git.example.org:8080/g/p.git", "https://git.example.org:8080/g/p"),
        ("https://git.example.org:443/g/p", "https://git.example.org/g/p"),
        ("http://git.example.org:80/g/p", "https://git.example.org/g/p"),
        # an ssh port is the ssh daemon's, not the web server's: dropped
        ("ssh://git@git.example.org:2222/g/p.git", "https://git.example.org/g/p"),
        ("https://user:secret@GitLab.Example.org:8443/G/P", "https://gitlab.example.org:8443/G/P"),
    ],
)
def test_non_default_web_ports_are_kept(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


def test_two_ports_of_one_host_are_two_forges() -> None:
    assert normalize_url("https://host.example:8443/g/p") != normalize_url(
        "https://host.example/g/p"
    )
    ref = parse_repository_url("https://host.example:8443/g/sub/p/-/issues/3")
    assert ref == RepositoryRef(host="host.example:8443", owner="g/sub", name="p")
    assert canonical_repository_url("https://host.example:8443/g/p/-/tree/main") == (
        "https://host.example:8443/g/p"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # GitLab before /-/ (GitLab < 12): issues and merge requests right after the project
        ("https://gitlab.com/gitea/test_repo/issues/1", "https://gitlab.com/gitea/test_repo"),
        (
            "https://gitlab.com/group/sub/project/merge_requests/4",
            "https://gitlab.com/group/sub/project",
        ),
        (
            "https://gitlab.example.org/team/tool/issues/12#note_3",
            "https://gitlab.example.org/team/tool",
        ),
        (
            "https://gitlab.example.org/team/tool/tree/master/src",
            "https://gitlab.example.org/team/tool",
        ),
        (
            "https://gitlab.example.org/team/tool/commit/0123abc",
            "https://gitlab.example.org/team/tool",
        ),
        # a self-hosted Gitea's issue and pull request pages
        (
            "https://git.example.org/alice/test_repo/issues/2",
            "https://git.example.org/alice/test_repo",
        ),
        (
            "https://git.example.org/alice/test_repo/pulls/7",
            "https://git.example.org/alice/test_repo",
        ),
        # a project really named "issues" in a subgroup stays one
        ("https://gitlab.example.org/org/sub/issues", "https://gitlab.example.org/org/sub/issues"),
        (
            "https://gitlab.example.org/org/sub/issues/issues/5",
            "https://gitlab.example.org/org/sub/issues",
        ),
    ],
)
def test_old_form_deep_links_name_their_project(raw: str, expected: str) -> None:
    assert canonical_repository_url(raw, case_insensitive=False) == expected


def test_bare_host_and_port_is_not_scp_syntax() -> None:
    assert normalize_url("git.example.org:8443/g/p") == "https://git.example.org:8443/g/p"
    assert normalize_url("git@github.com:1234/repo.git") == "https://github.com/1234/repo"
