"""What the pages show that no single feature service answers: compositions of them.

Every fact here comes from the services the REST routes call (``app.lookup``,
``app.origins``, ``app.datasets``, ``app.optouts``, ``app.attribution``); this module
only decides which ones a page needs and puts their answers side by side (a search box
that takes any kind of identifier, a repository's builds, a file's builds, an opt-out's
builds, a snippet's matches beside its lines).
The few SQL statements here count over those features' own queries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from app.archive import repository as archive
from app.attribution.schemas import AttributionIn, AttributionOut, FileMatchOut, LineRangeOut
from app.attribution.service import attribute
from app.attribution.tokens import split_lines
from app.datasets import card, membership, repository, service
from app.datasets.schemas import ManifestRowOut, MembershipOut
from app.kit.problems import Problem
from app.kit.swhid import InvalidSWHID, ObjectType, format_swhid, parse_swhid
from app.lookup.service import LookupResult, lookup
from app.models import Dataset, DatasetBuild, DatasetRevision, OptoutRequest, Origin, Owner
from app.optouts import purposes, registry, resolution
from app.optouts.service import find_account
from app.origins import repository as origins
from app.origins.schemas import OriginOut
from app.origins.search import OriginFilters, search
from app.storage.store import ContentStore, content_store

MAX_BUILDS = 200  # builds a page looks through (the catalog of a commons, not of a hub)
MAX_ACCOUNT_ORIGINS = 50
MAX_FILES_SHOWN = 200
ACCOUNT = re.compile(r"^(?:https?://)?(?P<forge>[a-z0-9.-]+\.[a-z]{2,})/(?P<login>[^/\s]+)/?$")


def git_blob_swhid(data: bytes) -> str:
    """The content SWHID of these bytes (what ``git hash-object`` prints), computed
    as Software Heritage does; the browser does the same with SubtleCrypto."""
    digest = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).digest()
    return format_swhid(ObjectType.CONTENT, digest)


# --- search ---------------------------------------------------------------------------


@dataclass
class Account:
    forge: str
    login: str
    origins: list[OriginOut]


@dataclass
class SearchResult:
    query: str
    kind: str  # swhid | url | purl | account | text | empty
    lookups: list[LookupResult] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    origins: list[OriginOut] = field(default_factory=list)
    message: str | None = None


def _accounts(session: Session, forge: str | None, login: str) -> list[Account]:
    forges = [forge] if forge else repository.forge_names(session)
    found = []
    for name in forges:
        owner = find_account(session, name, login)
        if owner is not None:
            found.append(_account(session, name, owner))
    return found


def _account(session: Session, forge: str, owner: Owner) -> Account:
    rows, _ = search(
        session, OriginFilters(owner=owner.login), cursor=None, limit=MAX_ACCOUNT_ORIGINS
    )
    return Account(
        forge=forge,
        login=owner.display_login or owner.login,
        origins=[OriginOut.of(o) for o in rows if o.owner_id == owner.id],
    )


def find(session: Session, query: str) -> SearchResult:
    """Whatever was typed: a SWHID, a package URL, an account (``@login`` or
    ``forge/login``), a repository or package URL, or words of a name or description."""
    q = query.strip()
    if not q:
        return SearchResult(query, "empty")
    if q.startswith("swh:"):
        return SearchResult(query, "swhid", lookups=lookup(session, [q]))
    if q.startswith("pkg:"):
        return SearchResult(query, "purl", lookups=lookup(session, [q]))
    if q.startswith("@") and len(q) > 1:
        return SearchResult(query, "account", accounts=_accounts(session, None, q[1:]))
    account = ACCOUNT.match(q)
    if account is not None:
        accounts = _accounts(session, account["forge"].lower(), account["login"])
        if accounts:
            return SearchResult(query, "account", accounts=accounts)
    if "://" in q or ("/" in q and "." in q.split("/", 1)[0]):
        return SearchResult(query, "url", lookups=lookup(session, [q]))
    if len(q) < 2 or len(q) > 200:
        return SearchResult(query, "text", message="type between 2 and 200 characters")
    rows, _ = search(session, OriginFilters(q=q), cursor=None, limit=50)
    accounts = _accounts(session, None, q) if " " not in q else []
    return SearchResult(query, "text", origins=[OriginOut.of(o) for o in rows], accounts=accounts)


# --- builds ----------------------------------------------------------------------------


@dataclass
class BuildRef:
    dataset: Dataset
    build: DatasetBuild
    revision: DatasetRevision

    @property
    def api(self) -> str:
        return f"/v1/datasets/{self.dataset.name}/builds/{self.build.number}"

    @property
    def page(self) -> str:
        return f"/datasets/{self.dataset.name}/builds/{self.build.number}"


def finished_builds(session: Session, limit: int = MAX_BUILDS) -> list[BuildRef]:
    """Every finished build of every dataset (up to ``limit``), dataset by dataset."""
    found: list[BuildRef] = []
    for dataset in repository.list_datasets(session, after_id=None, limit=limit):
        for build in repository.list_builds(session, dataset.id, after_number=None, limit=limit):
            if build.state != "succeeded" or build.extensional_fingerprint is None:
                continue
            revision = repository.revision_by_id(session, build.revision_id)
            assert revision is not None
            found.append(BuildRef(dataset, build, revision))
            if len(found) >= limit:
                return found
    return found


@dataclass
class BuildRow:
    build: DatasetBuild
    revision: DatasetRevision


def dataset_builds(session: Session, dataset: Dataset) -> list[BuildRow]:
    """A dataset's builds, whatever their state, newest first."""
    rows = repository.list_builds(session, dataset.id, after_number=None, limit=MAX_BUILDS)
    out = []
    for build in rows:
        revision = repository.revision_by_id(session, build.revision_id)
        assert revision is not None
        out.append(BuildRow(build, revision))
    return out[::-1]


def terms(purpose: str) -> list[str]:
    """The uses and modifiers a declared purpose names (``pre-training;research-only``)."""
    return [t for t in re.split(r"[;=,\s]+", purpose) if t and t != "unless"]


@dataclass
class CatalogEntry:
    dataset: Dataset
    purpose: str
    latest: BuildRef | None
    facts: card.CardFacts | None


def catalog(
    session: Session, purpose: str | None, license: str | None, language: str | None
) -> list[CatalogEntry]:
    """Datasets, with their newest finished build's composition, filtered by the
    purpose they declare (a use or modifier among its terms) and by a license or a
    language present in that build."""
    latest: dict[int, BuildRef] = {}
    for ref in finished_builds(session):
        latest[ref.dataset.id] = ref  # builds come in number order: the last wins
    entries = []
    for dataset in repository.list_datasets(session, after_id=None, limit=MAX_BUILDS):
        out = service.dataset_out(session, dataset)
        newest = latest.get(dataset.id)
        facts = card.facts(session, newest.build) if newest is not None else None
        entry = CatalogEntry(dataset, out.current_revision.purpose, newest, facts)
        if purpose and purpose not in terms(entry.purpose):
            continue
        if license and (facts is None or license not in {n for n, _ in facts.licenses}):
            continue
        if language and (facts is None or language not in {n for n, _ in facts.languages}):
            continue
        entries.append(entry)
    return entries


@dataclass
class OriginInBuild:
    ref: BuildRef
    files: int  # files of the origin looked at
    members: int


def origin_builds(session: Session, url: str) -> list[OriginInBuild]:
    """The builds holding files of the repository at ``url``, with how many."""
    ids = repository.origin_contents(session, url, membership.MAX_ORIGIN_FILES)
    found = []
    for ref in finished_builds(session):
        members = repository.members_among(session, ref.build.id, ids) if ids else set()
        if members:
            found.append(OriginInBuild(ref, len(ids), len(members)))
    return found


@dataclass
class Coverage:
    """Opt-outs in force that cover a repository, as counts (never who asked)."""

    total: int
    by_scope: dict[str, int]
    by_purpose: dict[str, int]


def origin_coverage(session: Session, origin: Origin) -> Coverage:
    owner = session.get(Owner, origin.owner_id) if origin.owner_id else None
    forge = origin.forge.name if origin.forge else None
    rows = session.scalars(
        select(OptoutRequest).where(
            resolution.active_at(registry.current_version(session)),
            (OptoutRequest.origin_id == origin.id)
            | (
                (OptoutRequest.scope_kind == "account")
                & (OptoutRequest.forge == forge)
                & (OptoutRequest.account_id == (owner.native_id if owner else None))
            ),
        )
    ).all()
    by_scope: dict[str, int] = {}
    by_purpose: dict[str, int] = {}
    for row in rows:
        by_scope[row.scope_kind] = by_scope.get(row.scope_kind, 0) + 1
        for rule in row.rules:
            by_purpose[rule] = by_purpose.get(rule, 0) + 1
    return Coverage(len(rows), by_scope, by_purpose)


# --- "Am I in it?" ----------------------------------------------------------------------


@dataclass
class FileHit:
    swhid: str
    path: str | None
    origin: str | None
    proof_url: str


@dataclass
class BuildAnswer:
    ref: BuildRef
    members: list[FileHit]
    looked_at: int

    @property
    def fingerprint(self) -> str:
        fp = self.ref.build.extensional_fingerprint
        return fp.hex() if fp else ""


@dataclass
class CheckResult:
    query: str
    kind: str  # content | origin | account | unknown | empty
    subject: str = ""
    answers: list[BuildAnswer] = field(default_factory=list)
    message: str | None = None
    builds: int = 0

    @property
    def found(self) -> list[BuildAnswer]:
        return [a for a in self.answers if a.members]


def _hit(ref: BuildRef, answer: MembershipOut) -> FileHit:
    row: ManifestRowOut | None = answer.row
    return FileHit(
        swhid=answer.swhid,
        path=row.path if row else None,
        origin=row.origin if row else None,
        proof_url=f"{ref.api}/membership?swhid={answer.swhid}",
    )


def _check_origin(session: Session, refs: list[BuildRef], url: str) -> list[BuildAnswer]:
    answers = []
    for ref in refs:
        out = membership.prove_origin(session, ref.build, url)
        hits = [_hit(ref, m) for m in out.members[:MAX_FILES_SHOWN]]
        answers.append(BuildAnswer(ref, hits, out.files))
    return answers


def check(session: Session, query: str) -> CheckResult:
    """Which builds hold a file (by SWHID), a repository's files (by URL) or an
    account's files (``@login``, ``forge/login``), with a proof link per file."""
    q = query.strip()
    if not q:
        return CheckResult(query, "empty")
    refs = finished_builds(session)
    if q.startswith("swh:"):
        try:
            swhid = parse_swhid(q)
        except InvalidSWHID as exc:
            return CheckResult(query, "unknown", message=str(exc))
        if swhid.object_type is ObjectType.ORIGIN:
            origin = origins.get_by_swhid_id(session, swhid.object_id)
            if origin is None:
                return CheckResult(query, "unknown", message="no repository has this SWHID")
            q = origin.url
        elif swhid.object_type is not ObjectType.CONTENT:
            return CheckResult(query, "unknown", message="give a file (swh:1:cnt:...) SWHID")
        else:
            answers = []
            for ref in refs:
                out = membership.prove(session, ref.build, swhid.object_id)
                answers.append(BuildAnswer(ref, [_hit(ref, out)] if out.member else [], 1))
            return CheckResult(query, "content", swhid.core, answers, builds=len(refs))
    found = find(session, q)
    if found.kind == "account" or (found.kind == "text" and found.accounts):
        answers = []
        for account in found.accounts:
            for held in account.origins:
                answers.extend(_check_origin(session, refs, held.url))
        subject = ", ".join(f"{a.login} on {a.forge}" for a in found.accounts)
        merged = _merge(answers)
        return CheckResult(query, "account", subject, merged, builds=len(refs))
    matched = [r for r in found.lookups if r.status == "matched" and r.url]
    if matched and matched[0].url:
        url = matched[0].url
        return CheckResult(
            query, "origin", url, _check_origin(session, refs, url), builds=len(refs)
        )
    message = next((r.error for r in found.lookups if r.error), None)
    return CheckResult(
        query, "unknown", message=message or "nothing in the commons matches this", builds=len(refs)
    )


def _merge(answers: list[BuildAnswer]) -> list[BuildAnswer]:
    """One answer per build (an account's repositories, added up)."""
    by_build: dict[int, BuildAnswer] = {}
    for answer in answers:
        kept = by_build.setdefault(answer.ref.build.id, BuildAnswer(answer.ref, [], 0))
        kept.members.extend(answer.members)
        kept.looked_at += answer.looked_at
    return list(by_build.values())


# --- opt-outs ---------------------------------------------------------------------------


@dataclass
class AffectedBuild:
    ref: BuildRef
    files: int


def affected_builds(session: Session, request: OptoutRequest) -> list[AffectedBuild]:
    """Finished builds whose purpose the request reserves and that hold files in its
    scope: those an active opt-out withdraws files from (a pending one would)."""
    statement = resolution.statement_of(request.rules)
    found = []
    for ref in finished_builds(session):
        try:
            covered = purposes.covers(statement, ref.revision.purpose)
        except purposes.InvalidPurpose:
            continue
        if not covered:
            continue
        query = resolution.exclusion_query(
            session, ref.revision.purpose, registry.current_version(session), param="ids"
        )
        files = session.scalar(
            sql(
                "SELECT count(*) FROM dataset_manifest m WHERE m.build_id = :build "
                f"AND m.content_id IN ({query.sql})"
            ),
            {"build": ref.build.id, "ids": [request.id]},
        )
        if files:
            found.append(AffectedBuild(ref, int(files)))
    return found


def purpose_tree() -> list[dict[str, Any]]:
    """The uses with their plain-language explanation and depth, parents first."""
    out = []
    for use in purposes.Use:
        depth = len(purposes.ancestors(use)) - 1
        out.append({"id": use.value, "depth": depth, "description": purposes.DESCRIPTIONS[use]})
    return out


def modifiers() -> list[dict[str, str]]:
    return [{"id": m.value, "description": purposes.DESCRIPTIONS[m]} for m in purposes.Modifier]


def rules_of(uses: list[str], unless: list[str]) -> list[str]:
    """The reserved uses as the registry's rules: each use, with the exceptions the
    author grants (``ai-training;unless=research-only``)."""
    if not uses:
        raise Problem("choose at least one use to reserve")
    suffix = f";unless={','.join(unless)}" if unless else ""
    return [f"{u}{suffix}" for u in uses]


# --- attribution ----------------------------------------------------------------------

MAX_SNIPPET_LINES_SHOWN = 400  # lines of the pasted snippet shown beside each match
MAX_ARCHIVED_LINES_SHOWN = 800  # lines of an archived file shown beside them


@dataclass
class SideRow:
    """One row of the side-by-side table: a snippet line, the archived line paired with
    it, or both. ``file_text`` is None when the archived file's bytes are not at hand
    (the page then shows the line numbers alone)."""

    snippet_number: int | None
    snippet_text: str | None
    file_number: int | None
    file_text: str | None
    hit: bool


@dataclass
class MatchView:
    """One matched file as the page shows it: the service's answer, the snippet's lines
    beside the archived file's matched lines (their text when the content storage holds
    the file's bytes), and each origin with the id of its page when the commons knows
    it."""

    match: FileMatchOut
    rows: list[SideRow]
    lines_cut: bool  # the snippet has more lines than are shown
    archived_text: bool  # the archived lines are shown with their text
    origins: list[tuple[str, int | None]]


@dataclass
class AttributionView:
    answer: AttributionOut
    matches: list[MatchView]


def archived_lines(session: Session, swhid: str, store: ContentStore | None) -> list[str] | None:
    """The archived file's lines (numbered from 1 as the attribution numbers them:
    :func:`split_lines`), or None when there is no content storage or it lacks the bytes."""
    if store is None:
        return None
    content = archive.content_by_hash(session, "sha1_git", parse_swhid(swhid).object_id)
    if content is None:
        return None
    data = store.get(bytes(content.sha1), bytes(content.sha1_git), bytes(content.sha256))
    if data is None:
        return None
    return split_lines(data.decode("utf-8", "replace"))


def side_rows(
    snippet: str, ranges: list[LineRangeOut], archived: list[str] | None
) -> list[SideRow]:
    """The snippet's lines in order; inside each matched range, snippet line
    ``snippet_start + i`` beside archived line ``file_start + i`` (the shorter side of
    a range whose lengths differ is padded, so every matched line of both is shown)."""
    texts = split_lines(snippet)[:MAX_SNIPPET_LINES_SHOWN]
    rows: list[SideRow] = []
    archived_shown = 0
    n = 1  # the next snippet line to show

    def file_text(number: int) -> str | None:
        if archived is None or not 1 <= number <= len(archived):
            return None
        return archived[number - 1]

    for r in sorted(ranges, key=lambda r: (r.snippet_start, r.file_start)):
        if r.snippet_start < n or r.snippet_start > len(texts):
            continue  # overlaps what is shown, or beyond the lines shown
        for k in range(n, r.snippet_start):
            rows.append(SideRow(k, texts[k - 1], None, None, False))
        s_end = min(r.snippet_end, len(texts))
        files = max(
            0, min(r.file_end - r.file_start + 1, MAX_ARCHIVED_LINES_SHOWN - archived_shown)
        )
        archived_shown += files
        for i in range(max(s_end - r.snippet_start + 1, files)):
            s = r.snippet_start + i if r.snippet_start + i <= s_end else None
            f = r.file_start + i if i < files else None
            rows.append(
                SideRow(
                    s,
                    texts[s - 1] if s is not None else None,
                    f,
                    file_text(f) if f is not None else None,
                    True,
                )
            )
        n = s_end + 1
    for k in range(n, len(texts) + 1):
        rows.append(SideRow(k, texts[k - 1], None, None, False))
    return rows


def attribution_view(session: Session, request: AttributionIn) -> AttributionView:
    """:func:`app.attribution.service.attribute`'s answer (the one REST and GraphQL
    give), with what the page adds: the side-by-side lines (the archived file's text
    from the content storage) and links to origin pages."""
    answer = attribute(session, request)
    urls = {o.origin for m in answer.matches for o in m.occurrences}
    urls |= {o.origin for m in answer.matches for o in m.origin_licenses}
    ids: dict[str, int] = {}
    for url in sorted(urls):
        origin = origins.get_by_url(session, url)
        if origin is not None:
            ids[url] = origin.id
    store = content_store()
    cut = len(split_lines(request.snippet)) > MAX_SNIPPET_LINES_SHOWN
    views = []
    for m in answer.matches:
        archived = archived_lines(session, m.swhid, store)
        rows = side_rows(request.snippet, m.ranges, archived)
        named = dict.fromkeys(
            [o.origin for o in m.occurrences] + [o.origin for o in m.origin_licenses]
        )
        origin_links = [(url, ids.get(url)) for url in named]
        views.append(MatchView(m, rows, cut, archived is not None, origin_links))
    return AttributionView(answer, views)
