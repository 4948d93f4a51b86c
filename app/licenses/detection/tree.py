"""Detection over one file or a whole tree: which detector runs on which file.

* license files (LICENSE, COPYING, NOTICE, UNLICENSE, ``LICENSES/*``): full text;
* READMEs: their license sections;
* manifests: the declared licenses;
* every other text file: its header and its SPDX tags.

SPDX tags are read in every kind of file (a LICENSE file may carry one too). In a
REUSE layout, each file also gets what its ``.license`` companion, the
``REUSE.toml`` files and ``.reuse/dep5`` say about it (:mod:`.reuse`); that is the
file's own information, so it inherits nothing from license files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.licenses.detection.backend import LicenseTextBackend
from app.licenses.detection.fulltext import detect_header, detect_license_file, detect_readme
from app.licenses.detection.inheritance import inherited_licenses
from app.licenses.detection.manifests import declared_licenses
from app.licenses.detection.model import Finding
from app.licenses.detection.paths import FileKind, file_kind
from app.licenses.detection.reconcile import EffectiveLicense, Evidence, reconcile
from app.licenses.detection.reuse import ReuseFile, is_reuse_layout, is_reuse_metadata, resolve
from app.licenses.detection.spdx_tags import spdx_tag_findings
from app.models.enums import LicenseSource


@dataclass(frozen=True, slots=True)
class TreeLicenses:
    findings: dict[str, list[Finding]]  # per path: what the file itself says
    inherited: dict[str, list[Finding]]  # per path: what it inherits (see .inheritance)
    # per path, in a REUSE layout: what REUSE associates with it (see .reuse)
    reuse: dict[str, ReuseFile]


def detect_file(path: str, text: str, backend: LicenseTextBackend | None = None) -> list[Finding]:
    """Every license finding of one file, by the detectors its kind calls for."""
    kind = file_kind(path)
    if kind is FileKind.MANIFEST:
        return declared_licenses(path, text)
    tags = spdx_tag_findings(text, path)
    if kind in {FileKind.LICENSE, FileKind.NOTICE, FileKind.REUSE_LICENSE}:
        return tags + detect_license_file(text, path, backend)
    if kind is FileKind.README:
        return detect_readme(text, path, backend)
    return tags + detect_header(text, path, backend)


def detect_tree(
    files: Mapping[str, str], backend: LicenseTextBackend | None = None
) -> TreeLicenses:
    """Findings for every file of ``files`` (path relative to the root -> text)."""
    findings = {path: detect_file(path, text, backend) for path, text in files.items()}
    metadata = {path: text for path, text in files.items() if is_reuse_metadata(path)}
    reuse = resolve(files, metadata, findings) if is_reuse_layout(files) else {}
    for path, resolved in reuse.items():
        own = [] if resolved.own_ignored else findings.get(path, [])
        findings[path] = own + resolved.findings
    return TreeLicenses(
        findings={p: f for p, f in findings.items() if f},
        inherited=inherited_licenses(findings, files),
        reuse=reuse,
    )


def origin_evidence(tree: TreeLicenses) -> tuple[list[Finding], list[Finding], list[str | None]]:
    """(declared, detected, reuse) of a whole tree, as the scan's license analyzer
    selects them for :func:`~.reconcile.reconcile`: manifests at the root are
    declarations; root license files, README license sections and the REUSE
    ``LICENSES/`` texts are detected evidence; in a REUSE layout, every file's
    resolved expression."""
    declared: list[Finding] = []
    detected: list[Finding] = []
    for path, found in tree.findings.items():
        kind = file_kind(path)
        at_root = "/" not in path and kind in {FileKind.LICENSE, FileKind.README, FileKind.MANIFEST}
        in_licenses = kind is FileKind.REUSE_LICENSE and path.startswith("LICENSES/")
        if not (at_root or in_licenses):
            continue
        for f in found:
            if f.source is LicenseSource.MANIFEST_DECLARED:
                declared.append(f)
            elif f.source in {LicenseSource.LICENSE_FILE, LicenseSource.SPDX_TAG}:
                detected.append(f)
    return declared, detected, [info.expression for info in tree.reuse.values()]


def effective_license(
    tree: TreeLicenses, declared: list[Evidence] | None = None
) -> EffectiveLicense:
    """The tree's effective license (``declared``: forge or registry declarations)."""
    own_declared, detected, reuse = origin_evidence(tree)
    return reconcile([*(declared or []), *own_declared], detected, reuse)
