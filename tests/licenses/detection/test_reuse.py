"""REUSE 3.x: which licenses each file gets from tags, companions, REUSE.toml, dep5."""

from __future__ import annotations

from app.licenses.detection.model import Finding
from app.licenses.detection.reuse import REUSE_TOML, _toml_glob, is_reuse_layout, resolve
from app.licenses.detection.spdx_tags import spdx_tag_findings


def own(files: dict[str, str]) -> dict[str, list[Finding]]:
    return {path: spdx_tag_findings(text, path) for path, text in files.items()}


def toml(*tables: str) -> str:
    return "version = 1\n" + "".join(f"\n[[annotations]]\n{t}\n" for t in tables)


def test_globs_follow_the_specification() -> None:
    star, double, question = _toml_glob("src/*.c"), _toml_glob("src/**"), _toml_glob("a?.txt")
    assert star.fullmatch("src/a.c")
    assert not star.fullmatch("src/sub/a.c")
    assert double.fullmatch("src/sub/deep/a.c")
    assert question.fullmatch("ab.txt")
    assert not question.fullmatch("a/.txt")
    assert _toml_glob("\\*.txt").fullmatch("*.txt")
    assert not _toml_glob("\\*.txt").fullmatch("a.txt")
    assert _toml_glob("[!a]b").fullmatch("cb")
    assert not _toml_glob("[!a]b").fullmatch("ab")


def test_closest_leaves_a_file_its_own_tags_and_fills_the_others() -> None:
    files = {
        REUSE_TOML: toml('path = "**"\nSPDX-License-Identifier = "MIT"'),
        "a.py": "# SPDX-License-Identifier: Apache-2.0\n",
        "b.py": "x = 1\n",
    }
    result = resolve(files, {REUSE_TOML: files[REUSE_TOML]}, own(files))
    assert result["a.py"].expression == "Apache-2.0"
    assert result["a.py"].findings == []  # nothing from REUSE: its own tag decides
    assert result["b.py"].expression == "MIT"
    (finding,) = result["b.py"].findings
    assert (finding.path, finding.start_line, finding.tool) == (REUSE_TOML, 3, "codecommons-reuse")


def test_override_from_the_root_beats_own_tags_and_nested_files() -> None:
    root = toml(
        'path = "vendor/**"\nprecedence = "override"\nSPDX-License-Identifier = "BSD-3-Clause"'
    )
    nested = toml('path = "**"\nprecedence = "override"\nSPDX-License-Identifier = "MIT"')
    files = {
        REUSE_TOML: root,
        "vendor/REUSE.toml": nested,
        "vendor/x.c": "// SPDX-License-Identifier: GPL-2.0-only\n",
    }
    metadata = {REUSE_TOML: root, "vendor/REUSE.toml": nested}
    result = resolve(files, metadata, own(files))
    assert result["vendor/x.c"].expression == "BSD-3-Clause"
    assert result["vendor/x.c"].own_ignored


def test_aggregate_adds_and_the_last_matching_table_wins() -> None:
    text = toml(
        'path = "po/*.po"\nprecedence = "aggregate"\nSPDX-License-Identifier = "GPL-3.0-or-later"',
        'path = "po/de.po"\nprecedence = "aggregate"\nSPDX-License-Identifier = "CC0-1.0"',
    )
    files = {REUSE_TOML: text, "po/fr.po": "# SPDX-License-Identifier: MIT\n", "po/de.po": ""}
    result = resolve(files, {REUSE_TOML: text}, own(files))
    assert result["po/fr.po"].expression == "MIT AND GPL-3.0-or-later"
    assert result["po/de.po"].expression == "CC0-1.0"


def test_companion_file_replaces_the_files_own_tags() -> None:
    files = {
        "logo.svg": "<!-- SPDX-License-Identifier: MIT -->\n<svg/>",
        "logo.svg.license": (
            "SPDX-FileCopyrightText: 2024 Jane\nSPDX-License-Identifier: CC-BY-4.0\n"
        ),
    }
    result = resolve(files, {"logo.svg.license": files["logo.svg.license"]}, own(files))
    assert result["logo.svg"].expression == "CC-BY-4.0"
    assert result["logo.svg"].own_ignored
    assert [f.path for f in result["logo.svg"].findings] == ["logo.svg.license"]


def test_dep5_last_paragraph_aggregated_with_the_file() -> None:
    dep5 = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: 2020 Jane\nLicense: MIT\n\n"
        "Files: assets/*\nCopyright: 2021 Studio\nLicense: CC-BY-SA-4.0\n"
    )
    files = {
        ".reuse/dep5": dep5,
        "assets/img/a.svg": "",
        "src/b.py": "# SPDX-License-Identifier: Apache-2.0\n",
    }
    result = resolve(files, {".reuse/dep5": dep5}, own(files))
    assert result["assets/img/a.svg"].expression == "CC-BY-SA-4.0"  # dep5's * crosses /
    assert result["src/b.py"].expression == "Apache-2.0 AND MIT"
    assert result["assets/img/a.svg"].findings[0].start_line == 7


def test_invalid_expression_stays_unmapped_with_its_text_and_broken_toml_says_nothing() -> None:
    bad = toml('path = "*"\nSPDX-License-Identifier = "LicenseRef-Custom"')
    files = {REUSE_TOML: bad, "a.txt": ""}
    (finding,) = resolve(files, {REUSE_TOML: bad}, {})["a.txt"].findings
    assert finding.expression is None
    assert finding.original_text == "LicenseRef-Custom"
    assert resolve({"a.txt": ""}, {REUSE_TOML: "version = [1"}, {}) == {}


def test_layout_detection() -> None:
    assert is_reuse_layout(["LICENSES/MIT.txt", "a.py"])
    assert is_reuse_layout(["docs/REUSE.toml"])
    assert is_reuse_layout([".reuse/dep5"])
    assert not is_reuse_layout(["LICENSE", "src/LICENSES.md"])
