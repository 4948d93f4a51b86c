"""Paper metadata from Crossref, DataCite, arXiv and OpenAlex (sync httpx clients).

Each client answers :class:`Resolution` for one identifier: ``resolved`` with
:class:`PaperMetadata`, ``not_found`` (404, or arXiv's error entry), or
``unresolved`` when the service could not be asked (network error, timeout, 5xx,
429). ``unresolved`` is never a verdict about the paper: the identifier stays as
found and the job retries later, after ``retry_after`` seconds when the service
said so. Clients take an ``httpx.Client`` so tests replay recorded responses
through ``httpx.MockTransport`` and never touch the network.

:func:`resolve` tries the services in a sensible order for the key: arXiv ids at
arXiv; Zenodo and other DataCite DOIs at DataCite; other DOIs at Crossref; OpenAlex
as the fallback for DOIs. It stops at the first ``resolved``; it says
``not_found`` only when every service asked said so.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from defusedxml.ElementTree import fromstring

from app.models.enums import PaperStatus
from app.papers.identifiers import PaperKey, Scheme, arxiv_doi

USER_AGENT = "CodeCommons/0.1 (https://codecommons.org; metadata resolver)"
_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
# DOI prefixes registered with DataCite that we meet most (Zenodo, arXiv, Figshare, Dryad).
DATACITE_PREFIXES = ("10.5281/", "10.48550/", "10.6084/", "10.5061/")


@dataclass(frozen=True, slots=True)
class PaperMetadata:
    title: str | None
    authors: list[str]
    year: int | None
    venue: str | None
    source: str  # crossref, datacite, arxiv, openalex
    # The fields the service classifies the work in, as it says them (what domains are
    # assigned from): {"scheme", "value"} plus "primary" (arXiv) or "score" (OpenAlex).
    # Schemes: ``arxiv`` categories, ``crossref-subject`` (the journal's ASJC subject
    # names), ``datacite-subject`` (the depositor's keywords, URIs left out),
    # ``openalex-concept`` (a classifier's concepts with their scores).
    fields: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Resolution:
    status: PaperStatus
    source: str | None = None
    metadata: PaperMetadata | None = None
    error: str | None = None  # why it is unresolved, or what said not found
    retry_after: float | None = None  # seconds, from a 429's Retry-After

    @property
    def resolved(self) -> bool:
        return self.status is PaperStatus.RESOLVED


class Resolver(Protocol):
    name: str

    def resolve(self, key: PaperKey) -> Resolution: ...


@dataclass(slots=True)
class _Base:
    client: httpx.Client
    name: str = field(default="", init=False)

    def _get(self, url: str, **params: str) -> httpx.Response | Resolution:
        try:
            response = self.client.get(
                url, params=params or None, headers={"User-Agent": USER_AGENT}
            )
        except httpx.HTTPError as exc:
            return Resolution(
                PaperStatus.UNRESOLVED, self.name, error=f"network: {type(exc).__name__}: {exc}"
            )
        if response.status_code == 404:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="404")
        if response.status_code == 429:
            return Resolution(
                PaperStatus.UNRESOLVED,
                self.name,
                error="429 rate limited",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            return Resolution(
                PaperStatus.UNRESOLVED, self.name, error=f"HTTP {response.status_code}"
            )
        return response

    def _parse(self, response: httpx.Response, parse: Any) -> Resolution:
        try:
            metadata = parse(response)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return Resolution(
                PaperStatus.UNRESOLVED, self.name, error=f"unreadable response: {exc}"
            )
        if metadata is None:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="no record in response")
        return Resolution(PaperStatus.RESOLVED, self.name, metadata)


@dataclass(slots=True)
class CrossrefClient(_Base):
    base_url: str = "https://api.crossref.org"

    def __post_init__(self) -> None:
        self.name = "crossref"

    def resolve(self, key: PaperKey) -> Resolution:
        doi = _doi_of(key)
        if doi is None:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="not a DOI")
        got = self._get(f"{self.base_url}/works/{quote(doi, safe='/')}")
        return got if isinstance(got, Resolution) else self._parse(got, _crossref)


@dataclass(slots=True)
class DataCiteClient(_Base):
    base_url: str = "https://api.datacite.org"

    def __post_init__(self) -> None:
        self.name = "datacite"

    def resolve(self, key: PaperKey) -> Resolution:
        doi = _doi_of(key)
        if doi is None:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="not a DOI")
        got = self._get(f"{self.base_url}/dois/{quote(doi, safe='/')}")
        return got if isinstance(got, Resolution) else self._parse(got, _datacite)


@dataclass(slots=True)
class ArxivClient(_Base):
    base_url: str = "https://export.arxiv.org/api/query"

    def __post_init__(self) -> None:
        self.name = "arxiv"

    def resolve(self, key: PaperKey) -> Resolution:
        if key.scheme is not Scheme.ARXIV:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="not an arXiv id")
        got = self._get(self.base_url, id_list=key.value)
        return got if isinstance(got, Resolution) else self._parse(got, _arxiv)


@dataclass(slots=True)
class OpenAlexClient(_Base):
    base_url: str = "https://api.openalex.org"

    def __post_init__(self) -> None:
        self.name = "openalex"

    def resolve(self, key: PaperKey) -> Resolution:
        doi = _doi_of(key)
        if doi is None:
            return Resolution(PaperStatus.NOT_FOUND, self.name, error="not a DOI")
        got = self._get(f"{self.base_url}/works/doi:{quote(doi, safe='/')}")
        return got if isinstance(got, Resolution) else self._parse(got, _openalex)


def default_order(key: PaperKey, resolvers: Sequence[Resolver]) -> list[Resolver]:
    """Which services to ask, in order, for ``key`` (see module docstring)."""
    by_name = {r.name: r for r in resolvers}
    if key.scheme is Scheme.ARXIV:
        names = ["arxiv", "datacite", "openalex"]
    elif key.scheme is Scheme.DOI and key.value.startswith(DATACITE_PREFIXES):
        names = ["datacite", "openalex"]
    elif key.scheme is Scheme.DOI:
        names = ["crossref", "openalex", "datacite"]
    else:
        names = []  # HAL: no client yet; the paper stays unresolved
    return [by_name[n] for n in names if n in by_name]


def resolve(key: PaperKey, resolvers: Sequence[Resolver]) -> Resolution:
    """Ask the services in :func:`default_order` until one resolves ``key``."""
    answers: list[Resolution] = []
    for resolver in default_order(key, resolvers):
        answer = resolver.resolve(key)
        if answer.resolved:
            return answer
        answers.append(answer)
    if answers and all(a.status is PaperStatus.NOT_FOUND for a in answers):
        return Resolution(
            PaperStatus.NOT_FOUND, error="; ".join(f"{a.source}: {a.error}" for a in answers)
        )
    unresolved = [a for a in answers if a.status is PaperStatus.UNRESOLVED]
    if not unresolved:
        return Resolution(
            PaperStatus.UNRESOLVED, error=f"no resolver for {key.scheme.value} identifiers"
        )
    waits = [a.retry_after for a in unresolved if a.retry_after is not None]
    return Resolution(
        PaperStatus.UNRESOLVED,
        error="; ".join(f"{a.source}: {a.error}" for a in unresolved),
        retry_after=max(waits) if waits else None,
    )


# --- response parsers ---------------------------------------------------------------


def _crossref(response: httpx.Response) -> PaperMetadata | None:
    message = response.json()["message"]
    title = _first(message.get("title"))
    authors = []
    for author in message.get("author") or []:
        if author.get("family"):
            authors.append(" ".join(p for p in (author.get("given"), author["family"]) if p))
        elif author.get("name"):
            authors.append(author["name"])
    year = None
    for date_key in ("issued", "published", "published-print", "published-online", "created"):
        parts = (message.get(date_key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            year = int(parts[0][0])
            break
    venue = _first(message.get("container-title")) or message.get("publisher")
    fields = [
        {"scheme": "crossref-subject", "value": subject}
        for subject in message.get("subject") or []
        if isinstance(subject, str) and subject.strip()
    ]
    return PaperMetadata(title, authors, year, venue, "crossref", fields)


def _datacite(response: httpx.Response) -> PaperMetadata | None:
    attributes = response.json()["data"]["attributes"]
    titles = attributes.get("titles") or []
    title = titles[0].get("title") if titles else None
    authors = []
    for creator in attributes.get("creators") or []:
        if creator.get("givenName") and creator.get("familyName"):
            authors.append(f"{creator['givenName']} {creator['familyName']}")
        elif creator.get("name"):
            authors.append(creator["name"])
    year = attributes.get("publicationYear")
    container = attributes.get("container") or {}
    venue = container.get("title") or attributes.get("publisher")
    if isinstance(venue, dict):
        venue = venue.get("name")
    fields = [
        {"scheme": "datacite-subject", "value": subject["subject"]}
        for subject in attributes.get("subjects") or []
        if isinstance(subject, dict)
        and isinstance(subject.get("subject"), str)
        and subject.get("subjectScheme") != "url"
        and not subject["subject"].startswith(("http://", "https://"))
    ]
    return PaperMetadata(title, authors, int(year) if year else None, venue, "datacite", fields)


def _arxiv(response: httpx.Response) -> PaperMetadata | None:
    feed = fromstring(response.content)
    entry = feed.find(f"{_ATOM}entry")
    if entry is None:
        return None
    entry_id = entry.findtext(f"{_ATOM}id") or ""
    if "/api/errors" in entry_id:
        return None
    title = " ".join((entry.findtext(f"{_ATOM}title") or "").split()) or None
    authors = [
        " ".join((a.findtext(f"{_ATOM}name") or "").split())
        for a in entry.findall(f"{_ATOM}author")
    ]
    published = entry.findtext(f"{_ATOM}published") or ""
    year = int(published[:4]) if re.match(r"^\d{4}", published) else None
    venue = entry.findtext(f"{_ARXIV}journal_ref") or "arXiv"
    primary_element = entry.find(f"{_ARXIV}primary_category")
    primary = primary_element.get("term") if primary_element is not None else None
    fields: list[dict[str, Any]] = []
    for category in entry.findall(f"{_ATOM}category"):
        term = category.get("term")
        if term and all(f["value"] != term for f in fields):
            fields.append({"scheme": "arxiv", "value": term, "primary": term == primary})
    return PaperMetadata(
        title, [a for a in authors if a], year, " ".join(venue.split()), "arxiv", fields
    )


def _openalex(response: httpx.Response) -> PaperMetadata | None:
    work = response.json()
    title = work.get("display_name") or work.get("title")
    authors = [
        a["author"]["display_name"]
        for a in work.get("authorships") or []
        if a.get("author", {}).get("display_name")
    ]
    year = work.get("publication_year")
    source = ((work.get("primary_location") or {}).get("source") or {}).get("display_name")
    venue = source or (work.get("host_venue") or {}).get("display_name")
    fields = [
        {
            "scheme": "openalex-concept",
            "value": concept["display_name"],
            "score": float(concept.get("score") or 0.0),
            "level": concept.get("level"),
        }
        for concept in work.get("concepts") or []
        if isinstance(concept, dict) and isinstance(concept.get("display_name"), str)
    ]
    return PaperMetadata(title, authors, int(year) if year else None, venue, "openalex", fields)


def _first(value: Any) -> str | None:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    return value if isinstance(value, str) else None


def _doi_of(key: PaperKey) -> str | None:
    if key.scheme is Scheme.DOI:
        return key.value
    if key.scheme is Scheme.ARXIV:
        return arxiv_doi(key.value)
    return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
