"""The secret and PII evaluation sets: regenerable, and the goals hold on them."""

from __future__ import annotations

from pathlib import Path

from app.facts import evalsets
from benchmarks.facts_quality import FACTS_EVAL, Report, goals_met, score_pii, score_secrets


def test_committed_sets_are_what_the_generator_writes(tmp_path: Path) -> None:
    evalsets.write(tmp_path)
    for relative in [
        "pii/cases.jsonl",
        "secrets/labels.json",
        *(f"secrets/{f.name}" for f in evalsets.secret_files()),
    ]:
        assert (tmp_path / relative).read_text() == (FACTS_EVAL / relative).read_text(), relative


def test_planted_lines_hold_what_the_labels_say() -> None:
    """The labels point at the planted values (a generator bug would make recall lie)."""
    for config in evalsets.secret_files():
        lines = config.text().split("\n")
        for planted in config.planted.values():
            line = lines[planted.line - 1]
            assert "=" in line or ":" in line or line.startswith(" "), (config.name, line)
            assert planted.first_line <= planted.line


def test_secrets_recall_equals_or_beats_detect_secrets_own_scan() -> None:
    ours, reference = score_secrets()
    assert reference.name.startswith("detect-secrets")
    assert ours.cases == reference.cases == 33
    assert ours.recall >= reference.recall
    assert ours.recall == 1.0, ours.notes
    assert ours.precision >= 0.95, ours.notes
    # detect-secrets' own scan skips the eager INI reading once it found anything:
    # the .env's unquoted password is the measured difference.
    assert any(".env:4" in note for note in reference.notes)


def test_pii_precision_and_recall_at_least_095() -> None:
    rows = score_pii()
    total = next(r for r in rows if r.name == "all")
    assert total.cases == 87
    assert total.precision >= 0.95, total.notes
    assert total.recall >= 0.95, total.notes
    assert goals_met(Report(pii=rows)) == []


def test_every_decoy_of_the_issue_is_in_the_set() -> None:
    texts = "\n".join(case.text for case in evalsets.pii_cases() if not case.expected)
    for decoy in (
        "ssh://git@",
        "deploy@build.acme.io:/",
        "2.10.4.1",
        "q@k.transpose",
        "{user}@{domain}.com",
    ):
        assert decoy in texts
