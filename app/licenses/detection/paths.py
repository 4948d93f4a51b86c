"""Which files carry license evidence, by name, as ScanCode and REUSE name them.

ScanCode's "key file" rules and REUSE 3 give the vocabulary: top-level LICENSE /
LICENCE / COPYING / UNLICENSE files (with any suffix: ``LICENSE-MIT``,
``COPYING.LIB``, ``LICENSE.txt``), NOTICE files (Apache-2.0 section 4(d)), the REUSE
``LICENSES/`` folder of license texts, README license sections, and package
manifests. Hand-written because the matching is a handful of name patterns and no
maintained library exposes them (ScanCode's live inside its scan plugins).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePosixPath


class FileKind(StrEnum):
    LICENSE = "license"  # LICENSE*, LICENCE*, COPYING*, UNLICENSE*, COPYRIGHT*
    NOTICE = "notice"  # NOTICE*, THIRD-PARTY-NOTICES*, PATENTS*: attributions, bundled
    # licenses, patent grants beside a license (Go's and WebM's PATENTS files)
    REUSE_LICENSE = "reuse_license"  # LICENSES/<SPDX-id>.<ext> (REUSE 3)
    README = "readme"
    MANIFEST = "manifest"
    SOURCE = "source"  # anything else textual: headers and SPDX tags


_LICENSE = re.compile(r"^(un)?licen[cs]e|^copying|^copyright|^mit-license", re.I)
_NOTICE = re.compile(r"^notice|^third[-_ ]?party[-_ ]?(notice|licen[cs]e)|^patents?\b", re.I)
_README = re.compile(r"^readme(\.(md|markdown|rst|txt|adoc|org))?$", re.I)
_MANIFESTS = frozenset(
    {
        "package.json",
        "pyproject.toml",
        "PKG-INFO",
        "METADATA",
        "setup.cfg",
        "Cargo.toml",
        "pom.xml",
        "composer.json",
        "DESCRIPTION",
    }
)
# Suffixes a license file may carry and still be the license text, not code.
_TEXT_SUFFIXES = frozenset({"", ".txt", ".md", ".markdown", ".rst", ".html", ".htm"})


def file_kind(path: str) -> FileKind:
    """The kind of ``path`` (a POSIX path relative to the tree root)."""
    pure = PurePosixPath(path)
    name = pure.name
    if name in _MANIFESTS or name.endswith(".gemspec"):
        return FileKind.MANIFEST
    if len(pure.parts) >= 2 and pure.parts[-2] == "LICENSES":
        return FileKind.REUSE_LICENSE
    if _README.match(name):
        return FileKind.README
    stem_suffix = pure.suffix.lower()
    looks_textual = stem_suffix in _TEXT_SUFFIXES or not _is_code_suffix(stem_suffix)
    if _NOTICE.match(name) and looks_textual:
        return FileKind.NOTICE
    if _LICENSE.match(name) and looks_textual:
        return FileKind.LICENSE
    return FileKind.SOURCE


def reuse_license_id(path: str) -> str | None:
    """The SPDX id a REUSE ``LICENSES/`` file is named after (``LICENSES/MIT.txt``: MIT)."""
    pure = PurePosixPath(path)
    if file_kind(path) is not FileKind.REUSE_LICENSE:
        return None
    return pure.stem or None


def _is_code_suffix(suffix: str) -> bool:
    # "LICENSE.py" or "license.go" is code about licenses, not a license file;
    # "LICENSE.APACHE", "COPYING.LIB", "LICENSE-MIT" are license files.
    return suffix in {
        ".py",
        ".go",
        ".rs",
        ".js",
        ".ts",
        ".java",
        ".c",
        ".h",
        ".cpp",
        ".rb",
        ".php",
        ".json",
        ".toml",
        ".yml",
        ".yaml",
        ".xml",
    }
