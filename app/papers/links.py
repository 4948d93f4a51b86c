"""Paper link candidates: which papers a project points to, how, and where it says so.

Kinds (``PaperLinkKind``) by source:

* CITATION.cff: ``preferred-citation`` -> preferred_citation; ``references`` ->
  reference; top-level ``doi`` / ``identifiers`` (type doi) -> software_doi when the
  DOI is a Zenodo deposit DOI (the software's own concept or version DOI), else
  reference (authors do put their paper's DOI there, and we cannot tell offline).
  A top-level DOI equal to the preferred citation's is not repeated.
* codemeta.json: ``referencePublication`` -> preferred_citation (the CodeMeta
  crosswalk maps CFF preferred-citation to it); ``citation`` -> reference;
  ``identifier`` DOIs -> the same rule as CFF's top-level ``doi``.
* .zenodo.json ``related_identifiers``, by DataCite relation (see ``ZENODO_RELATIONS``):
  isDescribedBy / isDocumentedBy / isSupplementTo (this software supplements that
  paper) -> preferred_citation; version relations (isVersionOf, hasVersion,
  isNewVersionOf, isPreviousVersionOf, isIdenticalTo, isAlternateIdentifier) ->
  software_doi for Zenodo DOIs; every other relation (cites, references,
  isCitedBy, requires, isDerivedFrom, ...) -> reference. Top-level ``doi`` ->
  software_doi.
* README: readme_mention only, never a preferred citation. Identifiers inside
  fenced or indented code blocks, reST literal blocks and inline code are skipped
  (they are examples, or BibTeX duplicating a prose link); so are those in a
  dependency context: a paragraph that says the project depends on / is built on /
  is powered by something, asks to "also cite", or a section such as
  "Dependencies", "Requirements", "Acknowledgements", "Related projects". Skipped
  mentions are returned with their reason, so the choice can be checked.
* PyPI ``project_urls`` labelled paper / publication / preprint / citation / doi /
  arxiv / documentation / docs whose URL is a DOI, arXiv or HAL address ->
  registry_link.

Evidence lines are 1-based. For structured files the line is where the identifier
as written first appears after its section key, a best effort for YAML/JSON whose
loaders keep no positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from markdown_it import MarkdownIt

from app.models.enums import PaperLinkKind
from app.papers.identifiers import Identifier, PaperKey, Scheme, find_identifiers, parse_identifier


class StructuredFile(Protocol):
    """A metadata file as read (:class:`app.codemeta.readers.ParsedFile` is one): links
    come from its validated ``document``, none from an invalid file."""

    @property
    def path(self) -> str: ...

    @property
    def document(self) -> Any: ...

    @property
    def ok(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PaperLinkCandidate:
    """A link to be written as ``PaperLink`` once the paper row exists."""

    identifier: str  # normalized value: "10.21105/joss.00370", "2101.00001", "hal-01234567"
    scheme: Scheme
    key: PaperKey
    kind: PaperLinkKind
    path: str | None
    line: int | None
    identifier_as_found: str
    version: str | None = None
    detail: str | None = None  # where in the file: "preferred-citation", "project_urls[Paper]"


@dataclass(frozen=True, slots=True)
class SkippedMention:
    """An identifier a README shows but that is not taken as a link, and why."""

    identifier: str
    line: int
    reason: str


@dataclass(slots=True)
class ReadmeScan:
    links: list[PaperLinkCandidate] = field(default_factory=list)
    skipped: list[SkippedMention] = field(default_factory=list)


ZENODO_RELATIONS: dict[str, PaperLinkKind] = {
    "isdescribedby": PaperLinkKind.PREFERRED_CITATION,
    "isdocumentedby": PaperLinkKind.PREFERRED_CITATION,
    "issupplementto": PaperLinkKind.PREFERRED_CITATION,
    "isversionof": PaperLinkKind.SOFTWARE_DOI,
    "hasversion": PaperLinkKind.SOFTWARE_DOI,
    "isnewversionof": PaperLinkKind.SOFTWARE_DOI,
    "ispreviousversionof": PaperLinkKind.SOFTWARE_DOI,
    "isidenticalto": PaperLinkKind.SOFTWARE_DOI,
    "isalternateidentifier": PaperLinkKind.SOFTWARE_DOI,
}
_PAPER_LABELS = re.compile(
    r"paper|publication|preprint|article|citation|cite|doi|arxiv|documentation|docs", re.I
)
_DEPENDENCY_PHRASES = re.compile(
    r"\b(?:depends? on|dependenc(?:y|ies)|built (?:on|upon|with|on top of)|relies on|powered by"
    r"|makes use of|third[- ]party|(?:this|the) (?:project|package|library|code|software|tool)"
    r" uses|wrappers? (?:around|for)|bindings (?:to|for)|also cite"
    r"|cite (?:the )?(?:original|upstream))\b",
    re.I,
)
_DEPENDENCY_SECTIONS = re.compile(
    r"^\W*(?:dependenc(?:y|ies)|requirements|prerequisites|third[- ]party|acknowledge?ments?"
    r"|credits|related (?:work|projects?|software|tools)|see also|funding)\b",
    re.I,
)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_RST_CODE_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:code-block|code|sourcecode|highlight)::")
_INLINE_CODE_MD = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_CODE_RST = re.compile(r"``.+?``")


# --- structured files -------------------------------------------------------------


def links_from_cff(parsed: StructuredFile, text: str) -> list[PaperLinkCandidate]:
    """Links from a valid CITATION.cff (see module docstring); none from an invalid one."""
    if not parsed.ok or not isinstance(parsed.document, dict):
        return []
    doc: dict[str, Any] = parsed.document
    out: list[PaperLinkCandidate] = []
    preferred = doc.get("preferred-citation")
    preferred_keys: set[PaperKey] = set()
    if isinstance(preferred, dict):
        for ident in _reference_identifiers(preferred):
            preferred_keys.add(ident.key)
            out.append(
                _candidate(
                    ident, PaperLinkKind.PREFERRED_CITATION, parsed.path, text, "preferred-citation"
                )
            )
    for reference in doc.get("references") or []:
        for ident in _reference_identifiers(reference):
            out.append(_candidate(ident, PaperLinkKind.REFERENCE, parsed.path, text, "references"))
    own: list[Identifier | None] = (
        [parse_identifier(doc["doi"])] if isinstance(doc.get("doi"), str) else []
    )
    own += [
        parse_identifier(item["value"])
        for item in doc.get("identifiers") or []
        if item.get("type") == "doi" and isinstance(item.get("value"), str)
    ]
    for own_ident in own:
        if own_ident is None or own_ident.key in preferred_keys:
            continue
        kind = PaperLinkKind.SOFTWARE_DOI if own_ident.is_zenodo else PaperLinkKind.REFERENCE
        out.append(_candidate(own_ident, kind, parsed.path, text, "doi"))
    return _dedupe(out)


def links_from_codemeta(parsed: StructuredFile, text: str) -> list[PaperLinkCandidate]:
    """Links from a valid codemeta.json (see module docstring); none from an invalid one."""
    if not parsed.ok or not isinstance(parsed.document, dict):
        return []
    doc: dict[str, Any] = parsed.document
    out: list[PaperLinkCandidate] = []
    for ident in _work_identifiers(doc.get("referencePublication")):
        out.append(
            _candidate(
                ident, PaperLinkKind.PREFERRED_CITATION, parsed.path, text, "referencePublication"
            )
        )
    for ident in _work_identifiers(doc.get("citation")):
        out.append(_candidate(ident, PaperLinkKind.REFERENCE, parsed.path, text, "citation"))
    for ident in _work_identifiers(doc.get("identifier")):
        if ident.scheme is Scheme.DOI:
            kind = PaperLinkKind.SOFTWARE_DOI if ident.is_zenodo else PaperLinkKind.REFERENCE
            out.append(_candidate(ident, kind, parsed.path, text, "identifier"))
    return _dedupe(out)


def links_from_zenodo(parsed: StructuredFile, text: str) -> list[PaperLinkCandidate]:
    """Links from a valid .zenodo.json (see ``ZENODO_RELATIONS``)."""
    if not parsed.ok or not isinstance(parsed.document, dict):
        return []
    doc: dict[str, Any] = parsed.document
    out: list[PaperLinkCandidate] = []
    if isinstance(doc.get("doi"), str):
        ident = parse_identifier(doc["doi"])
        if ident is not None:
            out.append(_candidate(ident, PaperLinkKind.SOFTWARE_DOI, parsed.path, text, "doi"))
    for rel in doc.get("related_identifiers") or []:
        ident = parse_identifier(rel["identifier"])
        if ident is None:
            continue
        relation = str(rel.get("relation", "")).lower()
        kind = ZENODO_RELATIONS.get(relation, PaperLinkKind.REFERENCE)
        if kind is PaperLinkKind.SOFTWARE_DOI and not ident.is_zenodo:
            kind = PaperLinkKind.REFERENCE
        out.append(
            _candidate(
                ident, kind, parsed.path, text, f"related_identifiers[{rel.get('relation')}]"
            )
        )
    return _dedupe(out)


def links_from_pypi(info: Mapping[str, Any]) -> list[PaperLinkCandidate]:
    """registry_link candidates from a PyPI JSON ``info`` dict's ``project_urls``."""
    urls = info.get("project_urls") or {}
    out: list[PaperLinkCandidate] = []
    if not isinstance(urls, Mapping):
        return out
    for label, url in urls.items():
        if (
            not isinstance(label, str)
            or not isinstance(url, str)
            or not _PAPER_LABELS.search(label)
        ):
            continue
        ident = parse_identifier(url)
        if ident is None or not _is_scholarly_url(url):
            continue
        out.append(
            _candidate(ident, PaperLinkKind.REGISTRY_LINK, None, None, f"project_urls[{label}]")
        )
    return _dedupe(out)


# --- README -----------------------------------------------------------------------


def scan_readme(text: str, path: str = "README.md", syntax: str | None = None) -> ReadmeScan:
    """readme_mention candidates from a README, and the mentions deliberately skipped.

    ``syntax`` is "markdown" or "rst"; by default it follows the file extension
    (``.rst`` / ``.txt`` are reStructuredText, anything else Markdown).
    """
    if syntax is None:
        syntax = "rst" if path.lower().endswith((".rst", ".txt", ".rest")) else "markdown"
    lines = text.splitlines()
    code = _rst_code_lines(lines) if syntax == "rst" else _markdown_code_lines(text)
    inline = _INLINE_CODE_RST if syntax == "rst" else _INLINE_CODE_MD
    sections = _section_titles(lines)
    paragraphs = _paragraphs(lines)
    scan = ReadmeScan()
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        visible = inline.sub(lambda m: " " * len(m.group(0)), line)
        for ident in find_identifiers(line):
            reason = None
            if index in code:
                reason = "in a code block"
            elif visible[ident.start : ident.end] != line[ident.start : ident.end]:
                reason = "in inline code"
            elif sections[index] and _DEPENDENCY_SECTIONS.search(sections[index]):
                reason = f"in section {sections[index]!r}"
            elif _DEPENDENCY_PHRASES.search(paragraphs[index]):
                reason = "in a dependency context"
            if reason:
                scan.skipped.append(SkippedMention(str(ident), index + 1, reason))
                continue
            scan.links.append(
                PaperLinkCandidate(
                    ident.value,
                    ident.scheme,
                    ident.key,
                    PaperLinkKind.README_MENTION,
                    path,
                    index + 1,
                    ident.as_found,
                    ident.version,
                    "readme",
                )
            )
    scan.links = _dedupe(scan.links)
    return scan


def _markdown_code_lines(text: str) -> set[int]:
    """0-based lines inside fenced or indented code blocks, per CommonMark (markdown-it)."""
    lines: set[int] = set()
    for token in MarkdownIt("commonmark").parse(text):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


def _rst_code_lines(lines: list[str]) -> set[int]:
    """0-based lines of reST literal blocks (after ``::``) and code directives.

    Hand-written: docutils would parse the whole document and report every
    unknown directive or role a README uses; only block extents are needed here.
    """
    code: set[int] = set()
    index = 0
    while index < len(lines):
        line = lines[index]
        opens = line.rstrip().endswith("::") and not line.strip().startswith(".. image::")
        if opens or _RST_CODE_DIRECTIVE.match(line):
            base = len(line) - len(line.lstrip())
            index += 1
            while index < len(lines) and (
                not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > base
            ):
                if lines[index].strip():
                    code.add(index)
                index += 1
            continue
        index += 1
    return code


def _section_titles(lines: list[str]) -> list[str]:
    """The title of the section each line is in (Markdown ATX/setext and reST headings)."""
    titles: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if stripped.startswith("#") and re.match(r"^#{1,6}\s", stripped):
            current = stripped.lstrip("#").strip()
        elif (
            stripped
            and not _RST_UNDERLINE.match(stripped)
            and _RST_UNDERLINE.match(nxt)
            and len(nxt) >= len(stripped) - 1
        ):
            current = stripped
        titles.append(current)
    return titles


def _paragraphs(lines: list[str]) -> list[str]:
    """For each line, the text of the paragraph (run of non-blank lines) it belongs to."""
    out = [""] * len(lines)
    start = 0
    for index in range(len(lines) + 1):
        if index == len(lines) or not lines[index].strip():
            paragraph = " ".join(line.strip() for line in lines[start:index])
            for j in range(start, index):
                out[j] = paragraph
            start = index + 1
    return out


# --- helpers ----------------------------------------------------------------------


def _reference_identifiers(reference: Any) -> list[Identifier]:
    """DOIs / arXiv / HAL ids of one CFF reference: doi, identifiers, url."""
    if not isinstance(reference, dict):
        return []
    values: list[str] = []
    if isinstance(reference.get("doi"), str):
        values.append(reference["doi"])
    for item in reference.get("identifiers") or []:
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            values.append(item["value"])
    if isinstance(reference.get("url"), str):
        values.append(reference["url"])
    return _unique(parse_identifier(v) for v in values)


def _work_identifiers(value: Any) -> list[Identifier]:
    """Identifiers of CodeMeta works: strings, or objects with @id / identifier / url / sameAs."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    raw: list[str] = []
    for item in items:
        if isinstance(item, str):
            raw.append(item)
        elif isinstance(item, dict):
            for key in ("@id", "identifier", "url", "sameAs", "value"):
                sub = item.get(key)
                subs = sub if isinstance(sub, list) else [sub]
                for entry in subs:
                    if isinstance(entry, str):
                        raw.append(entry)
                    elif isinstance(entry, dict) and isinstance(entry.get("value"), str):
                        raw.append(entry["value"])
    return _unique(parse_identifier(v) for v in raw)


def _unique(idents: Iterable[Identifier | None]) -> list[Identifier]:
    out: list[Identifier] = []
    keys: set[PaperKey] = set()
    for ident in idents:
        if ident is not None and ident.key not in keys:
            keys.add(ident.key)
            out.append(ident)
    return out


def _candidate(
    ident: Identifier, kind: PaperLinkKind, path: str | None, text: str | None, section: str
) -> PaperLinkCandidate:
    line = _line_of(text, ident.as_found, section) if text is not None else None
    return PaperLinkCandidate(
        ident.value,
        ident.scheme,
        ident.key,
        kind,
        path,
        line,
        ident.as_found,
        ident.version,
        section,
    )


def _line_of(text: str, needle: str, section: str) -> int | None:
    lines = text.splitlines()
    key = section.split("[", 1)[0]
    start = 0
    for index, line in enumerate(lines):
        if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*:", line):
            start = index
            break
    for offset in (start, 0):
        for index in range(offset, len(lines)):
            if needle in lines[index]:
                return index + 1
    return None


def _is_scholarly_url(url: str) -> bool:
    return (
        re.search(
            r"(?:^|//)(?:[\w-]+\.)*(?:doi\.org|arxiv\.org|hal\.science|hal\.archives-ouvertes\.fr|zenodo\.org)/",
            url,
            re.I,
        )
        is not None
    )


def _dedupe(candidates: list[PaperLinkCandidate]) -> list[PaperLinkCandidate]:
    """One candidate per (paper, kind, file): the first occurrence is the evidence."""
    seen: set[tuple[PaperKey, PaperLinkKind, str | None]] = set()
    out: list[PaperLinkCandidate] = []
    for cand in candidates:
        marker = (cand.key, cand.kind, cand.path)
        if marker not in seen:
            seen.add(marker)
            out.append(cand)
    return out
