"""API read path: requests per second and latency of the real server (uvicorn in its
own process, load from another process), and the ratio to the same SQL run straight
through psycopg at the same concurrency (the physical limit of answering from this
database on this machine).

    python -m benchmarks.api [--origins 100000 --contents 1000000 --duration 10]

1. A scratch database (``DATABASE_URL``'s server, else an embedded one) is filled by
   binary COPY with generated but realistic rows: forges, shared owners, origins with
   descriptions, topics, stars and languages, declared licenses as real SPDX
   expressions (AND / OR / WITH), effective licenses of scanned origins, snapshots,
   revisions, visits, contents with random 20/20/32-byte hashes, path occurrences
   (vendored copies and shared license texts included), content facts, license
   findings in files, papers and paper links. Then VACUUM ANALYZE, so autovacuum has
   nothing left to do while we measure.
2. Each scenario's requests are first sent once through the app in-process, capturing
   every statement it sends (a ``before_cursor_execute`` listener): that is the SQL
   replayed raw, and the SQL whose plans are checked (EXPLAIN with literal binds: a
   Seq Scan over a big table fails the run).
3. ``codecommons api`` serves the scratch database; ``benchmarks.api.load`` drives it,
   then replays the captured SQL, at each concurrency.

The parts, in the order they run: :mod:`.corpus` (the generated rows), :mod:`.fill`
(binary COPY), :mod:`.scenarios` (the requests), :mod:`.capture` (the SQL each request
runs, the raw reference), :mod:`.plans` (EXPLAIN, no sequential scan), :mod:`.server`
(the API process), :mod:`.load` (the load process), :mod:`.report` (the table);
:mod:`.main` is the command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack

import psycopg

from benchmarks.api.capture import capture
from benchmarks.api.fill import fill
from benchmarks.api.load import Job, run_load
from benchmarks.api.plans import WATCHED_TABLES, check_plans, short_sql, where_clause
from benchmarks.api.report import Row, print_table
from benchmarks.api.scenarios import scenarios
from benchmarks.api.server import BENCH_KEY, api_server, cpu_seconds, libpq_dsn, redis
from benchmarks.common import Timer, scratch_database


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api",
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--origins", type=int, default=100_000)
    parser.add_argument("--contents", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--variants", type=int, default=200, help="distinct requests per scenario")
    parser.add_argument(
        "--explain-seqscan",
        choices=["auto", "on", "off"],
        default="auto",
        help="off: EXPLAIN with enable_seqscan=off (does an index serve it at all?); "
        "auto: off below 20,000 origins, where a seq scan is the right plan",
    )
    parser.add_argument(
        "--scenarios",
        default="",
        help="comma-separated names to run (default: all): importance, rest_list, "
        "rest_detail, swhid, lookup_1000, graphql",
    )
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",")]
    force_index = args.explain_seqscan == "off" or (
        args.explain_seqscan == "auto" and args.origins < 20_000
    )
    began = time.perf_counter()
    with ExitStack() as stack:
        engine = stack.enter_context(scratch_database())
        redis_url = stack.enter_context(redis())
        dsn = libpq_dsn(engine)
        print(f"scratch database migrated and Redis up in {time.perf_counter() - began:.1f} s")
        with Timer() as fill_timer:
            corpus = fill(dsn, args.origins, args.contents)
        total = sum(corpus.rows.values())
        print(
            f"fill: {total:,} rows by binary COPY in {fill_timer.seconds:.1f} s "
            f"({total / fill_timer.seconds:,.0f} rows/s): "
            + ", ".join(f"{t} {n:,}" for t, n in sorted(corpus.rows.items()))
        )
        with Timer() as analyze_timer, psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            row = size.fetchone()
        print(
            f"vacuum analyze: {analyze_timer.seconds:.1f} s; database size {row[0] if row else '?'}"
        )

        items = scenarios(dsn, corpus, args.variants)
        if args.scenarios:
            wanted = set(args.scenarios.split(","))
            items = [s for s in items if s.name in wanted]
        with Timer() as capture_timer:
            capture(dsn, redis_url, items)
        print(f"captured the SQL of {sum(len(s.sql) for s in items)} requests in "
              f"{capture_timer.seconds:.1f} s")  # fmt: skip
        for s in items:
            per_request = sum(len(r.statements) for r in s.sql) / len(s.sql)
            print(f"  {s.name:<12} {s.what}\n  {'':<12} {len(s.http)} variants, "
                  f"{per_request:.1f} statements a request; first answer: {s.answer}")  # fmt: skip

        checks = check_plans(dsn, items, force_index)
        mode = (
            "enable_seqscan=off (toy scale: is there an index path?)"
            if force_index
            else "default planner settings"
        )
        print(f"\nplans ({len(checks)} distinct statements, EXPLAIN with literal binds, {mode}):")
        failures = []
        for c in checks:
            flag = "SEQ SCAN " if c.seq_scans else ""
            print(f"  [{c.scenario}] {flag}{short_sql(c.sql)}\n      {' > '.join(c.nodes)}")
            if c.seq_scans:
                failures.append(c)
            if c.generic_seq_scans:
                print(f"      note: the generic plan seq-scans {', '.join(c.generic_seq_scans)}")

        rows: list[Row] = []
        with api_server(dsn, redis_url, args.workers) as (host, port, pid):
            print(f"\nAPI: codecommons api, {args.workers} uvicorn worker(s), on {host}:{port}, "
                  "rate limiter on (an API key with a budget the load never reaches);\n"
                  "load from a separate process (http.client, one keep-alive connection per "
                  f"thread); {args.warmup:g} s warm-up + {args.duration:g} s a run\n")  # fmt: skip
            for s in items:
                for level in levels:
                    before, started = cpu_seconds(pid), time.perf_counter()
                    api = run_load(
                        Job(
                            "http",
                            f"{host}:{port}",
                            s.http,
                            level,
                            args.duration,
                            args.warmup,
                            headers=(("Authorization", f"Bearer {BENCH_KEY}"),),
                        )
                    )
                    api_cpu = (cpu_seconds(pid) - before) / (time.perf_counter() - started)
                    sql = run_load(Job("sql", dsn, s.sql, level, args.duration, args.warmup))
                    rows.append(Row(s.name, level, api, sql, api_cpu))
                    for result in (api, sql):
                        if result.first_error:
                            print(
                                f"  {s.name} c={level}: {result.errors} errors, "
                                f"first: {result.first_error}"
                            )
        print_table(rows)
        print(f"(whole benchmark: {time.perf_counter() - began:.0f} s)")
        print(
            "\nSQL = the same statements the API ran for each request, replayed through psycopg "
            "(one connection per thread, one transaction per request, all rows fetched).\n"
            "API/SQL = API throughput / raw SQL throughput (1.00 = the API adds nothing).\n"
            "CPU = share of one core used by the API server (whole run) and by the load "
            "processes (measured window and the last requests)."
        )
        if failures:
            print(f"\nFAIL: {len(failures)} statement(s) seq-scan a big table:")
            for c in failures:
                print(
                    f"  [{c.scenario}] Seq Scan on {', '.join(c.seq_scans)}:\n"
                    f"      {short_sql(c.sql, 100)}\n      {where_clause(c.sql)}"
                )
            return 1
        print("\nno sequential scan over " + ", ".join(sorted(WATCHED_TABLES)))
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
