"""License texts as a reader sees them: Markdown and HTML markup taken out, lines kept.

A ``LICENSE.md`` with headings, links and emphasis, or a ``license.html`` page, is
the standard text with formatting around it. ScanCode matches words, and markup
brings its own: a link's URL (``[Apache License](https://www.apache.org/...)``),
tag names and attributes (``<a href=...>``, ``<p class=...>``). Those land inside
the matched region as words that belong to no license rule, and the acceptance
policy (:mod:`.policy`) rightly refuses a text with added words. So the text is
rendered first, by real parsers, and the rendered words are judged:

* Markdown: ``markdown-it-py`` (CommonMark) tokens. Kept: the text of every block
  (headings, paragraphs, list items with their ordered-list numbers, table
  cells, code blocks), link *text* and image alt text, autolinks' URLs (the
  reader sees them). Dropped: markers (``#``, ``*``, ``_``, backticks, list
  bullets), link destinations and titles. Inline HTML that is a real HTML tag
  is dropped; an "inline tag" that is no HTML element (``<year>``,
  ``<copyright holders>``, the SPDX templates' placeholders) is text, kept as
  written. HTML blocks go through the HTML reader below.
* HTML: the standard library's ``html.parser`` (a tokenizer that follows the
  HTML5 rules for tags, attributes, comments and character references). Kept:
  character data with entities decoded. Dropped: tags, attributes, comments,
  ``<script>``, ``<style>`` and the whole ``<head>`` (its ``<title>`` is the
  browser tab's; the page repeats it as a heading).

Every rendered word stays on the line it had in the file (one output line per
input line), so findings keep the file's line numbers and the unmapped text
shown to users is the original. Nothing is added: stripping cannot turn an
added clause into license text, it can only remove words the reader does not
see (a destination URL, a tag, a comment).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on first use: the API process reads no license files
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


class Markup(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"


_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mdwn"})
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# HTML elements that may appear inline in Markdown, beside markdown-it's block names.
_INLINE_ELEMENTS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    }
)


@cache
def _html_elements() -> frozenset[str]:
    from markdown_it.common.html_blocks import block_names

    return frozenset(block_names) | _INLINE_ELEMENTS


_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")
# The start of an HTML document, or enough tags to call a suffix-less file HTML.
_HTML_START = re.compile(r"\A\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_TAGS = re.compile(r"</?(p|br|a|h[1-6]|div|li|ul|ol|pre|b|strong|em|i)\b[^>]*>", re.I)
_MIN_TAGS_FOR_HTML = 3


def markup_of(path: str | None, text: str) -> Markup | None:
    """Which markup ``text`` (found at ``path``) is written in, if any.

    By suffix first; a file without one (``LICENSE``) or a ``.txt`` is HTML when it
    starts as an HTML document or holds several common tags, and Markdown when
    markdown-it finds Markdown structure in it (an ATX heading, emphasis, a link,
    a table): plain text parsed as Markdown renders to itself, so the test only
    avoids needless work.
    """
    suffix = PurePosixPath(path).suffix.lower() if path else ""
    if suffix in _MARKDOWN_SUFFIXES:
        return Markup.MARKDOWN
    if suffix in _HTML_SUFFIXES:
        return Markup.HTML
    if suffix not in {"", ".txt"} and not suffix[1:].isupper():
        return None  # .rst, .org, .adoc...: not read as Markdown
    if _HTML_START.match(text) or len(_HTML_TAGS.findall(text, 0, 20_000)) >= _MIN_TAGS_FOR_HTML:
        return Markup.HTML
    if _has_markdown(text):
        return Markup.MARKDOWN
    return None


def rendered_text(text: str, markup: Markup | None) -> str:
    """``text`` with ``markup`` taken out, one output line per input line."""
    if markup is Markup.MARKDOWN:
        return strip_markdown(text)
    if markup is Markup.HTML:
        return strip_html(text)
    return text


def strip_markdown(text: str) -> str:
    """The words a reader of the rendered Markdown sees, each on its source line."""
    lines = text.split("\n")
    out: list[list[str]] = [[] for _ in lines]
    tokens = _markdown().parse(text)
    for token in tokens:
        if token.map is None:
            continue
        first = token.map[0]
        if token.type == "inline":
            _emit(out, first, _render_inline(token.children or []))
        elif token.type in {"fence", "code_block"}:
            start = first + 1 if token.type == "fence" else first
            _emit(out, start, token.content)
        elif token.type == "html_block":
            _emit(out, first, strip_html(token.content))
        elif token.type == "list_item_open" and token.info:
            # An ordered item's number is text the reader sees ("3." of a license).
            _emit(out, first, f"{token.info}{token.markup} ")
    return "\n".join("".join(parts).rstrip() for parts in out)


def strip_html(text: str) -> str:
    """The character data of an HTML text, each piece on its source line."""
    reader = _TextOfHtml(text.count("\n") + 1)
    reader.feed(text)
    reader.close()
    return "\n".join("".join(parts).rstrip() for parts in reader.out)


def _emit(out: list[list[str]], line: int, rendered: str) -> None:
    for offset, piece in enumerate(rendered.split("\n")):
        target = min(line + offset, len(out) - 1)
        if piece:
            if out[target] and not out[target][-1].endswith(" "):
                out[target].append(" ")
            out[target].append(piece)


def _render_inline(children: list[Token]) -> str:
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in {"text", "code_inline"}:
            parts.append(child.content)
        elif kind in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content)
        elif kind == "html_inline":
            parts.append(_inline_html(child.content))
        # link_open / link_close, em / strong markers: nothing to show
    return "".join(parts)


def _inline_html(raw: str) -> str:
    """A real HTML tag is markup; ``<year>`` or ``<copyright holders>`` is text."""
    name = _TAG_NAME.match(raw)
    if name and name.group(1).lower() in _html_elements():
        return " " if name.group(1).lower() == "br" else ""
    if raw.startswith("<!--"):
        return ""
    return raw


def _has_markdown(text: str) -> bool:
    for token in _markdown().parse(text[:200_000]):
        if token.type == "heading_open" and token.markup.startswith("#"):
            return True
        if token.type in {"table_open", "html_block"}:
            return True
        if token.type == "inline" and any(
            c.type in {"link_open", "strong_open", "em_open"}
            or (c.type == "html_inline" and _inline_html(c.content) != c.content)
            for c in token.children or []
        ):
            return True
    return False


@cache
def _markdown() -> MarkdownIt:
    """CommonMark with tables (GitHub's flavour renders license tables), built once."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


class _TextOfHtml(HTMLParser):
    """Character data by source line; see :func:`strip_html`."""

    _SKIPPED = frozenset({"script", "style", "head", "template", "noscript"})
    _BREAKS = frozenset(
        {"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
    )

    def __init__(self, line_count: int) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[list[str]] = [[] for _ in range(line_count)]
        self.skipping: list[str] = []
        self.ordered: list[int] = []  # the next number of each open <ol>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "ol":
            start = values.get("start") or "1"
            self.ordered.append(int(start) if start.isdigit() else 1)
        elif tag == "ul":
            self.ordered.append(0)
        elif tag == "li" and self.ordered and self.ordered[-1]:
            # The number a browser shows before an ordered item is text the reader sees.
            value = values.get("value") or ""
            number = int(value) if value.isdigit() else self.ordered[-1]
            self.ordered[-1] = number + 1
            self._space()
            self.handle_data(f"{number}. ")
        if tag == "body":  # "</head>" may be left out: the body ends the head
            self.skipping = [t for t in self.skipping if t != "head"]
        elif tag in self._SKIPPED:
            self.skipping.append(tag)
        if tag in self._BREAKS:
            self._space()

    def handle_endtag(self, tag: str) -> None:
        if tag in {"ol", "ul"} and self.ordered:
            self.ordered.pop()
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        if tag in self._BREAKS:
            self._space()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        line, _ = self.getpos()
        _emit(self.out, line - 1, data)

    def _space(self) -> None:
        line, _ = self.getpos()
        row = self.out[min(line - 1, len(self.out) - 1)]
        if row and not row[-1].endswith(" "):
            row.append(" ")
