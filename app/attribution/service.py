"""Attribute a snippet: fingerprints, postings, alignment, then what a user needs to
know about each file (where it occurs, its licenses and what they ask, who wrote it,
when it was first seen, whether a dataset build holds it). REST, GraphQL and the CLI
call :func:`attribute`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pygments.lexer import Lexer
from sqlalchemy.orm import Session, sessionmaker

from app.archive import repository as archive
from app.archive.schemas import show_bytes
from app.archive.service import OCCURRENCES
from app.attribution import repository
from app.attribution.indexing import VERSION, FileToIndex, index_files
from app.attribution.matching import FileMatch, rank, realign
from app.attribution.schemas import (
    AttributionIn,
    AttributionOccurrenceOut,
    AttributionOut,
    FileMatchOut,
    LicenseFindingBriefOut,
    LineRangeOut,
    MembershipBriefOut,
    ObligationsOut,
    OriginLicenseOut,
)
from app.attribution.sources import iter_files, path_of_url
from app.attribution.tokens import guess_languages, lexer_for, lexer_name, tokenize
from app.attribution.winnowing import GUARANTEE, Fingerprint, fingerprints, query_grams
from app.datasets import membership
from app.datasets.service import finished_build
from app.kit.db import unit_of_work
from app.kit.pagination import encode_cursor
from app.kit.problems import Problem
from app.licenses.detection.categories import LicenseCategory, category_of_expression
from app.models import Content, DatasetBuild
from app.neardups.minhash import DEFAULT_THRESHOLD, band_keys, jaccard, minhash_signature
from app.storage.store import ContentStore, content_store

NEAR_DUP_CANDIDATES = 200  # contents read per LSH band (a band shared by more is noise)
GOOD_ENOUGH = 0.6  # a guessed language whose best file scores this is not second-guessed
MAX_AUTHORS = 20
_EMAIL = re.compile(rb"\s*<[^>]*>\s*$")


def _author_name(raw: bytes) -> str | None:
    """``Name <e-mail>`` as git stores it -> ``Name``: never the address (the
    personal-data policy shows names of authors, not how to reach them)."""
    name = _EMAIL.sub(b"", raw).strip()
    if not name or b"@" in name:
        return None
    return name.decode("utf-8", errors="replace")


def obligations(expressions: Sequence[str | None]) -> ObligationsOut:
    categories = [category_of_expression(e) for e in expressions]
    if not categories:
        categories = [LicenseCategory.UNKNOWN]
    kinds = set(categories)
    return ObligationsOut(
        categories=sorted(str(c.value) for c in kinds),
        attribution_required=bool(
            kinds
            & {LicenseCategory.PERMISSIVE, LicenseCategory.WEAK_COPYLEFT, LicenseCategory.COPYLEFT}
        ),
        copyleft=LicenseCategory.COPYLEFT in kinds,
        weak_copyleft=LicenseCategory.WEAK_COPYLEFT in kinds,
        restricted=bool(
            kinds
            & {
                LicenseCategory.SOURCE_AVAILABLE,
                LicenseCategory.RESTRICTED,
                LicenseCategory.PROPRIETARY,
            }
        ),
        unknown=LicenseCategory.UNKNOWN in kinds,
    )


Lookup = Callable[[list[int]], Iterable[tuple[int, int, int]]]
# Triple quotes open and close Python docstrings: a snippet that starts inside one
# (a model's output often begins mid-docstring) has its closing quotes read as an
# opening, and its code as the docstring's text, up to the next quotes.
_TRIPLE = ('"""', "'''")
_DOCSTRING_LEXERS = {"python", "python3", "py"}


def _lexers(snippet: str, language: str | None) -> list[Lexer]:
    """The lexer of the given language, else the likeliest few and plain text (a file
    whose name no lexer claims was indexed as plain text)."""
    if language:
        return [lexer_for(language, None, snippet)]
    names = guess_languages(snippet, limit=3)
    if "python" not in names and any(snippet.count(quote) % 2 for quote in _TRIPLE):
        # Cut inside a triple-quoted string, a snippet starts (or ends) with prose that
        # the guess reads as some other language: triple quotes are Python's mark.
        names.append("python")
    return [lexer_for(name) for name in dict.fromkeys([*names, "text"])]


def _readings(snippet: str, lexer: Lexer) -> list[str]:
    """The snippet as given, then, for a Python snippet with an odd number of one
    kind of triple quotes (cut inside a multi-line string at one end), the snippet
    read as if it started inside that string: the quotes put in front of its first
    line (no line added, so line numbers hold). Where the cut was at the end the
    second reading is the worse one, and the better reading is kept."""
    out = [snippet]
    if lexer_name(lexer) in _DOCSTRING_LEXERS:
        out += [quote + snippet for quote in _TRIPLE if snippet.count(quote) % 2]
    return out


def match_snippet(
    snippet: str, language: str | None, limit: int, lookup: Lookup
) -> tuple[str, list[Fingerprint], list[FileMatch]]:
    """The best reading's fingerprints and file matches for the snippet, postings
    from ``lookup`` (hashes -> ``(hash, content id, line)``): the service's index, or
    the benchmark's in-memory one, ranked alike."""
    best: tuple[str, list[Fingerprint], list[FileMatch]] | None = None
    for lexer in _lexers(snippet, language):
        for text in _readings(snippet, lexer):
            tokens = tokenize(text, lexer)
            fps = fingerprints(tokens)
            grams = query_grams(tokens)
            found = rank(
                grams,
                [t.line for t in tokens],
                lookup([g.hash for g in grams]),
                limit,
                expected=len(fps),
            )
            if best is None or (found and (not best[2] or found[0].score > best[2][0].score)):
                best = (lexer_name(lexer), fps, found)
            if found and found[0].score >= GOOD_ENOUGH:
                return best
    assert best is not None
    return best


def find_matches(
    session: Session, snippet: str, language: str | None, limit: int
) -> tuple[str, list[Fingerprint], list[FileMatch]]:
    """The best lexer's fingerprints and file matches for the snippet."""
    return match_snippet(
        snippet, language, limit, lambda hashes: repository.postings(session, hashes)
    )


def near_duplicates(
    session: Session, snippet: str, exclude: set[int], limit: int
) -> list[FileMatch]:
    """Whole files the snippet nearly is (MinHash, as the near-duplicate clusters:
    BigCode's shingling, LSH bands of ``near_dup_band``, estimated Jaccard at least
    0.7), other than ``exclude``. A snippet that is a whole file, or nearly, thus
    lists the files it was copied from or into even when their fingerprints are not
    indexed (contents never backfilled) or when they fall past the snippet matches.
    Similarity and coverage are the estimated Jaccard similarity: no line ranges."""
    signature = minhash_signature(snippet)
    candidates = repository.near_duplicate_candidates(
        session, band_keys(signature), NEAR_DUP_CANDIDATES
    )
    found = []
    for content_id, stored in candidates.items():
        if content_id in exclude:
            continue
        similarity = round(jaccard(signature, stored), 4)
        if similarity >= DEFAULT_THRESHOLD:
            found.append(FileMatch(content_id, [], 0, coverage=similarity, similarity=similarity))
    found.sort(key=lambda m: (-m.similarity, m.content_id))
    return found[:limit]


def _membership(session: Session, request: AttributionIn) -> tuple[str, DatasetBuild] | None:
    if request.dataset_build is None and request.dataset is None:
        return None
    if request.dataset_build is None or request.dataset is None:
        raise Problem("give both `dataset` and `dataset_build`, or neither")
    build, _ = finished_build(session, request.dataset, request.dataset_build)
    return request.dataset, build


def attribute(session: Session, request: AttributionIn) -> AttributionOut:
    in_build = _membership(session, request)
    language, fps, found = find_matches(session, request.snippet, request.language, request.limit)
    near = near_duplicates(session, request.snippet, {m.content_id for m in found}, request.limit)
    kinds = {m.content_id: "snippet" for m in found} | {
        m.content_id: "near_duplicate" for m in near
    }
    found += near
    contents = repository.contents(session, [m.content_id for m in found])
    found = [m for m in found if m.content_id in contents]  # index rows of a deleted file
    snippets = [m for m in found if kinds[m.content_id] == "snippet"]
    _realign_on_text(request.snippet, snippets, contents)
    ids = [m.content_id for m in found]
    first_seen = repository.earliest_visits(session, ids)
    authors = repository.revision_authors(session, ids, MAX_AUTHORS)
    origin_licenses = repository.origin_effective_licenses(session, ids)
    return AttributionOut(
        language=language,
        fingerprints=len(fps),
        guarantee_tokens=GUARANTEE,
        matches=[
            _file_out(
                session,
                contents[m.content_id],
                m,
                kinds[m.content_id],
                request.occurrences,
                first_seen,
                authors,
                origin_licenses,
                in_build,
            )
            for m in found
        ],
    )


def _realign_on_text(
    snippet: str, matches: Sequence[FileMatch], contents: dict[int, Content]
) -> None:
    """Each match's ranges checked against the archived file's text, where the
    content store holds it (:func:`matching.realign`: in periodic code the
    fingerprints cannot tell which copy of the pattern the snippet is)."""
    store = content_store()
    if store is None or not matches:
        return
    keys = [contents[m.content_id] for m in matches]
    datas = store.get_many([(bytes(c.sha1), bytes(c.sha1_git), bytes(c.sha256)) for c in keys])
    lines = snippet.splitlines()
    for match, data in zip(matches, datas, strict=True):
        if data is not None:
            match.ranges = realign(
                match.ranges, lines, data.decode("utf-8", "replace").splitlines()
            )


def _file_out(
    session: Session,
    content: Content,
    match: FileMatch,
    kind: str,
    occurrences: int,
    first_seen: dict[int, datetime],
    authors: dict[int, list[bytes]],
    origin_licenses: dict[int, list[dict[str, object]]],
    in_build: tuple[str, DatasetBuild] | None,
) -> FileMatchOut:
    rows = archive.occurrences(session, content.id, after_id=None, limit=occurrences + 1)
    more = len(rows) > occurrences
    rows = rows[:occurrences]
    shown = []
    for occ, origin, snap in rows:
        path = show_bytes(occ.path) or ""
        shown.append(
            AttributionOccurrenceOut(
                origin=origin.url,
                snapshot=snap.swhid,
                path=path,
                swhid=f"{content.swhid};origin={origin.url};visit={snap.swhid}"
                f";path=/{path.lstrip('/')}",
            )
        )
    findings = archive.content_licenses(session, content.id)
    origins = [
        OriginLicenseOut(
            origin=str(o["origin"]),
            expression=o["expression"] if isinstance(o["expression"], str) else None,
            category=o["category"] if isinstance(o["category"], str) else None,
        )
        for o in origin_licenses.get(content.id, [])
    ]
    expressions = [f.expression for f in findings if f.expression] + [o.expression for o in origins]
    names = dict.fromkeys(
        n for n in (_author_name(a) for a in authors.get(content.id, [])) if n is not None
    )
    membership_out = None
    if in_build is not None:
        ref, build = in_build
        proof = membership.prove(session, build, content.sha1_git)
        membership_out = MembershipBriefOut(
            dataset=ref,
            build=build.number,
            member=proof.member,
            extensional_fingerprint=proof.extensional_fingerprint,
        )
    seen = first_seen.get(content.id)
    return FileMatchOut(
        kind=kind,
        swhid=content.swhid,
        score=match.score,
        similarity=match.similarity,
        coverage=match.coverage,
        matched_fingerprints=match.matched,
        ranges=[
            LineRangeOut(
                snippet_start=r.snippet_start,
                snippet_end=r.snippet_end,
                file_start=r.file_start,
                file_end=r.file_end,
            )
            for r in match.ranges
        ],
        occurrence_count=archive.occurrence_count(session, content.id) if more else len(shown),
        occurrences=shown,
        occurrences_next_cursor=encode_cursor(OCCURRENCES, [rows[-1][0].id])
        if more and rows
        else None,
        licenses=[
            LicenseFindingBriefOut(
                expression=f.expression,
                source=str(f.source.value if hasattr(f.source, "value") else f.source),
                start_line=f.start_line,
                end_line=f.end_line,
            )
            for f in findings
        ],
        origin_licenses=origins,
        obligations=obligations(expressions),
        earliest_visit=seen,
        authors=list(names)[:MAX_AUTHORS],
        in_dataset_build=membership_out,
    )


# --- backfill and stop-list ---

STOP_MIN_DOCUMENTS = 50  # a fingerprint in fewer files than this is never stop-listed
STOP_SHARE = 0.001  # ... nor one in fewer than this share of the indexed files
BACKFILL_BATCH = 500


def refresh_stoplist(session: Session) -> dict[str, int]:
    threshold, count = repository.refresh_stoplist(session, STOP_MIN_DOCUMENTS, STOP_SHARE)
    return {"stoplist_threshold": threshold, "stoplisted": count}


def backfill_source(session: Session, location: Path) -> tuple[int, int]:
    """Fingerprint the contents of one source that the index lacks (or holds from an
    older version). Returns (files read, contents indexed)."""
    read = indexed = 0
    batch: list[tuple[str, bytes, bytes]] = []

    def flush() -> int:
        missing = repository.unindexed(session, [sha for _, sha, _ in batch], VERSION)
        stale = list(missing.values())
        if stale:
            repository.delete_fingerprints(session, stale)
            index_files(
                session,
                (
                    FileToIndex(missing[sha], path, data)
                    for path, sha, data in batch
                    if sha in missing
                ),
            )
        batch.clear()
        return len(missing)

    for item in iter_files(location):
        read += 1
        batch.append(item)
        if len(batch) >= BACKFILL_BATCH:
            indexed += flush()
    if batch:
        indexed += flush()
    return read, indexed


def backfill_store(
    factory: sessionmaker[Session] | None,
    store: ContentStore,
    progress: Callable[[int], None],
) -> tuple[int, int]:
    """Fingerprint, from the content store, the stored contents the index lacks (or
    holds from an older fingerprinter), a batch per transaction so a killed job keeps
    what it did. Returns (contents read, contents without bytes in the store)."""
    read = absent = 0
    after = 0
    while True:
        with unit_of_work(factory) as uow:
            batch = repository.stored_unindexed(uow.session, VERSION, after, BACKFILL_BATCH)
            if not batch:
                return read, absent
            after = batch[-1][0]
            datas = list(store.get_many([(a, b, c) for _, a, b, c, _ in batch]))
            # A content whose bytes the store lacks is left as it is (its fingerprints,
            # if any, kept; not marked indexed), for the sources step to read.
            held = [(row, data) for row, data in zip(batch, datas, strict=True) if data is not None]
            repository.delete_fingerprints(uow.session, [row[0] for row, _ in held])
            index_files(
                uow.session,
                (
                    FileToIndex(cid, path.decode("utf-8", "replace"), data)
                    for (cid, _, _, _, path), data in held
                ),
            )
        read += len(batch)
        absent += len(batch) - len(held)
        progress(read)


def backfill(
    factory: sessionmaker[Session] | None,
    sources: Sequence[str],
    progress: Callable[[int, int | None], None],
) -> dict[str, object]:
    """The backfill job: first every content the content store holds (its bytes are
    there since scans keep them), then each source given (paths; default: every
    origin scanned from a path on this machine) for contents the store lacks, then the
    stop-list. A source that is gone is reported, not fatal: its contents stay without
    fingerprints until scanned again. Progress counts stored contents, then sources."""
    store = content_store()
    with unit_of_work(factory) as uow:
        stored = repository.count_stored_unindexed(uow.session, VERSION) if store else 0
        locations = list(sources) or [
            str(p)
            for _, url in repository.local_origins(uow.session)
            if (p := path_of_url(url)) is not None
        ]
    total = stored + len(locations)
    progress(0, total)
    from_store, absent = (
        backfill_store(factory, store, lambda done: progress(min(done, stored), total))
        if store
        else (0, 0)
    )
    read = indexed = 0
    missing: list[str] = []
    for done, location in enumerate(locations, start=1):
        path = Path(location)
        if not path.exists():
            missing.append(location)
        else:
            with unit_of_work(factory) as uow:
                r, i = backfill_source(uow.session, path)
            read, indexed = read + r, indexed + i
        progress(stored + done, total)
    with unit_of_work(factory) as uow:
        stop = refresh_stoplist(uow.session)
    return {
        "stored_contents_read": from_store,
        "stored_contents_absent": absent,
        "sources": len(locations),
        "files_read": read,
        "contents_indexed": indexed,
        "sources_missing": missing,
        **stop,
    }
