"""Papers and the links projects make to them.

:mod:`.identifiers` (DOI, arXiv and HAL ids in any usual form), :mod:`.links` (which
papers a README, a metadata file or a registry payload points to, how, and where it
says so) and :mod:`.resolve` (Crossref, DataCite, arXiv and OpenAlex clients) are
pure: no database, and the HTTP clients take an ``httpx.Client`` so tests replay
recorded responses. :mod:`.service` writes links and resolves papers (job
``papers.resolve``); the CodeMeta record of a snapshot is :mod:`app.codemeta`'s.

``TOOL`` and ``TOOL_VERSION`` are recorded on every link and CodeMeta record.
"""

from __future__ import annotations

TOOL = "codecommons.papers"
TOOL_VERSION = "1"
