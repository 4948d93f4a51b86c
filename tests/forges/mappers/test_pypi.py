"""PyPI mapper on JSON API responses saved from pypi.org."""

from __future__ import annotations

import pytest

from app.forges import UnmappablePayload, map_envelope
from app.models.enums import ForgeKind, LicenseSource, OriginKind, OwnerKind


def pypi(payload):
    return map_envelope("pypi.org", "pypi-project-json", "package", payload)


def test_six(load_fixture) -> None:
    mapped = pypi(load_fixture("pypi/six.json"))
    origin = mapped.origin
    assert origin is not None
    assert mapped.mapper_version == "pypi-project@1"
    assert (origin.url, origin.kind, origin.forge_kind) == (
        "https://pypi.org/project/six/",
        OriginKind.PACKAGE,
        ForgeKind.PYPI,
    )
    assert origin.declared_repository_url == "https://github.com/benjaminp/six"  # from "Homepage"
    assert origin.latest_version == "1.17.0"
    assert [(lic.expression, lic.detail) for lic in origin.declared_licenses] == [
        ("MIT", "license field"),
        ("MIT", "classifier"),
    ]
    assert all(lic.source is LicenseSource.REGISTRY_DECLARED for lic in origin.declared_licenses)


def test_organization_owner_and_source_label(load_fixture) -> None:
    origin = pypi(load_fixture("pypi/itsdangerous.json")).origin
    assert origin is not None
    assert origin.owner is not None
    assert (origin.owner.login, origin.owner.kind) == (
        "pallets",
        OwnerKind.ORGANIZATION,
    )
    assert (
        origin.declared_repository_url == "https://github.com/pallets/itsdangerous"
    )  # "Source", trailing slash
    (bsd,) = origin.declared_licenses
    assert bsd.expression is None
    assert bsd.original_text == "License :: OSI Approved :: BSD License"


def test_dual_license_and_multiple_classifiers_stay_unmapped(load_fixture) -> None:
    origin = pypi(load_fixture("pypi/python-dateutil.json")).origin
    assert origin is not None
    found = [(lic.expression, lic.original_text, lic.detail) for lic in origin.declared_licenses]
    assert found == [
        (None, "Dual License", "license field"),
        (None, "License :: OSI Approved :: Apache Software License", "classifier"),
        (None, "License :: OSI Approved :: BSD License", "classifier"),
    ]


def test_multi_license_classifiers_one_finding_each(load_fixture) -> None:
    origin = pypi(load_fixture("pypi/docutils.json")).origin
    assert origin is not None
    assert (
        len(origin.declared_licenses) == 3
    )  # BSD, GPL, Public Domain: each recorded, none guessed
    assert all(lic.expression is None for lic in origin.declared_licenses)
    # A link to a non-forge host is kept as declared, not cut into owner/name.
    assert origin.declared_repository_url == "https://sourceforge.net/p/docutils/code"
    assert origin.issue_tracker_url == "https://sourceforge.net/p/docutils/bugs/"


def test_license_expression_and_keywords(load_fixture) -> None:
    numpy = pypi(load_fixture("pypi/numpy.json")).origin
    assert numpy is not None
    (lic,) = numpy.declared_licenses
    assert (lic.expression, lic.detail) == (
        "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
        "License-Expression",
    )
    assert numpy.declared_repository_url == "https://github.com/numpy/numpy"
    urllib3 = pypi(load_fixture("pypi/urllib3.json")).origin
    assert urllib3 is not None
    assert urllib3.topics == (
        "filepost",
        "http",
        "httplib",
        "https",
        "pooling",
        "ssl",
        "threadsafe",
        "urllib",
    )
    assert urllib3.declared_repository_url == "https://github.com/urllib3/urllib3"  # "Code"


def test_space_separated_keywords_and_name_normalization(load_fixture) -> None:
    payload = load_fixture("pypi/six.json")
    payload["info"].update(keywords="python2 compat  py3", name="Six_Compat.Lib")
    origin = pypi(payload).origin
    assert origin is not None
    assert origin.topics == ("python2", "compat", "py3")
    assert origin.url == "https://pypi.org/project/six-compat-lib/"


@pytest.mark.parametrize(
    "payload",
    [{"message": "Not Found"}, {"info": {"version": "1"}}, {"info": {"name": 3}}, [], "text"],
)
def test_malformed(payload) -> None:
    with pytest.raises(UnmappablePayload):
        pypi(payload)
