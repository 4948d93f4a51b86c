"""Personal data and secrets in a text: kinds and line spans, never the values.

Secrets come from detect-secrets (:mod:`.secret_scan`). Emails and IP addresses
follow BigCode's PII pipeline for The Stack / StarCoder (``bigcode-dataset``,
``pii/utils/emails_ip_addresses_detection.py`` for detection and
``pii/pii_redaction.py`` for what is left alone), itself adapted from BigScience's:

* Email: BigCode's pattern (a local part and a domain bounded by whitespace or
  punctuation, a dot, then a TLD of 2+ word characters starting with a letter, so
  ``python@2.7`` is not an address), written for the stdlib ``re``: ``\\p{L}``
  becomes ``[^\\W\\d_]`` and the fixed-width look-behind an alternation; the
  ``\\p{Han}`` boundaries become the CJK block. We add what real code showed to be
  false alarms (each has a decoy in the evaluation set, ``tests/facts/eval``):

  - reserved example domains (RFC 2606/6761: ``example.com``, ``*.test``,
    ``localhost``...) and a domain whose top level is in no public suffix
    (``q@k.transpose(...)``, matrix products in NumPy/PyTorch code;
    ``x@W.weight``; ``host.lan``): checked against the Public Suffix List
    (``publicsuffixlist``, which ships the list: no network);
  - remotes, not people: ``git@host``, the user part of a URL
    (``ssh://git@host/...``, ``https://deploy@host/...``: the match would start
    at ``//``), and SCP-style ``user@host:path`` (an address followed by ``:`` and
    a non-space);
  - templates: a local part or domain holding ``{``, ``}``, ``$``, ``%`` or
    ``<``/``>`` placeholders (``{user}@{domain}.com``, ``%s@%s.org``).
* IP: candidates bounded so they are not part of a longer dotted/word run
  (``v1.2.3.4.5``), then BigCode's filters: must contain a digit; must parse
  (``ipaddress``: rejects ``33.01.33.33``, which makes BigCode's date filter moot
  since dates never parse as four octets); an ``x.x.x.x`` of single digits is a
  version number unless "dns" or "server" appears within 100 characters. We widen
  that last filter to the version numbers real code has: a first part under 10 and
  every part under 100 (``2.10.4.1``, ``1.0.12.3``), or any candidate right after a
  version operator or word (``==``, ``>=``, ``~=``, ``@``, ``version``,
  ``release``...) or followed by a pre-release suffix (``-rc1``, ``+build``), is a
  version unless a network word (ip, host, server, dns, proxy, listen, ...) sits
  within 100 characters or it carries a port or prefix length (``:8080``,
  ``/24``); private,
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
from functools import cache

from publicsuffixlist import PublicSuffixList

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
_TEMPLATE_CHARACTERS = frozenset("{}$%<>")
#: After an address: ``:`` then a non-space is an SCP-style remote (``host:path``).
_SCP_PATH = re.compile(r":[^\s]")

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
#: Words that make a dotted quad an address (BigCode had "dns" and "server").
_NETWORK_WORDS = re.compile(
    r"dns|server|\bip\b|ipv4|\baddr|address|\bhost|proxy|gateway|\bbind\b|listen|connect"
    r"|\bremote|\bpeer\b|upstream|endpoint|\bping\b|\broute|subnet|netmask|nameserver",
    re.IGNORECASE,
)
#: Right before a version: an operator or a word naming it (``==``, ``version``...).
_VERSION_BEFORE = re.compile(
    r"(?:[=<>~!]=|[<>~^@]|\bv(?:er(?:sion)?)?\.?|\brelease|\bbuild|\btag)\s*[\"']?$", re.IGNORECASE
)
#: Right after a version: a pre-release or build suffix (``-rc1``, ``+local``, ``.dev0``).
_VERSION_AFTER = re.compile(r"(?:-|\+)[A-Za-z]|\.(?:dev|post|rc|a|b)\d", re.IGNORECASE)
#: Right after an address: a port or a prefix length.
_ADDRESS_SUFFIX = re.compile(r"(?::\d{1,5}\b|/\d{1,2}\b)")


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


@cache
def _public_suffixes() -> PublicSuffixList:
    """The Public Suffix List shipped with ``publicsuffixlist`` (read once, ~50 ms);
    ``accept_unknown=False``: a top level in no list is no public domain."""
    return PublicSuffixList(accept_unknown=False)


def _is_personal_email(address: str, following: str = "") -> bool:
    """Whether ``address`` (a match of :data:`_EMAIL`) is someone's e-mail address;
    ``following`` is the text right after it on its line (see the module doc)."""
    local, _, domain = address.rpartition("@")
    domain = domain.lower()
    if local == "git" or "/" in local or _SCP_PATH.match(following):
        return False
    if _TEMPLATE_CHARACTERS.intersection(address):
        return False
    if domain in _RESERVED_DOMAINS or any(domain.endswith("." + d) for d in _RESERVED_DOMAINS):
        return False
    if domain.endswith(_RESERVED_TLDS):
        return False
    return _public_suffixes().publicsuffix(domain) is not None


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
        following = index.lines[number][match.end(1) : match.end(1) + 2]
        if _is_personal_email(match.group(1), following):
            yield number, number


def _is_personal_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and str(address) not in POPULAR_DNS_SERVERS
    )


def _looks_like_version(value: str, text: str, start: int, end: int) -> bool:
    """BigCode's ``filter_versions``, widened (see the module doc): a version unless
    the context says network."""
    before = text[max(0, start - _VERSION_CONTEXT) : start]
    after = text[end : end + _VERSION_CONTEXT]
    if _ADDRESS_SUFFIX.match(after):
        return False
    parts = [int(p) for p in value.split(".")]
    version_shaped = parts[0] < 10 and all(p < 100 for p in parts)
    version_marked = bool(_VERSION_BEFORE.search(before) or _VERSION_AFTER.match(after))
    if not (version_shaped or version_marked):
        return False
    return not _NETWORK_WORDS.search(f"{before} {after}")


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
