"""The results table: API and raw SQL throughput and latency, their ratio, CPU shares."""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchmarks.api.load import Result


@dataclass
class Row:
    scenario: str
    concurrency: int
    api: Result
    sql: Result
    api_cpu: float  # server CPU during the API run, as a share of one core


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'scenario':<12} {'conc':>4} | {'API req/s':>9} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'SQL req/s':>9} {'p50 ms':>7} {'p99 ms':>7} | {'API/SQL':>7} | "
        f"{'CPU: API':>8} {'client':>6} {'SQL client':>10} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = r.api.rate / r.sql.rate if r.sql.rate else float("nan")
        print(
            f"{r.scenario:<12} {r.concurrency:>4} | {r.api.rate:>9.1f} "
            f"{_ms(r.api.percentile(0.5)):>7} {_ms(r.api.percentile(0.99)):>7} | "
            f"{r.sql.rate:>9.1f} {_ms(r.sql.percentile(0.5)):>7}"
            f" {_ms(r.sql.percentile(0.99)):>7} | {ratio:>7.2f} | {r.api_cpu:>8.0%}"
            f" {r.api.cpu_share:>6.0%} {r.sql.cpu_share:>10.0%} {r.api.errors + r.sql.errors:>6}"
        )
