"""Licenses a file inherits from the license files of its directory and parents.

The rule, and why:

* **Own evidence wins.** A file with its own mapped SPDX tag or license header
  inherits nothing: REUSE 3 gives file-level information precedence, and a GPL
  header in an MIT repository makes that file GPL, not "MIT and GPL".
* **Nearest directory wins.** The license files of the closest directory that has
  any apply, and the walk stops there: a vendored ``third_party/foo/LICENSE`` governs
  ``third_party/foo/`` and not the root's license (ScanCode's and ClearlyDefined's
  reading of nested packages). All license files of that directory apply (a dual
  license ships ``LICENSE-MIT`` and ``LICENSE-APACHE``): each comes as one inherited
  finding, and :func:`~.reconcile.reconcile` decides how they combine.
* **Only license files propagate**: LICENSE / LICENCE / COPYING / UNLICENSE /
  COPYRIGHT. Not NOTICE files (attributions and bundled components' terms), not
  the REUSE ``LICENSES/`` folder (a store of texts that files point to by tag), not
  README sections (an origin-level statement, used by reconciliation).
* Unmapped license-file findings propagate too: an unidentified license is still a
  license, never replaced by a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from app.licenses.detection.model import Finding
from app.licenses.detection.paths import FileKind, file_kind
from app.models.enums import LicenseSource

_OWN_SOURCES = frozenset({LicenseSource.SPDX_TAG, LicenseSource.HEADER})


def inherited_licenses(
    findings_by_path: Mapping[str, Sequence[Finding]], paths: Iterable[str]
) -> dict[str, list[Finding]]:
    """For each file of ``paths``, the findings it inherits (source ``inherited``).

    ``findings_by_path`` holds the findings detected in each file of the tree (paths
    relative to the root, POSIX style). Files that inherit nothing are left out.
    """
    by_directory: dict[str, list[Finding]] = {}
    for path, findings in findings_by_path.items():
        if file_kind(path) is not FileKind.LICENSE:
            continue
        propagating = [f for f in findings if f.source is LicenseSource.LICENSE_FILE]
        if propagating:
            by_directory.setdefault(_parent(path), []).extend(propagating)
    out: dict[str, list[Finding]] = {}
    for path in paths:
        if file_kind(path) is FileKind.LICENSE:
            continue
        own = findings_by_path.get(path, ())
        if any(f.is_mapped and f.source in _OWN_SOURCES for f in own):
            continue
        for directory in _ancestors(path):
            found = by_directory.get(directory)
            if found:
                out[path] = [f.inherited_by(path) for f in found]
                break
    return out


def _parent(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _ancestors(path: str) -> Iterable[str]:
    """The directories above ``path``, nearest first, ending with the root ("")."""
    directory = _parent(path)
    while True:
        yield directory
        if not directory:
            return
        directory = _parent(directory)
