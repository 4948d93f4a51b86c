"""Full-text license detection: license files, README license sections, source headers.

Each ScanCode detection (a group of nearby matches, e.g. the "MIT License" title and
the MIT text under it) becomes one :class:`Finding` with its lines, so a file that
holds several licenses (a bundled third-party notice, a dual-license statement)
gives several findings. The acceptance policy (:mod:`.policy`) decides which are
mapped. ``SPDX-License-Identifier`` lines are blanked before matching: they are
findings of their own (:mod:`.spdx_tags`), not to be counted twice.
"""

from __future__ import annotations

from functools import cache

from app.licenses.detection.backend import LicenseTextBackend, RawDetection
from app.licenses.detection.model import Finding
from app.licenses.detection.policy import (
    is_license_text,
    is_statement,
    judge,
    license_keys,
    split_statements,
)
from app.licenses.detection.readme import license_sections
from app.licenses.detection.spdx_tags import blank_spdx_tags
from app.models.enums import LicenseSource

# License headers sit at the top of a file; matching a whole 10k-line source file
# costs ScanCode seconds for nothing. 200 lines covers long multi-license headers.
HEADER_MAX_LINES = 200
# What an unmapped finding keeps of the region it could not identify.
ORIGINAL_TEXT_MAX_CHARS = 10_000


def default_backend() -> LicenseTextBackend:
    """The process-wide ScanCode backend (its index is loaded on first use, once)."""
    return _scancode()


@cache
def _scancode() -> LicenseTextBackend:
    from app.licenses.detection.scancode import ScanCodeBackend

    return ScanCodeBackend()


def detect_license_file(
    text: str, path: str | None, backend: LicenseTextBackend | None = None
) -> list[Finding]:
    """Findings of a LICENSE / COPYING / NOTICE / ``LICENSES/*`` file (source ``license_file``)."""
    return detect_in_text(text, path, LicenseSource.LICENSE_FILE, backend)


def detect_readme(
    text: str, path: str | None, backend: LicenseTextBackend | None = None
) -> list[Finding]:
    """Findings of a README's license section(s) only, with the README's line numbers."""
    findings: list[Finding] = []
    for section in license_sections(text):
        findings.extend(
            detect_in_text(
                section.text,
                path,
                LicenseSource.LICENSE_FILE,
                backend,
                first_line=section.start_line,
                note="README license section",
            )
        )
    return findings


def detect_header(
    text: str, path: str | None, backend: LicenseTextBackend | None = None
) -> list[Finding]:
    """License notices at the top of a source file (source ``header``)."""
    head = "\n".join(text.split("\n")[:HEADER_MAX_LINES])
    return detect_in_text(head, path, LicenseSource.HEADER, backend)


def detect_in_text(
    text: str,
    path: str | None,
    source: LicenseSource,
    backend: LicenseTextBackend | None = None,
    *,
    first_line: int = 1,
    note: str | None = None,
) -> list[Finding]:
    """Findings for every license statement in ``text`` (lines offset by ``first_line``)."""
    engine = backend or default_backend()
    lines = text.split("\n")
    findings: list[Finding] = []
    for detection in engine.detect(blank_spdx_tags(text)):
        if not is_statement(detection):
            continue
        for statement in split_statements(detection):
            findings.append(_finding(statement, lines, path, source, engine, first_line - 1, note))
    return findings


def _finding(
    detection: RawDetection,
    lines: list[str],
    path: str | None,
    source: LicenseSource,
    engine: LicenseTextBackend,
    offset: int,
    note: str | None,
) -> Finding:
    verdict = judge(detection)
    notes = [note] if note else []
    original: str | None = None
    if not verdict.mapped:
        region = "\n".join(lines[detection.start_line - 1 : detection.end_line])
        original = region[:ORIGINAL_TEXT_MAX_CHARS]
        notes.append(f"closest: {detection.spdx_expression}; " + "; ".join(verdict.reasons))
    return Finding(
        expression=detection.spdx_expression if verdict.mapped else None,
        original_text=original,
        source=source,
        path=path,
        start_line=detection.start_line + offset,
        end_line=detection.end_line + offset,
        score=verdict.score,
        tool=engine.tool,
        tool_version=engine.tool_version,
        rule=" ".join(m.rule for m in detection.matches),
        license_keys=license_keys(detection.key_expression),
        is_license_text=is_license_text(detection),
        note=" | ".join(notes) or None,
    )
