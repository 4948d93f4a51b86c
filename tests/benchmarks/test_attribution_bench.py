"""``benchmarks.attribution --small``: the labelled set regenerated, precision and
recall printed per type and length, latency on a COPY-filled index, throughput."""

from __future__ import annotations

import pytest

from benchmarks.attribution import IDIOMS, main


@pytest.mark.timeout(600)  # pygments on a loaded machine
def test_attribution_benchmark_small(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--small"]) == 0
    out = capsys.readouterr().out
    for line in ("quality:", "type1", "type2", "type3", "precision", "fingerprinting:", "latency:"):
        assert line in out, out
    recall = {
        cells[0]: [float(c) for c in cells[1:]]
        for cells in (line.split() for line in out.splitlines())
        if cells and cells[0] in {"type1", "type2", "type3"}
    }
    # exact snippets of 20 lines and more are found at toy scale too
    assert min(recall["type1"][2:]) >= 0.5, out
    # common idioms are never attributed; held-out snippets at toy scale may draw a
    # generic stretch ("def V(self): self.V()" twice), so precision is held to the goal
    assert f"idioms matched: 0/{len(IDIOMS)}" in out, out
    precision = next(line for line in out.splitlines() if line.startswith("precision "))
    assert float(precision.split()[1]) >= 0.95, out
