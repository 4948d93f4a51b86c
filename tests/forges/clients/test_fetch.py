"""One request: headers sent, envelope produced, and every failure typed."""

from __future__ import annotations

import base64

import httpx
import pytest

from app.forges.clients import (
    FETCHER_NAME,
    ClientConfig,
    Fetched,
    ForgeCredential,
    ForgeInstance,
    NotFoundAtSource,
    PermanentFetchError,
    RateLimited,
    TransientFetchError,
    Unchanged,
)
from app.models.enums import ForgeKind
from tests.forges.clients.conftest import NOW, Recorded, load

REPO_URL = "https://api.github.com/repos/go-gitea/test_repo"
GITHUB = ClientConfig(
    contact="ops@example.org", credentials={"github.com": ForgeCredential("ghp_test")}
)


def test_repository_200_becomes_an_envelope_with_the_exact_bytes(replay, make_client) -> None:
    recorded = load("github/repo_go-gitea_test_repo.http")
    replay.add(REPO_URL, recorded)
    result = make_client(GITHUB).fetch_repository("https://github.com/go-gitea/test_repo")

    assert isinstance(result, Fetched)
    env = result.envelope
    assert env.payload_bytes == recorded.body
    assert env.payload["full_name"] == "go-gitea/test_repo"
    assert (env.authority, env.format, env.kind) == (
        "github.com",
        "application/vnd.github.v3+json",
        "repository",
    )
    assert env.url == REPO_URL
    assert env.origin == "https://github.com/go-gitea/test_repo"
    assert env.etag == 'W/"4bd381e9d79f99cd2153b922e196d49eee23b7a4c10bb22a3ab3ffc6cf78ce39"'
    assert env.fetched_at is not None
    assert env.fetched_at.timestamp() == NOW
    assert env.fetcher_name == FETCHER_NAME
    assert result.rate.remaining == 4935
    assert result.next_url is None


def test_github_request_headers(replay, make_client) -> None:
    replay.add(REPO_URL, load("github/repo_go-gitea_test_repo.http"))
    make_client(GITHUB).fetch_repository("https://github.com/go-gitea/test_repo")
    sent = replay.requests[0].headers
    assert sent["Authorization"] == "Bearer ghp_test"
    assert sent["Accept"] == "application/vnd.github+json"
    assert sent["X-GitHub-Api-Version"] == "2022-11-28"
    assert sent["User-Agent"] == f"{FETCHER_NAME}/1 (+ops@example.org)"
    assert "If-None-Match" not in sent


def test_conditional_request_304_is_unchanged(replay, make_client) -> None:
    etag = '"644b5b0155e6404a9cc4bd9d8b1ae730"'
    replay.add(REPO_URL, load("github/not_modified_user.http"))
    result = make_client(GITHUB).fetch_repository(
        "https://github.com/go-gitea/test_repo", previous_etag=etag
    )
    assert replay.requests[0].headers["If-None-Match"] == etag
    assert isinstance(result, Unchanged)
    assert result.etag == etag
    assert (result.url, result.kind, result.origin) == (
        REPO_URL,
        "repository",
        "https://github.com/go-gitea/test_repo",
    )


def test_404_is_not_found_at_source(replay, make_client) -> None:
    replay.add("https://api.github.com/repos/foo/bar", load("github/not_found_404.http"))
    with pytest.raises(NotFoundAtSource, match=r"404 from github\.com: Not Found") as info:
        make_client().fetch_repository("https://github.com/foo/bar")
    assert info.value.status == 404
    assert isinstance(info.value, PermanentFetchError)


def test_410_is_not_found_at_source_too(replay, make_client) -> None:
    gone = Recorded(
        410, [("Content-Type", "application/json")], b'{"message":"Repository access blocked"}'
    )
    replay.add(REPO_URL, gone)
    with pytest.raises(NotFoundAtSource, match=r"410 .*Repository access blocked"):
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")


@pytest.mark.parametrize("status", [401, 403, 422])
def test_other_client_errors_are_permanent(replay, make_client, status) -> None:
    body = b'{"message":"Bad credentials"}'
    replay.add(REPO_URL, Recorded(status, [("Content-Type", "application/json")], body))
    with pytest.raises(PermanentFetchError, match=f"{status} from github.com: Bad credentials"):
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert len(replay.requests) == 1  # never retried


def test_secondary_rate_limit_raises_rate_limited(replay, make_client) -> None:
    replay.add(REPO_URL, load("github/secondary_rate_limit_403.http"))
    with pytest.raises(RateLimited) as info:
        make_client(GITHUB).fetch_repository("https://github.com/go-gitea/test_repo")
    assert info.value.retry_after_seconds == 60.0
    assert len(replay.requests) == 1  # a rate limit is not slept on in-process


def test_primary_rate_limit_waits_until_reset(replay, make_client) -> None:
    replay.add(REPO_URL, load("github/primary_rate_limit_403.http"))
    client = make_client(now=1377013266.0 - 1200)
    with pytest.raises(RateLimited) as info:
        client.fetch_repository("https://github.com/go-gitea/test_repo")
    assert info.value.retry_after_seconds == 1200.0


def test_gitlab_429_raises_rate_limited(replay, make_client) -> None:
    url = "https://gitlab.com/api/v4/projects/gitea%2Ftest_repo"
    replay.add(url, load("gitlab/throttled_429.http"))
    with pytest.raises(RateLimited) as info:
        make_client().fetch_repository("https://gitlab.com/gitea/test_repo")
    assert info.value.retry_after_seconds == 30.0


def test_server_errors_are_retried_then_succeed(replay, make_client) -> None:
    busy = Recorded(502, [("Content-Type", "text/html")], b"<html>Bad Gateway</html>")
    replay.add(REPO_URL, busy, load("github/repo_go-gitea_test_repo.http"))
    result = make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert isinstance(result, Fetched)
    assert len(replay.requests) == 2


def test_server_errors_become_transient_after_the_attempts(replay, make_client) -> None:
    replay.add(REPO_URL, Recorded(503, [("Retry-After", "2")], b""))
    with pytest.raises(TransientFetchError, match=r"503 from github\.com") as info:
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert info.value.retry_after_seconds == 2.0
    assert len(replay.requests) == 3


def test_long_retry_after_on_503_is_left_to_celery(replay, make_client) -> None:
    replay.add(REPO_URL, Recorded(503, [("Retry-After", "600")], b""))
    with pytest.raises(TransientFetchError) as info:
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert info.value.retry_after_seconds == 600.0
    assert len(replay.requests) == 1


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
)
def test_timeouts_and_connection_errors_are_transient(replay, make_client, error) -> None:
    replay.add(REPO_URL, error)
    with pytest.raises(TransientFetchError):
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert len(replay.requests) == 3


def test_a_200_that_is_not_json_is_transient(replay, make_client) -> None:
    replay.add(REPO_URL, Recorded(200, [("Content-Type", "text/html")], b"<html>captive</html>"))
    with pytest.raises(TransientFetchError, match="not JSON"):
        make_client().fetch_repository("https://github.com/go-gitea/test_repo")


def test_unknown_host_and_bad_urls_are_permanent(make_client) -> None:
    client = make_client()
    with pytest.raises(PermanentFetchError, match="unknown forge host"):
        client.fetch_repository("https://git.example.net/a/b")
    with pytest.raises(PermanentFetchError, match="not a repository URL"):
        client.fetch_repository("https://github.com/just-an-owner")
    with pytest.raises(PermanentFetchError, match="not a package URL"):
        client.fetch_package("https://github.com/a/b")


def test_forge_auth_headers(replay, make_client) -> None:
    config = ClientConfig(
        credentials={
            "gitlab.com": ForgeCredential("glpat-1"),
            "codeberg.org": ForgeCredential("cb-2"),
            "bitbucket.org": ForgeCredential("app-pass", username="alice"),
            "git.example.net": ForgeCredential("gh-enterprise"),
        },
        instances=(ForgeInstance("git.example.net", ForgeKind.GITHUB),),
    )
    ok = Recorded(200, [("Content-Type", "application/json")], b"{}")
    replay.add("https://gitlab.com/api/v4/projects/group%2Fsub%2Fproj", ok)
    replay.add("https://codeberg.org/api/v1/repos/o/r", ok)
    replay.add("https://api.bitbucket.org/2.0/repositories/ws/repo", ok)
    replay.add("https://git.example.net/api/v3/repos/o/r", ok)
    client = make_client(config)
    client.fetch_repository("https://gitlab.com/group/sub/proj")
    client.fetch_repository("https://codeberg.org/o/r")
    client.fetch_repository("https://bitbucket.org/ws/repo")
    client.fetch_repository("https://git.example.net/o/r")

    gitlab, codeberg, bitbucket, enterprise = (r.headers for r in replay.requests)
    assert gitlab["PRIVATE-TOKEN"] == "glpat-1"
    assert "Authorization" not in gitlab
    assert codeberg["Authorization"] == "token cb-2"
    assert bitbucket["Authorization"] == "Basic " + base64.b64encode(b"alice:app-pass").decode()
    assert enterprise["Authorization"] == "Bearer gh-enterprise"


def test_credential_repr_hides_the_token() -> None:
    assert "ghp_test" not in repr(ForgeCredential("ghp_test"))
