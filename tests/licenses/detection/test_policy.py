"""The acceptance policy, on hand-made matches (no ScanCode needed)."""

from __future__ import annotations

from dataclasses import replace

from app.licenses.detection.backend import CopyrightSpan, MatchKind, RawDetection, RawMatch
from app.licenses.detection.policy import judge, split_statements


def match(
    key: str,
    kind: MatchKind = MatchKind.TEXT,
    *,
    coverage: float = 100.0,
    matched: int = 100,
    region: int = 100,
    line: int = 1,
) -> RawMatch:
    return RawMatch(
        rule=f"{key}_1.RULE",
        key_expression=key,
        spdx_expression=key.upper(),
        kind=kind,
        matcher="2-aho",
        start_line=line,
        end_line=line + 1,
        coverage=coverage,
        matched_words=matched,
        region_words=region,
        score=coverage,
    )


def detection(*matches: RawMatch, key: str | None = None) -> RawDetection:
    expression = key or " AND ".join(dict.fromkeys(m.key_expression for m in matches))
    return RawDetection(
        key_expression=expression,
        spdx_expression=expression.upper(),
        start_line=min(m.start_line for m in matches),
        end_line=max(m.end_line for m in matches),
        matches=matches,
    )


def test_exact_and_lightly_varied_texts_are_accepted():
    assert judge(detection(match("mit"))).mapped
    varied = judge(detection(match("bsd-new", coverage=96.4, matched=215, region=216)))
    assert varied.mapped
    assert varied.score == 96.0


def test_added_clause_is_refused_with_a_lower_score():
    verdict = judge(detection(match("json", coverage=94.7, matched=161, region=175)))
    assert not verdict.mapped
    assert verdict.score < 90
    assert "14 words" in verdict.reasons[0]


def test_partial_notice_and_vague_keys_are_refused():
    assert not judge(detection(match("lgpl-3.0", MatchKind.NOTICE, coverage=44.2))).mapped
    vague = judge(detection(match("unknown-license-reference", MatchKind.REFERENCE)))
    assert not vague.mapped


def test_proximity_group_is_split_per_license_but_a_rule_covering_all_is_kept():
    mentions = detection(
        match("apache-2.0", MatchKind.NOTICE, line=7),
        match("mit", MatchKind.REFERENCE, line=8),
        match("free-unknown", MatchKind.REFERENCE, line=9),
    )
    assert [d.key_expression for d in split_statements(mentions)] == ["apache-2.0", "mit"]
    covered = detection(
        match("gpl-3.0-plus", MatchKind.TAG, line=1),
        match("gpl-3.0-plus WITH gcc-exception-3.1", MatchKind.NOTICE, line=3),
    )
    assert split_statements(covered) == [covered]


def test_title_over_a_refused_text_is_not_split_off():
    modified = detection(
        match("mit", MatchKind.REFERENCE, line=1),
        match("json", coverage=94.7, matched=161, region=175, line=5),
    )
    assert split_statements(modified) == [modified]
    assert not judge(modified).mapped


def test_removed_words_inside_the_rule_are_refused_even_at_high_coverage():
    removed = replace(match("apache-2.0", coverage=98.9), rule_words=1581, missing_inside=17)
    verdict = judge(detection(removed))
    assert not verdict.mapped
    assert any("missing" in r for r in verdict.reasons)
    assert judge(detection(replace(removed, missing_inside=3))).mapped


def test_copyright_statements_inside_the_region_are_not_added_terms():
    filled = replace(
        match("apache-2.0", matched=1580, region=1612),
        unmatched_lines=(190,) * 11 + (191,) * 16 + (195,) * 5,
    )
    holders = [CopyrightSpan(190, 190, 11), CopyrightSpan(191, 192, 15)]
    assert not judge(detection(filled)).mapped
    verdict = judge(detection(filled), holders)
    assert not verdict.mapped  # 32 extra words, 26 of them in the statements
    assert judge(detection(filled), [*holders, CopyrightSpan(195, 195, 5)]).mapped


def test_words_appended_to_a_text_are_refused():
    appended = replace(match("isc"), appended_lines=(12,) * 23)
    assert not judge(detection(appended)).mapped
    assert judge(detection(replace(appended, appended_lines=(12, 12)))).mapped
    # a copyright holder list right after the text is no clause
    assert judge(detection(appended), [CopyrightSpan(12, 12, 25)]).mapped
