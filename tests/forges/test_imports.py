"""A dump is streamed; a bad line is a failed item with its reason; the rest goes on."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.forges.imports import import_lines
from app.models import Origin, RawMetadata

DEMO = Path(__file__).resolve().parents[2] / "app" / "demo" / "corpus" / "forge.jsonl"


def test_bad_lines_fail_alone(session_factory: sessionmaker[Session], db: Session) -> None:
    good = DEMO.read_bytes().splitlines(keepends=True)
    bad_payload = (
        json.dumps(
            {
                "authority": "github.com",
                "format": "application/vnd.github.v3+json",
                "kind": "repository",
                "payload": {"id": []},
            }
        ).encode()
        + b"\n"
    )
    lines = [good[0], b"{not json\n", bad_payload, b'{"authority": "x"}\n', *good[1:]]
    seen: list[int] = []
    report = import_lines(lines, session_factory, batch_size=3, on_batch=seen.append)
    assert report.lines == len(lines)
    assert report.failed == 3
    assert report.applied == len(good)
    reasons = dict(report.failures)
    assert reasons[2].startswith("invalid envelope: not JSON")
    assert "missing 'format'" in reasons[4]
    assert reasons[3]  # the mapper's one-line reason
    assert seen == [3, 6, 9, 11]  # committed batches end on these lines
    assert db.scalar(select(func.count()).select_from(RawMetadata)) == len(good) + 1
    assert db.scalar(select(func.count()).select_from(Origin)) == 6


def test_resumed_import_skips_committed_lines(session_factory: sessionmaker[Session]) -> None:
    lines = DEMO.read_bytes().splitlines(keepends=True)
    report = import_lines(lines, session_factory, skip=5)
    assert report.lines == len(lines) - 5
