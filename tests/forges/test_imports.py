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


# --- issue 10, item 9: a bad line fails alone, never the batch or the import -----------

GITHUB = "application/vnd.github.v3+json"


def _demo_six() -> dict[str, object]:
    """The demo corpus's real ``GET /repos/benjaminp/six`` envelope, as a dict."""
    envelope: dict[str, object] = json.loads(DEMO.read_bytes().splitlines()[0])
    return envelope


def _line(envelope: dict[str, object], **payload_changes: object) -> bytes:
    changed = json.loads(json.dumps(envelope))
    changed["payload"].update(payload_changes)
    changed["url"] = f"{changed['url']}?variant={len(json.dumps(payload_changes))}"
    return json.dumps(changed).encode() + b"\n"


def bad_lines() -> dict[str, bytes]:
    """Lines that crashed a whole import before (each edited from the real six payload)."""
    six = _demo_six()
    deep = b"[" * 100_000 + b"]" * 100_000
    nul_authority = {**six, "authority": "github.com\u0000"}
    return {
        "nul in a payload string": _line(six, id=9001, description="six\u0000and a half"),
        "nul in an envelope string": json.dumps(nul_authority).encode() + b"\n",
        "lone surrogate": _line(six, id=9002).replace(b'"six"', b'"\\ud800six"', 1),
        "100,000 levels deep": (
            b'{"authority":"github.com","format":"' + GITHUB.encode() + b'",'
            b'"kind":"repository","payload":' + deep + b"}\n"
        ),
        "stars beyond 64 bits": _line(six, id=9003, stargazers_count=2**64),
        "id beyond 64 bits": _line(six, id=2**70),
        "NaN": _line(six, id=9004).replace(b'"forks_count": ', b'"forks_count": NaN, "x": ', 1),
    }


def test_bad_lines_fail_alone_in_one_batch(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    good = DEMO.read_bytes().splitlines(keepends=True)
    bad = bad_lines()
    lines = [*good[:3], *bad.values(), *good[3:]]
    report = import_lines(lines, session_factory, batch_size=1000)  # everything in one batch
    assert report.applied == len(good)
    assert report.failed == len(bad)
    reasons = dict(report.failures)
    for n, what in enumerate(bad, start=4):
        assert reasons.get(n), f"line {n} ({what}) should have failed with a reason"
    assert "NUL" in reasons[4]
    assert "surrogate" in reasons[6]
    assert "deep" in reasons[7]
    assert "range" in reasons[8]
    assert db.scalar(select(func.count()).select_from(Origin)) == 6


def test_stars_beyond_32_bits_are_stored(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    """Stars and forks are counts, not ids: a 32-bit column was too narrow for real data
    (the line failed, and took its batch with it)."""
    report = import_lines([_line(_demo_six(), stargazers_count=2**31 + 5)], session_factory)
    assert report.applied == 1, report.failures
    assert db.scalar(select(Origin.stars)) == 2**31 + 5


def test_a_corrected_line_is_applied_not_unchanged(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    """The same payload bytes first sent with a wrong kind, then with the right one: the
    correction is another document, not a duplicate of the first."""
    six = _demo_six()
    wrong = json.dumps({**six, "kind": "pulls"}).encode()
    first = import_lines([wrong], session_factory)
    assert first.failed == 1
    second = import_lines([json.dumps(six).encode()], session_factory)
    assert (second.applied, second.unchanged) == (1, 0)
    wrong_format = json.dumps({**six, "format": "gitea-repo-json"}).encode()
    third = import_lines([wrong_format], session_factory)
    assert third.unchanged == 0
    assert db.scalar(select(func.count()).select_from(RawMetadata)) == 3


def test_every_failure_is_reported(session_factory: sessionmaker[Session]) -> None:
    lines = [b"{not json %d\n" % n for n in range(150)]
    report = import_lines(lines, session_factory)
    summary = report.summary()
    assert report.failed == 150
    assert "line 150:" in summary or "150 failed" in summary
    assert "line 11:" in summary  # more than the first ten
    assert "more" in summary  # and it says where the rest went when not all are listed
