"""Fetch (mocked) -> envelope -> ``map_envelope`` -> records: the fetcher's labels are
the ones the mappers accept, for every forge and registry."""

from __future__ import annotations

import json

from app.forges import map_envelope
from app.forges.clients import Fetched
from app.forges.envelope import parse_envelope
from tests.forges.clients.conftest import FIXTURES, json_body, load
from tests.forges.clients.test_pagination import GH_FIRST, GH_SECOND, GL_FIRST

MAPPER_FIXTURES = FIXTURES.parents[1] / "fixtures"


def _map(result):
    assert isinstance(result, Fetched)
    env = result.envelope
    return map_envelope(env.authority, env.format, env.kind, env.payload, source_url=env.url)


def test_github_repository(replay, make_client) -> None:
    replay.add(
        "https://api.github.com/repos/go-gitea/test_repo",
        load("github/repo_go-gitea_test_repo.http"),
    )
    mapped = _map(make_client().fetch_repository("https://github.com/go-gitea/test_repo"))
    assert mapped.origin is not None
    assert mapped.origin.url == "https://github.com/go-gitea/test_repo"
    assert mapped.mapper_version.startswith("github-repo")


def test_github_issue_pages(replay, make_client) -> None:
    replay.add(GH_FIRST, load("github/issues_page1.http"))
    replay.add(GH_SECOND, load("github/issues_page2.http"))
    pages = list(make_client().iter_issues("https://github.com/go-gitea/test_repo"))
    issues = [issue for page in pages for issue in _map(page).issues]
    assert [i.number for i in issues] == [1, 2]


def test_gitlab_issues_and_merge_requests(replay, make_client) -> None:
    replay.add(GL_FIRST, load("gitlab/issues_page1.http"))
    mrs = (
        "https://gitlab.com/api/v4/projects/gitea%2Ftest_repo/merge_requests"
        "?scope=all&state=all&order_by=updated_at&sort=desc&per_page=100"
    )
    replay.add(mrs, load("gitlab/merge_requests_page1.http"))
    client = make_client()
    issues = _map(next(iter(client.iter_issues("https://gitlab.com/gitea/test_repo", max_pages=1))))
    pulls = _map(next(iter(client.iter_pulls("https://gitlab.com/gitea/test_repo", max_pages=1))))
    assert [i.number for i in issues.issues] == [1, 2]
    assert sorted(i.number for i in pulls.issues) == [3, 4]


def test_gitlab_project_self_hosted(replay, make_client) -> None:
    from app.forges.clients import ClientConfig, ForgeInstance
    from app.models.enums import ForgeKind

    config = ClientConfig(instances=(ForgeInstance("gitlab.example.org", ForgeKind.GITLAB),))
    replay.add(
        "https://gitlab.example.org/api/v4/projects/gitea%2Ftest_repo",
        json_body(MAPPER_FIXTURES / "gitlab" / "project_gitea_test_repo.json"),
    )
    mapped = _map(
        make_client(config).fetch_repository("https://gitlab.example.org/gitea/test_repo")
    )
    assert mapped.origin is not None
    assert mapped.origin.forge_kind == ForgeKind.GITLAB


def test_gitea_and_bitbucket(replay, make_client) -> None:
    replay.add(
        "https://gitea.com/api/v1/repos/gitea/test_repo/issues?state=all&type=issues&limit=50",
        load("gitea/issues_page3.http"),
    )
    replay.add(
        "https://api.bitbucket.org/2.0/repositories/gitea/test_repo/pullrequests"
        "?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50&sort=-updated_on",
        load("bitbucket/pullrequests_page1.http"),
    )
    client = make_client()
    gitea = _map(next(iter(client.iter_issues("https://gitea.com/gitea/test_repo", max_pages=1))))
    bitbucket = _map(next(iter(client.iter_pulls("https://bitbucket.org/gitea/test_repo"))))
    assert [i.number for i in gitea.issues] == [4, 2]
    assert [i.number for i in bitbucket.issues] == [1]


def test_codeberg_repository_is_forgejo(replay, make_client) -> None:
    replay.add(
        "https://codeberg.org/api/v1/repos/alice/test_repo",
        json_body(MAPPER_FIXTURES / "forgejo" / "repo_alice_test_repo.json"),
    )
    result = make_client().fetch_repository("https://codeberg.org/alice/test_repo")
    assert isinstance(result, Fetched)
    assert result.envelope.format == "forgejo-repo-json"
    assert _map(result).origin is not None


def test_registries(replay, make_client) -> None:
    """Registry bodies are the stored real payloads; their headers were not recorded."""
    replay.add("https://pypi.org/pypi/six/json", json_body(MAPPER_FIXTURES / "pypi" / "six.json"))
    replay.add("https://registry.npmjs.org/ms", json_body(MAPPER_FIXTURES / "npm" / "ms.json"))
    replay.add(
        "https://registry.npmjs.org/@sindresorhus%2Fis",
        json_body(MAPPER_FIXTURES / "npm" / "sindresorhus-is.json"),
    )
    replay.add(
        "https://crates.io/api/v1/crates/foo_show",
        json_body(MAPPER_FIXTURES / "crates" / "crate_foo_show.json"),
    )
    client = make_client()
    urls = {
        "https://pypi.org/project/six/": "https://pypi.org/project/six/",
        "https://www.npmjs.com/package/ms": "https://www.npmjs.com/package/ms",
        "https://www.npmjs.com/package/@sindresorhus/is": (
            "https://www.npmjs.com/package/@sindresorhus/is"
        ),
        "https://crates.io/crates/foo_show": "https://crates.io/crates/foo_show",
    }
    for origin_url, canonical in urls.items():
        result = client.fetch_package(origin_url)
        assert isinstance(result, Fetched)
        assert result.envelope.origin == canonical
        mapped = _map(result)
        assert mapped.origin is not None
        assert mapped.origin.url == canonical


def test_envelope_survives_the_jsonl_round_trip(replay, make_client) -> None:
    """What the fetcher produces can be written as a dump line and read back."""
    recorded = load("github/repo_go-gitea_test_repo.http")
    replay.add("https://api.github.com/repos/go-gitea/test_repo", recorded)
    result = make_client().fetch_repository("https://github.com/go-gitea/test_repo")
    assert isinstance(result, Fetched)
    env = result.envelope
    line = json.dumps(
        {
            "authority": env.authority,
            "format": env.format,
            "kind": env.kind,
            "url": env.url,
            "origin": env.origin,
            "etag": env.etag,
            "fetcher": {"name": env.fetcher_name, "version": env.fetcher_version},
            "payload": env.payload,
        }
    )
    again = parse_envelope(line)
    assert again.payload_bytes == env.payload_bytes == recorded.body
