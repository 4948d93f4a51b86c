"""The scenarios: the requests of each, sampled from the filled database."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

import psycopg

from app.kit.pagination import encode_cursor
from benchmarks.api.corpus import SEED, Corpus
from benchmarks.api.load import HttpRequest, SqlRequest


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
        ranked = conn.execute(
            "SELECT score, origin_id FROM origin_importance WHERE origin_id = ANY(%s)"
            " ORDER BY origin_id",
            (sample,),
        ).fetchall()
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
    # sort=-importance: the first page, alone and under filters, and pages further
    # down (a cursor after a sampled origin's score, as the previous page gives it).
    firsts = ["", "&license=MIT", "&language=Python", "&forge=github.com"]
    importance = [
        HttpRequest("GET", f"/v1/origins?sort=-importance&limit=50{extra}") for extra in firsts
    ] + [
        HttpRequest(
            "GET",
            "/v1/origins?sort=-importance&limit=50&cursor="
            + encode_cursor("origins:importance:desc", [float(score), int(origin_id)]),
        )
        for score, origin_id in ranked[: max(0, variants - len(firsts))]
    ]
    return [
        Scenario(
            "importance",
            "GET /v1/origins?sort=-importance&limit=50: first pages (no filter, license=MIT, "
            "language=Python, forge=github.com) and pages after sampled origins (cursor)",
            importance,
        ),
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
