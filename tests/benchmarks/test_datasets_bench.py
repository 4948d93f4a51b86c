"""``benchmarks.datasets`` at toy scale: it fills, builds, checks the hand-written SQL
gives the same rows, exports in every format and proves membership."""

from __future__ import annotations

import pytest

from benchmarks.datasets import main


@pytest.mark.timeout(240)
def test_dataset_benchmark_at_toy_scale(capsys: pytest.CaptureFixture[str]) -> None:
    toy = ["--contents", "4000", "--origins", "400", "--export-rows", "100,200"]
    code = main([*toy, "--repeat", "1", "--no-goals"])  # at toy sizes start-up dominates
    out = capsys.readouterr().out
    assert code == 0, out
    assert "same rows as the build: yes" in out
    assert "ratio build evaluation / raw SQL" in out
    for fmt in ("jsonl", "csv", "parquet"):
        assert f"200 rows  {fmt}" in out, out
    assert "peak RSS, smallest to largest size" in out
    assert "proofs: " in out
