"""File kinds and README license sections."""

from __future__ import annotations

import pytest

from app.licenses.detection import FileKind, file_kind
from app.licenses.detection.paths import reuse_license_id
from app.licenses.detection.readme import license_sections
from tests.licenses.detection.conftest import sample


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("LICENSE", FileKind.LICENSE),
        ("sub/LICENCE.md", FileKind.LICENSE),
        ("COPYING.LIB", FileKind.LICENSE),
        ("LICENSE-MIT", FileKind.LICENSE),
        ("LICENSE.APACHE", FileKind.LICENSE),
        ("UNLICENSE", FileKind.LICENSE),
        ("NOTICE", FileKind.NOTICE),
        ("THIRD-PARTY-NOTICES.txt", FileKind.NOTICE),
        ("LICENSES/Apache-2.0.txt", FileKind.REUSE_LICENSE),
        ("README.md", FileKind.README),
        ("docs/readme.rst", FileKind.README),
        ("package.json", FileKind.MANIFEST),
        ("foo.gemspec", FileKind.MANIFEST),
        ("src/license.py", FileKind.SOURCE),
        ("main.c", FileKind.SOURCE),
    ],
)
def test_file_kind(path: str, kind: FileKind):
    assert file_kind(path) is kind


def test_reuse_license_id():
    assert reuse_license_id("LICENSES/LicenseRef-foo.txt") == "LicenseRef-foo"
    assert reuse_license_id("LICENSE") is None


def test_markdown_license_section_of_a_real_readme():
    (section,) = license_sections(sample("rust_dual/README.md"))
    assert section.start_line == 276
    assert section.text.startswith("## License")
    assert "at your" in section.text


def test_rst_and_setext_sections_end_at_the_next_heading_of_their_level():
    text = "Title\n=====\n\nLicense\n-------\n\nMIT.\n\nUsage\n-----\n\nGPL tools differ.\n"
    (section,) = license_sections(text)
    assert section.start_line == 4
    assert "MIT." in section.text
    assert "GPL" not in section.text


def test_headings_inside_code_fences_are_ignored():
    text = "# x\n```\n# License\n```\n## Licensing\nBSD\n"
    assert [s.start_line for s in license_sections(text)] == [5]


def test_patents_file_is_a_notice_with_a_finding(scancode) -> None:
    from app.licenses.detection import FileKind, detect_file, file_kind
    from app.licenses.detection.evalset import _licenses

    assert file_kind("PATENTS") is FileKind.NOTICE
    assert file_kind("third_party/go/PATENTS.txt") is FileKind.NOTICE
    assert file_kind("patents.py") is FileKind.SOURCE
    text = _licenses()["google-patent-license-golang"].text
    (finding,) = detect_file("PATENTS", text, scancode)
    assert finding.expression == "LicenseRef-scancode-google-patent-license-golang"
    assert finding.tool == "scancode-toolkit"
    assert finding.tool_version[0].isdigit()
