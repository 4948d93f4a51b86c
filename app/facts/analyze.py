"""Per-file facts, the Stack v2 way: one pure function from a file's bytes to a row.

:func:`analyze_file` takes what a scan yields (``FileEntry``: path, bytes or None
when too large, length, mode) and returns :class:`FileFacts`, shaped like the
``content_fact`` table. Nothing here touches a database or the network, so the
same call serves a Celery task, a notebook and the benchmark.

Rules, and where they come from:

* language, vendored, generated: GitHub Linguist via enry (:mod:`.language`);
* binary: a NUL byte in the first 8000 bytes (git, Linguist), or bytes that no
  encoding reads as text (charset-normalizer);
* encoding, line statistics: :mod:`.text` (BigCode's definitions);
* data: Linguist's language type is ``data`` (JSON, YAML, CSV, XML, TOML...);
* minified: a text file whose language is not prose, whose mean line length is
  over 110 characters (Linguist's ``minified_files?`` threshold in
  ``generated.rb``) and whose characters are under 10% whitespace. Linguist applies
  its threshold only to .js/.css and calls those "generated"; we apply it to any
  non-prose language (minified JSON, SVG, HTML exist), and the whitespace bound keeps
  long-lined but formatted files (wide tables, long comments) out: hand-written
  code is 15-35% whitespace (indentation), minified code 1-5%.
* too large: the scan kept no bytes (over its ``max_file_size``): only the path
  decides the language and the generated/vendored flags; no statistics.
* symlinks: their content is a link target, not source; only ``is_vendored`` (a
  path rule) is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from . import language as lang
from .text import DecodedText, decode, line_stats
from .version import TOOL, tool_version, tools

MODE_SYMLINK = 0o120000  # git's mode for a symbolic link (see app.scans.reading.records)

#: Linguist's ``minified_files?``: mean line length above this is minified.
MINIFIED_MEAN_LINE_LENGTH = 110
#: ... and our guard: minified text is almost only non-whitespace characters.
MINIFIED_MAX_WHITESPACE_FRACTION = 0.10


@dataclass(frozen=True, slots=True)
class FileFacts:
    """The ``content_fact`` columns of one content (minus its id, minhash, cluster and
    PII count, which other steps fill). ``tools`` records every library version."""

    language: str | None
    encoding: str | None
    is_binary: bool
    is_vendored: bool
    is_generated: bool
    is_minified: bool
    is_data: bool
    is_too_large: bool
    line_count: int | None
    max_line_length: int | None
    mean_line_length: float | None
    alnum_fraction: float | None
    tool: str = TOOL
    tool_version: str = field(default_factory=tool_version)
    tools: Mapping[str, str] = field(default_factory=tools, compare=False, hash=False)

    def as_row(self) -> dict[str, Any]:
        """The values keyed by ``content_fact`` column name (``tools`` is folded into
        ``tool_version``, which has no separate column)."""
        row = asdict(self)
        del row["tools"]
        return row


@dataclass(frozen=True, slots=True)
class Analysis:
    """Facts plus the decoded text, so secrets and minhash need not decode again."""

    facts: FileFacts
    text: str | None


def is_minified(language_type: str | None, mean: float | None, space: float | None) -> bool:
    if language_type is None or language_type == lang.PROSE:
        return False
    if mean is None or space is None:
        return False
    return mean > MINIFIED_MEAN_LINE_LENGTH and space < MINIFIED_MAX_WHITESPACE_FRACTION


def analyze_content(path: bytes, data: bytes | None, length: int, mode: int) -> Analysis:
    """:func:`analyze_file`, also returning the decoded text (None if not text)."""
    del length  # the bytes are authoritative; length only matters when they are absent
    name = lang.path_text(path)
    vendored = lang.is_vendored(name)
    if mode == MODE_SYMLINK:
        facts = FileFacts(
            language=None,
            encoding=None,
            is_binary=False,
            is_vendored=vendored,
            is_generated=False,
            is_minified=False,
            is_data=False,
            is_too_large=False,
            line_count=None,
            max_line_length=None,
            mean_line_length=None,
            alnum_fraction=None,
        )
        return Analysis(facts, None)
    if data is None:
        language = lang.detect_language(name, None)
        facts = FileFacts(
            language=language,
            encoding=None,
            is_binary=False,
            is_vendored=vendored,
            is_generated=lang.is_generated(name, None),
            is_minified=False,
            is_data=lang.language_type(language) == lang.DATA,
            is_too_large=True,
            line_count=None,
            max_line_length=None,
            mean_line_length=None,
            alnum_fraction=None,
        )
        return Analysis(facts, None)

    decoded: DecodedText | None = decode(data, binary=lang.is_binary(data))
    if decoded is None:
        facts = FileFacts(
            language=None,  # Linguist gives binaries no language
            encoding=None,
            is_binary=True,
            is_vendored=vendored,
            is_generated=lang.is_generated(name, data),
            is_minified=False,
            is_data=False,
            is_too_large=False,
            line_count=None,
            max_line_length=None,
            mean_line_length=None,
            alnum_fraction=None,
        )
        return Analysis(facts, None)

    language = lang.detect_language(name, data)
    kind = lang.language_type(language)
    stats = line_stats(decoded.text)
    facts = FileFacts(
        language=language,
        encoding=decoded.encoding,
        is_binary=False,
        is_vendored=vendored,
        is_generated=lang.is_generated(name, data),
        is_minified=is_minified(kind, stats.mean_line_length, stats.whitespace_fraction),
        is_data=kind == lang.DATA,
        is_too_large=False,
        line_count=stats.line_count,
        max_line_length=stats.max_line_length,
        mean_line_length=stats.mean_line_length,
        alnum_fraction=stats.alnum_fraction,
    )
    return Analysis(facts, decoded.text)


def analyze_file(path: bytes, data: bytes | None, length: int, mode: int) -> FileFacts:
    """Facts of one file: ``path`` as in the tree (bytes), ``data`` its bytes or None
    when the scan did not keep them (too large), ``length`` its size, ``mode`` its git
    mode. Pure: same input, same facts."""
    return analyze_content(path, data, length, mode).facts
