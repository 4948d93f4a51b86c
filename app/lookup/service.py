"""Resolve up to 1000 identifiers at once, answering in input order.

Inputs are grouped by kind and each group is resolved with one query (``= ANY``
over a unique index), so a batch of 1000 costs a handful of round trips, not 1000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from packageurl import PackageURL
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.forges.urls import normalize_pypi_name, normalize_url
from app.kit.swhid import InvalidSWHID, ObjectType, format_swhid, parse_swhid
from app.models import Content, Directory, Origin, OriginAlias, Release, Revision, Snapshot

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
    candidates: Annotated[list[str] | None, Field(description="When ambiguous.")] = None
    error: Annotated[str | None, Field(description="When invalid: what is wrong.")] = None


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
        raise ValueError(f"{text!r} is not a repository or package URL")
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
            origin_ids = {
                bytes(key): int(oid)
                for key, oid in session.execute(
                    select(Origin.swhid_id, Origin.id).where(Origin.swhid_id.in_(list(wanted)))
                )
            }
            for key, waiting in wanted.items():
                for r in waiting:
                    if key in origin_ids:
                        r.status, r.origin_id = "matched", origin_ids[key]
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


def _resolve_urls(session: Session, by_url: dict[str, list[LookupResult]]) -> None:
    urls = list(by_url)
    direct: dict[str, tuple[int, bytes]] = {
        str(url): (int(oid), bytes(key))
        for url, oid, key in session.execute(
            select(Origin.url, Origin.id, Origin.swhid_id).where(Origin.url.in_(urls))
        )
    }
    aliased: dict[str, set[tuple[int, bytes, str]]] = defaultdict(set)
    for alias, oid, key, current in session.execute(
        select(OriginAlias.url, Origin.id, Origin.swhid_id, Origin.url)
        .join(Origin, Origin.id == OriginAlias.origin_id)
        .where(OriginAlias.url.in_(urls))
    ):
        aliased[str(alias)].add((int(oid), bytes(key), str(current)))
    for url, waiting in by_url.items():
        for r in waiting:
            if url in direct:
                r.status, r.origin_id = "matched", direct[url][0]
                r.swhid = format_swhid(ObjectType.ORIGIN, direct[url][1])
            elif len(aliased.get(url, ())) == 1:
                oid, key, current = next(iter(aliased[url]))
                r.status, r.origin_id, r.url = "matched", oid, current
                r.swhid = format_swhid(ObjectType.ORIGIN, key)
            elif len(aliased.get(url, ())) > 1:
                r.status = "ambiguous"
                r.candidates = sorted(current for _, _, current in aliased[url])
