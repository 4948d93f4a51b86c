"""Markdown to HTML that is safe to put in a page (dataset cards).

markdown-it-py (already a dependency) in CommonMark mode with raw HTML turned off:
any ``<script>`` or ``<img onerror>`` in the text comes out escaped, and its link
validator refuses ``javascript:``, ``vbscript:``, ``file:`` and non-image ``data:``
URLs. Tables (GFM) are on, since cards are mostly tables. Imported on first use: the
API process does not load it until a card page is asked for
(``tests/test_api_imports.py``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup


@cache
def _renderer() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(text: str) -> Markup:
    """The HTML of ``text``; the YAML front matter of a card is shown as code."""
    if text.startswith("---\n"):
        head, sep, body = text[4:].partition("\n---\n")
        if sep:
            text = f"```yaml\n{head}\n```\n\n{body}"
    html: str = _renderer().render(text)
    return Markup(html)  # noqa: S704 - escaped by the renderer (raw HTML off)
