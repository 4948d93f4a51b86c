"""Forge dump import: records per second, and the ratio to a raw COPY of the same
normalized rows into the same tables (the physical limit of writing them).

    python -m benchmarks.forge_import [--records 100000]

The dump is generated from a real recorded GitHub repository response (the shape,
field set and value types are real; ids, names, owners, licenses, topics and counts
vary per record, with owners shared between repositories as on GitHub).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import random
import tempfile
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from app.forges.imports import import_lines
from benchmarks.common import Timer, scratch_database

TEMPLATE = (
    Path(__file__).resolve().parents[1] / "tests/forges/fixtures/github/repo_benjaminp_six.json"
)
LICENSES = [
    ("mit", "MIT"),
    ("apache-2.0", "Apache-2.0"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("gpl-3.0", "GPL-3.0"),
    ("other", "NOASSERTION"),
    (None, None),
]
TOPICS = ["python", "rust", "cli", "web", "machine-learning", "database", "parser", "api"]
# origin_license: the search index the triggers keep, part of what an import writes.
TABLES = [
    "raw_metadata",
    "owner",
    "owner_login",
    "origin",
    "origin_alias",
    "license_finding",
    "origin_license",
]


def generate(path: Path, records: int, seed: int = 7) -> None:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    template = json.loads(TEMPLATE.read_text())
    owners = [(f"user{n}", 5_000_000 + n, rng.random() < 0.2) for n in range(records // 4 + 1)]
    with path.open("w") as out:
        for n in range(records):
            login, owner_id, is_org = rng.choice(owners)
            payload = copy.deepcopy(template)
            name = f"project-{n}"
            payload.update(
                id=10_000_000 + n,
                name=name,
                full_name=f"{login}/{name}",
                html_url=f"https://github.com/{login}/{name}",
                description=f"Project number {n}: {rng.choice(TOPICS)} tooling",
                stargazers_count=rng.randint(0, 50_000),
                forks_count=rng.randint(0, 5000),
                topics=rng.sample(TOPICS, rng.randint(0, 4)),
                archived=rng.random() < 0.05,
            )
            payload["owner"].update(
                login=login,
                id=owner_id,
                type="Organization" if is_org else "User",
                html_url=f"https://github.com/{login}",
            )
            key, spdx = rng.choice(LICENSES)
            payload["license"] = (
                None
                if key is None
                else {"key": key, "name": key, "spdx_id": spdx, "url": None, "node_id": "x"}
            )
            out.write(
                json.dumps(
                    {
                        "authority": "github.com",
                        "format": "application/vnd.github.v3+json",
                        "kind": "repository",
                        "url": f"https://api.github.com/repos/{login}/{name}",
                        "fetched_at": "2026-11-01T12:00:00Z",
                        "fetcher": {"name": "bench", "version": "1"},
                        "payload": payload,
                    }
                )
                + "\n"
            )


def dump_tables(engine: Engine) -> dict[str, bytes]:
    raw = engine.raw_connection()
    try:
        data = {}
        with raw.cursor() as cur:  # type: ignore[attr-defined]
            for table in TABLES:
                buffer = io.BytesIO()
                with cur.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy_out:
                    for chunk in copy_out:
                        buffer.write(chunk)
                data[table] = buffer.getvalue()
        return data
    finally:
        raw.close()


def copy_back(engine: Engine, data: dict[str, bytes]) -> float:
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    raw = engine.raw_connection()
    try:
        with Timer() as timer:
            with raw.cursor() as cur:  # type: ignore[attr-defined]
                # The limit: bytes straight into the tables and their indexes; the
                # origin <-> raw_metadata FK cycle is not re-checked row by row.
                cur.execute("SET LOCAL session_replication_role = replica")
                for table in TABLES:
                    with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy_in:
                        copy_in.write(data[table])
            raw.commit()
        return timer.seconds
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as engine:
        dump = Path(tmp) / "dump.jsonl"
        generate(dump, args.records)
        size = dump.stat().st_size
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with Timer() as timer, dump.open("rb") as lines:
            report = import_lines(lines, factory, batch_size=args.batch_size)
        rate = report.lines / timer.seconds
        data = dump_tables(engine)
        rows = {t: 0 for t in TABLES}
        with engine.connect() as conn:
            for t in TABLES:
                rows[t] = int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
        copy_seconds = copy_back(engine, data)
        print(f"dump: {report.lines:,} records, {size / 1e6:.1f} MB; {report.summary()}")
        print("rows written: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        print(f"import: {timer.seconds:.1f} s, {rate:,.0f} records/s")
        print(
            f"raw COPY of the same rows into the same tables: {copy_seconds:.2f} s, "
            f"{report.lines / copy_seconds:,.0f} records/s"
        )
        print(f"ratio import / raw COPY: {timer.seconds / copy_seconds:.1f}x slower")


if __name__ == "__main__":
    main()
