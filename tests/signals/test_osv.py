"""The OSV mapper, range evaluation and severity, on recorded real records."""

from __future__ import annotations

import pytest

from app.signals.vulnerabilities.osv import InvalidAdvisory, map_osv, package_purl
from app.signals.vulnerabilities.severity import severity_of
from app.signals.vulnerabilities.versions import affected, evaluate_range
from tests.signals.conftest import osv


def test_github_advisory_maps_with_its_cvss_score() -> None:
    record = map_osv(osv("GHSA-h2x6-5jx5-46hf"))
    assert record.osv_id == "GHSA-h2x6-5jx5-46hf"
    assert record.aliases == ["CVE-2023-41334"]
    # CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 8.4 by the v3.1 formula, not
    # the 8.9 upper bound the database's "HIGH" label would give.
    assert record.severity.score == 8.4
    assert record.severity.label == "high"
    assert record.severity.source == "CVSS_V3"
    (package,) = record.affected
    assert package.purl == "pkg:pypi/astropy"
    assert package.fixed == ["5.3.3"]
    assert package.ranges[0]["vers"] == "vers:pypi/<5.3.3"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("5.2rc1", True),  # a pre-release of 5.2 is before 5.3.3
        ("5.3.2", True),
        ("5.3.3", False),
        ("5.10", False),  # as strings, "5.10" < "5.3.3": univers compares versions
        ("6.0.1", False),
    ],
)
def test_pypi_versions_compare_by_pep440(version: str, expected: bool) -> None:
    (package,) = map_osv(osv("GHSA-h2x6-5jx5-46hf")).affected
    assert affected(package.ecosystem, version, package.ranges, package.versions) is expected


def test_two_intervals_and_explicit_versions() -> None:
    record = map_osv(osv("PYSEC-2021-63"))
    first, second = record.affected
    assert first.ranges[0]["vers"] == "vers:pypi/>=3.1|<3.1.2"
    for version, expected in [("3.0", False), ("3.1", True), ("3.1.5", False), ("3.3.1", True)]:
        verdicts = [affected("PyPI", version, p.ranges, p.versions) for p in (first, second)]
        assert any(verdicts) is expected, version
    # PEP 440: "3.1.0" is the listed "3.1".
    assert affected("PyPI", "3.1.0", [], first.versions) is True


def test_semver_range_open_from_zero_affects_every_version() -> None:
    record = map_osv(osv("GHSA-jvf4-g24p-2qgw"))
    (package,) = record.affected
    assert package.purl == "pkg:npm/shiba"
    assert record.details
    assert record.details.startswith('"All versions')
    assert affected("npm", "99.0.0", package.ranges, package.versions) is True
    assert record.severity.score is None  # no top-level severity, no database label


def test_maven_package_purl_and_range() -> None:
    (package,) = map_osv(osv("GHSA-838r-hvwh-24h8")).affected
    assert package.purl == "pkg:maven/org.apache.any23/apache-any23"
    assert affected("Maven", "2.4", package.ranges, []) is True
    assert affected("Maven", "2.5", package.ranges, []) is False


def test_last_affected_is_inclusive_and_git_ranges_stay_unresolved() -> None:
    inclusive = evaluate_range("ECOSYSTEM", "PyPI", [{"introduced": "0"}, {"last_affected": "1.4"}])
    assert affected("PyPI", "1.4", [inclusive.as_json([])], []) is True
    assert affected("PyPI", "1.4.1", [inclusive.as_json([])], []) is False
    git = evaluate_range("GIT", "", [{"introduced": "a" * 40}], "https://github.com/curl/curl")
    assert git.vers is None
    assert git.unresolved
    assert affected("PyPI", "1.0", [git.as_json([])], []) is None


def test_severity_prefers_a_vector_and_falls_back_to_the_label() -> None:
    record = osv("GHSA-h2x6-5jx5-46hf")
    del record["severity"]
    severity = severity_of(record)
    assert (severity.score, severity.label) == (8.9, "high")
    assert severity.source
    assert "upper bound" in severity.source
    v4 = {
        "severity": [
            {
                "type": "CVSS_V4",
                "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            }
        ]
    }
    assert severity_of(v4).score == 9.3


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.pop("id"), "missing 'id'"),
        (lambda r: r.update(modified="yesterday"), "not an RFC 3339 time"),
        (
            lambda r: r["affected"][0]["ranges"][0]["events"].append({"fixed": "not a version!"}),
            "not a pypi version",
        ),
        (
            lambda r: r.update(severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}]),
            "invalid CVSS_V3 vector",
        ),
    ],
)
def test_bad_records_are_rejected_with_the_reason(change: object, reason: str) -> None:
    record = osv("GHSA-h2x6-5jx5-46hf")
    change(record)  # type: ignore[operator]
    with pytest.raises(InvalidAdvisory, match=reason):
        map_osv(record)


def test_purls_are_normalized_per_type() -> None:
    assert package_purl("pypi", "Foo_Bar") == "pkg:pypi/foo-bar"
    assert package_purl("npm", "@types/node") == "pkg:npm/%40types/node"
