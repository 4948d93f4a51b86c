"""Markdown to HTML that is safe to put in a page (dataset cards).

markdown-it-py (already a dependency) in CommonMark mode with raw HTML turned off:
any ``<script>`` or ``<img onerror>`` in the text comes out escaped, and its link
validator refuses ``javascript:``, ``vbscript:``, ``file:`` and non-image ``data:``
URLs. Tables (GFM) are on, since cards are mostly tables.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text: str) -> Markup:
    """The HTML of ``text``; the YAML front matter of a card is shown as code."""
    if text.startswith("---\n"):
        head, sep, body = text[4:].partition("\n---\n")
        if sep:
            text = f"```yaml\n{head}\n```\n\n{body}"
    return Markup(_RENDERER.render(text))  # noqa: S704 - escaped by the renderer (html off)
