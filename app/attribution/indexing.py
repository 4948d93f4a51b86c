"""What the index stores for a file: its fingerprints, written in bulk.

Called by the scan for each batch of new contents (``app.scans.analyzers``) and by
the backfill for contents archived before the index existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.attribution import repository
from app.attribution.tokens import TOKENIZER_VERSION, lexer_for, lexer_name, token_arrays
from app.attribution.winnowing import K, W, fingerprint_arrays

VERSION = f"{TOKENIZER_VERSION}+k{K}w{W}"
# Larger files are data, generated or vendored bundles far more often than code a
# model would reproduce; tokenising them would dominate the scan.
MAX_INDEX_BYTES = 1024 * 1024
BINARY_SNIFF = 8000


@dataclass(frozen=True, slots=True)
class FileToIndex:
    content_id: int
    path: str
    data: bytes | None


def file_fingerprints(path: str, data: bytes | None) -> tuple[str, list[tuple[int, int]]]:
    """(lexer name, [(hash, line)]) of a file; no fingerprints for binary, too large
    or missing bytes. The lexer is chosen by the path, as for any archived file."""
    if data is None or len(data) > MAX_INDEX_BYTES or b"\0" in data[:BINARY_SNIFF]:
        return "none", []
    text = data.decode("utf-8", errors="replace")
    lexer = lexer_for(None, path)
    hashes, lines, _ = fingerprint_arrays(*token_arrays(text, lexer))
    return lexer_name(lexer), list(zip(hashes.tolist(), lines.tolist(), strict=True))


def index_files(session: Session, files: Iterable[FileToIndex]) -> int:
    """Fingerprint and store the files (each content once); returns rows written."""
    rows: list[tuple[int, int, int]] = []
    indexed: list[tuple[int, int, str, str]] = []
    seen: set[int] = set()
    for f in files:
        if f.content_id in seen:
            continue
        seen.add(f.content_id)
        lexer, fps = file_fingerprints(f.path, f.data)
        rows += [(h, f.content_id, line) for h, line in fps]
        indexed.append((f.content_id, len(fps), lexer, VERSION))
    if indexed:
        repository.write_fingerprints(session, rows, indexed)
    return len(rows)
