"""Full-text license detection: license files, README license sections, source headers.

Each ScanCode detection (a group of nearby matches, e.g. the "MIT License" title and
the MIT text under it) becomes one :class:`Finding` with its lines, so a file that
holds several licenses (a bundled third-party notice, a dual-license statement)
gives several findings. The acceptance policy (:mod:`.policy`) decides which are
mapped. ``SPDX-License-Identifier`` lines are blanked before matching: they are
findings of their own (:mod:`.spdx_tags`), not to be counted twice. Markdown and
HTML are matched as rendered (:mod:`.markup`, line numbers kept), so formatting is
not mistaken for added terms; the text kept on an unmapped finding is the file's.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from app.licenses.detection.backend import (
    CopyrightSpan,
    LicenseTextBackend,
    MatchKind,
    RawDetection,
    RawMatch,
)
from app.licenses.detection.markup import Markup, markup_of, rendered_text
from app.licenses.detection.model import Finding
from app.licenses.detection.policy import (
    is_license_text,
    is_statement,
    judge,
    license_keys,
    needs_copyrights,
    refusals,
    split_statements,
)
from app.licenses.detection.readme import license_sections
from app.licenses.detection.spdx_tags import blank_spdx_tags
from app.models.enums import LicenseSource

# License headers sit at the top of a file; matching a whole 10k-line source file
# costs ScanCode seconds for nothing. 200 lines covers long multi-license headers.
HEADER_MAX_LINES = 200
# A mention this close above a full license text is its title (a heading, then a
# blank line and a copyright block of a few lines).
TITLE_GAP_LINES = 8
# Lines around an unexplained word given to the copyright detector (a statement
# spans a few lines: "Copyright (c) 2012, 2015 Bob Li, Zhang Wei,\n    Dana Scott").
COPYRIGHT_CONTEXT_LINES = 3
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
    return detect_in_text(
        text, path, LicenseSource.LICENSE_FILE, backend, markup=markup_of(path, text)
    )


def detect_readme(
    text: str, path: str | None, backend: LicenseTextBackend | None = None
) -> list[Finding]:
    """Findings of a README's license section(s) only, with the README's line numbers."""
    findings: list[Finding] = []
    markup = markup_of(path, text)
    for section in license_sections(text):
        findings.extend(
            detect_in_text(
                section.text,
                path,
                LicenseSource.LICENSE_FILE,
                backend,
                first_line=section.start_line,
                note="README license section",
                markup=markup,
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
    markup: Markup | None = None,
) -> list[Finding]:
    """Findings for every license statement in ``text`` (lines offset by ``first_line``),
    matched as rendered when ``markup`` says how it is written."""
    engine = backend or default_backend()
    lines = text.split("\n")
    rendered = rendered_text(text, markup)
    tails = source is LicenseSource.LICENSE_FILE and note is None  # a license file
    findings = _read(rendered, lines, path, source, engine, first_line - 1, note, tails)
    if rendered != text and any(not f.is_mapped for f in findings):
        # Both are readings of the same file, and a modification is in both: a
        # statement the rendering refuses but the raw text passes (a README notice
        # whose link text and URL ScanCode's rule spells differently) is kept.
        raw = _read(text, lines, path, source, engine, first_line - 1, note, tails)
        if _unmapped(raw) < _unmapped(findings):
            findings = raw
    return findings


def _unmapped(findings: list[Finding]) -> int:
    return sum(not f.is_mapped for f in findings)


def _read(
    text: str,
    lines: list[str],
    path: str | None,
    source: LicenseSource,
    engine: LicenseTextBackend,
    offset: int,
    note: str | None,
    tails: bool = False,
) -> list[Finding]:
    blanked = blank_spdx_tags(text)
    detections = [d for d in engine.detect(blanked) if is_statement(d)]
    if tails:
        detections = [_with_appended_words(d, blanked.split("\n")) for d in detections]
    copyrights = _copyrights(detections, text, engine)
    detections = [_second_opinion(d, text, engine, copyrights, tails) for d in detections]
    if not copyrights:
        copyrights = _copyrights(detections, text, engine)
    findings: list[Finding] = []
    for detection in detections:
        for statement in split_statements(detection, copyrights):
            findings.append(
                _finding(statement, lines, path, source, engine, offset, note, copyrights)
            )
    return _mentions_of_refused_texts(findings, lines, offset)


def _copyrights(
    detections: list[RawDetection], text: str, engine: LicenseTextBackend
) -> list[CopyrightSpan]:
    """Copyright statements around the words a verdict hangs on (ScanCode's detector
    costs ~1 s over a whole GPL text, milliseconds over a few lines); none when no
    verdict depends on them."""
    lines: set[int] = set()
    for detection in detections:
        if needs_copyrights(detection):
            for match in detection.matches:
                for line in (*match.unmatched_lines, *match.appended_lines):
                    lines.update(
                        range(line - COPYRIGHT_CONTEXT_LINES, line + COPYRIGHT_CONTEXT_LINES + 1)
                    )
    return engine.copyrights(text, sorted(lines)) if lines else []


def _with_appended_words(detection: RawDetection, lines: list[str]) -> RawDetection:
    """Count, for each full-text match, the words after it in its last paragraph."""
    matches = []
    for match in detection.matches:
        if match.kind is MatchKind.TEXT and match.tail_lines:
            paragraph_end = match.end_line
            while paragraph_end < len(lines) and lines[paragraph_end].strip():
                paragraph_end += 1  # lines[paragraph_end] is line paragraph_end + 1
            appended = tuple(line for line in match.tail_lines if line <= paragraph_end)
            match = replace(match, appended_lines=appended)
        matches.append(match)
    return replace(detection, matches=tuple(matches))


def _second_opinion(
    detection: RawDetection,
    text: str,
    engine: LicenseTextBackend,
    copyrights: list[CopyrightSpan],
    tails: bool = False,
) -> RawDetection:
    """A refused full-text match judged again against its license's reference text
    (:meth:`~.backend.LicenseTextBackend.reference_match`): a text within the policy's
    bounds of *a* known text of the license is that license, whichever variant
    ScanCode aligned it with. A modification fails both comparisons."""
    changed = False
    matches: list[RawMatch] = []
    for match in detection.matches:
        if match.kind is MatchKind.TEXT and refusals(match, copyrights):
            reference = engine.reference_match(match, text)
            if reference is not None and not refusals(reference, copyrights):
                match, changed = reference, True
        elif (
            tails
            and match.kind is MatchKind.TEXT
            and match.tail_lines
            and match.rule != f"{match.key_expression}.LICENSE"  # the whole text matched
        ):
            # A short variant of the license matched, and words follow it: when the
            # license's own text goes on into them, the file is judged against all of
            # it ("any-OSI" is a sentence and a URL; a rule is the sentence alone, and
            # a clause added between them would sit after the match, unjudged).
            # When the comparison passes, the variant explained the file: kept.
            reference = engine.reference_match(match, text, max(match.tail_lines))
            if (
                reference is not None
                and reference.end_line > match.end_line
                and refusals(reference, copyrights)
            ):
                match, changed = reference, True
        matches.append(match)
    if not changed:
        return detection
    return replace(
        detection,
        start_line=min(m.start_line for m in matches),
        end_line=max(m.end_line for m in matches),
        matches=tuple(matches),
    )


def _mentions_of_refused_texts(
    findings: list[Finding], lines: list[str], offset: int
) -> list[Finding]:
    """Titles and mentions that name a text rather than state a license of their own.

    * A mention of license X in a text whose X text was refused names that text:
      it is not served on its own ("PostgreSQL License" over a PostgreSQL text
      with a clause removed).
    * A mention right above a full text (within :data:`TITLE_GAP_LINES`, only
      other mentions between them) is that text's title: when it names another license than the
      text ("BSD 2-Clause first lines License" read as BSD-2-Clause), the text
      says which license it is.

    :func:`split_statements` does both inside one ScanCode detection; this does them
    across the text, where blank lines or a copyright block split them."""
    refused = {
        key for f in findings if f.is_license_text and not f.is_mapped for key in f.license_keys
    }
    out: list[Finding] = []
    for number, f in enumerate(findings):
        # the first full text below (mentions between them are title parts too)
        below = next((b for b in findings[number + 1 :] if b.is_license_text), None)
        reason = None
        if f.is_mapped and not f.is_license_text:
            if set(f.license_keys) <= refused:
                reason = f"names a {'/'.join(f.license_keys)} text that was not identified"
            elif (
                below is not None
                and below.is_license_text
                and set(f.license_keys) != set(below.license_keys)
                and (below.start_line or 0) - (f.end_line or 0) <= TITLE_GAP_LINES
            ):
                reason = f"title of the license text at lines {below.start_line}-{below.end_line}"
        if reason is not None:
            start, end = (f.start_line or 1) - offset, (f.end_line or 1) - offset
            f = replace(
                f,
                expression=None,
                original_text="\n".join(lines[start - 1 : end])[:ORIGINAL_TEXT_MAX_CHARS],
                note=((f.note + " | ") if f.note else "") + reason,
            )
        out.append(f)
    return out


def _finding(
    detection: RawDetection,
    lines: list[str],
    path: str | None,
    source: LicenseSource,
    engine: LicenseTextBackend,
    offset: int,
    note: str | None,
    copyrights: list[CopyrightSpan],
) -> Finding:
    verdict = judge(detection, copyrights)
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
