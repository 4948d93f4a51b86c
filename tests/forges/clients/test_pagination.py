"""Listings: Link headers (GitHub, GitLab, Gitea), X-Next-Page, Bitbucket's body ``next``."""

from __future__ import annotations

import json

from app.forges.clients import ClientConfig, Fetched, Unchanged
from tests.forges.clients.conftest import Recorded, load

GH_FIRST = (
    "https://api.github.com/repos/go-gitea/test_repo/issues"
    "?state=all&sort=updated&direction=desc&per_page=100"
)
GH_SECOND = (
    "https://api.github.com/repositories/220672974/issues"
    "?direction=asc&page=2&per_page=2&sort=created&state=all"
)
GL_FIRST = (
    "https://gitlab.com/api/v4/projects/gitea%2Ftest_repo/issues"
    "?scope=all&state=all&order_by=updated_at&sort=desc&per_page=100"
)
GL_SECOND = (
    "https://gitlab.com/api/v4/projects/15578026/issues?id=15578026&order_by=created_at"
    "&page=2&per_page=2&sort=asc&state=all&with_labels_details=false"
)


def test_github_issues_follow_link_next_until_the_last_page(replay, make_client) -> None:
    replay.add(GH_FIRST, load("github/issues_page1.http"))
    replay.add(GH_SECOND, load("github/issues_page2.http"))
    pages = list(make_client().iter_issues("https://github.com/go-gitea/test_repo"))

    assert [str(r.url) for r in replay.requests] == [GH_FIRST, GH_SECOND]
    assert all(isinstance(p, Fetched) for p in pages)
    first, second = (p.envelope for p in pages if isinstance(p, Fetched))
    assert [i["number"] for i in first.payload] == [1, 2]
    assert second.payload == []
    assert (first.kind, second.kind) == ("issues", "issues")
    assert second.url == GH_SECOND  # each page is its own envelope, under its own URL


def test_page_cap(replay, make_client) -> None:
    replay.add(GH_FIRST, load("github/issues_page1.http"))
    pages = list(make_client().iter_issues("https://github.com/go-gitea/test_repo", max_pages=1))
    assert len(pages) == 1
    assert len(replay.requests) == 1
    config = ClientConfig(max_pages=1)
    assert len(list(make_client(config).iter_issues("https://github.com/go-gitea/test_repo"))) == 1


def test_etags_are_looked_up_per_page(replay, make_client) -> None:
    stored = {GH_FIRST: 'W/"old-first"', GH_SECOND: 'W/"old-second"'}
    replay.add(GH_FIRST, load("github/issues_page1.http"))
    replay.add(GH_SECOND, load("github/issues_page2.http"))
    list(
        make_client().iter_issues("https://github.com/go-gitea/test_repo", previous_etag=stored.get)
    )
    assert [r.headers["If-None-Match"] for r in replay.requests] == list(stored.values())


def test_an_unchanged_first_page_ends_the_walk(replay, make_client) -> None:
    replay.add(GH_FIRST, load("github/not_modified_user.http"))
    pages = list(
        make_client().iter_issues(
            "https://github.com/go-gitea/test_repo", previous_etag=lambda _url: '"x"'
        )
    )
    assert len(pages) == 1
    assert isinstance(pages[0], Unchanged)


def test_next_links_to_another_host_are_not_followed(replay, make_client) -> None:
    page = load("github/issues_page1.http").with_headers(
        ("link",), Link='<https://evil.example/steal?page=2>; rel="next"'
    )
    replay.add(GH_FIRST, page)
    pages = list(make_client().iter_issues("https://github.com/go-gitea/test_repo"))
    assert len(pages) == 1
    assert isinstance(pages[0], Fetched)
    assert pages[0].next_url is None


def test_gitlab_issues_follow_link(replay, make_client) -> None:
    replay.add(GL_FIRST, load("gitlab/issues_page1.http"))
    replay.add(GL_SECOND, Recorded(200, [("Content-Type", "application/json")], b"[]"))
    pages = list(make_client().iter_issues("https://gitlab.com/gitea/test_repo"))
    assert [str(r.url) for r in replay.requests] == [GL_FIRST, GL_SECOND]
    assert len(pages) == 2


def test_gitlab_x_next_page_when_link_is_missing(replay, make_client) -> None:
    second = GL_FIRST.replace("per_page=100", "per_page=100&page=2")
    replay.add(GL_FIRST, load("gitlab/issues_page1.http").with_headers(("link",)))
    replay.add(second, Recorded(200, [("X-Next-Page", "")], b"[]"))
    pages = list(make_client().iter_issues("https://gitlab.com/gitea/test_repo"))
    assert [str(r.url) for r in replay.requests] == [GL_FIRST, second]
    assert len(pages) == 2


def test_gitlab_merge_requests_listing(replay, make_client) -> None:
    first = (
        "https://gitlab.com/api/v4/projects/gitea%2Ftest_repo/merge_requests"
        "?scope=all&state=all&order_by=updated_at&sort=desc&per_page=100"
    )
    replay.add(first, load("gitlab/merge_requests_page1.http"))
    page = next(iter(make_client().iter_pulls("https://gitlab.com/gitea/test_repo")))
    assert isinstance(page, Fetched)
    assert (page.envelope.kind, page.envelope.format) == ("pulls", "gitlab-merge-requests-json")
    assert page.next_url is not None
    assert "page=2" in page.next_url


def test_gitea_issues_link_next(replay, make_client) -> None:
    first = "https://gitea.com/api/v1/repos/gitea/test_repo/issues?state=all&type=issues&limit=50"
    replay.add(first, load("gitea/issues_page3.http"))
    page = next(iter(make_client().iter_issues("https://gitea.com/gitea/test_repo")))
    assert isinstance(page, Fetched)
    assert page.next_url == (
        "https://gitea.com/api/v1/repos/gitea/test_repo/issues?limit=2&page=4&state=all&type=issues"
    )
    assert page.envelope.format == "gitea-issues-json"


def test_bitbucket_next_in_the_body(replay, make_client) -> None:
    first = (
        "https://api.bitbucket.org/2.0/repositories/gitea/test_repo/pullrequests"
        "?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50&sort=-updated_on"
    )
    second = "https://api.bitbucket.org/2.0/repositories/gitea/test_repo/pullrequests?page=2"
    recorded = load("bitbucket/pullrequests_page1.http")
    body = json.loads(recorded.body)
    body["next"] = second  # variant: the recorded repository had one page only
    with_next = Recorded(200, recorded.headers, json.dumps(body).encode())
    replay.add(first, with_next)
    replay.add(second, recorded)
    pages = list(make_client().iter_pulls("https://bitbucket.org/gitea/test_repo"))
    assert [str(r.url) for r in replay.requests] == [first, second]
    assert len(pages) == 2
