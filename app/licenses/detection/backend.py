"""The seam between the detector and the license-text matching engine.

ScanCode is the default engine (see :mod:`.scancode`), but it weighs ~700 MB
installed and ~1.4 GB resident once its index is loaded, so the detector talks to
it through this protocol: a test or a lighter deployment can plug another engine
that returns the same facts. The facts are the ones the acceptance policy
(:mod:`.policy`) needs to refuse a modified license: how much of the license rule
was matched and how many of its words are missing (a removed clause), how many
words of the file inside the matched region belong to no rule (an added clause)
and on which lines they sit, and where the copyright statements are (a holder
list inside a text is not an added clause).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class MatchKind(StrEnum):
    """What the matched rule is, in ScanCode's rule vocabulary."""

    TEXT = "text"  # the full license text
    NOTICE = "notice"  # a notice: "This program is free software; ... version 2 or later"
    REFERENCE = "reference"  # a mention: "Licensed under the MIT license"
    TAG = "tag"  # a structured tag: "License: BSD-3-Clause", SPDX-License-Identifier
    INTRO = "intro"  # an introduction to a license that follows
    CLUE = "clue"  # a hint, not a license statement


@dataclass(frozen=True, slots=True)
class RawMatch:
    """One region of the text matched to one license rule."""

    rule: str  # the rule identifier, e.g. "mit.LICENSE", "gpl-2.0-plus_90.RULE"
    key_expression: str  # the engine's own license keys, e.g. "gpl-2.0-plus"
    spdx_expression: str  # the same in SPDX, e.g. "GPL-2.0-or-later"
    kind: MatchKind
    matcher: str  # how: "1-hash", "2-aho", "3-seq", "1-spdx-id"...
    start_line: int
    end_line: int
    coverage: float  # percent of the rule's words matched
    matched_words: int  # words of the file matched to the rule
    region_words: int  # words of the file between the first and last matched word
    score: float  # the engine's score (coverage weighted by rule relevance)
    rule_words: int = 0  # words of the rule (0: unknown)
    # Words of the rule between its first and last matched word that the text lacks.
    missing_inside: int = 0
    # The line of each word inside the region that belongs to no rule (as many
    # entries as extra_words, when the engine can tell).
    unmatched_lines: tuple[int, ...] = ()
    # The line of each word after the match, up to the next match or the text's end.
    tail_lines: tuple[int, ...] = ()
    # Of those, the lines of the words in the match's last paragraph (set by the
    # detector for license files): text appended to a license, see .policy.
    appended_lines: tuple[int, ...] = ()

    @property
    def appended_words(self) -> int:
        return len(self.appended_lines)

    @property
    def extra_words(self) -> int:
        """Words inside the matched region that belong to no rule: added text."""
        return max(0, self.region_words - self.matched_words)

    @property
    def missing_words(self) -> int:
        """Words of the rule the text lacks between the rule's first and last matched
        words: removed or replaced text. (Words missing at the rule's ends are only
        bounded by coverage: many rules carry a page header or a how-to-apply
        appendix that real copies leave out.)"""
        return self.missing_inside


@dataclass(frozen=True, slots=True)
class CopyrightSpan:
    """A copyright statement: its lines and how many words it holds."""

    start_line: int
    end_line: int
    words: int


@dataclass(frozen=True, slots=True)
class RawDetection:
    """Matches the engine grouped as one license statement, with its combined expression."""

    key_expression: str
    spdx_expression: str
    start_line: int
    end_line: int
    matches: tuple[RawMatch, ...]


class LicenseTextBackend(Protocol):
    """A license-text matching engine."""

    @property
    def tool(self) -> str: ...

    @property
    def tool_version(self) -> str: ...

    def detect(self, text: str) -> list[RawDetection]:
        """License statements found in ``text``, in file order, lines 1-based."""
        ...

    def copyrights(self, text: str, lines: Iterable[int] | None = None) -> list[CopyrightSpan]:
        """Copyright statements in ``text``, or only on ``lines`` (1-based) when given
        (an engine without a detector returns [])."""
        ...

    def reference_match(
        self, match: RawMatch, text: str, end_line: int | None = None
    ) -> RawMatch | None:
        """``match``'s region of ``text`` (to ``end_line`` if given) compared word by
        word with the reference text of its license (not with the rule variant the
        engine chose), or None when the license has no single reference text."""
        ...
