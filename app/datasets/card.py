"""A build's dataset card (``card.md``, Hugging Face format, with charts) and its
Croissant 1.1 description (``croissant.json``).

Every number on either is computed here from the build's manifest and funnel (a test
recomputes them from an export), and both name what no card format has a field for:
the opt-out registry version the build honoured and the manifest's Merkle root.

The card's YAML header uses the values the Hugging Face Hub accepts for its
enumerated fields; the Hub's validator needs the network, so the lists are kept in
``vocab/hub_card_values.json`` with the place each was read from, and
:func:`check_hub_header` checks a header against them (the tests run it).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from app.datasets import exports, repository
from app.datasets.fingerprints import iso_utc
from app.datasets.selection import NEAR_DUP_RULE, RANKINGS, RankingName
from app.models import Dataset, DatasetBuild, DatasetRevision

VOCAB = Path(__file__).resolve().parent / "vocab" / "hub_card_values.json"
CHARTS = ("languages", "licenses", "funnel")


@cache
def hub_values() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(VOCAB.read_text())
    return data


def size_category(n: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
              (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
              (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]  # fmt: skip
    return next((label for bound, label in bounds if n < bound), "1B<n<10B")


# SPDX ids whose Hub identifier is their lower-cased id (or a family id).
_SPDX_TO_HUB = {
    "GPL-2.0-only": "gpl-2.0", "GPL-2.0-or-later": "gpl-2.0", "GPL-3.0-only": "gpl-3.0",
    "GPL-3.0-or-later": "gpl-3.0", "LGPL-2.1-only": "lgpl-2.1", "LGPL-2.1-or-later": "lgpl-2.1",
    "LGPL-3.0-only": "lgpl-3.0", "LGPL-3.0-or-later": "lgpl-3.0", "AGPL-3.0-only": "agpl-3.0",
    "AGPL-3.0-or-later": "agpl-3.0",
}  # fmt: skip


def hub_license(expressions: list[str | None]) -> str:
    """The Hub's license id when every file has the same single license it knows,
    else ``other`` (the card then lists the expressions)."""
    distinct = set(expressions)
    if len(distinct) != 1:
        return "other"
    (only,) = distinct
    if only is None:
        return "unknown"
    hub = _SPDX_TO_HUB.get(only, only.lower())
    return hub if hub in hub_values()["license"] else "other"


def check_hub_header(header: dict[str, Any]) -> list[str]:
    """Problems of a card header against the Hub's enumerations (empty: none)."""
    values = hub_values()
    problems = []
    if header.get("license") not in values["license"]:
        problems.append(f"license {header.get('license')!r} is not a Hub license id")
    for key in ("size_categories", "task_categories", "task_ids"):
        for value in header.get(key, []):
            if value not in values[key]:
                problems.append(f"{key}: {value!r} is not a value the Hub accepts")
    return problems


@dataclass
class CardFacts:
    """What the card says, all of it from the manifest and the build."""

    files: int
    bytes: int
    origins: int
    clustered: int
    languages: list[tuple[str, int]]
    licenses: list[tuple[str, int]]
    evidence: list[tuple[str, int]]
    forges: list[tuple[str, int]]


def facts(session: Session, build: DatasetBuild) -> CardFacts:
    from sqlalchemy import func, select

    from app.models import DatasetManifest as M

    totals = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(M.length), 0),
            func.count(func.distinct(M.origin_id)),
            func.count(M.near_dup_cluster),
        ).where(M.build_id == build.id)
    ).one()

    def named(rows: list[tuple[Any, int]]) -> list[tuple[str, int]]:
        return [(str(v) if v is not None else "(none)", n) for v, n in rows]

    return CardFacts(
        files=int(totals[0]),
        bytes=int(totals[1]),
        origins=int(totals[2]),
        clustered=int(totals[3]),
        languages=named(repository.summary_counts(session, build.id, "language")),
        licenses=named(repository.summary_counts(session, build.id, "license_expression")),
        evidence=named(repository.summary_counts(session, build.id, "license_evidence")),
        forges=repository.forge_counts(session, build.id),
    )


def _table(rows: list[tuple[str, int]], total: int, head: str) -> str:
    lines = [f"| {head} | files | share |", "| --- | ---: | ---: |"]
    for name, n in rows:
        share = f"{100 * n / total:.1f}%" if total else "-"
        lines.append(f"| {name} | {n} | {share} |")
    return "\n".join(lines)


def header(dataset: Dataset, build: DatasetBuild, f: CardFacts) -> dict[str, Any]:
    license_id = hub_license([None if n == "(none)" else n for n, _ in f.licenses])
    out: dict[str, Any] = {
        "pretty_name": f"{dataset.name} (build {build.number})",
        "language": ["code"],
        "license": license_id,
        "size_categories": [size_category(f.files)],
        "task_categories": ["text-generation"],
        "task_ids": ["language-modeling"],
        "tags": ["code", "software-heritage", "swhid"],
        "configs": [
            {"config_name": "default", "data_files": [{"split": "train", "path": "*.parquet"}]}
        ],
    }
    if license_id == "other":
        out["license_name"] = "per-file"
        out["license_details"] = "Each file keeps its own license: see license_expression."
    return out


def _signals_text(signals: Any) -> str:
    """What the build read of CodeCommons' signals (domains, advisories, importance),
    as stored when it ran; these are read in place, not bounded by the cut-off."""
    if not signals:
        return (
            "This selection uses no signal (application domains, known vulnerabilities, "
            "importance)."
        )
    lines = []
    if "domains" in signals:
        lines.append(
            f"- Application domains assigned by {', '.join(signals['domains']) or 'nothing yet'}."
        )
    if "advisories" in signals:
        adv = signals["advisories"]
        lines.append(
            f"- Known vulnerabilities: {adv['records']} OSV advisories imported, the newest "
            f"modified {adv['osv_cutoff'] or 'never'}, matched by "
            f"{', '.join(adv['matchers']) or 'nothing yet'}; an advisory published later is "
            "not known to this build."
        )
    if "importance" in signals:
        lines.append(
            f"- Importance score {', '.join(signals['importance']) or 'not computed yet'}."
        )
    return "\n".join(lines)


def card_markdown(
    dataset: Dataset, revision: DatasetRevision, build: DatasetBuild, f: CardFacts, base: str
) -> str:
    assert build.extensional_fingerprint is not None
    assert build.intensional_fingerprint is not None
    root = build.extensional_fingerprint.hex()
    yaml_head = yaml.safe_dump(header(dataset, build, f), sort_keys=False, allow_unicode=True)
    funnel_lines = ["| step | removed | left | why |", "| --- | ---: | ---: | --- |"]
    for step in build.funnel[1:]:
        funnel_lines.append(
            f"| {step['step']} | {step['removed']} | {step['left']} | {step['why']} |"
        )
    ranking = RankingName(revision.selection["ranking"]["order"])
    optouts = build.optout_registry_version
    path = f"/v1/datasets/{dataset.id}/builds/{build.number}"
    removed_by_optouts = next((s["removed"] for s in build.funnel if s["step"] == "opt_out"), 0)
    excluded_root = (build.optout_excluded_root or b"").hex()
    optout_text = (
        f"Opt-out registry version **{optouts}**: **{removed_by_optouts} files removed** by "
        f"opt-outs in force for the purpose `{revision.purpose}` (verified requests of "
        "their authors, whatever other filters would have kept them).\n\n"
        f"Root of the set they removed (RFC 9162, over their sorted SWHIDs): "
        f"`{excluded_root or 'none'}`. An author checks that their file was left out "
        f"with `{path}/exclusion?swhid=...`. Files opted out after this build are "
        f"announced at `{path}/withdrawals` and in the feed "
        f"`/v1/datasets/{dataset.id}/withdrawals/feed.json`: drop them before training again."
        if optouts is not None
        else "Opt-out registry version: **none** (no opt-out registry was consulted for "
        f"this build; {removed_by_optouts} files removed at the opt-out stage)."
    )
    return f"""---
{yaml_head}---

# {dataset.name}, build {build.number}

{dataset.description or ""}

**{f.files} files** ({f.bytes} bytes) from **{f.origins} origins**, selected from the code
archived by Software Heritage and scanned by CodeCommons, frozen as a manifest of
content SWHIDs.

| Property | Value |
| --- | --- |
| Purpose | `{revision.purpose}` |
| Definition revision | {revision.revision} |
| Data cut-off | {iso_utc(build.cutoff)} |
| Intensional fingerprint | `{build.intensional_fingerprint.hex()}` |
| Extensional fingerprint (manifest root) | `{root}` |
| Opt-out registry version | {optouts if optouts is not None else "none"} |
| Files removed by opt-outs | {removed_by_optouts} |

## Selection

```json
{json.dumps(revision.selection, indent=2, sort_keys=True)}
```

Ranking: `{ranking.value}`, {RANKINGS[ranking]}; ties by sha1_git.

## Funnel

{f.files} files kept of {build.funnel[0]["files"]} candidates:

{chr(10).join(funnel_lines)}

![funnel](charts/funnel.png)

## Languages

{_table(f.languages, f.files, "language")}

![languages](charts/languages.png)

## Licenses

{_table(f.licenses, f.files, "license expression")}

Evidence behind each file's license:

{_table(f.evidence, f.files, "evidence")}

![licenses](charts/licenses.png)

## Forges

{_table(f.forges, f.files, "forge")}

## Deduplication

Exact duplicates are one content (one SWHID). Near duplicates: {NEAR_DUP_RULE}.
{f.clustered} of the kept files belong to a near-duplicate cluster.

## Opt-outs

{optout_text}

## Signals

{_signals_text(build.versions.get("signals"))}

## Fingerprints and membership

The intensional fingerprint is the SHA-256 of the canonical JSON of the definition,
cut-off, tool versions and opt-out registry version: the same question asked of the
same data gives the same fingerprint. The extensional fingerprint is the RFC 9162
Merkle root over the sorted content SWHIDs (leaf `SHA-256(0x00 || swhid)`, node
`SHA-256(0x01 || left || right)`), over {f.files} leaves.

Ask whether a file is in: `GET {base}{path}/membership?swhid=swh:1:cnt:...` and check
the proof offline against the root above with `codecommons datasets verify` (or the
standard-library snippet in the CodeCommons README).

## Files

- `{base}{path}/export/parquet`, `{base}{path}/export/jsonl`, `{base}{path}/export/csv`
- `{base}{path}/croissant.json` (MLCommons Croissant 1.1)

Contents themselves are not included yet: fetch each by SWHID from the Software
Heritage archive.

## Citation

```bibtex
{citation(dataset, build)}
```
"""


def citation(dataset: Dataset, build: DatasetBuild) -> str:
    assert build.extensional_fingerprint is not None
    year = (build.finished_at or build.created_at).year
    return (
        f"@misc{{codecommons-{dataset.name}-{build.number},\n"
        f"  title = {{{dataset.name}, build {build.number}}},\n"
        f"  author = {{{{CodeCommons}}}},\n  year = {{{year}}},\n"
        f"  note = {{manifest root {build.extensional_fingerprint.hex()}}}\n}}"
    )


def _bar(rows: list[tuple[str, int]], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = rows[:12]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(3, len(top)) + 1))
    ax.barh([name for name, _ in reversed(top)], [n for _, n in reversed(top)], color="#3b6ea5")
    ax.set_title(title)
    ax.set_xlabel("files")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    plt.close(fig)
    return out.getvalue()


def chart(name: str, build: DatasetBuild, f: CardFacts) -> bytes:
    if name == "languages":
        return _bar(f.languages, "Files by language")
    if name == "licenses":
        return _bar(f.licenses, "Files by license expression")
    steps = [(s["step"], int(s["removed"])) for s in build.funnel[1:]]
    return _bar(steps, "Files removed at each step")


def checksums(session: Session, build: DatasetBuild, meta: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of each export's bytes, streamed (kept in the build's stats: a build
    never changes, nor do its exports)."""
    cached = (build.stats or {}).get("export_sha256")
    if isinstance(cached, dict) and set(cached) == {"jsonl", "csv", "parquet"}:
        return {str(k): str(v) for k, v in cached.items()}
    raw = session.connection().connection.driver_connection
    table = repository.partition_name(build.id)
    out = {}
    for fmt in ("jsonl", "csv", "parquet"):
        digest = hashlib.sha256()
        stream = (
            exports.export_chunks(raw, table, fmt, meta)
            if fmt == "parquet"
            else exports.copy_stream(raw, exports.copy_sql(fmt, table))
        )
        for chunk in stream:
            digest.update(chunk)
        out[fmt] = digest.hexdigest()
    build.stats = {**(build.stats or {}), "export_sha256": out}
    return out


FIELD_TYPES = {
    "int64": "sc:Integer",
    "string": "sc:Text",
    "double": "sc:Float",
    "bool": "sc:Boolean",
}


def croissant(
    dataset: Dataset,
    revision: DatasetRevision,
    build: DatasetBuild,
    f: CardFacts,
    sums: dict[str, str],
    base: str,
) -> dict[str, Any]:
    assert build.extensional_fingerprint is not None
    assert build.intensional_fingerprint is not None
    path = f"{base}/v1/datasets/{dataset.id}/builds/{build.number}"
    pii = revision.selection["files"].get("pii")
    if pii and (pii.get("exclude_any") or pii.get("exclude_kinds")):
        kinds = "any kind" if pii.get("exclude_any") else ", ".join(pii["exclude_kinds"])
        pii_text = (
            f"Files where the scan found secrets or personal data ({kinds}) were excluded; "
            "detection is heuristic (detect-secrets, BigCode's e-mail and IP rules), so "
            "some may remain, and author names and e-mails in code comments are not removed."
        )
    else:
        pii_text = (
            "Not filtered for personal or sensitive information: files may hold e-mail "
            "addresses, names or credentials found in public code."
        )
    files_distribution = []
    for fmt, mime in (("csv", "text/csv"), ("jsonl", "application/jsonlines"),
                      ("parquet", "application/x-parquet")):  # fmt: skip
        files_distribution.append(
            {
                "@type": "cr:FileObject",
                "@id": f"manifest-{fmt}",
                "name": f"manifest-{fmt}",
                "contentUrl": f"{path}/export/{fmt}",
                "encodingFormat": mime,
                "sha256": sums[fmt],
            }
        )
    fields = [
        {
            "@type": "cr:Field",
            "@id": f"manifest/{name}",
            "name": name,
            "dataType": FIELD_TYPES[kind],
            "source": {"fileObject": {"@id": "manifest-csv"}, "extract": {"column": name}},
        }
        for name, _, kind in exports.COLUMNS
    ]
    root = build.extensional_fingerprint.hex()
    registry: int | str = (
        build.optout_registry_version if build.optout_registry_version is not None else "none"
    )
    return {
        "@context": {
            **_context(),
            "codecommons": "urn:codecommons:vocab:",
        },
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "name": dataset.name,
        "description": (dataset.description or dataset.name)
        + f" (build {build.number}: {f.files} files; manifest root {root}; opt-out registry "
        f"version {registry})",
        "url": f"{base}/v1/datasets/{dataset.id}",
        "version": f"{revision.revision}.{build.number}.0",
        "datePublished": iso_utc(build.finished_at or build.created_at),
        "license": "; ".join(name for name, _ in f.licenses[:20]),
        "citeAs": citation(dataset, build),
        "keywords": ["code", "software heritage", "SWHID"],
        "isLiveDataset": False,
        "codecommons:manifestRoot": root,
        "codecommons:manifestLeaves": f.files,
        "codecommons:intensionalFingerprint": build.intensional_fingerprint.hex(),
        "codecommons:optOutRegistryVersion": build.optout_registry_version,
        "codecommons:optOutRemovedFiles": build.optout_excluded_count,
        "codecommons:optOutExcludedRoot": (build.optout_excluded_root or b"").hex() or None,
        "codecommons:purpose": revision.purpose,
        "rai:dataCollection": (
            "Selected from source code archived by Software Heritage and scanned by "
            "CodeCommons (languages, quality flags, line statistics, secrets and PII, "
            "license findings, near-duplicate clusters), by the declarative selection "
            f"of revision {revision.revision}, as of {iso_utc(build.cutoff)}."
        ),
        "rai:dataCollectionType": ["Software Collection"],
        "rai:personalSensitiveInformation": [pii_text],
        "rai:dataLimitations": [
            "Licenses are detected or reconciled evidence, not legal advice; each file "
            "says which evidence gave its license.",
            "Only archived and scanned origins are covered; popularity signals come from "
            "forges at the time they were read.",
        ],
        "rai:dataBiases": [
            "Ranked by origin popularity when asked: popular projects and languages are "
            "over-represented."
        ],
        "rai:dataUseCases": [f"Declared purpose: {revision.purpose}."],
        "rai:dataReleaseMaintenancePlan": [
            "A build never changes; a new build of the definition is a new version with "
            "its own fingerprints."
        ],
        "distribution": files_distribution,
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": "manifest",
                "name": "manifest",
                "key": {"@id": "manifest/swhid"},
                "field": fields,
            }
        ],
    }


def _context() -> dict[str, Any]:
    # The Croissant 1.1 context (as mlcroissant writes it), spelled out so the service
    # does not depend on mlcroissant at run time.
    return {
        "@language": "en",
        "@vocab": "https://schema.org/",
        "citeAs": "cr:citeAs",
        "column": "cr:column",
        "conformsTo": "dct:conformsTo",
        "cr": "http://mlcommons.org/croissant/",
        "rai": "http://mlcommons.org/croissant/RAI/",
        "data": {"@id": "cr:data", "@type": "@json"},
        "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
        "dct": "http://purl.org/dc/terms/",
        "examples": {"@id": "cr:examples", "@type": "@json"},
        "extract": "cr:extract",
        "field": "cr:field",
        "fileProperty": "cr:fileProperty",
        "fileObject": "cr:fileObject",
        "fileSet": "cr:fileSet",
        "format": "cr:format",
        "includes": "cr:includes",
        "isLiveDataset": "cr:isLiveDataset",
        "jsonPath": "cr:jsonPath",
        "key": "cr:key",
        "md5": "cr:md5",
        "parentField": "cr:parentField",
        "path": "cr:path",
        "recordSet": "cr:recordSet",
        "references": "cr:references",
        "regex": "cr:regex",
        "repeated": "cr:repeated",
        "replace": "cr:replace",
        "sc": "https://schema.org/",
        "separator": "cr:separator",
        "source": "cr:source",
        "subField": "cr:subField",
        "transform": "cr:transform",
    }
