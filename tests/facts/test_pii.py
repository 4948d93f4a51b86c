"""Emails and IP addresses, BigCode's way, with their false-positive filters."""

from __future__ import annotations

import pytest

from app.facts import PiiHit, find_secrets_and_pii
from app.facts.lines import LineIndex
from app.facts.pii import _EMAIL, _IPV4, _IPV6, find_pii

from .conftest import sample


def kinds(text: str) -> list[tuple[str, int]]:
    return [(h.kind, h.line_start) for h in find_pii(text)]


def test_emails_in_a_real_header() -> None:
    code = sample("attr_version_info.py").decode()
    header = "# Author: Jeanne Dupont <jeanne.dupont@univ-rennes.fr>\n"
    header += "# Maintainer: J. Smith (jsmith@softwareheritage.org)\n"
    hits = find_pii(header + code)
    assert hits == [
        PiiHit("email", 1, 1, 0.9),
        PiiHit("email", 2, 2, 0.9),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "pip install python@2.7",  # a version, not an address (TLD must start with a letter)
        "contact: someone@example.com",  # RFC 2606 reserved
        "admin@localhost",
        "qa@build.test",
        "git clone git@github.com:org/repo.git",  # an SSH remote
        "@decorator\ndef f(): ...",
    ],
)
def test_not_personal_emails(text: str) -> None:
    assert kinds(text) == []


def test_public_ipv4_found_private_and_lookalikes_not() -> None:
    text = "\n".join(
        [
            "upstream = '151.101.1.69'",  # public: found
            "bind = '10.0.0.1'",  # private
            "local = '127.0.0.1'",  # loopback
            "resolver = '8.8.8.8'",  # popular public DNS resolver (no "dns" nearby: see below)
            "doc = '203.0.113.7'",  # documentation range
            "cgnat = '100.64.1.1'",  # shared address space
            "version = '1.2.3.4'",  # x.x.x.x: a version
            "build = '10.0.17763.1'",  # four-part Windows version
            "vers = 'v2.3.4.5'",  # glued to a word
            "bad = '33.01.33.33'",  # leading zero: not an address
        ]
    )
    assert kinds(text) == [("ipv4", 1)]


def test_single_digit_ip_near_dns_or_server_is_an_ip() -> None:
    assert kinds("server address: 4.2.2.1") == [("ipv4", 1)]


def test_ipv6() -> None:
    text = "\n".join(
        [
            "host = '2a00:1450:4007:80e::200e'",  # public: found
            "loop = '::1'",
            "link = 'fe80::1ff:fe23:4567:890a'",
            "ula = 'fd12:3456:789a:1::1'",
            "doc = '2001:db8::8a2e:370:7334'",
            "google_dns = '2001:4860:4860::8888'",
            "every_other = items[1::2]",  # a slice
            "std::vector<int> v;",  # C++
            "mac = '00:1a:2b:3c:4d:5e'",  # not IPv6
            "time = '12:30:45'",
        ]
    )
    assert kinds(text) == [("ipv6", 1)]


def test_line_numbers_and_kinds_are_sorted() -> None:
    text = "a\nmail me: ana.lopez@correo-uni.es\nb\nserver 151.101.1.69\n"
    hits = find_secrets_and_pii(b"notes.txt", text)
    assert [(h.kind, h.line_start, h.line_end) for h in hits] == [
        ("email", 2, 2),
        ("ipv4", 4, 4),
    ]
    assert "ana.lopez" not in repr(hits)


def test_gated_lines_equal_whole_text_matching() -> None:
    """Searching candidate lines only finds exactly what the patterns find in the
    whole text (same spans), on real files and on tricky synthetic lines."""
    tricky = "\n".join(
        [
            "x = '151.101.1.69' + \"2a00:1450:4007:80e::200e\" ",
            "1.2.3.4.5.6.7.8 and 256.1.1.1 and 01.2.3.4",
            "mail: a.b@c-d.org, (e@f.net); <g@h.io>",
            "::ffff:151.101.1.69 and 2001:0db8:0000:0000:0000:ff00:0042:8329",
            "ends with ip 151.101.1.69",
            "151.101.1.69 starts",
        ]
    )
    texts = [sample(n).decode() for n in ("attr_version_info.py", "underscore.min.js")]
    for text in [*texts, tricky]:
        index = LineIndex(text)
        for pattern in (_EMAIL, _IPV4, _IPV6):
            whole = [m.span() for m in pattern.finditer(text)]
            per_line = [
                (index.starts[n] + m.start(), index.starts[n] + m.end())
                for n, line in enumerate(index.lines)
                for m in pattern.finditer(line)
            ]
            assert per_line == whole


@pytest.mark.parametrize(
    "text",
    [
        "git clone ssh://git@github.com/org/repo.git",  # the match would start at //git
        "url: ssh://git@gitlab.example.net:2222/g/r.git",
        "git clone https://alice@bitbucket.org/alice/widget.git",  # a URL's user
        "rsync -a dist/ deploy@build.acme.io:/var/www/app",  # SCP-style remote
        "scp ubuntu@ec2-3-120-5-1.compute.amazonaws.com:~/log .",
        "scores = q@k.transpose(-2, -1)",  # a matrix product: no such top-level domain
        "out = x@W.weight + b",
        'address = f"{user}@{domain}.com"',  # templates
        'to = "%s@%s.org" % (user, host)',
        'echo "${USER}@${DOMAIN}.net"',
        "build@ci.internal runs nightly",
    ],
)
def test_remotes_code_and_templates_are_not_emails(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "install_requires=['widget==2.10.4.1']",  # two-digit parts: still a version
        '__version__ = "3.12.5.1"',
        "Release 1.0.12.3",
        "fixed in 2.10.4.1-rc2",
    ],
)
def test_four_part_versions_are_not_ips(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Questions? mailto:carlos.mendez@gmail.com", "email"),
        ("then mail jane@corp.io: she knows", "email"),  # a colon then a space: prose
        ("UPSTREAM_HOST = '3.120.5.1'", "ipv4"),  # small parts, but a host
        ("proxy_pass http://5.45.207.1:8080;", "ipv4"),  # a port
        ('servers = ["52.84.123.45"]', "ipv4"),  # not version-shaped
    ],
)
def test_real_addresses_are_still_found(text: str, kind: str) -> None:
    assert kinds(text) == [(kind, 1)]
