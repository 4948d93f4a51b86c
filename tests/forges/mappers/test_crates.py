"""crates.io mapper on the shape of crates.io's own API response snapshot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, OriginKind


def crates(payload):
    return map_envelope("crates.io", "crates-crate-json", "package", payload)


def test_crate(load_fixture) -> None:
    mapped = crates(load_fixture("crates/crate_foo_show.json"))
    origin = mapped.origin
    assert origin is not None
    assert mapped.mapper_version == "crates-crate@1"
    assert (origin.url, origin.kind, origin.forge_kind) == (
        "https://crates.io/crates/foo_show",
        OriginKind.PACKAGE,
        ForgeKind.CRATES,
    )
    assert (origin.description, origin.homepage, origin.topics) == (
        "description",
        "http://example.com",
        ("kw1",),
    )
    assert origin.latest_version == "1.0.0"
    assert origin.declared_licenses == ()  # the snapshot's versions declare none
    assert origin.created_at == datetime(2017, 1, 6, 14, 23, 11, 123456, tzinfo=UTC)


def test_license_of_the_default_version_legacy_slash(load_fixture) -> None:
    payload = load_fixture("crates/crate_foo_show.json")
    payload["versions"][2]["license"] = "MIT/Apache-2.0"  # 1.0.0, the default version
    payload["versions"][0]["license"] = "GPL-3.0"  # 0.5.1, not the one described
    payload["crate"].update(
        repository="https://github.com/Foo/foo-show.git", categories=["encoding"]
    )
    origin = crates(payload).origin
    assert origin is not None
    (lic,) = origin.declared_licenses
    assert (lic.expression, lic.original_text) == ("MIT OR Apache-2.0", "MIT/Apache-2.0")
    assert origin.declared_repository_url == "https://github.com/foo/foo-show"
    assert origin.topics == ("kw1", "encoding")


def test_without_default_version_uses_max_version(load_fixture) -> None:
    payload = load_fixture("crates/crate_foo_show.json")
    payload["crate"].pop("default_version")
    payload["crate"]["max_version"] = "0.5.1"
    payload["versions"][0]["license"] = "MIT OR Apache-2.0"
    origin = crates(payload).origin
    assert origin is not None
    assert origin.latest_version == "0.5.1"
    assert [lic.expression for lic in origin.declared_licenses] == ["MIT OR Apache-2.0"]


@pytest.mark.parametrize(
    "payload",
    [
        {"errors": [{"detail": "crate `nope` does not exist"}]},
        {"crate": {"description": "x"}},
        {"crate": {"name": "x"}, "versions": {}},
    ],
)
def test_malformed(payload) -> None:
    with pytest.raises(UnmappablePayload):
        crates(payload)
