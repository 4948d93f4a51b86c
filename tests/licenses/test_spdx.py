"""Declared licenses to SPDX: exact, normalized, and never guessed."""

from __future__ import annotations

import pytest

from app.licenses.spdx import (
    licenses_from_crate,
    licenses_from_gitea,
    licenses_from_github,
    licenses_from_gitlab,
    licenses_from_npm,
    licenses_from_pypi,
    map_classifier,
    map_license_text,
    spdx_expression,
)
from app.models.enums import LicenseSource

REG = LicenseSource.REGISTRY_DECLARED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mit", "MIT"),
        ("apache-2.0", "Apache-2.0"),
        ("GPL-2.0", "GPL-2.0-only"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"),
        ("MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT AND (Apache-2.0 OR BSD-3-Clause)"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
        (
            "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
            "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
        ),
    ],
)
def test_spdx_expression_normalizes(text: str, expected: str) -> None:
    assert spdx_expression(text) == expected


@pytest.mark.parametrize(
    "text",
    ["GPL", "BSD", "Apache 2", "LicenseRef-Proprietary", "MIT/Apache-2.0", "MIT AND", "", "(MIT"],
)
def test_spdx_expression_rejects_non_spdx(text: str) -> None:
    assert spdx_expression(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apache 2", "Apache-2.0"),
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("apache-2", "Apache-2.0"),
        ("GPLv3+", "GPL-3.0-or-later"),
        ("GPLv2", "GPL-2.0-only"),
        ("The MIT License (MIT)", "MIT"),
        ("New BSD License", "BSD-3-Clause"),
        ('BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause"),
        ("GNU Lesser General Public License v2.1 or later", "LGPL-2.1-or-later"),
        ("Python Software Foundation License", "PSF-2.0"),
        ("WTFPL", "WTFPL"),
    ],
)
def test_free_text_maps_when_unambiguous(text: str, expected: str) -> None:
    found = map_license_text(text, source=REG, detail="license field")
    assert found is not None
    assert found.expression == expected
    assert found.original_text == text


@pytest.mark.parametrize(
    "text", ["BSD", "GPL", "Apache", "Dual License", "MIT/X11", "Public Domain", "LGPLv2"]
)
def test_ambiguous_text_is_unmapped_with_its_text(text: str) -> None:
    found = map_license_text(text, source=REG, detail="license field")
    assert found is not None
    assert found.expression is None
    assert not found.is_mapped
    assert found.original_text == text


@pytest.mark.parametrize("text", ["", "UNKNOWN", "  none ", "n/a"])
def test_nothing_declared(text: str) -> None:
    assert map_license_text(text, source=REG, detail="license field") is None


def test_unlicensed_and_see_license_in() -> None:
    unlicensed = map_license_text("UNLICENSED", source=REG, detail="license field")
    assert unlicensed is not None
    assert unlicensed.expression is None
    assert unlicensed.note is not None
    assert "proprietary" in unlicensed.note
    see = map_license_text("SEE LICENSE IN LICENSE.md", source=REG, detail="license field")
    assert see is not None
    assert see.expression is None
    assert see.note == "see file LICENSE.md"


def test_pasted_license_text_is_identified_by_its_title_only() -> None:
    mit = (
        "MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge"
    )
    found = map_license_text(mit, source=REG, detail="license field")
    assert found is not None
    assert found.expression == "MIT"
    apache = "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n"
    found = map_license_text(apache, source=REG, detail="license field")
    assert found is not None
    assert found.expression == "Apache-2.0"
    bsd = (
        "Copyright (c) 2005-2023, NumPy Developers.\nAll rights reserved.\n\nRedistribution and use"
    )
    found = map_license_text(bsd, source=REG, detail="license field")
    assert found is not None
    assert found.expression is None
    assert found.note == "license text: not identified"
    assert found.original_text == bsd


def test_crates_slash_form_means_or() -> None:
    (found,) = licenses_from_crate("MIT/Apache-2.0")
    assert found.expression == "MIT OR Apache-2.0"
    (odd,) = licenses_from_crate("MIT/Foo-License")
    assert odd.expression is None
    assert licenses_from_crate(None) == ()


def test_slash_is_not_or_outside_crates() -> None:
    found = map_license_text("MIT/Apache-2.0", source=REG, detail="license field")
    assert found is not None
    assert found.expression is None


def test_github_license_object() -> None:
    (mit,) = licenses_from_github({"key": "mit", "name": "MIT License", "spdx_id": "MIT"})
    assert (mit.expression, mit.source, mit.detail) == (
        "MIT",
        LicenseSource.FORGE_DECLARED,
        "license.spdx_id",
    )
    (other,) = licenses_from_github(
        {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None}
    )
    assert other.expression is None
    assert other.original_text == "Other"
    assert licenses_from_github(None) == ()


def test_gitlab_license_object() -> None:
    (gpl,) = licenses_from_gitlab(
        {"key": "gpl-3.0", "name": "GNU General Public License v3.0", "nickname": "GNU GPLv3"}
    )
    assert gpl.expression == "GPL-3.0-only"
    (other,) = licenses_from_gitlab({"key": "other", "name": "Other"})
    assert other.expression is None
    assert licenses_from_gitlab({}) == ()


def test_gitea_licenses_array() -> None:
    found = licenses_from_gitea(["MIT", "Apache-2.0", 3])
    assert [f.expression for f in found] == ["MIT", "Apache-2.0"]


def test_classifiers() -> None:
    mit = map_classifier("License :: OSI Approved :: MIT License")
    assert mit is not None
    assert mit.expression == "MIT"
    assert mit.detail == "classifier"
    bsd = map_classifier("License :: OSI Approved :: BSD License")
    assert bsd is not None
    assert bsd.expression is None
    assert bsd.note is not None
    assert map_classifier("License :: OSI Approved") is None
    assert map_classifier("Programming Language :: Python") is None
    unknown = map_classifier("License :: Something New")
    assert unknown is not None
    assert unknown.note == "classifier not in the mapping table"


def test_pypi_license_expression_wins() -> None:
    info = {
        "license_expression": "MIT OR Apache-2.0",
        "license": "MIT",
        "classifiers": ["License :: OSI Approved :: MIT License"],
    }
    (found,) = licenses_from_pypi(info)
    assert (found.expression, found.detail) == ("MIT OR Apache-2.0", "License-Expression")


def test_pypi_license_ref_expression_is_kept_unmapped() -> None:
    (found,) = licenses_from_pypi({"license_expression": "LicenseRef-Proprietary"})
    assert found.expression is None
    assert found.original_text == "LicenseRef-Proprietary"


def test_npm_license_forms() -> None:
    assert [f.expression for f in licenses_from_npm({"license": "ISC"})] == ["ISC"]
    assert [f.expression for f in licenses_from_npm({"license": {"type": "MIT", "url": "x"}})] == [
        "MIT"
    ]
    legacy = licenses_from_npm({"licenses": [{"type": "MIT"}, {"type": "Apache 2.0"}, "GPLv2", 7]})
    assert [(f.expression, f.detail) for f in legacy] == [
        ("MIT", "licenses array"),
        ("Apache-2.0", "licenses array"),
        ("GPL-2.0-only", "licenses array"),
    ]
    assert licenses_from_npm({"license": {"url": "only a url"}}) == ()
