"""Scholarly identifiers (DOI, arXiv, HAL) found in text, normalized, and unified.

Hand-written because no maintained library covers the three schemes with positions
in free text: ``idutils`` (Invenio) validates one value at a time and pulls in a web
stack. The patterns are the published ones:

* DOI: Crossref's recommended ``^10.\\d{4,9}/[-._;()/:A-Z0-9]+$`` (case-insensitive).
  DOIs are case-insensitive by the DOI Handbook, so they are stored lower-case,
  without resolver prefix (``https://doi.org/``, ``http://dx.doi.org/``, ``doi:``).
  In running text the pattern over-matches sentence punctuation, so trailing
  ``.,;:`` and an unbalanced ``)`` or ``]`` are trimmed, as are badge-image suffixes
  (``.svg``, ``/status.svg``) that Zenodo and JOSS badges append to the DOI.
* arXiv: new style ``YYMM.NNNN(N)`` and old style ``archive(.XX)/YYMMNNN``, each with
  an optional ``vN``. In free text only when introduced by ``arXiv:``, ``arXiv-`` (the
  shields.io badge form) or an ``arxiv.org/abs|pdf`` URL: a bare ``2101.00001`` is as
  likely a version number. The version is kept apart; the paper is the id without it.
  Old-style subject classes (``math.GT/0309136``) are dropped, as arXiv does.
* HAL: ``<portal>-<8 digits>`` with optional ``vN``. In free text only with a known
  portal prefix or a HAL URL, since ``word-12345678`` is common otherwise.

An arXiv id and its DataCite DOI ``10.48550/arXiv.<id>`` are the same paper:
:func:`paper_key` maps both to ``PaperKey("arxiv", <id>)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Scheme(StrEnum):
    DOI = "doi"
    ARXIV = "arxiv"
    HAL = "hal"


@dataclass(frozen=True, slots=True)
class PaperKey:
    """What makes two references the same paper (``Paper`` has one row per key)."""

    scheme: Scheme
    value: str

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier: normalized ``value`` plus what the text said (``as_found``).

    ``version`` is the arXiv/HAL ``vN`` suffix (kept, but not part of the paper);
    ``is_zenodo`` flags Zenodo DOIs (``10.5281/zenodo.N``), which name software or
    data deposits rather than papers. ``start``/``end`` locate ``as_found`` in the
    scanned text (``-1`` when parsed from a structured field).
    """

    scheme: Scheme
    value: str
    as_found: str
    version: str | None = None
    is_zenodo: bool = False
    start: int = -1
    end: int = -1

    @property
    def key(self) -> PaperKey:
        return paper_key(self)

    def __str__(self) -> str:
        return f"{self.scheme.value}:{self.value}"


ARXIV_DOI_PREFIX = "10.48550/arxiv."
ZENODO_DOI = re.compile(r"^10\.5281/zenodo\.\d+$")
_DOI_STRICT = re.compile(r"^10\.\d{4,9}/[-._;()/:a-z0-9]+$", re.I)
_DOI_SCAN = re.compile(r"10\.\d{4,9}/[-._;()/:a-z0-9]+", re.I)
_DOI_RESOLVER = re.compile(
    r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi\.org/|doi:\s*|info:doi/)", re.I
)
_BADGE_SUFFIX = re.compile(r"(?:/status|/badge)?\.(?:svg|png)$", re.I)

_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z-]*(?:\.[a-z]{2})?/\d{7}"
_ARXIV_ID = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?P<v>v\d+)?$", re.I)
_ARXIV_SCAN = re.compile(
    rf"arxiv(?:\.org/(?:abs|pdf|html)/|\s*:\s*|[-_])"
    rf"(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?P<v>v\d+)?(?![\d])",
    re.I,
)
_ARXIV_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", re.I)
_ARXIV_PREFIX = re.compile(r"^arxiv\s*:\s*", re.I)

# HAL portals seen in the wild; bare ids with another prefix are not taken from text.
_HAL_PORTALS = (
    "hal|tel|inria|halshs|hal-lirmm|hal-cea|cea|insu|in2p3|ineris|pastel|dumas|hprints"
    "|sic|ijn|jpa|medihal|lirmm|edutice|memsic|emse|ensl|irsn|ird|pasteur|inserm|anses"
)
_HAL_ID = re.compile(r"^(?P<id>[a-z][a-z0-9]*(?:-[a-z0-9]+)*-\d{8})(?P<v>v\d+)?$", re.I)
_HAL_SCAN = re.compile(
    rf"(?:(?:hal\.science|hal\.archives-ouvertes\.fr|theses\.hal\.science)/)?"
    rf"(?<![\w-])(?P<id>(?:{_HAL_PORTALS})-\d{{8}})(?P<v>v\d+)?(?![\w])",
    re.I,
)
_HAL_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:[a-z0-9-]+\.)?(?:hal\.science|hal\.archives-ouvertes\.fr)/", re.I
)
_ZENODO_RECORD = re.compile(r"zenodo\.org/records?/(?P<n>\d+)", re.I)
_TRAILING = ".,;:"


def normalize_doi(text: str) -> str | None:
    """A DOI (possibly with resolver prefix) as lower-case bare DOI, or ``None``."""
    value = _DOI_RESOLVER.sub("", text.strip())
    value = _trim(value)
    if not _DOI_STRICT.match(value):
        return None
    return value.lower()


def parse_identifier(text: str) -> Identifier | None:
    """One identifier given alone, e.g. a CFF ``doi`` or an ``identifiers`` value.

    Accepts bare values and their URL or prefixed forms: ``10.1/x``, ``doi:10.1/x``,
    ``https://doi.org/10.1/x``, ``arXiv:2101.00001v2``, ``https://arxiv.org/abs/...``,
    ``hal-01234567v2``, ``https://hal.science/hal-01234567``. Anything else is ``None``.
    """
    raw = text.strip()
    doi = normalize_doi(raw)
    if doi is not None:
        return _doi_identifier(doi, raw)
    arxiv = _ARXIV_ID.match(
        _ARXIV_PREFIX.sub("", _ARXIV_URL_PREFIX.sub("", raw)).removesuffix(".pdf")
    )
    if arxiv is not None and (
        raw.lower().startswith(("arxiv", "http", "www")) or "/" in raw or "." in raw
    ):
        return Identifier(Scheme.ARXIV, _arxiv_value(arxiv["id"]), raw, _lower(arxiv["v"]))
    hal = _HAL_ID.match(_HAL_URL_PREFIX.sub("", raw).rstrip("/"))
    if hal is not None:
        return Identifier(Scheme.HAL, hal["id"].lower(), raw, _lower(hal["v"]))
    zenodo = _ZENODO_RECORD.search(raw)
    if zenodo is not None and raw.lower().startswith(("http", "zenodo")):
        return _doi_identifier(f"10.5281/zenodo.{zenodo['n']}", raw)
    return None


def find_identifiers(text: str) -> list[Identifier]:
    """Every DOI, arXiv id, HAL id and Zenodo record URL in ``text``, in order.

    Overlaps are resolved in favour of the earliest, longest match, so an
    ``arxiv.org/abs/...`` URL is one arXiv id and ``10.48550/arXiv.X`` one DOI.
    """
    found: list[Identifier] = []
    for match in _DOI_SCAN.finditer(text):
        raw = _trim(_BADGE_SUFFIX.sub("", _trim(match.group(0))))
        doi = normalize_doi(raw)
        if doi is not None:
            ident = _doi_identifier(doi, raw)
            found.append(_at(ident, match.start(), match.start() + len(raw)))
    for match in _ARXIV_SCAN.finditer(text):
        found.append(
            Identifier(
                Scheme.ARXIV,
                _arxiv_value(match["id"]),
                match.group(0),
                _lower(match["v"]),
                start=match.start(),
                end=match.end(),
            )
        )
    for match in _HAL_SCAN.finditer(text):
        found.append(
            Identifier(
                Scheme.HAL,
                match["id"].lower(),
                match.group(0),
                _lower(match["v"]),
                start=match.start(),
                end=match.end(),
            )
        )
    for match in _ZENODO_RECORD.finditer(text):
        ident = _doi_identifier(f"10.5281/zenodo.{match['n']}", match.group(0))
        found.append(_at(ident, match.start(), match.end()))
    found.sort(key=lambda i: (i.start, -(i.end - i.start)))
    kept: list[Identifier] = []
    for ident in found:
        if kept and ident.start < kept[-1].end:
            continue
        kept.append(ident)
    return kept


def paper_key(identifier: Identifier | str) -> PaperKey:
    """The paper an identifier names; arXiv DOIs (``10.48550/arXiv.X``) become arXiv keys.

    A string is parsed with :func:`parse_identifier`; ``ValueError`` if it is none.
    """
    ident = parse_identifier(identifier) if isinstance(identifier, str) else identifier
    if ident is None:
        raise ValueError(f"not a DOI, arXiv or HAL identifier: {identifier!r}")
    if ident.scheme is Scheme.DOI and ident.value.startswith(ARXIV_DOI_PREFIX):
        arxiv = _ARXIV_ID.match(ident.value.removeprefix(ARXIV_DOI_PREFIX))
        if arxiv is not None:
            return PaperKey(Scheme.ARXIV, _arxiv_value(arxiv["id"]))
    return PaperKey(ident.scheme, ident.value)


def arxiv_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv registered for ``arxiv_id`` (lower-case, our DOI form)."""
    return f"{ARXIV_DOI_PREFIX}{arxiv_id.lower()}"


def is_zenodo_doi(doi: str) -> bool:
    return ZENODO_DOI.match(doi.lower()) is not None


def _doi_identifier(doi: str, as_found: str) -> Identifier:
    return Identifier(Scheme.DOI, doi, as_found, is_zenodo=is_zenodo_doi(doi))


def _at(ident: Identifier, start: int, end: int) -> Identifier:
    return Identifier(
        ident.scheme, ident.value, ident.as_found, ident.version, ident.is_zenodo, start, end
    )


def _arxiv_value(raw: str) -> str:
    value = raw.lower()
    if "/" in value:  # old style: drop the subject class, "math.gt/0309136" -> "math/0309136"
        archive, number = value.split("/", 1)
        value = f"{archive.split('.', 1)[0]}/{number}"
    return value


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _trim(value: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets after a DOI."""
    while value:
        last = value[-1]
        if (
            last in _TRAILING
            or (last == ")" and value.count("(") < value.count(")"))
            or (last == "]" and value.count("[") < value.count("]"))
        ):
            value = value[:-1]
        else:
            break
    return value
