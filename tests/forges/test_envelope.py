"""Every payload source makes an Envelope; its URLs lose their credentials there,
before raw_metadata.source_url or an origin can hold them."""

from __future__ import annotations

import json

from app.forges.envelope import Envelope, parse_envelope


def test_dump_lines_lose_url_credentials() -> None:
    line = json.dumps(
        {
            "authority": "gitlab.example.org",
            "format": "gitlab-project-json",
            "kind": "repository",
            "url": "https://gitlab.example.org/api/v4/projects/1?private_token=glpat-x",
            "origin": "https://user:glpat-x@gitlab.example.org/g/p",
            "payload": {"id": 1},
        }
    )
    env = parse_envelope(line)
    assert env.url == "https://gitlab.example.org/api/v4/projects/1"
    assert env.origin == "https://gitlab.example.org/g/p"


def test_live_fetch_envelopes_too() -> None:
    env = Envelope(
        authority="github.com",
        format="application/vnd.github.v3+json",
        kind="repository",
        payload={},
        payload_bytes=b"{}",
        url="https://api.github.com/repos/o/r?access_token=abc",
    )
    assert env.url == "https://api.github.com/repos/o/r"
