"""Intrinsic project metadata (CodeMeta-shaped) and links from projects to papers.

This package is the pure layer: parsers, identifier normalization, link extraction,
citation rendering and the resolver clients. Nothing here touches the database; the
HTTP clients take an ``httpx.Client`` so tests replay recorded responses.
"""

from __future__ import annotations

TOOL = "codecommons.papers"
TOOL_VERSION = "1"
