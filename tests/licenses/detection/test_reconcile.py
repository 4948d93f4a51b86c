"""Reconciliation of declared and detected evidence into an effective license."""

from __future__ import annotations

from app.licenses.detection import LicenseCategory, reconcile
from app.licenses.detection.reconcile import Evidence
from app.licenses.spdx import DeclaredLicense
from app.models.enums import LicenseSource
from tests.licenses.detection.helpers import finding

MANIFEST = LicenseSource.MANIFEST_DECLARED
REGISTRY = LicenseSource.REGISTRY_DECLARED
FORGE = LicenseSource.FORGE_DECLARED


def test_declared_mit_but_license_file_gpl3_is_a_conflict():
    result = reconcile(
        [finding("MIT", MANIFEST, "package.json")], [finding("GPL-3.0-only", path="LICENSE")]
    )
    assert result.expression == "GPL-3.0-only"
    assert result.category is LicenseCategory.COPYLEFT
    assert result.basis == "license_file"
    assert len(result.conflicts) == 1
    assert "MIT" in result.conflicts[0]
    assert "GPL-3.0-only" in result.conflicts[0]


def test_dual_license_choice_comes_from_the_declaration():
    detected = [
        finding("MIT", path="LICENSE-MIT"),
        finding("Apache-2.0", path="LICENSE-APACHE"),
        finding("Apache-2.0", path="README.md", is_license_text=False),
        finding("MIT", path="README.md", is_license_text=False),
    ]
    result = reconcile([finding("MIT OR Apache-2.0", MANIFEST, "Cargo.toml")], detected)
    assert result.expression == "MIT OR Apache-2.0"
    assert result.basis == "manifest_declared"
    assert result.category is LicenseCategory.PERMISSIVE
    assert result.conflicts == []


def test_two_texts_without_declaration_all_apply():
    detected = [finding("MIT", path="LICENSE-MIT"), finding("GPL-2.0-only", path="COPYING")]
    result = reconcile([], detected)
    assert result.expression == "MIT AND GPL-2.0-only"
    assert result.category is LicenseCategory.COPYLEFT


def test_or_later_declaration_matches_the_plain_gpl_text():
    result = reconcile(
        [DeclaredLicense("GPL-2.0-or-later", "GPLv2+", REGISTRY, "license field")],
        [finding("GPL-2.0-only", path="COPYING")],
    )
    assert result.expression == "GPL-2.0-or-later"
    assert result.conflicts == []


def test_unidentified_license_text_blocks_the_effective_license():
    result = reconcile([finding("MIT", MANIFEST, "package.json")], [finding(None)])
    assert result.expression is None
    assert result.category is LicenseCategory.UNKNOWN
    assert any("not an identified license text" in c for c in result.conflicts)


def test_unidentified_mention_does_not_block():
    detected = [
        finding("BSD-3-Clause"),
        finding(None, path="README.md", text="free software", is_license_text=False),
    ]
    assert reconcile([], detected).expression == "BSD-3-Clause"


def test_declarations_only_strongest_tier_wins_and_disagreement_is_listed():
    declared: list[Evidence] = [
        DeclaredLicense("Apache-2.0", "Apache-2.0", FORGE, "license.spdx_id"),
        finding("MIT", MANIFEST, "pyproject.toml"),
        DeclaredLicense(None, "BSD", REGISTRY, "license field"),
    ]
    result = reconcile(declared, [])
    assert result.expression == "MIT"
    assert result.basis == "manifest_declared"
    assert result.conflicts == ["forge_declared says Apache-2.0 but manifest_declared says MIT"]


def test_several_classifiers_are_kept_all_and_flagged():
    declared = [
        DeclaredLicense("MIT", "MIT classifier", REGISTRY, "classifier"),
        DeclaredLicense("Apache-2.0", "Apache classifier", REGISTRY, "classifier"),
    ]
    result = reconcile(declared, [])
    assert result.expression == "MIT AND Apache-2.0"
    assert len(result.conflicts) == 1


def test_nothing_known():
    result = reconcile([DeclaredLicense(None, "Dual License", REGISTRY, "license field")], [])
    assert result.expression is None
    assert result.category is LicenseCategory.UNKNOWN
    assert result.conflicts == []


def test_unidentified_readme_section_is_weaker_evidence_not_a_block():
    detected = [
        finding("MIT", path="LICENSE"),
        finding(None, path="README.md", text="MIT, but not on Sundays", is_license_text=True),
    ]
    result = reconcile([], detected)
    assert result.expression == "MIT"
    assert result.basis == "license_file"
    assert any("weaker evidence" in c for c in result.conflicts)


def test_unidentified_html_license_page_does_not_block_a_declaration():
    result = reconcile(
        [finding("Apache-2.0", MANIFEST, "pom.xml")],
        [finding(None, path="docs/license.html", text="custom terms")],
    )
    assert result.expression == "Apache-2.0"
    assert result.basis == "manifest_declared"


def test_readme_says_how_two_texts_combine():
    detected = [
        finding("MIT", path="LICENSE-MIT"),
        finding("Apache-2.0", path="LICENSE-APACHE"),
        finding("MIT OR Apache-2.0", path="README.md", is_license_text=False),
    ]
    result = reconcile([], detected)
    assert result.expression == "MIT OR Apache-2.0"
    assert result.basis == "weak_evidence"


def test_readme_alone_gives_the_license_and_disagreeing_readme_is_listed():
    alone = reconcile([], [finding("MIT", path="README.md", is_license_text=False)])
    assert (alone.expression, alone.basis) == ("MIT", "weak_evidence")
    disagreeing = reconcile(
        [], [finding("MIT", path="LICENSE"), finding("GPL-3.0-only", path="README.md")]
    )
    assert disagreeing.expression == "MIT"
    assert any("README" in c for c in disagreeing.conflicts)


def test_reuse_expressions_decide_how_licenses_texts_apply():
    detected = [
        finding("GPL-3.0-only", path="LICENSES/GPL-3.0-or-later.txt"),
        finding("CC0-1.0", path="LICENSES/CC0-1.0.txt"),
    ]
    reuse = ["GPL-3.0-or-later", "CC0-1.0 AND GPL-3.0-or-later", "GPL-3.0-or-later"]
    result = reconcile([], detected, reuse)
    assert result.expression == "GPL-3.0-or-later AND CC0-1.0"
    assert result.basis == "reuse"
    broken = reconcile([], detected, [*reuse, None])
    assert broken.basis == "license_file"
    assert any("not a valid SPDX expression" in c for c in broken.conflicts)


def test_patent_grant_is_not_a_license_of_the_code():
    detected = [
        finding("BSD-3-Clause", path="LICENSE"),
        finding("LicenseRef-scancode-google-patent-license-golang", path="PATENTS"),
    ]
    result = reconcile([], detected)
    assert result.expression == "BSD-3-Clause"
    assert result.category is LicenseCategory.PERMISSIVE
