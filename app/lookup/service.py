"""Resolve up to 1000 identifiers at once, answering in input order.

Inputs are grouped by kind and each group is resolved with one query (``= ANY``
over a unique index), so a batch of 1000 costs a handful of round trips, not 1000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from packageurl import PackageURL
from pydantic import Field
from sqlalchemy import select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from app.forges.urls import normalize_pypi_name, normalize_url
from app.kit.swhid import InvalidSWHID, ObjectType, format_swhid, parse_swhid
from app.kit.text import quoted
from app.models import Content, Directory, Origin, Release, Revision, Snapshot

Status = Literal["matched", "missing", "ambiguous", "invalid"]
MAX_ITEMS = 1000
# Every archive table keys its objects by sha1_git (the SWHID object id).
TABLES: dict[ObjectType, Any] = {
    ObjectType.CONTENT: Content,
    ObjectType.DIRECTORY: Directory,
    ObjectType.REVISION: Revision,
    ObjectType.RELEASE: Release,
    ObjectType.SNAPSHOT: Snapshot,
}
PURL_URLS = {
    "pypi": lambda p: f"https://pypi.org/project/{normalize_pypi_name(p.name)}/",
    "npm": lambda p: (
        "https://www.npmjs.com/package/" + (f"{p.namespace}/{p.name}" if p.namespace else p.name)
    ),
    "cargo": lambda p: f"https://crates.io/crates/{p.name}",
    "github": lambda p: f"https://github.com/{p.namespace}/{p.name}",
    "gitlab": lambda p: f"https://gitlab.com/{p.namespace}/{p.name}",
    "bitbucket": lambda p: f"https://bitbucket.org/{p.namespace}/{p.name}",
}


@dataclass
class UrlHold:
    """An origin that held a URL, and when (first and last payload naming it there)."""

    origin_id: int
    swhid: str
    url: Annotated[str, Field(description="The origin's current canonical URL.")]
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass
class LookupResult:
    """One answer per input item, in the input's place."""

    # Also the API's output schema: pydantic serializes the dataclass as it is, where
    # building a model per item cost ~100 us, most of a 1000-item request.

    input: str
    kind: Annotated[str, Field(description="swhid, url or purl")]
    status: Annotated[Status, Field(description="matched, missing, ambiguous or invalid")] = (
        "missing"
    )
    object_type: str | None = None
    swhid: str | None = None
    origin_id: int | None = None
    url: Annotated[str | None, Field(description="The origin's canonical URL.")] = None
    candidates: Annotated[
        list[str] | None,
        Field(
            description="When ambiguous: the canonical URLs of the origins the item names "
            "equally (several origins hold the URL or SWHID and nothing recorded says which "
            "holds it now: seen there at the same time, or never)."
        ),
    ] = None
    error: Annotated[str | None, Field(description="When invalid: what is wrong.")] = None
    held_by: Annotated[
        list[UrlHold] | None,
        Field(
            description="For a URL several origins have held (a repository transferred "
            "away, a new one on its old URL): each of them and when, the current holder "
            "(the match) first."
        ),
    ] = None


def _purl_url(text: str) -> str:
    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise ValueError(f"invalid package URL: {exc}") from exc
    make = PURL_URLS.get(purl.type)
    if make is None:
        raise ValueError(
            f"package type {purl.type!r} is not one CodeCommons tracks "
            f"({', '.join(sorted(PURL_URLS))})"
        )
    return normalize_url(make(purl))


def _origin_url(text: str) -> str:
    url = normalize_url(text)
    host = url.split("/")[2]
    if " " in text.strip() or "." not in host:
        raise ValueError(f"{quoted(text)} is not a repository or package URL")
    return url


def lookup(session: Session, items: list[str]) -> list[LookupResult]:
    results: list[LookupResult] = []
    by_type: dict[ObjectType, dict[bytes, list[LookupResult]]] = defaultdict(dict)
    by_url: dict[str, list[LookupResult]] = {}
    for text in items:
        item = text.strip()
        if item.startswith("swh:"):
            result = LookupResult(input=text, kind="swhid")
            try:
                swhid = parse_swhid(item)
            except InvalidSWHID as exc:
                result.status, result.error = "invalid", str(exc)
            else:
                result.object_type = swhid.object_type.value
                result.swhid = swhid.core
                by_type[swhid.object_type].setdefault(swhid.object_id, []).append(result)
        else:
            result = LookupResult(input=text, kind="purl" if item.startswith("pkg:") else "url")
            try:
                url = _purl_url(item) if result.kind == "purl" else _origin_url(item)
            except ValueError as exc:
                result.status, result.error = "invalid", str(exc)
            else:
                result.url = url
                by_url.setdefault(url, []).append(result)
        results.append(result)

    for object_type, wanted in by_type.items():
        if object_type is ObjectType.ORIGIN:
            # Several origins may share one (a URL transferred, then reused): the one
            # fetched last names it now; fetched at the same time (or never), nothing
            # tells them apart and the answer is ambiguous.
            holders: dict[bytes, list[tuple[int, str, datetime | None]]] = defaultdict(list)
            for key, holder, url, fetched in session.execute(
                select(Origin.swhid_id, Origin.id, Origin.url, Origin.last_fetched_at)
                .where(Origin.swhid_id.in_(list(wanted)))
                .order_by(Origin.last_fetched_at.desc().nulls_last(), Origin.id)
            ):
                holders[bytes(key)].append((int(holder), url, fetched))
            for key, waiting in wanted.items():
                found = holders.get(key, [])
                tied = [h for h in found if found and h[2] == found[0][2]]
                for r in waiting:
                    if len(tied) > 1:
                        r.status, r.candidates = "ambiguous", [h[1] for h in tied]
                    elif found:
                        r.status, r.origin_id = "matched", found[0][0]
        elif object_type in TABLES:
            table = TABLES[object_type]
            present = {
                bytes(x)
                for x in session.scalars(
                    select(table.sha1_git).where(table.sha1_git.in_(list(wanted)))
                )
            }
            for oid, waiting in wanted.items():
                for r in waiting:
                    r.status = "matched" if oid in present else "missing"
        else:  # emd: raw extrinsic metadata objects are not stored here
            for waiting in wanted.values():
                for r in waiting:
                    r.status, r.error = "missing", "raw extrinsic metadata is not served"

    if by_url:
        _resolve_urls(session, by_url)
    return results


def _holder_order(row: Any) -> tuple[object, ...]:
    """As ``app.forges.repository.url_holders``: last seen at the URL first (never seen
    last), its current holder before former ones, then by forge id and row id."""
    _, origin_id, _, _, native_id, _, last_seen, current = row
    return (
        last_seen is None,
        -last_seen.timestamp() if last_seen is not None else 0,
        not current,
        native_id is not None,
        native_id or "",
        origin_id,
    )


def _resolve_urls(session: Session, by_url: dict[str, list[LookupResult]]) -> None:
    """A URL names the origin that held it last (current or former URL alike); when
    several did, all of them come with their periods (``held_by``)."""
    rows = session.execute(
        sql(
            "SELECT u.url, o.id, o.swhid_id, o.url, o.native_id, a.first_seen_at, "
            "greatest(a.last_seen_at, CASE WHEN o.url = u.url THEN o.last_fetched_at END), "
            "o.url = u.url "
            "FROM unnest(CAST(:urls AS text[])) AS u(url) "
            "JOIN LATERAL (SELECT id FROM origin WHERE origin.url = u.url "
            "  UNION SELECT origin_id FROM origin_alias WHERE origin_alias.url = u.url) "
            "  AS h(id) ON true "
            "JOIN origin o ON o.id = h.id "
            "LEFT JOIN origin_alias a ON a.origin_id = o.id AND a.url = u.url"
        ),
        {"urls": list(by_url)},
    ).all()
    holders: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        holders[row[0]].append(row)
    for url, found in holders.items():
        found.sort(key=_holder_order)
        first = found[0]
        # Holders the evidence ranks alike (seen there at the same time or never, both
        # current or both former): the URL names either, so none is chosen.
        tied = [h for h in found if _holder_order(h)[:3] == _holder_order(first)[:3]]
        for r in by_url[url]:
            if len(tied) > 1:
                r.status, r.candidates = "ambiguous", [h[3] for h in tied]
            else:
                r.status, r.origin_id, r.url = "matched", first[1], first[3]
                r.swhid = format_swhid(ObjectType.ORIGIN, bytes(first[2]))
            if len(found) > 1:
                r.held_by = [
                    UrlHold(
                        origin_id=h[1],
                        swhid=format_swhid(ObjectType.ORIGIN, bytes(h[2])),
                        url=h[3],
                        first_seen_at=h[5],
                        last_seen_at=h[6],
                    )
                    for h in found
                ]
