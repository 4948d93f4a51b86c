"""Running a build: all or nothing, once.

Everything a build writes happens in ONE transaction that also holds the build row's
lock: create the standalone table, run the compiled ``INSERT ... SELECT`` (which
returns the funnel), build its indexes, stream its leaves through the Merkle builder,
attach it as a partition of ``dataset_manifest`` and mark the build succeeded. So:

* a build that fails or whose worker is killed rolls back whole: no table, no rows,
  nothing attached (PostgreSQL notices a vanished client within
  ``client_connection_check_interval`` even mid-statement);
* a redelivered job waits on the row lock while the first delivery runs, then finds
  the build succeeded and does nothing;
* readers never see a half manifest: the partition appears with the commit.

Only the job's progress is committed on the side (its own short transactions).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.datasets import exclusion, licenses, optouts, repository
from app.datasets.compiler import CompileInput, compile_build, funnel_of, license_dirs_statements
from app.datasets.fingerprints import intensional
from app.datasets.merkle import CHUNK_LEAVES, SWHID_PREFIX, MerkleBuilder
from app.datasets.selection import EvidenceKind, RankingName, Selection
from app.jobs.service import JobContext, PermanentJobError
from app.kit.db import unit_of_work

log = logging.getLogger(__name__)
PROGRESS_EVERY = 100_000


def build_body(context: JobContext) -> dict[str, object]:
    build_id = context.params.get("build_id")
    if not isinstance(build_id, int):
        raise PermanentJobError("the job has no build_id")
    try:
        with unit_of_work(context.factory) as uow:
            return run_build(uow.session, build_id, context)
    except PermanentJobError as exc:
        _mark_failed(context, build_id, str(exc))
        raise


def _mark_failed(context: JobContext, build_id: int, error: str) -> None:
    with unit_of_work(context.factory) as uow:
        build = repository.build_by_id(uow.session, build_id, lock=True)
        if build is not None and build.state != "succeeded":
            build.state = "failed"
            build.error = error
            build.finished_at = datetime.now(UTC)


def _set_local(session: Session, setting: str, value: str) -> None:
    session.execute(
        text("SELECT set_config(:name, :value, true)"), {"name": setting, "value": value}
    )


def run_build(session: Session, build_id: int, context: JobContext | None = None) -> dict[str, Any]:
    """Run build ``build_id`` in ``session``'s transaction (the caller commits)."""
    _set_local(session, "statement_timeout", "0")
    try:
        with session.begin_nested():
            _set_local(session, "client_connection_check_interval", "1000")
    except Exception:
        log.debug("client_connection_check_interval not supported")
    build = repository.build_by_id(session, build_id, lock=True)
    if build is None:
        raise PermanentJobError(f"build {build_id} does not exist")
    if build.state == "succeeded":
        return {"build_id": build_id, "files": build.row_count, "already": True}
    revision = repository.revision_by_id(session, build.revision_id)
    assert revision is not None
    selection = Selection.model_validate(revision.selection)
    started = datetime.now(UTC)
    versions: dict[str, Any] = dict(repository.versions_in_use(session))
    signals = signals_used(selection)
    if any(signals.values()):
        versions["signals"] = repository.signal_versions(session, **signals)
    registry_version = optouts.registry_version(session)
    inp = prepare_input(
        session,
        build_id=build_id,
        target=repository.partition_name(build_id),
        cutoff=build.cutoff,
        purpose=revision.purpose,
        registry_version=registry_version,
        selection=selection,
    )
    table = inp.target
    session.execute(text(f"DROP TABLE IF EXISTS {table}"))
    session.execute(
        text(
            f"CREATE TABLE {table} (LIKE dataset_manifest INCLUDING DEFAULTS, "
            f"CHECK (build_id = {int(build_id)}))"
        )
    )
    if context is not None:
        context.progress(0, None)
    statement = compile_build(selection, inp)
    rows = session.execute(statement).all()
    funnel = funnel_of([(r[0], r[1], r[2]) for r in rows], selection.ranking.limit)
    evaluated = datetime.now(UTC)
    count = int(funnel[-1]["left"])
    # Indexes before the attach, named like the parent's so ATTACH adopts them.
    session.execute(text(f"ALTER TABLE {table} ADD PRIMARY KEY (build_id, leaf_index)"))
    session.execute(text(f"CREATE UNIQUE INDEX ON {table} (build_id, sha1_git)"))
    session.execute(text(f"CREATE INDEX ON {table} (build_id, sha1)"))
    session.execute(text(f"CREATE INDEX ON {table} (build_id, sha256)"))
    indexed = datetime.now(UTC)
    merkle = _merkle(session, table, count, context)
    root = merkle.finish()
    excluded = exclusion.record(session, build_id, selection, inp)
    hashed = datetime.now(UTC)
    session.execute(
        text(f"ALTER TABLE dataset_manifest ATTACH PARTITION {table} FOR VALUES IN ({build_id})")
    )
    build.state = "succeeded"
    build.versions = versions
    build.optout_registry_version = registry_version
    build.funnel = funnel
    build.row_count = count
    build.extensional_fingerprint = root
    build.intensional_fingerprint = intensional(
        revision.purpose, revision.selection, build.cutoff, versions, registry_version
    )
    build.merkle_chunk_leaves = merkle.chunk_leaves
    build.merkle_chunk_roots = b"".join(merkle.chunk_roots)
    build.optout_excluded_count = excluded.count
    build.optout_excluded_root = excluded.root
    build.optout_excluded_chunk_roots = excluded.chunk_roots
    # Its manifest already honours this version: withdrawals start after it.
    build.withdrawals_version = registry_version
    finished = datetime.now(UTC)
    build.stats = {
        "seconds": {
            "evaluate": round((evaluated - started).total_seconds(), 3),
            "index": round((indexed - evaluated).total_seconds(), 3),
            "merkle": round((hashed - indexed).total_seconds(), 3),
            "total": round((finished - started).total_seconds(), 3),
        }
    }
    build.started_at = build.started_at or started
    build.finished_at = finished
    build.error = None
    session.flush()
    if optouts.registry_version(session) > registry_version:
        # An opt-out took effect while this build ran: its withdrawals job may have
        # passed this build by (not finished yet), so ask for another one.
        optouts.queue_withdrawals(session, registry_version)
    if context is not None:
        context.progress(count, count)
    return {
        "build_id": build_id,
        "files": count,
        "extensional_fingerprint": root.hex(),
        "intensional_fingerprint": build.intensional_fingerprint.hex(),
    }


def signals_used(selection: Selection) -> dict[str, bool]:
    """Which signals (``app.signals``) a selection reads."""
    f = selection.origins
    return {
        "domains": bool(f.domains),
        "vulnerabilities": f.vulnerable is not None
        or f.max_severity is not None
        or bool(f.exclude_advisories),
        "importance": selection.ranking.order is RankingName.IMPORTANCE,
    }


def prepare_input(
    session: Session,
    *,
    build_id: int,
    target: str,
    cutoff: datetime,
    purpose: str,
    registry_version: int | None,
    selection: Selection,
    refresh_authors: bool = True,
) -> CompileInput:
    """What the compiler needs besides the selection, resolved in this transaction: the
    contents opted out for the purpose at the registry version (a temporary table),
    the accepted license expressions and, for inherited evidence, the temporary table
    of license directories."""
    inp = CompileInput(
        build_id=build_id,
        target=target,
        cutoff=cutoff,
        purpose=purpose,
        optout_registry_version=registry_version,
        optouts=optouts.prepare(
            session, purpose, registry_version, target, refresh=refresh_authors
        ),
    )
    rule = selection.files.license
    if rule is not None:
        inp.allowed_expressions = licenses.accepted(
            repository.distinct_license_expressions(session), rule
        )
        if EvidenceKind.INHERITED in rule.evidence:
            inp.dirs_table = f"license_dirs_{target}"
            session.execute(text(f"DROP TABLE IF EXISTS {inp.dirs_table}"))
            for statement in license_dirs_statements(inp.dirs_table, inp.allowed_expressions):
                session.execute(statement)
    return inp


def _merkle(session: Session, table: str, count: int, context: JobContext | None) -> MerkleBuilder:
    """One streaming pass over the build's leaves, in order, through ``COPY TO STDOUT``
    (hex text: one line per leaf), inside the build's transaction."""
    builder = MerkleBuilder(CHUNK_LEAVES)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    done = 0
    pending = b""
    sql = f"COPY (SELECT encode(sha1_git, 'hex') FROM {table} ORDER BY leaf_index) TO STDOUT"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in copy:
            data = pending + bytes(chunk)
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                builder.add(SWHID_PREFIX + line)
            done += len(lines)
            if (
                context is not None
                and done // PROGRESS_EVERY != (done - len(lines)) // PROGRESS_EVERY
            ):
                context.progress(done, count)
    if pending:
        builder.add(SWHID_PREFIX + pending)
    return builder


def compiled_sql(statement: Any) -> str:
    """The statement as PostgreSQL text with literal values (for benchmarks and docs)."""
    return str(
        statement.compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
            compile_kwargs={"literal_binds": True},
        )
    )
