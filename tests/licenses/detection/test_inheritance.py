"""Inheritance of license-file findings down the tree (nearest directory wins)."""

from __future__ import annotations

from app.licenses.detection import inherited_licenses
from app.models.enums import LicenseSource
from tests.licenses.detection.helpers import finding

MIT = finding("MIT", path="LICENSE")
VENDOR_BSD = finding("BSD-3-Clause", path="vendor/lib/COPYING")


def test_nearest_license_directory_wins():
    findings = {"LICENSE": [MIT], "vendor/lib/COPYING": [VENDOR_BSD]}
    paths = ["LICENSE", "src/a.py", "vendor/lib/x.c", "vendor/lib/deep/y.c", "vendor/z.c"]

    inherited = inherited_licenses(findings, paths)

    assert {p: [f.expression for f in fs] for p, fs in inherited.items()} == {
        "src/a.py": ["MIT"],
        "vendor/lib/x.c": ["BSD-3-Clause"],
        "vendor/lib/deep/y.c": ["BSD-3-Clause"],
        "vendor/z.c": ["MIT"],
    }
    (copy,) = inherited["src/a.py"]
    assert copy.source is LicenseSource.INHERITED
    assert copy.path == "LICENSE"  # the evidence stays the license file


def test_all_license_files_of_the_directory_apply():
    findings = {
        "LICENSE-MIT": [finding("MIT", path="LICENSE-MIT")],
        "LICENSE-APACHE": [finding("Apache-2.0", path="LICENSE-APACHE")],
    }
    inherited = inherited_licenses(findings, ["src/lib.rs"])
    assert sorted(f.expression or "" for f in inherited["src/lib.rs"]) == ["Apache-2.0", "MIT"]


def test_own_tag_or_header_wins_and_unmapped_license_propagates():
    findings = {
        "LICENSE": [finding(None, path="LICENSE")],
        "a.c": [finding("GPL-2.0-or-later", LicenseSource.HEADER, "a.c")],
        "b.c": [finding(None, LicenseSource.SPDX_TAG, "b.c", text="GPL")],
    }
    inherited = inherited_licenses(findings, ["a.c", "b.c"])
    assert "a.c" not in inherited
    (copy,) = inherited["b.c"]  # an invalid tag is not evidence enough to stop inheritance
    assert copy.expression is None
    assert copy.original_text == "custom terms"


def test_notice_readme_and_reuse_folder_do_not_propagate():
    findings = {
        "NOTICE": [finding("Apache-2.0", path="NOTICE")],
        "README.md": [finding("MIT", path="README.md")],
        "LICENSES/MIT.txt": [finding("MIT", path="LICENSES/MIT.txt")],
    }
    assert inherited_licenses(findings, ["src/a.py", "LICENSES/x.py"]) == {}
