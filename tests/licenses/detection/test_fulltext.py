"""Full-text detection on real license files and real source headers (samples/)."""

from __future__ import annotations

import pytest

from app.licenses.detection import detect_file, detect_header, detect_license_file
from app.licenses.detection.backend import LicenseTextBackend
from app.licenses.detection.scancode import TOOL
from app.models.enums import LicenseSource
from tests.licenses.detection.conftest import sample


@pytest.mark.parametrize(
    ("path", "expression"),
    [
        ("mit/LICENSE", "MIT"),
        ("bsd2/LICENSE", "BSD-2-Clause"),
        ("bsd3/LICENSE.txt", "BSD-3-Clause"),
        ("apache_notice/LICENSE", "Apache-2.0"),
        ("gpl2/COPYING", "GPL-2.0-only"),
        ("gpl3/COPYING", "GPL-3.0-only"),
        ("lgpl21/COPYING.LIB", "LGPL-2.1-only"),
        ("mpl2/LICENSE", "MPL-2.0"),
        ("epl2/LICENSE", "EPL-2.0"),
        ("cc0/LICENSE", "CC0-1.0"),
        ("unlicense/UNLICENSE", "Unlicense"),
        ("rust_dual/LICENSE-MIT", "MIT"),
        ("rust_dual/LICENSE-APACHE", "Apache-2.0"),
        ("reuse/LICENSES/MIT.txt", "MIT"),
    ],
)
def test_license_file_is_identified(scancode: LicenseTextBackend, path: str, expression: str):
    findings = detect_file(path, sample(path), scancode)

    assert [f.expression for f in findings] == [expression]
    (finding,) = findings
    assert finding.source is LicenseSource.LICENSE_FILE
    assert finding.path == path
    assert finding.score == 100.0
    assert finding.is_license_text
    assert finding.start_line is not None
    assert finding.end_line is not None
    assert finding.start_line <= 5 < finding.end_line
    assert finding.rule
    assert finding.tool == TOOL
    assert finding.tool_version[0].isdigit()


def test_whole_gpl3_text_spans_the_file(scancode: LicenseTextBackend):
    text = sample("gpl3/COPYING")

    (finding,) = detect_license_file(text, "COPYING", scancode)

    assert (finding.start_line, finding.end_line) == (1, len(text.splitlines()))
    assert finding.rule == "gpl-3.0.LICENSE"
    assert finding.license_keys == ("gpl-3.0",)


@pytest.mark.parametrize(
    ("path", "expression"),
    [
        ("headers/distro.py", "GPL-2.0-or-later"),  # "either version 2 ... or any later"
        ("headers/gpl3_plus.py", "GPL-3.0-or-later"),
        ("headers/alloca.h", "LGPL-2.1-or-later"),
        ("headers/errors.py", "LGPL-3.0-or-later"),
        ("headers/server.go", "AGPL-3.0-or-later"),
    ],
)
def test_or_later_headers(scancode: LicenseTextBackend, path: str, expression: str):
    (finding,) = detect_file(path, sample(path), scancode)

    assert finding.expression == expression
    assert finding.source is LicenseSource.HEADER
    assert not finding.is_license_text
    assert finding.score is not None
    assert finding.score >= 90


def test_header_scan_stops_at_the_header_limit(scancode: LicenseTextBackend):
    code = "x = 1\n" * 300
    assert detect_header(code + sample("headers/distro.py"), "late.py", scancode) == []


def test_modified_mit_is_not_reported_as_mit(scancode: LicenseTextBackend):
    original = detect_file("LICENSE", sample("mit/LICENSE"), scancode)
    findings = detect_file("LICENSE", sample("modified_mit/LICENSE"), scancode)

    (finding,) = findings  # the "MIT License" title is not served on its own
    assert finding.expression is None
    assert finding.original_text is not None
    assert "military purposes" in finding.original_text
    assert finding.score is not None
    assert original[0].score is not None
    assert finding.score < 90 < original[0].score
    assert finding.note is not None
    assert "words inside" in finding.note
    assert finding.is_license_text
    assert (finding.start_line, finding.end_line) == (1, 23)


def test_bundled_third_party_notice_gives_one_finding_per_license(
    scancode: LicenseTextBackend,
):
    text = sample("bundled/LICENSE.txt")

    findings = detect_file("LICENSE.txt", text, scancode)

    mapped = [(f.expression, f.start_line) for f in findings if f.expression]
    assert mapped[0] == ("BSD-3-Clause", 4)  # SciPy's own license, holder name inside
    assert ("BSD-3-Clause-Open-MPI", 93) in mapped  # LAPACK
    gcc = [f for f in findings if f.expression and "GCC-exception-3.1" in f.expression]
    assert gcc
    assert gcc[0].start_line == 133
    assert {"bsd-new", "bsd-3-clause-open-mpi", "gpl-3.0-plus"} <= {
        key for f in findings for key in f.license_keys
    }


def test_apache_notice_file_names_no_license(scancode: LicenseTextBackend):
    assert detect_file("NOTICE", sample("apache_notice/NOTICE"), scancode) == []


def test_dual_license_readme_section_gives_both_licenses(scancode: LicenseTextBackend):
    text = sample("rust_dual/README.md")

    findings = detect_file("README.md", text, scancode)

    assert [f.expression for f in findings] == ["Apache-2.0", "MIT"]
    for finding in findings:
        assert finding.start_line is not None
        assert finding.start_line > 276  # inside "## License", not the badge on line 3
        assert finding.note == "README license section"


def test_reuse_spdx_tag_is_not_counted_twice(scancode: LicenseTextBackend):
    findings = detect_file("main.c", sample("reuse/main.c"), scancode)

    assert [(f.expression, f.source) for f in findings] == [
        ("MIT OR Apache-2.0", LicenseSource.SPDX_TAG)
    ]


def test_plain_code_has_no_finding(scancode: LicenseTextBackend):
    assert detect_file("app.py", "def license():\n    return 42\n", scancode) == []
