"""The index filled by a real scan, queried through the service; backfill and
stop-list against the real database."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.attribution import repository, service
from app.attribution.indexing import VERSION
from app.attribution.schemas import AttributionIn
from app.models import AttributionFingerprint, AttributionIndexed, AttributionStopword
from app.neardups.service import recluster_chunk
from app.scans.service import run_scan
from app.storage.store import content_store

CORPUS = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "projects"
SIGNER = CORPUS / "itsdangerous" / "src" / "itsdangerous" / "signer.py"
SIX = CORPUS / "six" / "six.py"


@pytest.fixture
def scanned(tmp_path: Path, session_factory: sessionmaker[Session]) -> Path:
    tree = tmp_path / "project"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "signer.py").write_bytes(SIGNER.read_bytes())
    (tree / "pkg" / "six.py").write_bytes(SIX.read_bytes())
    (tree / "LICENSE").write_text(
        (CORPUS / "itsdangerous" / "LICENSE.txt").read_text(encoding="utf-8")
    )
    run_scan(str(tree), factory=session_factory)
    return tree


def lines_of(path: Path, start: int, end: int) -> str:
    return "\n".join(path.read_text(encoding="utf-8").splitlines()[start - 1 : end]) + "\n"


def ask(db: Session, snippet: str, **extra: object) -> dict[str, Any]:
    request = AttributionIn(snippet=snippet, **extra)  # type: ignore[arg-type]
    return service.attribute(db, request).model_dump(mode="json")


def test_scan_indexes_new_contents(scanned: Path, db: Session) -> None:
    assert db.scalar(select(func.count()).select_from(AttributionIndexed)) == 3
    assert (db.scalar(select(func.count()).select_from(AttributionFingerprint)) or 0) > 100


def test_a_snippet_is_attributed_with_its_lines(scanned: Path, db: Session) -> None:
    snippet = lines_of(SIGNER, 120, 160)
    answer = ask(db, snippet)
    assert answer["language"] == "python"
    best = answer["matches"][0]
    assert best["kind"] == "snippet"
    assert best["occurrences"][0]["path"] == "pkg/signer.py"
    assert ";path=/pkg/signer.py" in best["occurrences"][0]["swhid"]
    assert best["coverage"] > 0.9
    first, last = best["ranges"][0], best["ranges"][-1]
    assert first["file_start"] - first["snippet_start"] == 119
    assert last["file_end"] - last["snippet_end"] == 119
    assert first["snippet_start"] <= 2
    assert last["snippet_end"] >= 40
    assert best["earliest_visit"] is not None
    # the LICENSE next to it is BSD-3-Clause: the origin's effective license says so
    assert best["obligations"]["attribution_required"] is True


def test_renamed_and_reformatted_code_is_found(scanned: Path, db: Session) -> None:
    snippet = lines_of(SIX, 200, 260)
    renamed = re.sub(r"\b(self|name|attr|mod|value|module)\b", lambda m: m.group() + "_x", snippet)
    renamed = renamed.replace("    ", "  ")
    best = ask(db, renamed, language="python")["matches"][0]
    assert best["occurrences"][0]["path"] == "pkg/six.py"
    assert best["ranges"][0]["file_start"] - best["ranges"][0]["snippet_start"] == 199


def test_unrelated_code_is_not_attributed(scanned: Path, db: Session) -> None:
    snippet = "\n".join(
        f"fn step_{i}(x: u32) -> u32 {{ x.wrapping_mul({i}) ^ {i * 7} }}" for i in range(20)
    )
    assert ask(db, snippet, language="rust")["matches"] == []


def test_authors_are_names_without_addresses() -> None:
    assert service._author_name(b"Ada Lovelace <ada@example.org>") == "Ada Lovelace"
    assert service._author_name(b"<ada@example.org>") is None
    assert service._author_name(b"ada@example.org") is None


def test_backfill_fingerprints_what_the_index_lacks(scanned: Path, db: Session) -> None:
    db.execute(text("DELETE FROM attribution_fingerprint"))
    db.execute(text("DELETE FROM attribution_indexed"))
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"] == []
    read, indexed = service.backfill_source(db, scanned)
    assert (read, indexed) == (3, 3)
    assert service.backfill_source(db, scanned) == (3, 0)  # nothing twice
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"]


def test_backfill_reads_stored_bytes_when_the_source_is_gone(
    scanned: Path, session_factory: sessionmaker[Session], db: Session
) -> None:
    """Scans keep the bytes in the content store, so contents whose source is gone
    (or fingerprinted by an older fingerprinter) are fingerprinted from there."""
    store = content_store()
    assert store is not None, "the tests' content store is configured (tests/conftest.py)"
    db.execute(text("DELETE FROM attribution_fingerprint"))
    db.execute(text("UPDATE attribution_indexed SET version = 'tokens@1+k15w16'"))
    shutil.rmtree(scanned)  # reading the source again is no longer possible
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"] == []
    seen: list[int] = []
    assert service.backfill_store(session_factory, store, seen.append) == (3, 0)
    assert seen == [3]
    assert service.backfill_store(session_factory, store, seen.append) == (0, 0)  # nothing twice
    versions = set(db.scalars(select(AttributionIndexed.version)))
    assert versions == {VERSION}
    best = ask(db, lines_of(SIGNER, 120, 160))["matches"][0]
    assert best["occurrences"][0]["path"] == "pkg/signer.py"
    assert best["ranges"][0]["file_start"] - best["ranges"][0]["snippet_start"] == 119


def test_backfill_leaves_what_the_store_lacks_to_the_sources(
    scanned: Path,
    session_factory: sessionmaker[Session],
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A content the store lacks keeps its fingerprints and stays unindexed at this
    version, so the sources step still reads it (it used to be marked indexed with no
    fingerprints, and its snippet was attributed no more)."""
    store = content_store()
    assert store is not None
    db.execute(text("UPDATE attribution_indexed SET version = 'tokens@1+k15w16'"))
    before = db.scalar(select(func.count()).select_from(AttributionFingerprint))
    monkeypatch.setattr(type(store), "get_many", lambda self, keys: iter([None] * len(keys)))
    assert service.backfill_store(session_factory, store, lambda done: None) == (3, 3)
    assert db.scalar(select(func.count()).select_from(AttributionFingerprint)) == before
    assert set(db.scalars(select(AttributionIndexed.version))) == {"tokens@1+k15w16"}
    # the source is still there: the sources step fingerprints all three again
    assert service.backfill_source(db, scanned) == (3, 3)
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"]


def test_stoplist_drops_fingerprints_common_to_many_files(scanned: Path, db: Session) -> None:
    threshold, count = repository.refresh_stoplist(db, min_documents=1, share=0.0)
    assert threshold == 1
    assert count == db.scalar(select(func.count(func.distinct(AttributionFingerprint.hash))))
    assert db.scalar(select(func.count()).select_from(AttributionStopword)) == count
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"] == []  # everything is stop-listed
    service.refresh_stoplist(db)  # back to the real threshold: nothing that common here
    assert db.scalar(select(func.count()).select_from(AttributionStopword)) == 0


def test_a_whole_file_lists_its_near_duplicates(scanned: Path, db: Session) -> None:
    recluster_chunk(db)  # the scan's MinHash signatures into their LSH bands
    edited = SIGNER.read_text(encoding="utf-8") + "\n\ndef patched():\n    return 1\n"
    # indexed: the file is a snippet match, and not listed twice
    matches = ask(db, edited)["matches"]
    assert [m["kind"] for m in matches if m["occurrences"][0]["path"] == "pkg/signer.py"] == [
        "snippet"
    ]
    # fingerprints missing (a content never backfilled): MinHash still finds the file
    db.execute(text("DELETE FROM attribution_fingerprint"))
    near = ask(db, edited)["matches"]
    assert [(m["kind"], m["occurrences"][0]["path"]) for m in near] == [
        ("near_duplicate", "pkg/signer.py")
    ]
    assert near[0]["similarity"] >= 0.7
    assert near[0]["ranges"] == []
    # a part of a file is not a near duplicate of it
    assert ask(db, lines_of(SIGNER, 120, 160))["matches"] == []
