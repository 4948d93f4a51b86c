"""``benchmarks.api`` end to end at toy scale: fill by COPY, capture the SQL of every
scenario, check its plans, start the real server, drive it from another process and
replay the SQL raw. On the test PostgreSQL (``DATABASE_URL``) or an embedded one."""

from __future__ import annotations

import pytest

from benchmarks.api import main

SCENARIOS = ("importance", "rest_list", "rest_detail", "swhid", "lookup_1000", "graphql")


@pytest.mark.timeout(300)  # generous: it starts servers and processes, slow on a loaded machine
def test_api_benchmark_at_toy_scale(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--origins", "200", "--contents", "2000", "--variants", "20",
            "--duration", "1", "--warmup", "0", "--concurrency", "1,32",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fill: " in out
    rows = {}
    for line in out.splitlines():
        cells = line.split()
        if len(cells) > 3 and cells[0] in SCENARIOS and cells[2] == "|":
            rows[cells[0], int(cells[1])] = line
    assert set(rows) == {(s, c) for s in SCENARIOS for c in (1, 32)}, out
    for scenario in SCENARIOS:
        # Every scenario was served and replayed (at one concurrency at least: on a
        # loaded machine a toy window can close before a slow first request returns).
        api_rates = [float(rows[scenario, c].split("|")[1].split()[0]) for c in (1, 32)]
        sql_rates = [float(rows[scenario, c].split("|")[2].split()[0]) for c in (1, 32)]
        assert max(api_rates) > 0, rows[scenario, 1]
        assert max(sql_rates) > 0, rows[scenario, 1]
    first_errors = "\n".join(line for line in out.splitlines() if " errors, first: " in line)
    if "API server log" in out:  # the server's traceback of a failed request
        first_errors += out[out.index("API server log") :]
    for line in rows.values():
        assert line.split()[-1] == "0", f"failed requests: {line}\n{first_errors}"
    assert "SEQ SCAN" not in out
    watched = (
        "content, license_finding, origin, origin_importance, origin_license, paper_link, "
        "path_occurrence"
    )
    assert f"no sequential scan over {watched}" in out
