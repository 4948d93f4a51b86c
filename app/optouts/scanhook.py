"""What a scan tells the registry: proof files and reservation files at the root.

Every scan calls :func:`wants` for each file path it records and passes the files it
wanted to :func:`on_scan` with the origin, inside its unit of work
(``app.scans.analyzers.OptoutSignalsAnalyzer``); the on-demand proof-file check is an
ordinary scan of the origin:

* pending ``proof-file`` requests proven through this origin whose token is in
  ``.codecommons-optout`` become active (evidence: the file's SWHID and the snapshot);
  a malformed file is reported on those requests and changes nothing else;
* reservation files (``app.optouts.signals``) become opt-outs of this origin, and
  the signal opt-outs of earlier scans whose file is gone or changed are withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OptoutException, OptoutRequest
from app.optouts import identity, prooffile, registry, signals
from app.optouts.registry import EventKind

WANTED_PATHS = frozenset({prooffile.PROOF_PATH, *signals.SIGNAL_PATHS})


def wants(path: bytes | str) -> bool:
    """Whether the scan should hand this file (by its path from the root) to on_scan."""
    text = path.decode("utf-8", "replace") if isinstance(path, bytes) else path
    return text in WANTED_PATHS


@dataclass(frozen=True)
class ScannedFile:
    path: str
    data: bytes | None  # None when too large to read
    swhid: str


@dataclass
class ScanHookReport:
    activated: list[str] = field(default_factory=list)
    proof_problems: list[str] = field(default_factory=list)
    signals_added: list[str] = field(default_factory=list)
    signals_withdrawn: list[str] = field(default_factory=list)
    signal_problems: list[str] = field(default_factory=list)


def on_scan(
    session: Session,
    origin_id: int,
    files: Mapping[str, ScannedFile],
    *,
    snapshot_swhid: str | None = None,
) -> ScanHookReport:
    report = ScanHookReport()
    _proofs(session, origin_id, files, snapshot_swhid, report)
    _signals(session, origin_id, files, snapshot_swhid, report)
    return report


def _proofs(
    session: Session,
    origin_id: int,
    files: Mapping[str, ScannedFile],
    snapshot_swhid: str | None,
    report: ScanHookReport,
) -> None:
    from app.optouts.service import activate

    pending = session.scalars(
        select(OptoutRequest)
        .where(
            OptoutRequest.origin_id == origin_id,
            OptoutRequest.method == "proof-file",
            OptoutRequest.status == "pending",
        )
        .with_for_update()
    ).all()
    if not pending:
        return
    proof = files.get(prooffile.PROOF_PATH)
    if proof is None or proof.data is None:
        reason = f"no {prooffile.PROOF_PATH} at the root of the scanned snapshot"
        for request in pending:
            request.status_reason = reason
        return
    parsed = prooffile.parse(proof.data)
    for request in pending:
        if request.proof_token in parsed.tokens:
            activate(
                session,
                request,
                kind=EventKind.VERIFIED,
                actor="system:scan",
                reason="proof file found",
                evidence={"proof_file": proof.swhid, "snapshot": snapshot_swhid},
            )
            report.activated.append(request.public_id)
        elif parsed.malformed:
            request.status_reason = (
                f"{prooffile.PROOF_PATH} ({proof.swhid}) is malformed: "
                + "; ".join(parsed.problems)
            )
            report.proof_problems.append(request.status_reason)
        else:
            request.status_reason = (
                f"{prooffile.PROOF_PATH} ({proof.swhid}) does not hold this request's token"
            )


def _signals(
    session: Session,
    origin_id: int,
    files: Mapping[str, ScannedFile],
    snapshot_swhid: str | None,
    report: ScanHookReport,
) -> None:
    from app.optouts.service import queue_withdrawals, withdraw_request

    readable = {
        path: (f.data, f.swhid)
        for path, f in files.items()
        if path in signals.SIGNAL_PATHS and f.data is not None
    }
    detection = signals.detect(readable)
    report.signal_problems.extend(detection.problems)
    current = session.scalars(
        select(OptoutRequest)
        .where(
            OptoutRequest.origin_id == origin_id,
            OptoutRequest.method == "signal",
            OptoutRequest.status == "active",
        )
        .with_for_update()
    ).all()
    existing = {_key_of(session, r): r for r in current}
    wanted = {s.key: s for s in detection.signals}
    for key, request in existing.items():
        if key not in wanted:
            withdraw_request(
                session,
                request,
                kind=EventKind.SIGNAL_GONE,
                actor="system:scan",
                reason=f"{request.evidence.get('file')} no longer says this"
                + (f" in {snapshot_swhid}" if snapshot_swhid else ""),
            )
            report.signals_withdrawn.append(request.public_id)
    for key, signal in wanted.items():
        if key in existing:
            continue
        request = OptoutRequest(
            public_id=identity.new_public_id(),
            scope_kind="path" if signal.regex else "origin",
            origin_id=origin_id,
            path_pattern=signal.pattern,
            path_regex=signal.regex,
            rules=list(signal.rules),
            method="signal",
            status="pending",
            evidence={"file": signal.file, "swhid": signal.swhid, "snapshot": snapshot_swhid},
        )
        session.add(request)
        session.flush()
        for pattern, regex in signal.except_regexes:
            session.add(
                OptoutException(
                    request_id=request.id,
                    origin_id=origin_id,
                    path_pattern=pattern,
                    path_regex=regex,
                )
            )
        session.flush()
        event = registry.append(
            session,
            kind=EventKind.SIGNAL_FOUND,
            actor="system:scan",
            request=request,
            reason=f"reservation in {signal.file}",
            payload={
                "scope_kind": request.scope_kind,
                "purposes": list(signal.rules),
                "evidence": request.evidence,
            },
        )
        request.status = "active"
        request.activated_version = event.seq
        session.flush()
        report.signals_added.append(request.public_id)
    if report.signals_added:
        # In force now: earlier builds holding these files must hear of it.
        queue_withdrawals(session, registry.current_version(session))


def _key_of(
    session: Session, request: OptoutRequest
) -> tuple[str, str, tuple[str, ...], str | None, tuple[tuple[str, str], ...]]:
    carve = session.execute(
        select(OptoutException.path_pattern, OptoutException.path_regex)
        .where(OptoutException.request_id == request.id)
        .order_by(OptoutException.id)
    ).all()
    return (
        str(request.evidence.get("file")),
        str(request.evidence.get("swhid")),
        tuple(request.rules),
        request.path_regex,
        tuple((str(p), str(r)) for p, r in carve),
    )
