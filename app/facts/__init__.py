"""Content facts, the pure analysis layer: a file's bytes in, Stack-v2-style facts out.

No database, no network: the functions here are what a scan's analyzer
(:mod:`app.scans.analyzers`) calls before writing ``content_fact`` and ``pii_finding``
rows. MinHash signatures and near-duplicate clusters are :mod:`app.neardups`'.

Public interface::

    analyze_file(path: bytes, data: bytes | None, length: int, mode: int) -> FileFacts
    analyze_content(path, data, length, mode) -> Analysis   # .facts, .text (decoded or None)
    find_secrets_and_pii(path: bytes, text: str) -> list[PiiHit]
    TOOL, FACTS_VERSION, tools() -> dict[str, str], tool_version() -> str

``python -m app.facts.bench`` times each stage over the installed packages.
"""

from .analyze import Analysis, FileFacts, analyze_content, analyze_file
from .pii import PiiHit, find_secrets_and_pii
from .version import FACTS_VERSION, TOOL, tool_version, tools

__all__ = [
    "FACTS_VERSION",
    "TOOL",
    "Analysis",
    "FileFacts",
    "PiiHit",
    "analyze_content",
    "analyze_file",
    "find_secrets_and_pii",
    "tool_version",
    "tools",
]
