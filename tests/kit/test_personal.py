"""The personal-data policy's masking: e-mail addresses withheld, names kept, URLs
that look like addresses (``git@host:path``) untouched."""

from __future__ import annotations

from app.kit.personal import mask_identity, redact_payload


def test_git_identity_keeps_the_name_and_domain() -> None:
    assert mask_identity("Jane Doe <jane.doe@example.org>") == "Jane Doe <withheld@example.org>"
    assert mask_identity("jane@example.org") == "withheld@example.org"
    assert mask_identity("Jane Doe <>") == "Jane Doe <>"


def test_payload_email_fields_and_marked_addresses_are_withheld() -> None:
    payload = {
        "author_email": "a@b.org, c@d.io",
        "maintainers": [{"name": "x", "email": "x@y.com"}],
        "author": "Bob <bob@z.net> (https://bob.example)",
        "owner": {"login": "octocat", "email": None},
        "ssh_url": "git@github.com:o/r.git",
        "description": "write to mailto:team@proj.org",
        "contact": {"E-Mail": "obfuscated at example dot org"},
    }
    assert redact_payload(payload) == {
        "author_email": "withheld@b.org, withheld@d.io",
        "maintainers": [{"name": "x", "email": "withheld@y.com"}],
        "author": "Bob <withheld@z.net> (https://bob.example)",
        "owner": {"login": "octocat", "email": None},
        "ssh_url": "git@github.com:o/r.git",
        "description": "write to mailto:withheld@proj.org",
        "contact": {"E-Mail": "withheld"},
    }
