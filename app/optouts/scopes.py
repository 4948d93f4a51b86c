"""Scopes: what an opt-out covers, and the path patterns inside an origin.

Scope semantics (each resolved when a build asks, so "now and later" holds):

* ``account``: every file of every origin the account owns on that forge at the time
  of the build, including origins created after the request. The account is keyed by
  the forge's stable id (GitHub's numeric user/organisation id, GitLab's user id), so
  renames change nothing: ``github.com`` account ``1234`` covers ``old-login/repo``
  and, after the rename, ``new-login/repo``. The login is kept for display only.
  Example: ``{"kind": "account", "forge": "github.com", "login": "octocat"}``.
* ``origin``: every file of one origin (repository or package), at every visit.
  Example: ``{"kind": "origin", "origin_url": "https://github.com/octocat/hello"}``.
* ``path``: the files of one origin whose path matches a pattern (below).
  Example: ``{"kind": "path", "origin_url": "...", "pattern": "src/**/*.py"}``.
* ``content``: one file's bytes, named by its SWHID, wherever they occur (in any
  origin, under any name). Example: ``{"kind": "content", "swhid": "swh:1:cnt:..."}``.
* ``author``: the files of the revisions authored under an identity: a verified
  e-mail address, or a forge account (the addresses the forge attributes commits to
  it by, e.g. GitHub's ``ID+login@users.noreply.github.com``). Today the archive
  keeps the head revision of each visit, so this is the files of the trees of the
  archived revisions whose author is that identity. Example:
  ``{"kind": "author", "email": "ada@example.org"}``.

Exclusion is by content: a file whose bytes are in scope through any occurrence
leaves a dataset, whichever occurrence the build would have picked. Exceptions
(``origin``, ``path`` inside an origin, ``content``) remove occurrences from a
request's scope: "all my repositories except ``octocat/public-domain``" is an
``account`` scope with an ``origin`` exception; a file that also occurs in another of
the account's origins is still excluded.

Path patterns (glob, matched against the whole path from the origin's root, case
sensitive, on the path's bytes):

* ``*`` matches any run of characters inside one path segment (never ``/``), ``?``
  one byte other than ``/``;
* ``**`` as a whole segment matches zero or more segments: ``docs/**`` is everything
  under ``docs``, ``**/test_*.py`` a test module at any depth, ``a/**/b`` ``a/b`` and
  ``a/x/y/b``;
* a trailing ``/`` means a directory and everything under it (``vendor/`` is
  ``vendor/**``); a leading ``/`` is ignored (patterns are always anchored at the root);
* anything else is literal (``[``, ``{`` included).

Paths are bytes in git; the database matches patterns against PostgreSQL's
``encode(path, 'escape')`` text (bytes 0 and >= 0x80 as ``\\ooo``, ``\\`` doubled),
so the regular expression built here is written over that same encoding, and the
Python matcher used for explanations applies it to the same text.
"""

from __future__ import annotations

import re

MAX_PATTERN_LENGTH = 1024


class InvalidPattern(ValueError):
    """A path pattern the registry cannot use (the message says why)."""


def pg_escape(data: bytes) -> str:
    """``encode(data, 'escape')`` as PostgreSQL computes it."""
    out = []
    for byte in data:
        if byte == 0x5C:
            out.append("\\\\")
        elif byte == 0 or byte >= 0x80:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return "".join(out)


def _literal(text: str) -> str:
    """Regex for literal text, over its escaped encoding (alphanumerics stay bare: a
    backslash before a digit would be a back-reference in PostgreSQL's regexes)."""
    out = []
    for ch in pg_escape(text.encode("utf-8")):
        out.append(ch if ch.isalnum() or ch in "_/ " else "\\" + ch)
    return "".join(out)


# One byte of the escaped text other than "/": a plain character, "\\" or "\ooo".
_ONE_BYTE = r"(?:[^/\\]|\\\\|\\[0-7][0-7][0-7])"


def glob_to_regex(pattern: str) -> str:
    """The anchored regular expression (PostgreSQL ARE and Python ``re`` alike) for a
    glob pattern as documented above."""
    if not pattern or not pattern.strip("/"):
        raise InvalidPattern("a path pattern cannot be empty (use an origin scope instead)")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidPattern(f"a path pattern has at most {MAX_PATTERN_LENGTH} characters")
    if "\x00" in pattern or "\n" in pattern:
        raise InvalidPattern("a path pattern cannot contain NUL or newline characters")
    body = pattern.lstrip("/")
    if body.endswith("/"):
        body += "**"
    segments = body.split("/")
    if any(seg == "" for seg in segments):
        raise InvalidPattern(f"empty path segment in {pattern!r} ('//')")
    if any(seg in (".", "..") for seg in segments):
        raise InvalidPattern(f"'.' and '..' segments are not allowed in {pattern!r}")
    out = ["^"]
    last = len(segments) - 1
    for index, seg in enumerate(segments):
        if seg == "**":
            if index == last:
                # Everything below what came before (at the root: everything).
                out.append(".+" if index == 0 else "/.+")
            else:
                out.append("(?:.+/)?" if index == 0 else "(?:/.+)?/")
            continue
        if index > 0 and segments[index - 1] != "**":
            out.append("/")
        for piece in re.split(r"(\*+|\?)", seg):
            if not piece:
                continue
            if piece.startswith("*"):
                out.append(f"{_ONE_BYTE}*")
            elif piece == "?":
                out.append(_ONE_BYTE)
            else:
                out.append(_literal(piece))
    out.append("$")
    return "".join(out)


def robots_to_regex(pattern: str) -> str:
    """A robots.txt-style path rule (RFC 9309 § 2.2.3, also TDMRep's ``location``) as
    an anchored regex over repository paths: a prefix match, ``*`` any characters
    (``/`` included), ``$`` at the end anchors it. The leading ``/`` is the root."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise InvalidPattern(f"a path rule has at most {MAX_PATTERN_LENGTH} characters")
    body = pattern.strip()
    anchored = body.endswith("$")
    body = body[:-1] if anchored else body
    body = body.lstrip("/")
    out = ["^"]
    for piece in re.split(r"(\*+)", body):
        if not piece:
            continue
        if piece.startswith("*"):
            out.append(".*")
        else:
            out.append(_literal(piece))
    out.append("$" if anchored else "")
    return "".join(out)


def is_whole_origin(rule: str) -> bool:
    """Whether a robots-style rule covers every path (``/``, ``/*``, ``*``, empty)."""
    return rule.strip() in ("", "/", "/*", "*", "/*$")


def path_matches(regex: str, path: bytes) -> bool:
    """Python's answer for a stored pattern (the database's is the same expression)."""
    return re.search(regex, pg_escape(path)) is not None
