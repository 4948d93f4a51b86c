"""*.gemspec: best effort, by regular expression.

A gemspec is Ruby code; running it would mean running the project's code. Only
literal assignments are read (``s.name = "x"``, optionally ``.freeze``; arrays of
literal strings for ``authors`` / ``licenses`` / ``email``); anything computed
(``Foo::VERSION``, ``File.read``) is skipped. Mapping after the CodeMeta Ruby Gem
crosswalk: name, version, summary (else description) -> description, authors,
license(s), homepage -> url (codeRepository when on a forge), and
``metadata["source_code_uri"]`` -> codeRepository. programmingLanguage is Ruby.
A gemspec with no literal name gives no fields and a note, not an error.
"""

from __future__ import annotations

import re

from app.codemeta.readers.base import (
    ParsedFile,
    clean,
    looks_like_repository,
    map_license,
    person,
)

_STR = (
    r"""(?:"(?P<dq>[^"\\#]*)"|'(?P<sq>[^'\\]*)'|%q[<{(\[](?P<pq>[^>})\]]*)[>})\]])(?:\.freeze)?"""
)


def _scalar(source: str, attribute: str) -> str | None:
    match = re.search(rf"^\s*\w+\.{attribute}\s*=\s*{_STR}\s*(?:#.*)?$", source, re.M)
    if match is None:
        return None
    return (match["dq"] or match["sq"] or match["pq"] or "").strip() or None


def _array(source: str, attribute: str) -> list[str]:
    match = re.search(rf"^\s*\w+\.{attribute}\s*=\s*\[(?P<items>[^\]]*)\]", source, re.M)
    if match is None:
        single = _scalar(source, attribute)
        return [single] if single else []
    items = re.findall(_STR, match["items"])
    return [(dq or sq or pq).strip() for dq, sq, pq in items if (dq or sq or pq).strip()]


def load_gemspec(text_: str, path: str = "project.gemspec") -> ParsedFile:
    """Read the literal values of one gemspec (see module docstring)."""
    mapping = "gemspec-regex"
    name = _scalar(text_, "name")
    if name is None:
        return ParsedFile(
            path,
            mapping,
            {},
            None,
            [{"path": path, "reason": "no literal gem name; gemspec not read"}],
        )
    licenses = _array(text_, "licenses") or _array(text_, "license")
    spdx, problems = map_license(" OR ".join(licenses) if licenses else None, path, mapping)
    homepage = _scalar(text_, "homepage")
    source_uri = re.search(rf"metadata\[[\"']source_code_uri[\"']\]\s*=\s*{_STR}", text_)
    repository = (source_uri["dq"] or source_uri["sq"]) if source_uri else None
    if repository is None and homepage and looks_like_repository(homepage):
        repository = homepage
    authors = [person(name=a) for a in _array(text_, "authors")]
    fields = clean(
        {
            "name": name,
            "version": _scalar(text_, "version"),
            "description": _scalar(text_, "summary") or _scalar(text_, "description"),
            "author": [a for a in authors if a],
            "license": spdx,
            "url": homepage,
            "codeRepository": repository,
            "programmingLanguage": ["Ruby"],
        }
    )
    return ParsedFile(path, mapping, fields, None, problems)
