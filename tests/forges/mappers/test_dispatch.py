"""map_envelope: which mapper for which envelope, and clear refusals."""

from __future__ import annotations

import json

import pytest

from app.forges import UnmappablePayload, map_envelope, resolve_forge_kind
from app.models.enums import ForgeKind
from tests.forges.conftest import FIXTURES


@pytest.mark.parametrize(
    ("authority", "format", "kind"),
    [
        ("github.com", "application/vnd.github.v3+json", ForgeKind.GITHUB),
        ("api.github.com", "application/json", ForgeKind.GITHUB),
        ("github.example.com", "application/vnd.github.v3+json", ForgeKind.GITHUB),
        ("gitlab.com", "application/json", ForgeKind.GITLAB),
        ("gitlab.example.org", "gitlab-project-json", ForgeKind.GITLAB),
        ("codeberg.org", "application/json", ForgeKind.FORGEJO),
        ("codeberg.org", "gitea-repo-json", ForgeKind.FORGEJO),
        ("git.example.net", "forgejo-repo-json", ForgeKind.FORGEJO),
        ("try.gitea.io", "gitea-repo-json", ForgeKind.GITEA),
        ("bitbucket.org", "application/json", ForgeKind.BITBUCKET),
        ("pypi.org", "pypi-project-json", ForgeKind.PYPI),
        ("registry.npmjs.org", "npm-packument-json", ForgeKind.NPM),
        ("crates.io", "application/json", ForgeKind.CRATES),
    ],
)
def test_resolve_forge_kind(authority, format, kind) -> None:
    assert resolve_forge_kind(authority, format) is kind


def test_unknown_and_contradictory_sources() -> None:
    with pytest.raises(UnmappablePayload, match="unknown source"):
        resolve_forge_kind("example.org", "application/json")
    with pytest.raises(UnmappablePayload, match="does not match"):
        resolve_forge_kind("github.com", "gitlab-project-json")


def test_unknown_kind() -> None:
    with pytest.raises(UnmappablePayload, match="unknown document kind"):
        map_envelope("github.com", "application/vnd.github.v3+json", "releases", [])
    with pytest.raises(UnmappablePayload, match="unknown document kind"):
        map_envelope("pypi.org", "pypi-project-json", "repository", {})
    with pytest.raises(UnmappablePayload, match="no mapper"):
        map_envelope("crates.io", "crates-crate-json", "issues", [])


def test_demo_corpus_envelopes_all_map() -> None:
    """Every envelope of the demo corpus (real recorded payloads) maps without error."""
    corpus = FIXTURES.parents[2] / "app" / "demo" / "corpus" / "forge.jsonl"
    if not corpus.exists():
        pytest.skip("demo corpus not present")
    for line in corpus.read_text(encoding="utf-8").splitlines():
        envelope = json.loads(line)
        mapped = map_envelope(
            envelope["authority"],
            envelope["format"],
            envelope["kind"],
            envelope["payload"],
            source_url=envelope["url"],
        )
        assert mapped.origin is not None or mapped.issues
        if mapped.origin is not None:
            assert mapped.origin.previous_urls == ()


@pytest.mark.parametrize("payload", [None, 3, "x", True])
def test_non_json_object_payloads(payload) -> None:
    for authority, kind in [
        ("github.com", "repository"),
        ("gitlab.com", "issues"),
        ("pypi.org", "package"),
        ("registry.npmjs.org", "package"),
    ]:
        with pytest.raises(UnmappablePayload):
            map_envelope(authority, "application/json", kind, payload)
