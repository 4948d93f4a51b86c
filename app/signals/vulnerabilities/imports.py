"""Import OSV advisories through the dump machinery of forge payloads.

Accepted inputs, all streamed record by record:

* a **zip export** (as the OSV database publishes per ecosystem, ``all.zip``): every
  ``*.json`` member is one record;
* a **JSON file**: one record, or an array of records;
* **JSON Lines**: one bare OSV record per line, or one envelope per line (the
  forge-dump envelope of :mod:`app.forges.envelope` with ``format: "osv-json"`` and
  ``kind: "advisory"``, which also says who published it and when it was fetched).

Each record is stored verbatim in ``raw_metadata`` first (authority, format
``osv-json``, fetcher and time: :func:`app.forges.ingest.store_raw`; the bytes of a
bare record are those of its file or line, an array element is re-encoded), then
mapped by the versioned mapper (:mod:`~app.signals.vulnerabilities.osv`) and applied
in a savepoint, whole or not at all. A record already stored changes nothing; one
older (``modified``) than the stored version of the same advisory is "stale"; a bad
record is a failed item with its line (or zip member number) and reason, and the
rest goes on. Batches commit on their own, so a crash loses one batch at most and a
re-run skips what is stored.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.forges.envelope import Envelope, InvalidEnvelope, parse_envelope
from app.forges.imports import ImportReport
from app.forges.ingest import IngestOutcome, store_raw
from app.kit.db import unit_of_work
from app.models import Advisory, AdvisoryPackage, RawMetadata
from app.signals.vulnerabilities import repository
from app.signals.vulnerabilities.osv import (
    FORMAT,
    KIND,
    AdvisoryRecord,
    InvalidAdvisory,
    map_osv,
)

DEFAULT_AUTHORITY = "osv.dev"
MAX_RECORD_BYTES = 64 * 1024 * 1024

ItemHook = Callable[[int, IngestOutcome], None]


@dataclass(frozen=True, slots=True)
class Item:
    """One record of an input: its position (line or member number), and either an
    envelope or why none could be made."""

    number: int
    envelope: Envelope | None
    error: str | None = None


def _bare(raw: bytes, authority: str, label: str | None = None) -> Envelope:
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidEnvelope(f"not JSON: {exc}") from exc
    osv_id = payload.get("id") if isinstance(payload, dict) else None
    url = f"https://{authority}/vulnerability/{osv_id}" if isinstance(osv_id, str) else label
    return Envelope(
        authority=authority,
        format=FORMAT,
        kind=KIND,
        payload=payload,
        payload_bytes=raw.strip(),
        url=url,
        fetched_at=None,
        fetcher_name="osv-import",
        fetcher_version="1",
    )


def _from_line(number: int, line: bytes, authority: str) -> Item:
    try:
        head = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return Item(number, None, f"not JSON: {exc}")
    try:
        if isinstance(head, dict) and "payload" in head and "format" in head:
            env = parse_envelope(line)
            if env.format != FORMAT:
                return Item(number, None, f"format {env.format!r} is not an OSV record")
            return Item(number, env)
        return Item(number, _bare(line, authority))
    except InvalidEnvelope as exc:
        return Item(number, None, f"invalid envelope: {exc}")


def read_items(path: Path, authority: str = DEFAULT_AUTHORITY) -> Iterator[Item]:
    """The records of a file (zip, JSON or JSON Lines), by the rules of the module
    docstring. Raises ValueError when the file as a whole is not one of those."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".json")]
            for number, member in enumerate(members, start=1):
                if member.file_size > MAX_RECORD_BYTES:
                    yield Item(number, None, f"{member.filename}: larger than {MAX_RECORD_BYTES}")
                    continue
                try:
                    yield Item(number, _bare(archive.read(member), authority, member.filename))
                except InvalidEnvelope as exc:
                    yield Item(number, None, f"{member.filename}: {exc}")
        return
    with path.open("rb") as handle:
        yield from read_stream(handle, authority, whole_json=path.suffix.lower() == ".json")


def read_stream(handle: IO[bytes], authority: str, *, whole_json: bool = False) -> Iterator[Item]:
    if whole_json:
        data = handle.read()
        try:
            document = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a JSON document: {exc}") from exc
        if isinstance(document, dict):
            yield Item(1, _bare(data, authority))
            return
        if not isinstance(document, list):
            raise ValueError("a JSON file holds one OSV record or an array of them")
        for number, record in enumerate(document, start=1):
            encoded = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
            yield Item(number, _bare(encoded, authority))
        return
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield _from_line(number, line, authority)


def apply_record(session: Session, raw: RawMetadata, record: AdvisoryRecord) -> str:
    """Write the advisory and its packages; returns applied or stale."""
    advisory = session.scalars(select(Advisory).where(Advisory.osv_id == record.osv_id)).first()
    stored = advisory.modified if advisory is not None else None
    if stored is not None and record.modified is not None and record.modified < stored:
        return "stale"
    if advisory is None:
        advisory = Advisory(osv_id=record.osv_id)
        session.add(advisory)
    advisory.aliases = record.aliases
    advisory.summary = record.summary
    advisory.details = record.details
    advisory.published = record.published
    advisory.modified = record.modified
    advisory.withdrawn = record.withdrawn
    advisory.severity_score = record.severity.score
    advisory.severity_label = record.severity.label
    advisory.severity_vector = record.severity.vector
    advisory.severity_source = record.severity.source
    advisory.references = record.references
    advisory.raw_metadata_id = raw.id
    advisory.mapper_version = record.mapper_version
    session.flush()
    session.execute(delete(AdvisoryPackage).where(AdvisoryPackage.advisory_id == advisory.id))
    for affected in record.affected:
        session.add(
            AdvisoryPackage(
                advisory_id=advisory.id,
                ecosystem=affected.ecosystem,
                name=affected.name,
                purl=affected.purl,
                ranges=affected.ranges,
                versions=affected.versions,
                fixed=affected.fixed,
                repositories=affected.repositories,
                unresolved=affected.unresolved,
            )
        )
    session.flush()
    return "applied"


def ingest_advisory(session: Session, env: Envelope, *, reapply: bool = False) -> IngestOutcome:
    """Store, map and apply one record (the steps of the module docstring)."""
    raw, is_new = store_raw(session, env)
    if not is_new and not reapply:
        return IngestOutcome("unchanged", raw.id)
    try:
        record = map_osv(env.payload)
    except InvalidAdvisory as exc:
        return IngestOutcome("failed", raw.id, error=str(exc))
    with session.begin_nested():
        status = apply_record(session, raw, record)
    return IngestOutcome("applied" if status == "applied" else "stale", raw.id)


def import_items(
    items: Iterable[Item],
    factory: sessionmaker[Session] | None = None,
    *,
    batch_size: int = 200,
    on_item: ItemHook | None = None,
    on_batch: Callable[[int], None] | None = None,
    skip: int = 0,
) -> ImportReport:
    """Import records in batches (one unit of work each); ``skip`` passes over the
    first records (a resumed import)."""
    report = ImportReport()
    batch: list[Item] = []

    def flush() -> None:
        with unit_of_work(factory) as uow:
            repository.lock_advisory_writes(uow.session)  # one writer at a time
            for item in batch:
                if item.envelope is None:
                    outcome = IngestOutcome("failed", None, error=item.error)
                else:
                    outcome = ingest_advisory(uow.session, item.envelope)
                report.add(item.number, outcome)
                if on_item is not None:
                    on_item(item.number, outcome)
        if on_batch is not None:
            on_batch(batch[-1].number)
        batch.clear()

    for item in items:
        if item.number <= skip:
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return report


REDERIVE_BATCH = 500  # stored records per transaction of a re-derivation
Progress = Callable[[int, int], None]


def rederive_advisories(
    factory: sessionmaker[Session] | None = None,
    *,
    batch_size: int = REDERIVE_BATCH,
    resume_from: int = 0,
    progress: Progress | None = None,
    on_item: ItemHook | None = None,
) -> ImportReport:
    """Map every stored OSV record again with today's mapper (nothing refetched).

    In batches of ``batch_size`` records in id order (the order an import stored and
    applied them), each its own transaction holding the advisory writers' lock
    (:func:`~app.signals.vulnerabilities.repository.lock_advisory_writes`: an import
    and a re-derivation take turns, batch by batch): a large table is never held in
    one transaction, and a failure loses the batch it happened in, no more.
    ``progress(done, total)`` after each committed batch (and ``on_item`` for each of
    its records before); ``resume_from`` skips the
    first records (the ``done`` a failed run last reported). Every batch is
    idempotent (a record mapped again writes the same rows), so a re-run from the
    start, or a resumed run that redoes a batch, changes nothing more. Records are
    numbered in the report by their position."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = ImportReport()
    with unit_of_work(factory) as uow:
        total = repository.stored_records_count(uow.session, FORMAT)
        after_id = repository.stored_record_id_at(uow.session, FORMAT, resume_from)
    done = max(0, min(resume_from, total)) if after_id else 0
    while True:
        outcomes: list[tuple[int, IngestOutcome]] = []
        with unit_of_work(factory) as uow:
            repository.lock_advisory_writes(uow.session)
            rows = repository.stored_records_after(uow.session, FORMAT, after_id, batch_size)
            for number, raw in enumerate(rows, start=done + 1):
                outcomes.append((number, _rederive_one(uow.session, raw)))
        # Committed: only now is the batch part of the report and of the progress.
        for number, outcome in outcomes:
            report.add(number, outcome)
            if on_item is not None:
                on_item(number, outcome)
        if rows:
            after_id, done = rows[-1].id, done + len(rows)
            if progress is not None:
                progress(done, max(total, done))
        if len(rows) < batch_size:
            return report


def _rederive_one(session: Session, raw: RawMetadata) -> IngestOutcome:
    try:
        record = map_osv(json.loads(raw.payload))
    except (InvalidAdvisory, ValueError) as exc:
        return IngestOutcome("failed", raw.id, error=str(exc))
    with session.begin_nested():
        status = apply_record(session, raw, record)
    return IngestOutcome("applied" if status == "applied" else "stale", raw.id)
