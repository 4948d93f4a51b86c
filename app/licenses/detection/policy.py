"""When a matched license text is trusted as *that* license: the refusal rules.

ScanCode reports its best candidate even for a text it only partly recognises (an
MIT text with an added "shall not be used for military purposes" clause comes back
as ``json`` at 94.7% coverage, the JSON license being MIT plus a clause), and flags
the doubt in its detection log. CodeCommons must never serve a modified license as
the original, so a detection is mapped only when every match in it passes:

* ``coverage >= MIN_COVERAGE``: at least 90% of the rule's words were found. Real
  variants of a text (a copyright holder's name in BSD's clause 3, a reflowed
  notice) stay above it; fragments of a notice stay below.
* ``missing_words <= MAX_MISSING_WORDS``: at most that many words of the rule are
  absent. Coverage alone is a share: 90% of the Apache-2.0 text lets a whole
  clause go (a removed patent-termination paragraph left Apache at 97%). A
  substituted name or a dropped "the" is a few words; a removed clause is a
  sentence.
* ``extra_words <= MAX_EXTRA_WORDS``: at most 3 words of the file inside the matched
  region belong to no rule. A substituted name is 1-3 words; an added restriction
  is a sentence. This is the check that catches a modified license whose remaining
  text is intact. Words of a copyright statement found by ScanCode's copyright
  detector inside the region are not counted (up to the statement's own word
  count, so a clause written on a copyright line still counts): filling the
  Apache appendix or the GPL's "How to apply" with a multi-line holder list is
  not a modification.
* in a license file, ``appended_words <= MAX_EXTRA_WORDS``: words that follow a
  full text in its last paragraph (a sentence added after a one-paragraph license,
  where no rule word follows it to put it "inside" the match). A new paragraph
  after the text is not counted: license files often go on with notes, other
  licenses, or attributions, each in paragraphs of their own.
* no "vague" ScanCode key (``unknown``, ``unknown-license-reference``,
  ``other-permissive``...): those say "some license is mentioned", not which.

A refused detection is still reported, unmapped, with the text and the closest
keys, and the score says how far it is: never hidden, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.licenses.detection.backend import CopyrightSpan, MatchKind, RawDetection, RawMatch

MIN_COVERAGE = 90.0
MAX_EXTRA_WORDS = 3
MAX_MISSING_WORDS = 10
_VAGUE_KEY = re.compile(
    r"^(unknown.*|free-unknown|other-permissive|other-copyleft|warranty-disclaimer"
    r"|generic-.*|proprietary-license|commercial-license)$"
)
_KEY_TOKEN = re.compile(r"[^\s()]+")
_OPERATORS = frozenset({"and", "or", "with"})


@dataclass(frozen=True, slots=True)
class Verdict:
    mapped: bool
    score: float
    reasons: tuple[str, ...]


def is_statement(detection: RawDetection) -> bool:
    """False when ScanCode only saw clues (e.g. a URL of a license): nothing to report."""
    return any(m.kind is not MatchKind.CLUE for m in detection.matches)


def split_statements(
    detection: RawDetection, copyrights: Sequence[CopyrightSpan] = ()
) -> list[RawDetection]:
    """``detection`` as the statements it really holds, when ScanCode's grouping joined them.

    ScanCode groups matches that sit within a few lines and joins their licenses with
    ``AND``. When one matched rule names all those licenses ("GPL-3.0-or-later WITH
    GCC-exception-3.1") the join is the rule's. When none does, the ``AND`` is only
    proximity: the clippy README's "Apache License 2.0 ... or the MIT license, at
    your option" came back as ``apache-2.0 AND mit``. Such a group is split into one
    statement per license, each true on its own, and how they combine is left to
    reconciliation, which looks for a declaration that says it. Parts that only name
    a vague key ("free-unknown") are dropped when a specific license sits beside
    them, as ScanCode itself drops them from the expression. A title or mention
    *above* a full license text in the group names that text (a ``LICENSE.md``
    headed "BSD 2-Clause first lines License" over that license's text, matched as
    a mention of BSD-2-Clause): the text says which license it is, the title is
    dropped.
    """
    if any(m.kind is MatchKind.TEXT and _refusals(m, copyrights) for m in detection.matches):
        # A title or mention beside a text we refuse names *that* text ("The MIT
        # License" over a modified MIT): the whole group stays one unmapped finding.
        return [detection]
    detection = _without_titles(detection)
    statements = [m for m in detection.matches if m.kind is not MatchKind.CLUE]
    specific = [m for m in statements if not _is_vague(m)]
    wanted = {k for m in specific for k in license_keys(m.key_expression)}
    if len({m.key_expression for m in statements}) <= 1 or any(
        set(license_keys(m.key_expression)) >= wanted for m in specific
    ):
        return [detection]
    by_expression: dict[str, list[RawMatch]] = {}
    for match in specific or statements:
        by_expression.setdefault(match.key_expression, []).append(match)
    return [
        RawDetection(
            key_expression=key,
            spdx_expression=matches[0].spdx_expression,
            start_line=min(m.start_line for m in matches),
            end_line=max(m.end_line for m in matches),
            matches=tuple(matches),
        )
        for key, matches in by_expression.items()
    ]


def _without_titles(detection: RawDetection) -> RawDetection:
    texts = [m for m in detection.matches if m.kind is MatchKind.TEXT]
    if not texts:
        return detection
    first_text = min(m.start_line for m in texts)
    text_keys = {m.key_expression for m in texts}
    kept = tuple(
        m
        for m in detection.matches
        if m.kind is MatchKind.TEXT or m.start_line >= first_text or m.key_expression in text_keys
    )
    if len(kept) == len(detection.matches):
        return detection
    by_key = {m.key_expression: m.spdx_expression for m in kept}
    return RawDetection(
        key_expression=" AND ".join(by_key),
        spdx_expression=" AND ".join(by_key.values()),
        start_line=min(m.start_line for m in kept),
        end_line=max(m.end_line for m in kept),
        matches=kept,
    )


def judge(detection: RawDetection, copyrights: Sequence[CopyrightSpan] = ()) -> Verdict:
    """Whether ``detection`` can be served as its expression, and the evidence score
    (``copyrights``: the copyright statements of the text, see the module doc)."""
    reasons: list[str] = []
    vague = [k for k in license_keys(detection.key_expression) if _VAGUE_KEY.match(k)]
    if vague:
        reasons.append(f"names no specific license ({', '.join(vague)})")
    for match in detection.matches:
        if match.kind is not MatchKind.CLUE:
            reasons.extend(_refusals(match, copyrights))
    score = min((match_similarity(m) for m in detection.matches), default=0.0)
    return Verdict(mapped=not reasons, score=round(score, 1), reasons=tuple(reasons))


def match_similarity(match: RawMatch) -> float:
    """Rule coverage scaled by the share of the region that the rule explains (0-100).

    ScanCode's own score ignores words added inside the region (and weighs in the
    rule's relevance, which says how telling a rule is, not how well it matched);
    this one drops with added words, so a modified text scores visibly lower.
    """
    explained = match.matched_words / match.region_words if match.region_words else 0.0
    return max(0.0, min(100.0, match.coverage * explained))


def needs_copyrights(detection: RawDetection) -> bool:
    """Whether judging ``detection`` depends on where copyright statements are."""
    return any(
        m.kind is MatchKind.TEXT
        and (m.extra_words > MAX_EXTRA_WORDS or m.appended_words > MAX_EXTRA_WORDS or _refusals(m))
        for m in detection.matches
    )


def refusals(match: RawMatch, copyrights: Sequence[CopyrightSpan] = ()) -> list[str]:
    """Why ``match`` cannot be served as its license (empty: it can)."""
    return _refusals(match, copyrights)


def _refusals(match: RawMatch, copyrights: Sequence[CopyrightSpan] = ()) -> list[str]:
    reasons = []
    if match.coverage < MIN_COVERAGE:
        reasons.append(f"only {match.coverage:.1f}% of {match.rule} matched")
    elif match.missing_words > MAX_MISSING_WORDS:
        reasons.append(
            f"{match.missing_words} words of {match.rule} are missing (removed or changed terms)"
        )
    appended = match.appended_words - _copyright_words(match.appended_lines, copyrights)
    if match.kind is MatchKind.TEXT and appended > MAX_EXTRA_WORDS:
        reasons.append(
            f"{appended} words right after the {match.rule} text, in its last "
            "paragraph, are in no license text (an added clause)"
        )
    extra = match.extra_words - _copyright_words(match.unmatched_lines, copyrights)
    if extra > MAX_EXTRA_WORDS:
        reasons.append(
            f"{extra} words inside the {match.rule} match are in no "
            "license text (added or changed terms)"
        )
    return reasons


def _copyright_words(lines: Sequence[int], copyrights: Sequence[CopyrightSpan]) -> int:
    """Of the words on ``lines`` (one entry per word), those that belong to copyright
    statements (each statement excuses at most its own word count)."""
    if not copyrights or not lines:
        return 0
    excused = 0
    for span in copyrights:
        inside = sum(span.start_line <= line <= span.end_line for line in lines)
        excused += min(inside, span.words)
    return min(excused, len(lines))


def is_license_text(detection: RawDetection) -> bool:
    """Whether ``detection`` includes a full license text (not only a mention or notice)."""
    return any(m.kind is MatchKind.TEXT for m in detection.matches)


def _is_vague(match: RawMatch) -> bool:
    return any(_VAGUE_KEY.match(k) for k in license_keys(match.key_expression))


def license_keys(key_expression: str) -> tuple[str, ...]:
    """The license keys of an engine expression, in order, without operators."""
    seen: dict[str, None] = {}
    for token in _KEY_TOKEN.findall(key_expression):
        if token.lower() not in _OPERATORS:
            seen.setdefault(token, None)
    return tuple(seen)
