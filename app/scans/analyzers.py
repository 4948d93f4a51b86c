"""Analyzers: per batch of stored files, compute and write derived facts.

Only contents seen for the first time are analysed (``StoredFile.is_new``): a
content already known has its facts already, whatever path it appears at now.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.attribution.indexing import FileToIndex, index_files
from app.codemeta.recording import record_snapshot_metadata, wanted_file
from app.facts import analyze_content, find_secrets_and_pii
from app.facts.version import tool_version as facts_tool_version
from app.licenses.detection import (
    FileKind,
    Finding,
    detect_file,
    detect_header,
    file_kind,
    reconcile,
    spdx_tag_findings,
)
from app.licenses.detection import reuse as reuse_layout
from app.licenses.detection.scancode import ScanCodeBackend
from app.licenses.detection.spdx_tags import TOOL as SPDX_TAG_TOOL
from app.licenses.findings import as_finding
from app.models import ContentFact, LicenseFinding, PathOccurrence, PiiFinding, Snapshot
from app.models.enums import LicenseSource
from app.neardups.minhash import minhash_signature
from app.neardups.service import queue_signatures
from app.optouts import scanhook
from app.scans.summary import record_effective_license, record_languages
from app.scans.writing import StoredFile

TOP_LEVEL_KINDS = {FileKind.LICENSE, FileKind.MANIFEST, FileKind.README}
MAX_REUSE_METADATA = 256 * 1024  # a REUSE.toml, dep5 or .license file larger is not one
DETECTED_SOURCES = {LicenseSource.LICENSE_FILE, LicenseSource.SPDX_TAG}

MAX_PII_TEXT = 2 * 1024 * 1024  # larger texts are data dumps; PII scanning them is noise


class Analyzer(Protocol):
    name: str

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None: ...


class StageTimer:
    """Seconds spent per stage, so benchmarks and job results show the slowest."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] += time.perf_counter() - started


class FactsAnalyzer:
    """Language, encoding, flags, line statistics, PII/secret findings, MinHash."""

    name = "facts"

    def __init__(self, timer: StageTimer) -> None:
        self.timer = timer
        self.languages: dict[int, str | None] = {}

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        facts_rows: list[dict[str, object]] = []
        pii_rows: list[dict[str, object]] = []
        signed: list[int] = []
        for stored in batch:
            if not stored.is_new:
                continue
            f = stored.entry
            started = time.perf_counter()
            analysis = analyze_content(f.path, f.data, f.length, f.mode)
            self.timer.add("language+facts", started)
            row = analysis.facts.as_row()
            text = analysis.text
            hits = []
            if text is not None and len(text) <= MAX_PII_TEXT:
                started = time.perf_counter()
                hits = find_secrets_and_pii(f.path, text)
                self.timer.add("pii", started)
            signature = None
            if text and not analysis.facts.is_binary:
                started = time.perf_counter()
                signature = minhash_signature(text)
                signed.append(stored.content_id)
                self.timer.add("minhash", started)
            facts_rows.append(
                {
                    **row,
                    "content_id": stored.content_id,
                    "minhash": signature,
                    "pii_count": len(hits),
                }
            )
            self.languages[stored.content_id] = analysis.facts.language
            pii_rows += [
                {
                    "content_id": stored.content_id,
                    "kind": h.kind,
                    "line_start": h.line_start,
                    "line_end": h.line_end,
                    "confidence": h.confidence,
                    "tool": row["tool"],
                    "tool_version": row["tool_version"],
                }
                for h in hits
            ]
        started = time.perf_counter()
        if facts_rows:
            session.execute(insert(ContentFact), facts_rows)
            # New signatures wait for the next (incremental) recluster.
            queue_signatures(session, signed)
        if pii_rows:
            session.execute(insert(PiiFinding), pii_rows)
        self.timer.add("database writes", started)

    def finish(self, session: Session, origin_id: int, snapshot_id: int) -> None:
        """Once every file has its facts: the snapshot's language breakdown, stored in
        its scan summary so the origin's detail does not count 30,000 files on each
        read."""
        started = time.perf_counter()
        record_languages(session, origin_id, snapshot_id, {"facts": facts_tool_version()})
        self.timer.add("database writes", started)


class MetadataAnalyzer:
    """Collects the snapshot's metadata files and READMEs as the scan passes them
    (every file, known or new: metadata is per snapshot), then writes the CodeMeta
    record and the paper links once the snapshot is known."""

    name = "metadata"

    def __init__(self, timer: StageTimer) -> None:
        self.timer = timer
        self.files: dict[str, str] = {}
        self.content_ids: dict[str, int] = {}
        self.swhids: dict[str, str] = {}

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        for stored in batch:
            entry = stored.entry
            path = entry.path.decode("utf-8", errors="replace")
            if entry.data is None or entry.is_symlink or not wanted_file(path):
                continue
            self.files[path] = entry.data.decode("utf-8", errors="replace")
            self.content_ids[path] = stored.content_id
            self.swhids[path] = entry.swhid

    def finish(self, session: Session, origin_id: int, snapshot_id: int) -> None:
        started = time.perf_counter()
        record_snapshot_metadata(
            session,
            origin_id=origin_id,
            snapshot_id=snapshot_id,
            files=self.files,
            content_ids=self.content_ids,
            swhids=self.swhids,
        )
        self.timer.add("metadata+papers", started)


# Only source files whose top mentions licensing are handed to the full-text engine
# (0.01-0.8 s per call): on real corpora most files have no header at all, and this
# cheap test keeps the license stage proportional to the files that do.
LICENSE_HINT = re.compile(
    r"licen[cs]e|copyright|\(c\)|©|permission is hereby|redistribution|gnu |"
    r"spdx-license-identifier|public domain|warrant",
    re.IGNORECASE,
)
HEADER_LINES = 200
# Exact matching only for headers (see ScanCodeBackend), with a per-file bound.
HEADER_BACKEND = ScanCodeBackend(approximate=False, seconds=2.0)
MAX_LICENSE_TEXT = 512 * 1024


class LicenseAnalyzer:
    """License findings per new content (license files, headers, SPDX tags, package
    manifests), then, once the snapshot is whole, the REUSE layout's per-file
    findings and the origin's reconciled effective license."""

    name = "licenses"

    def __init__(self, timer: StageTimer) -> None:
        self.timer = timer
        # path -> content id: root license / manifest / README files, REUSE LICENSES/
        self.top_level: dict[str, int] = {}
        # REUSE.toml, .reuse/dep5 and *.license files: path -> (content id, text)
        self.reuse_metadata: dict[str, tuple[int, str]] = {}
        self.reuse_layout = False

    def _detect(self, path: str, text: str) -> list[Finding]:
        kind = file_kind(path)
        if kind is not FileKind.SOURCE:
            return detect_file(path, text)
        head = "\n".join(text.split("\n", HEADER_LINES)[:HEADER_LINES])
        tags = spdx_tag_findings(text, path)
        if not LICENSE_HINT.search(head):
            return tags
        return tags + detect_header(text, path, HEADER_BACKEND)

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        rows: list[dict[str, object]] = []
        for stored in batch:
            entry = stored.entry
            path = entry.path.decode("utf-8", errors="replace")
            kind = file_kind(path)
            if ("/" not in path and kind in TOP_LEVEL_KINDS) or (
                kind is FileKind.REUSE_LICENSE and path.startswith("LICENSES/")
            ):
                self.top_level[path] = stored.content_id
            self._note_reuse(path, stored)
            if (
                not stored.is_new
                or entry.data is None
                or entry.is_symlink
                or len(entry.data) > MAX_LICENSE_TEXT
                or b"\0" in entry.data[:8000]
            ):
                continue
            started = time.perf_counter()
            findings = self._detect(path, entry.data.decode("utf-8", errors="replace"))
            self.timer.add("licenses", started)
            rows += [
                {
                    "content_id": stored.content_id,
                    "expression": f.expression,
                    "original_text": f.original_text
                    if f.expression is None or f.original_text
                    else None,
                    "source": f.source,
                    "evidence_content_id": stored.content_id,
                    "evidence_path": path,
                    "start_line": f.start_line,
                    "end_line": f.end_line,
                    "score": f.score,
                    "tool": f.tool,
                    "tool_version": f.tool_version,
                }
                for f in findings
                if f.expression or f.original_text
            ]
        if rows:
            started = time.perf_counter()
            session.execute(insert(LicenseFinding), rows)
            self.timer.add("database writes", started)

    def _note_reuse(self, path: str, stored: StoredFile) -> None:
        entry = stored.entry
        if path.startswith("LICENSES/") or reuse_layout.is_reuse_layout([path]):
            self.reuse_layout = True
        if (
            reuse_layout.is_reuse_metadata(path)
            and entry.data is not None
            and not entry.is_symlink
            and len(entry.data) <= MAX_REUSE_METADATA
        ):
            text = entry.data.decode("utf-8", errors="replace")
            self.reuse_metadata[path] = (stored.content_id, text)

    def _reuse(self, session: Session, snapshot_id: int) -> list[str | None]:
        """Store the REUSE findings of the snapshot's covered files (once per content
        and evidence) and return each covered file's resolved expression."""
        if not self.reuse_layout:
            return []
        occurrences = session.execute(
            select(PathOccurrence.path, PathOccurrence.content_id).where(
                PathOccurrence.snapshot_id == snapshot_id
            )
        ).all()
        content_of = {bytes(p).decode("utf-8", errors="replace"): c for p, c in occurrences}
        own_rows = session.scalars(
            select(LicenseFinding).where(
                LicenseFinding.content_id.in_(list(set(content_of.values()))),
                LicenseFinding.source == LicenseSource.SPDX_TAG,
            )
        ).all()
        by_content: dict[int, list[LicenseFinding]] = defaultdict(list)
        for row in own_rows:
            by_content[row.content_id or 0].append(row)
        own = {
            path: [as_finding(r) for r in by_content.get(content, []) if r.tool == SPDX_TAG_TOOL]
            for path, content in content_of.items()
        }
        metadata = {path: text for path, (_, text) in self.reuse_metadata.items()}
        resolved = reuse_layout.resolve(content_of, metadata, own)
        stored = {
            (r.content_id, r.evidence_path, r.expression, r.original_text)
            for rows in by_content.values()
            for r in rows
            if r.tool == reuse_layout.TOOL
        }
        new_rows: list[dict[str, object]] = []
        for path, info in resolved.items():
            content = content_of[path]
            for f in info.findings:
                key = (content, f.path, f.expression, f.original_text)
                if key in stored:
                    continue
                stored.add(key)
                evidence = self.reuse_metadata.get(f.path or "")
                new_rows.append(
                    {
                        "content_id": content,
                        "expression": f.expression,
                        "original_text": f.original_text,
                        "source": f.source,
                        "evidence_content_id": evidence[0] if evidence else None,
                        "evidence_path": f.path,
                        "start_line": f.start_line,
                        "end_line": f.end_line,
                        "score": f.score,
                        "tool": f.tool,
                        "tool_version": f.tool_version,
                    }
                )
        if new_rows:
            session.execute(insert(LicenseFinding), new_rows)
        return [info.expression for info in resolved.values()]

    def finish(self, session: Session, origin_id: int, snapshot_id: int) -> None:
        started = time.perf_counter()
        reuse = self._reuse(session, snapshot_id)
        top = session.scalars(
            select(LicenseFinding).where(
                LicenseFinding.content_id.in_(list(self.top_level.values()))
            )
        ).all()
        declared_rows = session.scalars(
            select(LicenseFinding).where(LicenseFinding.origin_id == origin_id)
        ).all()
        declared = [as_finding(r) for r in declared_rows]
        declared += [as_finding(r) for r in top if r.source is LicenseSource.MANIFEST_DECLARED]
        detected = [as_finding(r) for r in top if r.source in DETECTED_SOURCES]
        effective = reconcile(declared, detected, reuse)
        versions = {
            "licenses": f"{HEADER_BACKEND.tool} {HEADER_BACKEND.tool_version}",
            "reuse": f"{reuse_layout.TOOL} {reuse_layout.TOOL_VERSION}",
        }
        record_effective_license(session, origin_id, snapshot_id, effective, versions)
        self.timer.add("licenses", started)


class OptoutSignalsAnalyzer:
    """Hands the registry what only a repository's authors can commit: the proof file
    of a pending opt-out request and machine-readable reservation files at the root
    (TDMRep, robots.txt content signals, ai.txt). Every file counts, new or known: a
    proof file's content may well have been archived before."""

    name = "optout signals"

    def __init__(self, timer: StageTimer) -> None:
        self.timer = timer
        self.found: dict[str, scanhook.ScannedFile] = {}

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        for stored in batch:
            entry = stored.entry
            if scanhook.wants(entry.path):
                path = entry.path.decode("utf-8", "replace")
                self.found[path] = scanhook.ScannedFile(path, entry.data, entry.swhid)

    def finish(self, session: Session, origin_id: int, snapshot_id: int) -> None:
        started = time.perf_counter()
        snapshot = session.get(Snapshot, snapshot_id)
        swhid = f"swh:1:snp:{snapshot.sha1_git.hex()}" if snapshot is not None else None
        scanhook.on_scan(session, origin_id, self.found, snapshot_swhid=swhid)
        self.timer.add(self.name, started)


class AttributionAnalyzer:
    """Winnowing fingerprints of each new content for snippet attribution
    (``app.attribution``), written by COPY with the batch."""

    name = "attribution"

    def __init__(self, timer: StageTimer) -> None:
        self.timer = timer

    def analyze(self, session: Session, batch: Sequence[StoredFile]) -> None:
        started = time.perf_counter()
        index_files(
            session,
            (
                FileToIndex(
                    stored.content_id,
                    stored.entry.path.decode("utf-8", "replace"),
                    stored.entry.data,
                )
                for stored in batch
                if stored.is_new and not stored.entry.is_symlink
            ),
        )
        self.timer.add(self.name, started)
