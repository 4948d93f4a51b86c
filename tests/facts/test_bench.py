"""The benchmark runs end to end (on the samples, so it is quick)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.facts import bench


def test_bench_prints_every_stage(samples_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench.main([str(samples_dir), "--min-files", "12", "--check", "3"])
    out = capsys.readouterr().out
    assert "2 distinct files, 12 processed" in out  # the .js and the .min.js
    for stage in ("analyze_content", "find_pii", "detect-secrets", "minhash_signature"):
        assert stage in out
    assert "slowest stage:" in out
    assert "0 files differ" in out
