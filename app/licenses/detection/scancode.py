"""ScanCode Toolkit as the license-text engine: the field's reference matcher.

Measured on this 2-core machine (see the report in the issue): ``pip install
scancode-toolkit-mini`` ~20-30 s and ~700 MB on disk, of which 576 MB is
``licensedcode`` (37,542 license rules and a prebuilt 413 MB index pickle shipped in
the wheel, so no index build happens); ``get_index()`` loads that pickle in 6-12 s
and the process then holds ~1.4 GB. Matching a license file takes 1-80 ms when the
text is exact (hash / Aho-Corasick) and 0.2-3 s when it needs sequence alignment
(modified texts, long bundled notices). Hence: the index is loaded once per process
(:func:`functools.cache`), and Celery workers should call :func:`warm_up` from
``worker_process_init`` so the first task does not pay the load.

``scancode-toolkit-mini`` is the variant without the native extractors (libarchive,
7z) we do not need. ScanCode's own grouping of matches into detections
(``licensedcode.detection``) is used as is; only the decision to *trust* a detection
is ours (:mod:`.policy`).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterable
from dataclasses import replace
from difflib import SequenceMatcher
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from app.licenses.detection.backend import CopyrightSpan, MatchKind, RawDetection, RawMatch

TOOL = "scancode-toolkit"
MIN_ALIGNED_RUN = 3
_DISTRIBUTIONS = ("scancode-toolkit-mini", "scancode-toolkit")


def is_available() -> bool:
    """Whether ScanCode is installed in this environment."""
    return _installed_version() is not None


class ScanCodeBackend:
    """:class:`~.backend.LicenseTextBackend` over ScanCode's ``licensedcode``.

    ``approximate=False`` keeps ScanCode's exact matchers (hash, Aho-Corasick over
    every rule, SPDX ids) and skips its approximate sequence matching, which is what
    finds modified or damaged license *texts* and costs most of the time. Source
    headers are overwhelmingly verbatim rule text (ScanCode ships thousands of header
    rules), so the scan pipeline uses the exact mode for them and the full mode for
    license files and READMEs. ``seconds`` bounds one detection (ScanCode then returns
    what it matched so far).
    """

    def __init__(self, *, approximate: bool = True, seconds: float | None = None) -> None:
        self.approximate = approximate
        self.seconds = seconds

    @property
    def tool(self) -> str:
        return TOOL

    @property
    def tool_version(self) -> str:
        return _installed_version() or "unknown"

    def detect(self, text: str) -> list[RawDetection]:
        if not text.strip():
            return []
        index = _index()  # first: it makes licensedcode importable (see below)
        from licensedcode.detection import (  # type: ignore[import-untyped, import-not-found]  # no types shipped
            detect_licenses,
        )

        options: dict[str, Any] = {"approximate": self.approximate}
        if self.seconds is not None:
            options["deadline"] = time.time() + self.seconds
        detections = [d for d in detect_licenses(index=index, query_string=text, **options)]
        tails = _tails([m for d in detections for m in d.matches])
        return [_detection(d, tails) for d in detections if d.matches]

    def copyrights(self, text: str, lines: Iterable[int] | None = None) -> list[CopyrightSpan]:
        """ScanCode's copyright detector (``cluecode``), statements only: each with
        its lines and its word count in ScanCode's own tokenization. It costs about
        a second on a whole GPL text, so callers pass the few lines they ask about."""
        _index()
        from cluecode.copyrights import (  # type: ignore[import-untyped, import-not-found]  # no types shipped
            detect_copyrights_from_lines,
        )
        from licensedcode.tokenize import (  # type: ignore[import-untyped, import-not-found]  # no types shipped
            query_tokenizer,
        )

        numbered = list(enumerate(text.split("\n"), start=1))
        if lines is not None:
            wanted = set(lines)
            numbered = [(n, line) for n, line in numbered if n in wanted]
        found = detect_copyrights_from_lines(numbered, include_holders=False, include_authors=False)
        return [
            CopyrightSpan(
                start_line=int(d.start_line),
                end_line=int(d.end_line),
                words=sum(1 for _ in query_tokenizer(str(d.copyright))),
            )
            for d in found
            if getattr(d, "copyright", None)
        ]

    def reference_match(
        self, match: RawMatch, text: str, end_line: int | None = None
    ) -> RawMatch | None:
        """The region compared with the license's own text (``<key>.LICENSE``).

        ScanCode picks, among the 37,000 rules, the one closest to the region; for a
        rendered or re-titled text that is sometimes a variant of the license with
        words of its own (a rule of GPL-3.0 as published on a web page, with the
        page's header), and every word of that variant the file lacks then counts
        as missing. Diffing the region against the license's reference text
        (``difflib`` over ScanCode's own tokens, per line) gives the same facts,
        inner extra and missing words and coverage, against the text that defines
        the license. ``end_line`` extends the region past the match (to compare
        what follows a short rule variant with the rest of the reference text).
        Runs of fewer than :data:`MIN_ALIGNED_RUN` words are not alignments: a
        lone "the" in unrelated text matches nothing.
        """
        key = match.key_expression
        rule = _rules().get(f"{key}.LICENSE")
        if rule is None or " " in key:
            return None
        from licensedcode.tokenize import (  # type: ignore[import-untyped, import-not-found]  # no types shipped
            query_tokenizer,
        )

        reference = list(query_tokenizer(rule.text))
        words: list[str] = []
        line_of: list[int] = []
        lines = text.split("\n")
        last_line = max(match.end_line, end_line or 0)
        for number in range(match.start_line, min(last_line, len(lines)) + 1):
            for token in query_tokenizer(lines[number - 1]):
                words.append(token)
                line_of.append(number)
        if not reference or not words:
            return None
        matcher = SequenceMatcher(None, reference, words, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_ALIGNED_RUN]
        if not blocks:
            return None
        matched = sum(b.size for b in blocks)
        first, last = blocks[0], blocks[-1]
        inside: set[int] = set()
        for b in blocks:
            inside.update(range(b.b, b.b + b.size))
        region = range(first.b, last.b + last.size)
        unmatched = tuple(line_of[i] for i in region if i not in inside)
        coverage = round(100.0 * matched / len(reference), 2)
        return RawMatch(
            rule=f"{key}.LICENSE",
            key_expression=key,
            spdx_expression=match.spdx_expression,
            kind=MatchKind.TEXT,
            matcher="reference-diff",
            start_line=line_of[first.b],
            end_line=line_of[last.b + last.size - 1],
            coverage=coverage,
            matched_words=matched,
            region_words=len(region),
            score=coverage,
            rule_words=len(reference),
            missing_inside=(last.a + last.size - first.a) - matched,
            unmatched_lines=unmatched,
            tail_lines=match.tail_lines,
            appended_lines=match.appended_lines,
        )


@cache
def _rules() -> dict[str, Any]:
    """ScanCode's rules by identifier (``mit.LICENSE``, ``gpl-3.0_448.RULE``...)."""
    return {str(rule.identifier): rule for rule in _index().rules_by_rid}


def warm_up() -> None:
    """Load the ScanCode index now (6-12 s) rather than on the first detection."""
    _index()


@cache
def _installed_version() -> str | None:
    for dist in _DISTRIBUTIONS:
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return None


@cache
def _index() -> Any:
    _make_plugincode_work_with_new_pluggy()
    with warnings.catch_warnings():
        # typecode warns that it uses the system libmagic: we only match strings.
        warnings.simplefilter("ignore")
        from licensedcode.cache import get_index  # type: ignore[import-untyped, import-not-found]  # no types

        return get_index()


def _make_plugincode_work_with_new_pluggy() -> None:
    """Let ``plugincode`` import under pluggy >= 1.6, which pytest 9 requires.

    plugincode 32 (the latest) marks a *class* as a hook specification; pluggy 1.6
    only accepts functions and raises "did not find any hooks" while typecode imports
    ``plugincode.location_provider`` (it looks for a plugin-provided libmagic). The
    manager below skips that error: it only means no location plugin can register a
    spec, and typecode then falls back to the system libmagic, which string matching
    never uses anyway. The swap is scoped to that one import and restored after.
    """
    import sys

    if "plugincode.location_provider" in sys.modules:
        return
    import pluggy

    original = pluggy.PluginManager

    class _TolerantPluginManager(original):  # type: ignore[misc, valid-type]
        def add_hookspecs(self, module_or_class: object) -> None:
            with contextlib.suppress(ValueError):
                super().add_hookspecs(module_or_class)

    pluggy.PluginManager = _TolerantPluginManager  # type: ignore[misc]
    try:
        import plugincode.location_provider  # type: ignore[import-untyped, import-not-found]  # noqa: F401
    finally:
        pluggy.PluginManager = original  # type: ignore[misc]


def _tails(matches: list[Any]) -> dict[int, tuple[int, ...]]:
    """For each match (by ``id``), the line of every word after it up to the next
    match or the end of the text: what a license file says after a license."""
    ordered = sorted(matches, key=lambda m: m.qstart)
    out: dict[int, tuple[int, ...]] = {}
    for number, match in enumerate(ordered):
        line_by_pos = getattr(getattr(match, "query", None), "line_by_pos", None)
        if not line_by_pos:
            continue
        following = [m.qstart for m in ordered[number + 1 :] if m.qstart > match.qend]
        end = min(following) if following else len(line_by_pos)
        out[id(match)] = tuple(int(line_by_pos[p]) for p in range(match.qend + 1, end))
    return out


def _detection(detection: Any, tails: dict[int, tuple[int, ...]]) -> RawDetection:
    matches = tuple(replace(_match(m), tail_lines=tails.get(id(m), ())) for m in detection.matches)
    return RawDetection(
        key_expression=str(detection.license_expression),
        spdx_expression=str(detection.license_expression_spdx),
        start_line=min(m.start_line for m in matches),
        end_line=max(m.end_line for m in matches),
        matches=matches,
    )


def _match(match: Any) -> RawMatch:
    rule = match.rule
    return RawMatch(
        rule=str(rule.identifier),
        key_expression=str(rule.license_expression),
        spdx_expression=str(rule.spdx_license_expression()),
        kind=_kind(rule),
        matcher=str(match.matcher),
        start_line=int(match.start_line),
        end_line=int(match.end_line),
        coverage=float(match.coverage()),
        matched_words=int(match.len()),
        region_words=int(match.qregion_len()),
        score=float(match.score()),
        rule_words=int(rule.length),
        missing_inside=int(match.iend - match.istart + 1 - len(match.ispan)),
        unmatched_lines=_unmatched_lines(match),
    )


def _unmatched_lines(match: Any) -> tuple[int, ...]:
    """The line of each query position inside the match region that it did not match."""
    query = getattr(match, "query", None)
    line_by_pos = getattr(query, "line_by_pos", None)
    if not line_by_pos or match.len() == match.qregion_len():
        return ()
    matched = set(match.qspan)
    return tuple(
        int(line_by_pos[pos])
        for pos in range(match.qstart, match.qend + 1)
        if pos not in matched and pos < len(line_by_pos)
    )


def _kind(rule: Any) -> MatchKind:
    if rule.is_license_text:
        return MatchKind.TEXT
    if rule.is_license_notice:
        return MatchKind.NOTICE
    if rule.is_license_tag:
        return MatchKind.TAG
    if rule.is_license_intro:
        return MatchKind.INTRO
    if rule.is_license_clue:
        return MatchKind.CLUE
    return MatchKind.REFERENCE
