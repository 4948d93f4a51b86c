"""The generated corpus: vocabularies in realistic proportions, and the generator of
every table's rows (forges, owners, origins, licenses, snapshots, contents,
occurrences, facts, findings, papers), seeded so that runs compare.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

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


@dataclass
class OriginRow:
    id: int
    forge_id: int
    url: str
    language: str | None
    declared: str | None  # the declared SPDX expression (None: none or unmappable)
    scanned: bool
    stars: int | None = None


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
            row = OriginRow(oid, forge, url, language, declared, scanned, stars)
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
                NOW - timedelta(days=rng.uniform(0, 30)), scanned_at, MAPPERS[forge],
            )  # fmt: skip

    ORIGIN_COLUMNS = cols(
        "id url swhid_id forge_id kind native_id full_name owner_id fork_parent_id description "
        "homepage topics language stars forks watchers open_issues is_fork is_archived "
        "is_template default_branch issue_tracker_url declared_repository_url "
        "repository_origin_id forge_created_at forge_updated_at forge_pushed_at "
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

    SCAN_SUMMARY_COLUMNS = cols(
        "origin_id snapshot_id is_current license_expression license_category "
        "license_conflicts license_basis"
    )

    def scan_summaries(self) -> Iterator[tuple[Any, ...]]:
        """The scan summary of each scanned origin, as the scan pipeline writes it."""
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
                self.snapshot_of[row.id],
                True,
                expression,
                categories[expression],
                conflicts,
                "license_file" if expression else None,
            )

    # ---- papers ------------------------------------------------------------------------

    IMPORTANCE_COLUMNS = cols("origin_id score inputs formula_version computed_at")

    def importance(self) -> Iterator[tuple[Any, ...]]:
        """``origin_importance`` as the refresh writes it (``importance@1``), for 95% of
        origins (the rest are not scored yet and sort last): repositories from their
        stars (forks about a tenth), packages from a heavy-tailed count of dependents.
        Its own random stream, so the rows generated after it do not change."""
        rng = random.Random(SEED + 7)  # noqa: S311 - synthetic data, not security
        for row in self.origins:
            if rng.random() >= 0.95:
                continue
            if row.stars is not None:
                inputs = {"stars": {"value": float(row.stars), "origin_id": row.id}}
                score = math.log10(1 + row.stars) + 0.5 * math.log10(1 + row.stars / 10)
            else:
                dependents = int(rng.paretovariate(1.1)) - 1
                inputs = {"dependents": {"value": float(dependents), "origin_id": row.id}}
                score = math.log10(1 + dependents)
            yield (row.id, round(score, 6), Jsonb(inputs), "importance@1", NOW)

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
