"""Personal data and secrets in a text: kinds and line spans, never the values.

Secrets come from detect-secrets (:mod:`.secret_scan`). Emails and IP addresses
follow BigCode's PII pipeline for The Stack / StarCoder (``bigcode-dataset``,
``pii/utils/emails_ip_addresses_detection.py`` for detection and
``pii/pii_redaction.py`` for what is left alone), itself adapted from BigScience's:

* Email: BigCode's pattern (a local part and a domain bounded by whitespace or
  punctuation, a dot, then a TLD of 2+ word characters starting with a letter, so
  ``python@2.7`` is not an address), written for the stdlib ``re``: ``\\p{L}``
  becomes ``[^\\W\\d_]`` and the fixed-width look-behind an alternation; the
  ``\\p{Han}`` boundaries become the CJK block. We add: reserved example domains
  (RFC 2606/6761: ``example.com``, ``*.test``, ``localhost``...) and ``git@host``
  (an SSH remote, not a person) are not personal data.
* IP: candidates bounded so they are not part of a longer dotted/word run
  (``v1.2.3.4.5``), then BigCode's filters: must contain a digit; must parse
  (``ipaddress``: rejects ``33.01.33.33``, which makes BigCode's date filter moot
  since dates never parse as four octets); an ``x.x.x.x`` of single digits is a
  version number unless "dns" or "server" appears within 100 characters; private,
  loopback, link-local, reserved, documentation and shared ranges and the popular
  public DNS resolvers are not personal data (BigCode skipped them at redaction;
  we do not report them at all). IPv6 candidates (hex groups and colons, possibly
  an IPv4 tail) are validated by ``ipaddress`` rather than BigCode's long
  alternation, and need 3+ non-empty groups so ``x[1::2]`` slices are not
  addresses.

Line numbers count ``\\n`` from 1, as git and editors do.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .lines import LineIndex
from .secret_scan import scan_secrets

EMAIL_CONFIDENCE = 0.9
IP_CONFIDENCE = 0.7

_CJK = "\u4e00-\u9fff"
_EMAIL = re.compile(
    rf"""
    (?:^|(?<=[\s@,?!;:)('".{_CJK}<]))
    (
      [^\s@?!;,:)('"<]+
      @
      [^\s@!?;,/]*
      [^\s@?!;,/:)('">.]
      \.
      [^\W\d_]\w+
    )
    (?=$|[\s@,?!;:)('".{_CJK}>])
    """,
    re.VERBOSE | re.MULTILINE,
)
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "localhost")
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost", ".local")

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\w|\.\d)")
#: Gates (see :mod:`.lines`): every IPv4 match contains ``.d.d.d``; every IPv6 match
#: of 3+ groups contains ``::`` or, written in full, ``:h:h:``.
_IPV4_GATE = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_GATE = re.compile(r":(?::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:)")
_IPV6 = re.compile(
    r"(?<![\w:.])"
    r"(?:[0-9A-Fa-f]{1,4})?(?::(?:[0-9A-Fa-f]{1,4})?){2,7}"
    r"(?:\.\d{1,3}){0,3}"
    r"(?![\w:])"
)
#: BigCode's POPULAR_DNS_SERVERS (pii/pii_redaction.py): public, but no one's data.
POPULAR_DNS_SERVERS = frozenset(
    {
        "8.8.8.8",
        "8.8.4.4",
        "1.1.1.1",
        "1.0.0.1",
        "76.76.19.19",
        "76.223.122.150",
        "9.9.9.9",
        "149.112.112.112",
        "208.67.222.222",
        "208.67.220.220",
        "8.26.56.26",
        "8.20.247.20",
        "94.140.14.14",
        "94.140.15.15",
        "2001:4860:4860::8888",
        "2001:4860:4860::8844",
        "2606:4700:4700::1111",
        "2606:4700:4700::1001",
    }
)
_VERSION_CONTEXT = 100


@dataclass(frozen=True, slots=True)
class PiiHit:
    """One finding: a stable kind slug (``email``, ``ipv4``, ``ipv6``,
    ``aws_access_key``, ``private_key``, ``github_token``, ``generic_password``,
    ``high_entropy_string``, ...), its 1-based inclusive line span, and a
    confidence in [0, 1]. Shaped like the ``pii_finding`` table."""

    kind: str
    line_start: int
    line_end: int
    confidence: float


def _is_personal_email(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    domain = domain.lower()
    if local == "git":
        return False
    if domain in _RESERVED_DOMAINS or any(domain.endswith("." + d) for d in _RESERVED_DOMAINS):
        return False
    return not domain.endswith(_RESERVED_TLDS)


def _per_line(
    index: LineIndex, candidates: set[int], pattern: re.Pattern[str]
) -> Iterator[tuple[int, re.Match[str]]]:
    """``pattern``'s matches on the candidate lines, with each line's 0-based index.

    Equal to matching the whole text: none of our patterns can match a newline, and
    their boundary look-arounds treat a line's start and end as they treat ``\\n``.
    """
    for number in sorted(candidates):
        for match in pattern.finditer(index.lines[number]):
            yield number, match


def find_emails(index: LineIndex) -> Iterator[tuple[int, int]]:
    """(first, last) 0-based line indexes of each personal email address."""
    for number, match in _per_line(index, index.containing(("@",)), _EMAIL):
        if _is_personal_email(match.group(1)):
            yield number, number


def _is_personal_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and str(address) not in POPULAR_DNS_SERVERS
    )


def _looks_like_version(value: str, text: str, start: int, end: int) -> bool:
    """BigCode's ``filter_versions``: ``1.2.3.4`` is a version unless near dns/server."""
    if len(value) != 7:
        return False
    context = text[max(0, start - _VERSION_CONTEXT) : end + _VERSION_CONTEXT].lower()
    return "dns" not in context and "server" not in context


def find_ipv4(index: LineIndex) -> Iterator[tuple[int, int]]:
    for number, match in _per_line(index, index.matching([_IPV4_GATE]), _IPV4):
        value = match.group()
        offset = index.starts[number] + match.start()
        if _looks_like_version(value, index.text, offset, offset + len(value)):
            continue
        if _is_personal_ip(ipaddress.IPv4Address(value)):
            yield number, number


def find_ipv6(index: LineIndex) -> Iterator[tuple[int, int]]:
    for number, match in _per_line(index, index.matching([_IPV6_GATE]), _IPV6):
        value = match.group()
        groups = [g for g in value.split(":") if g]
        if len(groups) < 3 or not any(c.isdigit() for c in value):
            continue
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        if _is_personal_ip(address):
            yield number, number


def find_pii(text: str, index: LineIndex | None = None) -> list[PiiHit]:
    """Emails and IP addresses (no secrets): by kind, each kind in text order."""
    index = index or LineIndex(text)
    hits = []
    for kind, finder, confidence in (
        ("email", find_emails, EMAIL_CONFIDENCE),
        ("ipv4", find_ipv4, IP_CONFIDENCE),
        ("ipv6", find_ipv6, IP_CONFIDENCE),
    ):
        for first, last in finder(index):
            hits.append(PiiHit(kind, first + 1, last + 1, confidence))
    return hits


def find_secrets_and_pii(path: bytes, text: str) -> list[PiiHit]:
    """Every secret and piece of personal data in ``text`` (the decoded content found
    at ``path``; the path picks detect-secrets' per-language keyword rules and skips
    lock files), sorted by line then kind. Values are never returned."""
    filename = path.decode("utf-8", errors="replace")
    index = LineIndex(text)
    hits = find_pii(text, index)
    hits.extend(
        PiiHit(s.kind, s.line_start, s.line_end, s.confidence) for s in scan_secrets(filename, text)
    )
    return sorted(hits, key=lambda h: (h.line_start, h.kind, h.line_end))
