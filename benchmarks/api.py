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
3. ``codecommons api`` serves the scratch database; ``benchmarks.api_load`` drives it,
   then replays the captured SQL, at each concurrency.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import pickle
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Engine, event

from app.kit.copy import copy_rows
from benchmarks.api_load import HttpRequest, Job, Result, SqlRequest, Statement
from benchmarks.common import Timer, scratch_database

ROOT = Path(__file__).resolve().parents[1]
BENCH_KEY = "bench-api-key"  # for the throwaway server only
WATCHED_TABLES = {
    "origin",
    "content",
    "path_occurrence",
    "license_finding",
    "origin_license",
    "paper_link",
}
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SEED = 20260115

# --------------------------------------------------------------------------------------
# Vocabularies of the generated corpus
# --------------------------------------------------------------------------------------


def cols(text: str) -> list[str]:
    """Words of a string: column lists and vocabularies, written compactly."""
    return text.split()


# id, host, kind, base URL, API URL, weight among origins
FORGES = [
    (1, "github.com", "github", "https://github.com", "https://api.github.com", 70),
    (2, "gitlab.com", "gitlab", "https://gitlab.com", "https://gitlab.com/api/v4", 9),
    (3, "codeberg.org", "forgejo", "https://codeberg.org", "https://codeberg.org/api/v1", 3),
    (4, "bitbucket.org", "bitbucket", "https://bitbucket.org", "https://api.bitbucket.org/2.0", 2),
    (5, "pypi.org", "pypi", "https://pypi.org", "https://pypi.org/pypi", 8),
    (6, "registry.npmjs.org", "npm", "https://www.npmjs.com", "https://registry.npmjs.org", 6),
    (7, "crates.io", "crates", "https://crates.io", "https://crates.io/api/v1", 2),
]
REPO_FORGES = {1, 2, 3, 4}
MAPPERS = {
    1: "github-repo@3",
    2: "gitlab-project@2",
    3: "forgejo-repo@1",
    4: "bitbucket-repo@1",
    5: "pypi-project@2",
    6: "npm-packument@2",
    7: "crates-crate@1",
}

# Declared licenses as forges and registries report them (SPDX expressions, AND / OR /
# WITH kept), roughly in GitHub's proportions; None is an unmappable declaration.
LICENSES: list[tuple[str | None, int]] = [
    ("MIT", 380),
    ("Apache-2.0", 150),
    ("GPL-3.0-only", 70),
    ("BSD-3-Clause", 50),
    ("MIT OR Apache-2.0", 45),
    ("GPL-2.0-only", 30),
    ("BSD-2-Clause", 28),
    ("ISC", 25),
    ("AGPL-3.0-only", 20),
    ("LGPL-2.1-or-later", 18),
    ("MPL-2.0", 18),
    ("Unlicense", 16),
    ("CC0-1.0", 14),
    ("GPL-3.0-or-later", 14),
    ("EPL-2.0", 8),
    ("Apache-2.0 WITH LLVM-exception", 8),
    ("GPL-2.0-or-later AND MIT", 6),
    ("(MIT OR Apache-2.0) AND Unicode-DFS-2016", 5),
    ("BSD-3-Clause OR GPL-2.0-only", 4),
    ("LGPL-3.0-only", 6),
    ("MIT-0", 4),
    ("Zlib", 3),
    ("0BSD", 3),
    (None, 45),
]
CRATE_LICENSES: list[tuple[str | None, int]] = [
    ("MIT OR Apache-2.0", 60),
    ("MIT", 20),
    ("Apache-2.0", 10),
    ("(MIT OR Apache-2.0) AND Unicode-DFS-2016", 5),
    ("Apache-2.0 WITH LLVM-exception", 5),
]
NPM_LICENSES: list[tuple[str | None, int]] = [("MIT", 65), ("ISC", 20), ("Apache-2.0", 8)]
UNMAPPED = ["Other", "NOASSERTION", "Custom: see LICENSE.txt", "BSD", "Dual License"]
# License texts that are byte-identical in every repository using them (no copyright
# line): one content each, shared by thousands of origins, as in the real archive.
SHARED_TEXTS = [
    "Apache-2.0",
    "GPL-3.0-only",
    "GPL-2.0-only",
    "AGPL-3.0-only",
    "LGPL-2.1-or-later",
    "MPL-2.0",
    "Unlicense",
    "CC0-1.0",
    "GPL-3.0-or-later",
    "EPL-2.0",
    "LGPL-3.0-only",
]
REPO_LANGUAGES: list[tuple[str | None, int]] = [
    ("Python", 17),
    ("JavaScript", 14),
    ("TypeScript", 11),
    ("Java", 9),
    ("Go", 7),
    ("C++", 6),
    ("Rust", 5),
    ("C", 5),
    ("C#", 4),
    ("PHP", 4),
    ("Ruby", 3),
    ("Shell", 3),
    ("Kotlin", 2),
    ("Swift", 2),
    ("Jupyter Notebook", 2),
    ("HTML", 2),
    (None, 4),
]
EXTENSIONS = {
    "Python": ".py",
    "JavaScript": ".js",
    "TypeScript": ".ts",
    "Java": ".java",
    "Go": ".go",
    "C++": ".cpp",
    "Rust": ".rs",
    "C": ".c",
    "C#": ".cs",
    "PHP": ".php",
    "Ruby": ".rb",
    "Shell": ".sh",
    "Kotlin": ".kt",
    "Swift": ".swift",
    "Jupyter Notebook": ".ipynb",
    "HTML": ".html",
}
LANGUAGE_OF_EXTENSION = {ext: lang for lang, ext in EXTENSIONS.items()} | {
    ".md": "Markdown",
    ".json": "JSON",
    ".yml": "YAML",
    ".cff": "YAML",
    ".toml": "TOML",
    ".h": "C",
}
SOURCE_ROOTS = ["src", "lib", "pkg", "internal", "app", "core", "cmd", "packages"]
WORDS = cols(
    "fast tiny async deep open smart simple quantum graph stream data neural cloud micro "
    "rapid secure vector sparse lazy pure web http json yaml config cache queue task event "
    "log metric trace auth token image audio video text parse lint format test bench "
    "crypto hash signal matrix tensor model agent search index store sync shell terminal "
    "kernel driver render layout widget theme color chart plot map geo time date money "
    "budget invoice ledger wallet chain block node cluster shard proxy router gateway"
)
TOPICS = cols(
    "python javascript typescript rust golang java machine-learning deep-learning "
    "data-science cli web api rest graphql database postgresql docker kubernetes devops "
    "security cryptography compiler parser game-engine react vue nodejs android ios linux "
    "embedded iot blockchain nlp computer-vision visualization testing hacktoberfest"
)
FIRST = cols(
    "ana ben chen dara eli fatima gil hana ivan jun kai lena mika noor omar pia ravi sara tom uma"
)
LAST = cols("smith garcia kim nguyen muller rossi silva ito kowalski novak dubois jensen patel")
VENUES = ["ICSE", "FSE", "ASE", "MSR", "NeurIPS", "ICML", "JOSS", "PLOS ONE", "SoftwareX", "arXiv"]
PAPER_KINDS = [
    ("preferred_citation", 40),
    ("readme_mention", 30),
    ("software_doi", 15),
    ("reference", 15),
]


def weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


# --------------------------------------------------------------------------------------
# Filling the database through binary COPY
# --------------------------------------------------------------------------------------


class Copier:
    """Binary COPY into the scratch database's real tables (types read from the catalog,
    enums sent as their labels)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.rows: dict[str, int] = {}
        self._types: dict[str, dict[str, int]] = {}

    def _oids(self, table: str, columns: Sequence[str]) -> list[int]:
        if table not in self._types:
            rows = self.conn.execute(
                "SELECT a.attname, CASE WHEN t.typtype = 'e' THEN 'text'::regtype::oid"
                " ELSE a.atttypid END FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                (table,),
            ).fetchall()
            self._types[table] = {str(name): int(oid) for name, oid in rows}
        return [self._types[table][c] for c in columns]

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        typed = list(zip(columns, self._oids(table, columns), strict=True))
        n = copy_rows(self.conn, table, typed, rows)
        self.rows[table] = self.rows.get(table, 0) + n
        return n


@dataclass
class OriginRow:
    id: int
    forge_id: int
    url: str
    language: str | None
    declared: str | None  # the declared SPDX expression (None: none or unmappable)
    scanned: bool


@dataclass
class Corpus:
    """What the load needs to know about the generated data."""

    origins: int
    contents: int
    rows: dict[str, int] = field(default_factory=dict)
    linked_origins: list[int] = field(default_factory=list)


class Generator:
    def __init__(self, origins: int, contents: int, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.n_origins = origins
        self.n_contents = contents
        self.origins: list[OriginRow] = []
        self.scanned: list[OriginRow] = []
        self.snapshot_of: dict[int, int] = {}  # origin id -> snapshot id
        self.revision_of: dict[int, int] = {}
        self.linked: dict[int, tuple[int, int]] = {}  # origin -> README, CITATION.cff ids
        self.next_content = 1
        self.next_finding = 1
        self.shared_text: dict[str, int] = {}  # expression -> content id

    # ---- forges, owners, origins, declared licenses --------------------------------

    def forges(self) -> Iterator[tuple[Any, ...]]:
        for fid, host, kind, base, api, _ in FORGES:
            yield (fid, host, kind, base, api, fid in REPO_FORGES)

    def owners(self) -> list[tuple[Any, ...]]:
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        self.owners_by_forge: dict[int, list[tuple[int, str, str]]] = {f: [] for f in REPO_FORGES}
        seen: set[tuple[int, str]] = set()
        count = max(4, self.n_origins // 6)
        repo_weights = [(f[0], f[5]) for f in FORGES if f[0] in REPO_FORGES]
        for oid in range(1, count + 1):
            forge = weighted(rng, repo_weights) if oid > 4 else oid  # every forge has one
            org = rng.random() < 0.25
            base = (
                rng.choice(WORDS) + rng.choice(["labs", "hq", "dev", "io", ""])
                if org
                else (rng.choice(FIRST) + rng.choice(["-", "", "_"]) + rng.choice(LAST))
            )
            login = base
            while (forge, login) in seen:
                login = f"{base}{rng.randint(1, 9999)}"
            seen.add((forge, login))
            display = login.capitalize() if rng.random() < 0.3 else login
            name = None if org else f"{login.split('-')[0].title()} {rng.choice(LAST).title()}"
            url = f"{FORGES[forge - 1][3]}/{login}"
            self.owners_by_forge[forge].append((oid, login, display))
            rows.append(
                (oid, forge, str(1_000_000 + oid * 7), login, display,
                 "organization" if org else "user", name, url, MAPPERS[forge])
            )  # fmt: skip
        return rows

    def _owner(self, forge: int) -> tuple[int, str, str]:
        owners = self.owners_by_forge[forge]
        # A few organisations own many repositories, most accounts one or two.
        return owners[int(len(owners) * self.rng.random() ** 2.2)]

    def origin_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        forge_weights = [(f[0], f[5]) for f in FORGES]
        urls: set[str] = set()
        repo_ids: list[int] = []
        for oid in range(1, self.n_origins + 1):
            forge = weighted(rng, forge_weights)
            w1, w2 = rng.choice(WORDS), rng.choice(WORDS)
            owner_id: int | None = None
            fork_parent = repository_origin = declared_repo = None
            if forge in REPO_FORGES:
                owner_id, login, display = self._owner(forge)
                name = f"{w1}-{w2}" if rng.random() < 0.7 else f"{w1}{w2}"
                url = f"{FORGES[forge - 1][3]}/{login}/{name}"
                while url in urls:
                    name = f"{w1}-{w2}-{rng.randint(2, 99_999)}"
                    url = f"{FORGES[forge - 1][3]}/{login}/{name}"
                full_name = f"{display}/{name}"
                kind = "repository"
                language = weighted(rng, REPO_LANGUAGES)
                native_id = str(10_000_000 + oid * 3)
                stars: int | None = min(400_000, int(rng.paretovariate(0.8)) - 1)
                if repo_ids and rng.random() < 0.08:
                    fork_parent = rng.choice(repo_ids)
                repo_ids.append(oid)
            else:
                name = f"{w1}-{w2}"
                if forge == 6 and rng.random() < 0.12:
                    name = f"@{rng.choice(WORDS)}/{name}"
                while name in urls:
                    name = f"{w1}-{w2}{rng.randint(2, 99_999)}"
                urls.add(name)
                url = {
                    5: f"https://pypi.org/project/{name}/",
                    6: f"https://www.npmjs.com/package/{name}",
                    7: f"https://crates.io/crates/{name}",
                }[forge]
                full_name = name
                kind = "package"
                language = {5: "Python", 6: rng.choice(["JavaScript", "TypeScript"]), 7: "Rust"}[
                    forge
                ]
                native_id = name
                stars = None
                if repo_ids and rng.random() < 0.6:
                    repository_origin = rng.choice(repo_ids)
                    declared_repo = self.origins[repository_origin - 1].url
            urls.add(url)
            table = {7: CRATE_LICENSES, 6: NPM_LICENSES}.get(forge, LICENSES)
            declared = weighted(rng, table) if rng.random() < 0.88 else None
            scanned = forge in REPO_FORGES and rng.random() < 0.2
            row = OriginRow(oid, forge, url, language, declared, scanned)
            self.origins.append(row)
            if scanned:
                self.scanned.append(row)
            created = NOW - timedelta(days=rng.uniform(30, 17 * 365))
            updated = created + (NOW - created) * rng.random() ** 0.3
            forks = int((stars or 0) * rng.uniform(0.01, 0.3)) if stars is not None else None
            topics = rng.sample(TOPICS, rng.choice([0, 0, 1, 2, 3, 4, 5]))
            if language and language.lower() in TOPICS and rng.random() < 0.5:
                topics = [language.lower(), *[t for t in topics if t != language.lower()]]
            homepage = f"https://{name.strip('@').replace('/', '-')}.readthedocs.io"
            description = (
                f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)} "
                f"{rng.choice(['library', 'toolkit', 'framework', 'service', 'CLI', 'plugin'])}"
                f" for {rng.choice(WORDS)} {rng.choice(WORDS)}"
                + (f", written in {language}" if language and rng.random() < 0.3 else "")
            )
            scanned_at = NOW - timedelta(days=rng.uniform(0, 60)) if scanned else None
            yield (
                oid, url, hashlib.sha1(url.encode()).digest(), forge, kind, native_id, full_name,  # noqa: S324 - the SWHID of an origin is a sha1
                owner_id, fork_parent, description if rng.random() < 0.9 else None,
                homepage if rng.random() < 0.15 else None, topics, language, stars, forks, stars,
                int(rng.paretovariate(1.3)) - 1 if stars is not None else None,
                fork_parent is not None, rng.random() < 0.04, rng.random() < 0.01,
                rng.choice(["main", "main", "master", "develop"]) if kind == "repository" else None,
                f"{url}/issues" if forge == 1 else None, declared_repo, repository_origin,
                created, updated, updated + timedelta(hours=rng.uniform(0, 48)),
                Jsonb({}), NOW - timedelta(days=rng.uniform(0, 30)), scanned_at, MAPPERS[forge],
            )  # fmt: skip

    ORIGIN_COLUMNS = cols(
        "id url swhid_id forge_id kind native_id full_name owner_id fork_parent_id description "
        "homepage topics language stars forks watchers open_issues is_fork is_archived "
        "is_template default_branch issue_tracker_url declared_repository_url "
        "repository_origin_id forge_created_at forge_updated_at forge_pushed_at extra "
        "last_fetched_at last_scanned_at mapper_version"
    )

    def aliases(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        n = 0
        for row in self.origins:
            if row.forge_id in REPO_FORGES and rng.random() < 0.01:
                n += 1
                reason = rng.choice(["renamed", "transferred"])
                yield (n, row.id, f"{row.url}-legacy", None, reason, NOW - timedelta(days=400))

    def declared_findings(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for row in self.origins:
            if row.declared is None and rng.random() < 0.6:
                continue  # no license declared at all
            expression = row.declared
            original = None if expression else rng.choice(UNMAPPED)
            source = "forge_declared" if row.forge_id in REPO_FORGES else "registry_declared"
            yield self._finding(
                origin_id=row.id,
                expression=expression,
                original_text=original,
                source=source,
                tool=MAPPERS[row.forge_id].split("@")[0],
                tool_version=MAPPERS[row.forge_id].split("@")[1],
                mapper_version=MAPPERS[row.forge_id],
            )

    FINDING_COLUMNS = cols(
        "id content_id origin_id expression original_text source evidence_content_id "
        "evidence_path start_line end_line score tool tool_version mapper_version"
    )

    def _finding(
        self,
        *,
        content_id: int | None = None,
        origin_id: int | None = None,
        expression: str | None,
        original_text: str | None = None,
        source: str,
        path: str | None = None,
        lines: tuple[int, int] | None = None,
        score: float | None = None,
        tool: str,
        tool_version: str,
        mapper_version: str | None = None,
    ) -> tuple[Any, ...]:
        fid = self.next_finding
        self.next_finding += 1
        return (
            fid, content_id, origin_id, expression, original_text, source,
            content_id, path, lines[0] if lines else None, lines[1] if lines else None,
            score, tool, tool_version, mapper_version,
        )  # fmt: skip

    # ---- archive: snapshots, revisions, visits ----------------------------------------

    def archive(self) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        rng = self.rng
        snapshots, revisions, branches, visits = [], [], [], []
        for n, row in enumerate(self.scanned, start=1):
            self.snapshot_of[row.id] = n
            self.revision_of[row.id] = n
            snapshots.append((n, rng.randbytes(20)))
            date = NOW - timedelta(days=rng.uniform(0, 60))
            author = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()} <dev{n}@example.org>"
            revisions.append(
                (n, rng.randbytes(20), rng.randbytes(20), [rng.randbytes(20)], author.encode(),
                 date, 60, author.encode(), date, 60, b"Release " + str(n).encode() + b"\n")
            )  # fmt: skip
            branches.append((n, b"HEAD", "alias", b"refs/heads/main"))
            branches.append((n, b"refs/heads/main", "revision", revisions[-1][1]))
            visits.append((n, row.id, "git", date, "full", n))
        return snapshots, revisions, branches, visits

    # ---- contents, facts, occurrences, findings in files -------------------------------

    def file_counts(self) -> list[int]:
        """New contents per scanned origin: log-normal sizes summing to the budget."""
        rng = self.rng
        budget = self.n_contents - len(SHARED_TEXTS)
        weights = [rng.lognormvariate(0, 1.0) for _ in self.scanned]
        total = sum(weights) or 1.0
        counts = [max(3, int(w / total * budget)) for w in weights]
        for _ in range(max(0, budget - sum(counts))):
            counts[rng.randrange(len(counts))] += 1
        return counts

    def content_chunks(self, chunk_contents: int = 100_000) -> Iterator[dict[str, list[Any]]]:
        """Rows of content, content_fact, path_occurrence and license_finding, a chunk
        of origins at a time (each chunk's contents before the rows that point to them)."""
        rng = self.rng
        chunk: dict[str, list[Any]] = {
            "content": [],
            "content_fact": [],
            "path_occurrence": [],
            "license_finding": [],
        }
        occurrence_id = 0

        def content(path: str) -> int:
            cid = self.next_content
            self.next_content += 1
            length = int(rng.lognormvariate(8.3, 1.2))
            chunk["content"].append(
                (cid, rng.randbytes(20), rng.randbytes(20), rng.randbytes(32), length)
            )
            ext = os.path.splitext(path)[1]
            language = LANGUAGE_OF_EXTENSION.get(ext, "Text")
            lines = max(1, length // rng.randint(22, 48))
            chunk["content_fact"].append(
                (cid, language, "utf-8", False, ext in {".min.js"}, rng.random() < 0.02,
                 False, ext in {".json", ".yml", ".toml"}, length > 1_000_000, lines,
                 rng.randint(60, 180), length / lines, rng.uniform(0.55, 0.82),
                 rng.randrange(1, 50_000) if rng.random() < 0.05 else None,
                 rng.randint(1, 4) if rng.random() < 0.02 else 0, "codecommons-facts", "1.0")
            )  # fmt: skip
            return cid

        def occurrence(cid: int, origin: int, path: str) -> None:
            nonlocal occurrence_id
            occurrence_id += 1
            chunk["path_occurrence"].append(
                (occurrence_id, cid, origin, self.snapshot_of[origin], self.revision_of[origin],
                 path.encode())
            )  # fmt: skip

        # The shared license texts come first (ids 1..len(SHARED_TEXTS)).
        for text in SHARED_TEXTS:
            cid = content("LICENSE")
            self.shared_text[text] = cid
            chunk["license_finding"].append(
                self._finding(content_id=cid, expression=text, source="license_file",
                              path="LICENSE", lines=(1, 200), score=100.0,
                              tool="scancode-toolkit", tool_version="32.5.0")
            )  # fmt: skip
        counts = self.file_counts()
        for row, count in zip(self.scanned, counts, strict=True):
            origin = row.id
            expression = row.declared
            ext = EXTENSIONS.get(row.language or "", ".txt")
            new = count
            if expression in self.shared_text:
                occurrence(self.shared_text[expression], origin, "LICENSE")
            elif expression is not None:
                cid = content("LICENSE")
                new -= 1
                occurrence(cid, origin, "LICENSE")
                chunk["license_finding"].append(
                    self._finding(content_id=cid, expression=expression, source="license_file",
                                  path="LICENSE", lines=(1, 21), score=rng.uniform(95, 100),
                                  tool="scancode-toolkit", tool_version="32.5.0")
                )  # fmt: skip
            readme = content("README.md")
            new -= 1
            occurrence(readme, origin, "README.md")
            if rng.random() < 0.15:
                citation = content("CITATION.cff")
                new -= 1
                occurrence(citation, origin, "CITATION.cff")
                self.linked[origin] = (readme, citation)
            root = rng.choice(SOURCE_ROOTS)
            for j in range(max(1, new)):
                roll = rng.random()
                word = rng.choice(WORDS)
                if roll < 0.70:
                    path = f"{root}/{rng.choice(WORDS)}/{word}_{j}{ext}"
                elif roll < 0.85:
                    path = f"tests/test_{word}_{j}{ext}"
                elif roll < 0.93:
                    path = f"docs/{word}_{j}.md"
                else:
                    path = f"config/{word}_{j}{rng.choice(['.json', '.yml', '.toml'])}"
                cid = content(path)
                occurrence(cid, origin, path)
                if path.endswith(ext) and expression is not None:
                    if rng.random() < 0.06:
                        chunk["license_finding"].append(
                            self._finding(content_id=cid, expression=expression,
                                          source="spdx_tag", path=path, lines=(1, 1), score=100.0,
                                          tool="spdx-tags", tool_version="1.0")
                        )  # fmt: skip
                    elif rng.random() < 0.02:
                        other = weighted(rng, LICENSES[:12])
                        chunk["license_finding"].append(
                            self._finding(content_id=cid, expression=other, source="header",
                                          path=path, lines=(1, rng.randint(3, 15)),
                                          score=rng.uniform(80, 100),
                                          tool="scancode-toolkit", tool_version="32.5.0")
                        )  # fmt: skip
                # Vendored copies: the same bytes under third_party/ of another project.
                if rng.random() < 0.12 and len(self.scanned) > 1:
                    other_origin = rng.choice(self.scanned).id
                    if other_origin != origin:
                        occurrence(cid, other_origin, f"third_party/{origin}/{path}")
            if len(chunk["content"]) >= chunk_contents:
                yield chunk
                chunk = {k: [] for k in chunk}
        if chunk["content"]:
            yield chunk

    def effective(self) -> Iterator[tuple[int, dict[str, Any]]]:
        from app.licenses.detection.categories import category_of_expression

        categories: dict[str | None, str] = {}
        for row in self.scanned:
            expression = row.declared
            if expression not in categories:
                categories[expression] = category_of_expression(expression).value
            conflicts = []
            if expression and self.rng.random() < 0.04:
                conflicts = [f"forge_declared says {expression} but the license texts are MIT"]
            yield (
                row.id,
                {
                    "effective_license": {
                        "expression": expression,
                        "category": categories[expression],
                        "conflicts": conflicts,
                        "basis": "license_file" if expression else None,
                        "snapshot_id": self.snapshot_of[row.id],
                    }
                },
            )

    # ---- papers ------------------------------------------------------------------------

    def papers(self) -> tuple[list[Any], list[Any]]:
        rng = self.rng
        n_papers = max(5, len(self.linked) * 2 // 3)
        papers = []
        for pid in range(1, n_papers + 1):
            roll = rng.random()
            doi = arxiv = hal = None
            if roll < 0.55:
                prefix = rng.choice([1145, 1109, 1007, 21105, 5281])
                doi = f"10.{prefix}/{rng.randint(10**6, 10**7)}.{pid}"
            elif roll < 0.9:
                arxiv = f"{rng.randint(15, 25):02d}{rng.randint(1, 12):02d}.{pid:05d}"
            else:
                hal = f"hal-{4_000_000 + pid:08d}"
            resolved = rng.random() < 0.7
            w1, w2, w3, w4 = (rng.choice(WORDS) for _ in range(4))
            title = f"{w1.capitalize()} {w2}: {w3} {w4} at scale"
            authors = [
                {"name": f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"}
                for _ in range(rng.randint(1, 6))
            ]
            papers.append(
                (pid, doi, arxiv, hal, title if resolved else None,
                 Jsonb(authors if resolved else []),
                 rng.randint(2005, 2025) if resolved else None,
                 rng.choice(VENUES) if resolved else None, "resolved" if resolved else "unresolved",
                 rng.choice(["crossref", "datacite", "arxiv"]) if resolved else None,
                 NOW - timedelta(days=rng.uniform(0, 90)) if resolved else None)
            )  # fmt: skip
        links = []
        lid = 0
        for origin, (readme, citation) in self.linked.items():
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                lid += 1
                kind = weighted(rng, PAPER_KINDS)
                paper = papers[int(n_papers * rng.random() ** 1.5)]
                found = (
                    f"https://doi.org/{paper[1]}"
                    if paper[1]
                    else f"arXiv:{paper[2]}"
                    if paper[2]
                    else paper[3]
                )
                evidence, path = (
                    (readme, "README.md")
                    if kind == "readme_mention"
                    else (citation, "CITATION.cff")
                )
                links.append(
                    (lid, paper[0], origin, kind, evidence, path, rng.randint(1, 40), found,
                     "codecommons-papers", "1.0")
                )  # fmt: skip
        return papers, links


def set_sequences(conn: psycopg.Connection[Any], tables: Iterable[str]) -> None:
    for table in tables:
        conn.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)",
            (table,),
        )


BULK_TABLES = [
    "origin",
    "license_finding",
    "content",
    "content_fact",
    "path_occurrence",
    "paper_link",
    "origin_license",
]


def drop_secondary_indexes(conn: psycopg.Connection[Any]) -> list[str]:
    """Drop the indexes no constraint needs on the big tables, returning the DDL that
    recreates them exactly: one sorted build after the load beats maintaining them row
    by row (the usual bulk-load practice; all inside the loading transaction)."""
    rows = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        (BULK_TABLES,),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [str(ddl) for _, ddl in rows]


def fill(dsn: str, n_origins: int, n_contents: int) -> Corpus:
    gen = Generator(n_origins, n_contents)
    with psycopg.connect(dsn) as conn:
        try:
            # The limit of bulk loading: no per-row FK trigger (as benchmarks.forge_import).
            conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            conn.rollback()
            print("(not superuser: foreign keys are checked row by row while filling)")
        conn.execute("SET maintenance_work_mem = '256MB'")
        recreate = drop_secondary_indexes(conn)
        out = Copier(conn)
        out.copy(
            "forge", cols("id name kind base_url api_url case_insensitive_paths"), gen.forges()
        )
        out.copy(
            "owner",
            cols("id forge_id native_id login display_login kind name url mapper_version"),
            gen.owners(),
        )
        out.copy("origin", Generator.ORIGIN_COLUMNS, gen.origin_rows())
        out.copy("origin_alias", cols("id origin_id url full_name reason seen_at"), gen.aliases())
        out.copy("license_finding", Generator.FINDING_COLUMNS, gen.declared_findings())
        snapshots, revisions, branches, visits = gen.archive()
        out.copy("snapshot", ["id", "sha1_git"], snapshots)
        out.copy(
            "revision",
            cols(
                "id sha1_git directory parents author author_date author_offset_minutes "
                "committer committer_date committer_offset_minutes message"
            ),
            revisions,
        )
        out.copy("snapshot_branch", cols("snapshot_id name target_type target"), branches)
        out.copy("visit", cols("id origin_id visit_type date status snapshot_id"), visits)
        for chunk in gen.content_chunks():
            out.copy("content", cols("id sha1_git sha1 sha256 length"), chunk["content"])
            out.copy(
                "content_fact",
                cols(
                    "content_id language encoding is_binary is_minified is_generated "
                    "is_vendored is_data is_too_large line_count max_line_length "
                    "mean_line_length alnum_fraction near_dup_cluster pii_count tool tool_version"
                ),
                chunk["content_fact"],
            )
            out.copy(
                "path_occurrence",
                cols("id content_id origin_id snapshot_id revision_id path"),
                chunk["path_occurrence"],
            )
            out.copy("license_finding", Generator.FINDING_COLUMNS, chunk["license_finding"])
        # The effective license lands in origin.extra of scanned origins, as the scan
        # pipeline writes it: one UPDATE from a COPY-filled temporary table.
        conn.execute("CREATE TEMP TABLE effective (id bigint, extra jsonb) ON COMMIT DROP")
        copy_rows(
            conn,
            "effective",
            [("id", "int8"), ("extra", "jsonb")],
            ((oid, Jsonb(extra)) for oid, extra in gen.effective()),
        )
        conn.execute("UPDATE origin SET extra = e.extra FROM effective e WHERE origin.id = e.id")
        papers, links = gen.papers()
        out.copy(
            "paper",
            cols("id doi arxiv_id hal_id title authors year venue status resolved_by resolved_at"),
            papers,
        )
        out.copy(
            "paper_link",
            cols(
                "id paper_id origin_id kind evidence_content_id evidence_path evidence_line "
                "identifier_as_found tool tool_version"
            ),
            links,
        )
        # Triggers keep origin_license; replica mode (above) skipped them, so the
        # index is built in one pass, as the migration's backfill does.
        conn.execute("SELECT origin_license_rebuild()")
        built = conn.execute("SELECT count(*) FROM origin_license").fetchone()
        out.rows["origin_license"] = int(built[0]) if built else 0
        for ddl in recreate:
            conn.execute(ddl)  # DDL as pg_get_indexdef gave it
        keyless = {"content_fact", "snapshot_branch", "origin_license"}
        set_sequences(conn, [t for t in out.rows if t not in keyless])
        conn.commit()
    return Corpus(
        origins=n_origins,
        contents=gen.next_content - 1,
        rows=dict(out.rows),
        linked_origins=sorted(gen.linked),
    )


# --------------------------------------------------------------------------------------
# Scenarios: the requests, sampled from the filled database
# --------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    what: str
    http: list[HttpRequest]
    sql: list[SqlRequest] = field(default_factory=list)
    answer: str = ""  # what the first request answered (sanity, printed)


GRAPHQL = (
    '{ origins(first: 50, license: "%s") { nodes { url stars licenses { expression source } } }'
    " originPapers(originId: %d) { kind paper { doi arxivId title year } } }"
)


def scenarios(dsn: str, corpus: Corpus, variants: int, seed: int = SEED) -> list[Scenario]:
    rng = random.Random(seed + 1)  # noqa: S311 - sampling, not security
    with psycopg.connect(dsn, autocommit=True) as conn:
        sample = rng.sample(range(1, corpus.origins + 1), min(corpus.origins, variants * 4))
        origins = conn.execute(
            "SELECT id, url, swhid_id FROM origin WHERE id = ANY(%s) ORDER BY id", (sample,)
        ).fetchall()
        content_ids = rng.sample(range(1, corpus.contents + 1), min(corpus.contents, 1000))
        contents = [
            bytes(r[0])
            for r in conn.execute(
                "SELECT sha1_git FROM content WHERE id = ANY(%s)", (content_ids,)
            ).fetchall()
        ]
        snapshots = [
            bytes(r[0]) for r in conn.execute("SELECT sha1_git FROM snapshot LIMIT 50").fetchall()
        ]
        aliases = [str(r[0]) for r in conn.execute("SELECT url FROM origin_alias LIMIT 20")]
        packages = [
            str(r[0])
            for r in conn.execute(
                "SELECT native_id FROM origin WHERE forge_id = 5 ORDER BY id LIMIT 20"
            )
        ]
    rng.shuffle(origins)
    licenses = ["MIT", "Apache-2.0", "BSD-3-Clause"]

    def respell(url: str) -> str:
        """A URL as people paste it, which the service normalizes."""
        roll = rng.random()
        if roll < 0.3 and "github.com" in url:
            parts = url.split("/")
            return "/".join([*parts[:3], parts[3].upper(), *parts[4:]]) + ".git"
        if roll < 0.5:
            return url.replace("https://", "http://") + ("" if url.endswith("/") else "/")
        return url

    batches = []
    for _ in range(max(1, variants // 20)):
        items = [f"swh:1:cnt:{rng.choice(contents).hex()}" for _ in range(600)]
        items += [f"swh:1:cnt:{rng.randbytes(20).hex()}" for _ in range(100)]  # missing
        items += [f"swh:1:snp:{rng.choice(snapshots).hex()}" for _ in range(40)]
        items += [f"swh:1:ori:{bytes(rng.choice(origins)[2]).hex()}" for _ in range(60)]
        items += [respell(str(rng.choice(origins)[1])) for _ in range(180)]
        items += [rng.choice(aliases) for _ in range(min(10, len(aliases)))]
        items += [f"pkg:pypi/{rng.choice(packages)}" for _ in range(min(10, len(packages)))]
        items = items[:1000]
        rng.shuffle(items)
        batches.append(json.dumps({"items": items}).encode())
    linked = corpus.linked_origins or [1]
    return [
        Scenario(
            "rest_list",
            "GET /v1/origins?license=L&stars_min=100&sort=-stars&limit=50 (L: MIT, Apache-2.0, "
            "BSD-3-Clause)",
            [
                HttpRequest("GET", f"/v1/origins?license={lic}&stars_min=100&sort=-stars&limit=50")
                for lic in licenses
            ],
        ),
        Scenario(
            "rest_detail",
            "GET /v1/origins/{id}",
            [HttpRequest("GET", f"/v1/origins/{o[0]}") for o in origins[:variants]],
        ),
        Scenario(
            "swhid",
            "GET /v1/swhid/swh:1:cnt:...",
            [HttpRequest("GET", f"/v1/swhid/swh:1:cnt:{c.hex()}") for c in contents[:variants]],
        ),
        Scenario(
            "lookup_1000",
            "POST /v1/lookup, 1000 items: content/snapshot/origin SWHIDs (10% missing), "
            "URLs as pasted, former URLs, purls",
            [HttpRequest("POST", "/v1/lookup", body, "application/json") for body in batches],
        ),
        Scenario(
            "graphql",
            "origins(first: 50, license: L) { nodes { url stars licenses {...} } } "
            "+ originPapers(originId)",
            [
                HttpRequest(
                    "POST",
                    "/graphql",
                    json.dumps({"query": GRAPHQL % (lic, rng.choice(linked))}).encode(),
                    "application/json",
                )
                for lic in licenses
            ],
        ),
    ]


# --------------------------------------------------------------------------------------
# Capturing the SQL of each request, and checking its plans
# --------------------------------------------------------------------------------------


def capture(database_url: str, redis_url: str, items: list[Scenario]) -> None:
    """Send every request once through the app in-process and keep the statements it
    ran: exactly what the server will run for the same request."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.kit.db import make_engine
    from app.main import create_app

    # The rate limiter counts in Redis and runs no SQL: off here, on in the server.
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        log_level="WARNING",
        load_demo=False,
        rate_limit_enabled=False,
    )
    engine = make_engine(settings)
    captured: list[Statement] = []

    def listener(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> None:
        captured.append((statement, dict(params) if isinstance(params, dict) else params))

    event.listen(engine, "before_cursor_execute", listener)
    from sqlalchemy.orm import sessionmaker

    app = create_app(settings, engine, sessionmaker(bind=engine, expire_on_commit=False))
    try:
        with TestClient(app) as client:
            for scenario in items:
                scenario.sql = []
                for request in scenario.http:
                    captured.clear()
                    response = client.request(
                        request.method,
                        request.path,
                        content=request.body,
                        headers={"content-type": request.content_type or "application/json"},
                    )
                    if response.status_code != 200 or b'"errors"' in response.content[:200]:
                        raise SystemExit(
                            f"{scenario.name}: {request.method} {request.path} answered "
                            f"{response.status_code}: {response.text[:500]}"
                        )
                    if not scenario.answer:
                        scenario.answer = _summary(response.json())
                    scenario.sql.append(SqlRequest(tuple(captured)))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        engine.dispose()


def _summary(body: Any) -> str:
    if isinstance(body, dict) and "items" in body:
        return f"{len(body['items'])} origins"
    if isinstance(body, dict) and "results" in body:
        matched = sum(1 for r in body["results"] if r["status"] == "matched")
        return f"{matched}/{len(body['results'])} matched"
    if isinstance(body, dict) and "data" in body:
        data = body["data"]
        return f"{len(data['origins']['nodes'])} origins, {len(data['originPapers'])} papers"
    if isinstance(body, dict) and "content" in body:
        content = body["content"] or {}
        return f"content with {content.get('occurrence_count', 0)} occurrences"
    if isinstance(body, dict) and "licenses" in body:
        return f"origin with {len(body['licenses'])} license findings"
    return "ok"


@dataclass
class PlanCheck:
    scenario: str
    sql: str
    nodes: list[str]
    seq_scans: list[str]
    generic_seq_scans: list[str] | None  # None: the generic plan could not be explained


def _walk(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _describe(node: dict[str, Any]) -> str:
    text = str(node["Node Type"])
    if node.get("Scan Direction") == "Backward":
        text += " Backward"
    if "Relation Name" in node:
        text += f" {node['Relation Name']}"
    if "Index Name" in node:
        text += f" [{node['Index Name']}]"
    return text


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    return [
        str(n["Relation Name"])
        for n in _walk(plan)
        if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in WATCHED_TABLES
    ]


def _positional(statement: str, params: Any) -> str | None:
    """The statement with $n placeholders (for EXPLAIN GENERIC_PLAN)."""
    if not isinstance(params, dict):
        return None
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")


def check_plans(dsn: str, items: list[Scenario], force_index: bool) -> list[PlanCheck]:
    """EXPLAIN every distinct statement the scenarios ran, with literal binds (the plan
    of a first execution) and as a generic plan (what a statement psycopg has prepared
    may switch to after five executions)."""
    checks = []
    seen: set[str] = set()
    with psycopg.connect(dsn, autocommit=True) as conn:
        if force_index:
            conn.execute("SET enable_seqscan = off")
        literal = psycopg.ClientCursor(conn)
        for scenario in items:
            for request in scenario.sql:
                for statement, params in request.statements:
                    # One check per statement shape (IN lists of any length are one).
                    shape = re.sub(
                        r"\(%\(\w+\)s(::\w+)?(, %\(\w+\)s(::\w+)?)*\)", "(...)", statement
                    )
                    if shape in seen or not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    seen.add(shape)
                    sql = literal.mogrify(statement, params)
                    explained = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}").fetchone()
                    assert explained is not None
                    plan = explained[0][0]["Plan"]
                    generic: list[str] | None = None
                    positional = _positional(statement, params)
                    if positional is not None:
                        try:
                            row = conn.execute(
                                f"EXPLAIN (GENERIC_PLAN, FORMAT JSON) {positional}"
                            ).fetchone()
                            assert row is not None
                            generic = _seq_scans(row[0][0]["Plan"])
                        except psycopg.Error:
                            generic = None
                    checks.append(
                        PlanCheck(
                            scenario.name,
                            sql,
                            [_describe(n) for n in _walk(plan)],
                            _seq_scans(plan),
                            generic,
                        )
                    )
    return checks


def _where(sql: str, width: int = 220) -> str:
    """The start of a statement's first WHERE clause (which filter values it had)."""
    flat = " ".join(sql.split())
    at = flat.find(" WHERE ")
    part = flat[at + 1 :] if at >= 0 else flat
    return part if len(part) <= width else part[: width - 3] + "..."


def _short_sql(sql: str, width: int = 110) -> str:
    flat = " ".join(sql.split())
    at = flat.find(" FROM ")
    head = flat[:6] + " ..." + flat[at:] if at > 0 else flat
    return head if len(head) <= width else head[: width - 3] + "..."


# --------------------------------------------------------------------------------------
# The server, the load, the table
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def api_server(database_url: str, redis_url: str, workers: int) -> Iterator[tuple[str, int, int]]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",  # no access log line per request
        LOAD_DEMO="false",
        # The load presents an API key whose budget it never reaches: every request
        # pays for the Redis round trip of the rate limiter, none is refused.
        API_KEYS=BENCH_KEY,
        RATE_LIMIT_ENABLED="true",
        RATE_LIMIT_KEY_PER_MINUTE=str(10**9),
    )
    log = tempfile.NamedTemporaryFile(prefix="cc-bench-api-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "api", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the API did not start:\n{Path(log.name).read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        yield "127.0.0.1", port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.unlink(log.name)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_load(job: Job) -> Result:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.api_load"],
        input=pickle.dumps(job),
        capture_output=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"load process failed:\n{done.stderr.decode()[-3000:]}")
    # Our own child process's answer.
    result: Result = pickle.loads(done.stdout)  # noqa: S301
    return result


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


def _libpq(engine: Engine) -> str:
    from app.config import to_libpq_url

    return to_libpq_url(engine.url.render_as_string(hide_password=False))


@contextmanager
def redis() -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    from app.embedded.servers import start_redis

    with tempfile.TemporaryDirectory(prefix="cc-bench-redis-") as tmp:
        server = start_redis(Path(tmp))
        try:
            yield server.url
        finally:
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
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
    args = parser.parse_args(argv)
    levels = [int(c) for c in args.concurrency.split(",")]
    force_index = args.explain_seqscan == "off" or (
        args.explain_seqscan == "auto" and args.origins < 20_000
    )
    began = time.perf_counter()
    with ExitStack() as stack:
        engine = stack.enter_context(scratch_database())
        redis_url = stack.enter_context(redis())
        dsn = _libpq(engine)
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
            print(f"  [{c.scenario}] {flag}{_short_sql(c.sql)}\n      {' > '.join(c.nodes)}")
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
                    f"      {_short_sql(c.sql, 100)}\n      {_where(c.sql)}"
                )
            return 1
        print("\nno sequential scan over " + ", ".join(sorted(WATCHED_TABLES)))
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
