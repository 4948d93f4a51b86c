"""The license evaluation: the committed sample is what the generator makes, and the
detector meets the issue's goals on it (the full set: ``python -m benchmarks.facts_quality
--only licenses --full``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.licenses.detection import evalset
from app.licenses.detection.backend import LicenseTextBackend
from benchmarks.facts_quality import LICENSES_EVAL, Report, goals_met, score_licenses, score_reuse

SAMPLE = LICENSES_EVAL / "sample"


def test_committed_sample_is_what_the_generator_writes(
    tmp_path: Path, scancode: LicenseTextBackend
) -> None:
    del scancode  # the generator reads ScanCode's installed texts
    evalset.write(tmp_path, evalset.SAMPLE_KEYS)
    committed = json.loads((SAMPLE / "labels.json").read_text())
    assert json.loads((tmp_path / "labels.json").read_text()) == committed
    for entry in committed:
        assert (tmp_path / entry["file"]).read_text() == (SAMPLE / entry["file"]).read_text()


def test_modified_variants_really_differ_from_the_text(scancode: LicenseTextBackend) -> None:
    """Each modification changes the words (else the "never reported" check is empty)."""
    del scancode
    for key in evalset.SAMPLE_KEYS:
        plain = next(evalset.cases([key], ["plain"])).text.split()
        for case in evalset.cases([key], ["added-clause", "changed-terms", "removed-clause"]):
            assert case.text.split() != plain, case.case_id


@pytest.fixture(scope="module")
def sample_report(scancode: LicenseTextBackend) -> Report:
    del scancode
    return Report(licenses=score_licenses(evalset.load(SAMPLE)), reuse=score_reuse())


def test_every_standard_rendering_of_the_sample_is_recognised(sample_report: Report) -> None:
    standard = next(r for r in sample_report.licenses if r.name == "all standard renderings")
    assert standard.cases == len(evalset.SAMPLE_KEYS) * len(evalset.STANDARD_VARIANTS)
    assert standard.misses == 0, [n for r in sample_report.licenses for n in r.notes]
    assert standard.false_positives == 0


def test_no_modified_text_is_reported_as_the_original(sample_report: Report) -> None:
    modified = next(r for r in sample_report.licenses if r.name == "all modified texts")
    assert modified.cases == len(evalset.SAMPLE_KEYS) * len(evalset.MODIFIED_VARIANTS)
    assert modified.false_positives == 0, [n for r in sample_report.licenses for n in r.notes]


def test_reuse_layouts_are_reconciled(sample_report: Report) -> None:
    assert len(sample_report.reuse) == len(evalset.reuse_layouts())
    assert all(row.misses == 0 for row in sample_report.reuse), [
        n for r in sample_report.reuse for n in r.notes
    ]
    assert goals_met(sample_report) == []
