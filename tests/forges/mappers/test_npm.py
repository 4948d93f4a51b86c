"""npm mapper on packuments saved from registry.npmjs.org."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind


def npm(payload):
    return map_envelope("registry.npmjs.org", "npm-packument-json", "package", payload)


def test_ms_with_repository_change(load_fixture) -> None:
    mapped = npm(load_fixture("npm/ms.json"))
    origin = mapped.origin
    assert origin is not None
    assert mapped.mapper_version == "npm-packument@1"
    assert (origin.url, origin.forge, origin.forge_kind) == (
        "https://www.npmjs.com/package/ms",
        "npmjs.com",
        ForgeKind.NPM,
    )
    assert origin.declared_repository_url == "https://github.com/vercel/ms"  # "vercel/ms" shorthand
    assert origin.previous_declared_repository_urls == ("https://github.com/zeit/ms",)
    assert origin.created_at == datetime(2011, 12, 21, 19, 38, 8, 664000, tzinfo=UTC)
    assert [lic.expression for lic in origin.declared_licenses] == ["MIT"]
    assert origin.latest_version == "2.1.3"


def test_renamed_repository_across_versions(load_fixture) -> None:
    origin = npm(load_fixture("npm/coffee-script.json")).origin
    assert origin is not None
    assert origin.declared_repository_url == "https://github.com/jashkenas/coffeescript"
    assert origin.previous_declared_repository_urls == (
        "https://github.com/jashkenas/coffee-script",
    )
    assert (
        origin.issue_tracker_url == "https://github.com/jashkenas/coffeescript/issues"
    )  # bugs as a string


def test_legacy_licenses_array(load_fixture) -> None:
    origin = npm(load_fixture("npm/node-uuid.json")).origin
    assert origin is not None
    (lic,) = origin.declared_licenses
    assert (lic.expression, lic.detail) == ("MIT", "licenses array")


def test_ambiguous_license_and_http_repository(load_fixture) -> None:
    origin = npm(load_fixture("npm/optimist.json")).origin
    assert origin is not None
    (lic,) = origin.declared_licenses
    assert (lic.expression, lic.original_text) == (None, "MIT/X11")
    assert origin.declared_repository_url == "https://github.com/substack/node-optimist"


def test_scp_like_repository_and_wtfpl(load_fixture) -> None:
    origin = npm(load_fixture("npm/left-pad.json")).origin
    assert origin is not None
    assert origin.declared_repository_url == "https://github.com/stevemao/left-pad"
    assert [lic.expression for lic in origin.declared_licenses] == ["WTFPL"]


def test_scoped_package(load_fixture) -> None:
    origin = npm(load_fixture("npm/sindresorhus-is.json")).origin
    assert origin is not None
    assert origin.url == "https://www.npmjs.com/package/@sindresorhus/is"
    assert origin.owner is not None
    assert origin.owner.login == "sindresorhus"
    assert origin.declared_repository_url == "https://github.com/sindresorhus/is"


def test_unlicensed_and_see_license_in(load_fixture) -> None:
    payload = load_fixture("npm/ms.json")
    payload["versions"]["2.1.3"]["license"] = "UNLICENSED"
    (lic,) = npm(payload).origin.declared_licenses  # type: ignore[union-attr]
    assert lic.expression is None
    assert lic.note is not None
    assert "proprietary" in lic.note
    payload["versions"]["2.1.3"]["license"] = "SEE LICENSE IN EULA.md"
    (lic,) = npm(payload).origin.declared_licenses  # type: ignore[union-attr]
    assert lic.note == "see file EULA.md"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("name"),
        lambda p: p["dist-tags"].update(latest="9.9.9"),
        lambda p: p.update(versions=[]),
        lambda p: p["versions"]["2.1.3"].update(repository=42),
    ],
)
def test_malformed(load_fixture, mutate) -> None:
    payload = load_fixture("npm/ms.json")
    mutate(payload)
    with pytest.raises(UnmappablePayload):
        npm(payload)
