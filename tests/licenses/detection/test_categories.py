"""Categories from ScanCode LicenseDB, folded for reuse decisions."""

from __future__ import annotations

import pytest

from app.licenses.detection import LicenseCategory, category_of_expression, category_of_license

C = LicenseCategory


@pytest.mark.parametrize(
    ("spdx_id", "category"),
    [
        ("MIT", C.PERMISSIVE),
        ("Apache-2.0", C.PERMISSIVE),
        ("CC0-1.0", C.PUBLIC_DOMAIN),
        ("Unlicense", C.PUBLIC_DOMAIN),
        ("MPL-2.0", C.WEAK_COPYLEFT),
        ("EPL-2.0", C.WEAK_COPYLEFT),
        ("LGPL-2.1-or-later", C.WEAK_COPYLEFT),
        ("GPL-3.0-only", C.COPYLEFT),
        ("AGPL-3.0-or-later", C.COPYLEFT),
        ("BUSL-1.1", C.SOURCE_AVAILABLE),
        ("CC-BY-NC-4.0", C.SOURCE_AVAILABLE),  # ScanCode files NC licenses there
        ("Hippocratic-2.1", C.RESTRICTED),
        ("Watcom-1.0", C.PROPRIETARY),
        ("no-such-license", C.UNKNOWN),
    ],
)
def test_license_category(spdx_id: str, category: LicenseCategory):
    assert category_of_license(spdx_id) is category


@pytest.mark.parametrize(
    ("expression", "category"),
    [
        ("MIT OR GPL-3.0-only", C.PERMISSIVE),  # the licensee may choose MIT
        ("MIT AND GPL-3.0-only", C.COPYLEFT),  # both apply
        ("GPL-3.0-or-later WITH GCC-exception-3.1", C.COPYLEFT),
        ("MIT AND LicenseRef-unknown-thing", C.UNKNOWN),
        ("MIT OR LicenseRef-unknown-thing", C.PERMISSIVE),
        ("(MPL-2.0 OR CC0-1.0) AND Apache-2.0", C.PERMISSIVE),
        ("not an ) expression", C.UNKNOWN),
        (None, C.UNKNOWN),
    ],
)
def test_expression_category(expression: str | None, category: LicenseCategory):
    assert category_of_expression(expression) is category
