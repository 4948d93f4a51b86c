"""The registry's history: an append-only chain of events, its version, its verifier
and its public statistics.

Every change (a request filed, verified, refused, withdrawn, an operator's decision,
a signal found or gone) is one event. Its ``payload_digest`` is the SHA-256 of the
canonical JSON of who and what (request, actor, reason, details); its ``hash`` is the
SHA-256 of the previous event's hash followed by the canonical JSON of the sequence
number, the time, the kind and that digest. So the public part of the chain (numbers,
times, kinds, digests, hashes) can be published and checked by anyone, while the
details stay with the requester and the operators, who can check that the digests
match them. Rewriting any event changes every later hash.

The registry version is the sequence number of the last event: it only grows, and a
build that records it can be re-resolved exactly (``app.optouts.resolution``).
Appends are serialized by a transaction-level advisory lock, so two writers cannot
both chain onto the same previous event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import OptoutEvent, OptoutRequest

GENESIS = bytes(32)
# pg_advisory_xact_lock key: "optout" in ASCII, an arbitrary constant of this module.
APPEND_LOCK = 0x6F70746F7574


class EventKind:
    REQUESTED = "requested"
    VERIFIED = "verified"  # activation by proof: proof file, signature, e-mail, signal
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    OPERATOR_APPROVED = "operator-approved"
    OPERATOR_REFUSED = "operator-refused"
    OPERATOR_WITHDRAWN = "operator-withdrawn"
    SIGNAL_FOUND = "signal-found"
    SIGNAL_GONE = "signal-gone"

    ALL = (
        REQUESTED,
        VERIFIED,
        REFUSED,
        WITHDRAWN,
        OPERATOR_APPROVED,
        OPERATOR_REFUSED,
        OPERATOR_WITHDRAWN,
        SIGNAL_FOUND,
        SIGNAL_GONE,
    )


def canonical(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (stable across JSONB round trips
    for the strings, integers, booleans, lists and objects events hold)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_digest(
    request: str | None, actor: str, reason: str | None, payload: Mapping[str, Any]
) -> bytes:
    body = {"request": request, "actor": actor, "reason": reason, "payload": dict(payload)}
    return hashlib.sha256(canonical(body)).digest()


def event_hash(prev: bytes, seq: int, at: datetime, kind: str, digest: bytes) -> bytes:
    head = {"seq": seq, "at": _iso(at), "kind": kind, "payload_digest": digest.hex()}
    return hashlib.sha256(prev + canonical(head)).digest()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def current_version(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(OptoutEvent.seq), 0))) or 0)


def append(
    session: Session,
    *,
    kind: str,
    actor: str,
    request: OptoutRequest | None = None,
    reason: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> OptoutEvent:
    """Append one event (the caller's transaction commits it with the state change)."""
    if kind not in EventKind.ALL:
        raise ValueError(f"unknown event kind {kind!r}")
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    last = session.execute(
        select(OptoutEvent.seq, OptoutEvent.hash).order_by(OptoutEvent.seq.desc()).limit(1)
    ).first()
    seq = (last.seq if last else 0) + 1
    prev = bytes(last.hash) if last else GENESIS
    # The database's clock, truncated to what timestamptz keeps (microseconds).
    at = session.scalar(select(func.clock_timestamp()))
    assert at is not None
    body = dict(payload or {})
    digest = payload_digest(request.public_id if request else None, actor, reason, body)
    event = OptoutEvent(
        seq=seq,
        at=at,
        kind=kind,
        request_id=request.id if request else None,
        actor=actor,
        reason=reason,
        payload=body,
        payload_digest=digest,
        prev_hash=prev,
        hash=event_hash(prev, seq, at, kind, digest),
    )
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    """What a verification found: the version it reached and every break."""

    version: int = 0
    head: str | None = None
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, with_payloads: bool = True) -> ChainReport:
    """Recompute every hash (and, with payloads, every digest) from the stored rows.

    Streams the events in order, so memory stays flat however long the history.
    """
    report = ChainReport()
    prev = GENESIS
    expected_seq = 1
    for event, public_id in _events(session):
        if event.seq != expected_seq:
            report.problems.append(f"event {event.seq}: expected sequence number {expected_seq}")
        if bytes(event.prev_hash) != prev:
            report.problems.append(f"event {event.seq}: does not chain onto event {event.seq - 1}")
        if with_payloads:
            digest = payload_digest(public_id, event.actor, event.reason, event.payload)
            if digest != bytes(event.payload_digest):
                report.problems.append(f"event {event.seq}: details do not match their digest")
        recomputed = event_hash(
            bytes(event.prev_hash), event.seq, event.at, event.kind, bytes(event.payload_digest)
        )
        if recomputed != bytes(event.hash):
            report.problems.append(f"event {event.seq}: hash does not match its contents")
        prev = bytes(event.hash)
        expected_seq = event.seq + 1
        report.checked += 1
        report.version = event.seq
        report.head = prev.hex()
    return report


def _events(session: Session) -> Iterator[tuple[OptoutEvent, str | None]]:
    stmt = (
        select(OptoutEvent, OptoutRequest.public_id)
        .outerjoin(OptoutRequest, OptoutRequest.id == OptoutEvent.request_id)
        .order_by(OptoutEvent.seq)
        .execution_options(yield_per=1000)
    )
    for event, public_id in session.execute(stmt):
        yield event, public_id
        session.expunge(event)


def public_chain(session: Session, *, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """The publishable part of the chain: enough to check the hashes, nothing personal."""
    rows = session.execute(
        select(
            OptoutEvent.seq,
            OptoutEvent.at,
            OptoutEvent.kind,
            OptoutEvent.payload_digest,
            OptoutEvent.prev_hash,
            OptoutEvent.hash,
        )
        .where(OptoutEvent.seq > after)
        .order_by(OptoutEvent.seq)
        .limit(limit)
    ).all()
    return [
        {
            "seq": r.seq,
            "at": _iso(r.at),
            "kind": r.kind,
            "payload_digest": bytes(r.payload_digest).hex(),
            "prev_hash": bytes(r.prev_hash).hex(),
            "hash": bytes(r.hash).hex(),
        }
        for r in rows
    ]


def verify_public_entries(
    entries: Sequence[Mapping[str, Any]], prev_hex: str | None = None
) -> bool:
    """Check published entries with hashlib alone (what any outsider can run)."""
    prev = bytes.fromhex(prev_hex) if prev_hex else GENESIS
    for entry in entries:
        if entry["prev_hash"] != prev.hex():
            return False
        head = {
            "seq": entry["seq"],
            "at": entry["at"],
            "kind": entry["kind"],
            "payload_digest": entry["payload_digest"],
        }
        if hashlib.sha256(prev + canonical(head)).hexdigest() != entry["hash"]:
            return False
        prev = bytes.fromhex(entry["hash"])
    return True


def statistics(session: Session) -> dict[str, Any]:
    """Aggregates anyone may see: counts by state, scope kind, method and reserved use."""
    by_state = dict(
        session.execute(
            select(OptoutRequest.status, func.count()).group_by(OptoutRequest.status)
        ).all()
    )
    active = OptoutRequest.status == "active"
    by_scope = dict(
        session.execute(
            select(OptoutRequest.scope_kind, func.count())
            .where(active)
            .group_by(OptoutRequest.scope_kind)
        ).all()
    )
    by_method = dict(
        session.execute(
            select(OptoutRequest.method, func.count()).where(active).group_by(OptoutRequest.method)
        ).all()
    )
    by_rule: dict[str, int] = dict(
        session.execute(  # type: ignore[arg-type]
            text(
                "SELECT r, count(*) FROM optout_request, unnest(rules) AS r "
                "WHERE status = 'active' GROUP BY r"
            )
        ).all()
    )
    last = session.execute(
        select(OptoutEvent.seq, OptoutEvent.hash).order_by(OptoutEvent.seq.desc()).limit(1)
    ).first()
    return {
        "version": last.seq if last else 0,
        "head": bytes(last.hash).hex() if last else None,
        "requests_by_status": {k: int(v) for k, v in by_state.items()},
        "active_by_scope": {k: int(v) for k, v in by_scope.items()},
        "active_by_method": {k: int(v) for k, v in by_method.items()},
        "active_by_purpose": {k: int(v) for k, v in by_rule.items()},
    }
