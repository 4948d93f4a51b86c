"""Datasets: definitions and their revisions, builds, and the checks both APIs share.

A definition is validated in two layers and every problem of both is reported at
once (a 422 whose ``errors`` lists each wrong field): the structure by pydantic
(:class:`~app.datasets.selection.Selection`, strict, unknown keys refused), then the
vocabularies against what the service knows (license ids and expressions against
the catalog, languages against Linguist's names and the data, secret/PII kinds
against the analyzers', forges against the known hosts), with "did you mean"
suggestions from ``difflib``; application domains against the taxonomy and excluded
advisories against the imported ones).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from license_expression import ExpressionError, Licensing
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.datasets import exports, repository
from app.datasets.fingerprints import sha256_of
from app.datasets.schemas import BuildIn, DatasetEditIn, DatasetIn, DatasetOut, DatasetRevisionOut
from app.datasets.selection import Selection
from app.facts.secret_scan import KIND_BY_SECRET_TYPE
from app.forges.urls import CASE_INSENSITIVE_HOSTS
from app.jobs import kinds
from app.jobs import service as jobs
from app.kit.db import UnitOfWork
from app.kit.params import INT8_MAX
from app.kit.problems import Conflict, NotFound, Problem
from app.models import Dataset, DatasetBuild, DatasetRevision, License
from app.optouts.purposes import InvalidPurpose, Purpose
from app.signals.domains.taxonomy import BY_KEY, domain_for_term
from app.signals.vulnerabilities import repository as signal_repository
from app.storage.store import ContentStore

PII_KINDS = frozenset({*KIND_BY_SECRET_TYPE.values(), "aws_secret_key", "email", "ipv4", "ipv6"})
DOMAIN_KEYS = sorted(BY_KEY)
KNOWN_HOSTS = frozenset(
    {*CASE_INSENSITIVE_HOSTS, "pypi.org", "registry.npmjs.org", "www.npmjs.com", "crates.io"}
)


class InvalidDefinition(Problem):
    status = 422
    slug = "validation-error"


@dataclass
class FieldError:
    location: str
    message: str
    suggestions: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"location": self.location, "message": self.message}
        if self.suggestions:
            out["suggestions"] = self.suggestions
        return out


def _suggest(wrong: str, known: Iterable[str], n: int = 3) -> list[str]:
    known = list(known)
    by_lower = {k.lower(): k for k in known}
    exact = by_lower.get(wrong.lower())
    if exact is not None:
        return [exact]
    close = difflib.get_close_matches(wrong.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[c] for c in close]


def _language_known(name: str) -> bool:
    import enry  # type: ignore[import-untyped]

    return bool(enry.get_language_type(name) != "unknown")


# Common Linguist names, for suggestions when the data has few languages yet.
POPULAR_LANGUAGES = (
    "C", "C#", "C++", "CSS", "Dart", "Go", "HTML", "Haskell", "Java", "JavaScript", "Julia",
    "Jupyter Notebook", "Kotlin", "Lua", "Markdown", "OCaml", "PHP", "Perl", "Python", "R",
    "Ruby", "Rust", "Scala", "Shell", "SQL", "Swift", "TeX", "TypeScript", "YAML",
)  # fmt: skip


def _catalog_errors(session: Session, raw: dict[str, Any]) -> list[FieldError]:
    """Vocabulary checks on the parts of ``raw`` that are well-typed (the structural
    errors come from pydantic; both lists are reported together)."""
    errors: list[FieldError] = []
    files = raw.get("files") if isinstance(raw.get("files"), dict) else {}
    origins = raw.get("origins") if isinstance(raw.get("origins"), dict) else {}
    assert isinstance(files, dict)
    assert isinstance(origins, dict)
    languages = files.get("languages")
    if isinstance(languages, list):
        data = repository.data_languages(session)
        for i, name in enumerate(languages):
            if isinstance(name, str) and not (name in data or _language_known(name)):
                errors.append(
                    FieldError(
                        f"selection.files.languages.{i}",
                        f"unknown language {name!r} (Linguist names, e.g. Python, Go, C++)",
                        _suggest(name, {*data, *POPULAR_LANGUAGES}),
                    )
                )
    lic = files.get("license")
    if isinstance(lic, dict):
        spdx_ids = list(session.scalars(select(License.spdx_id)))
        known = {i.lower() for i in spdx_ids}
        for i, key in enumerate(lic.get("ids") or []):
            if isinstance(key, str) and key.lower() not in known:
                errors.append(
                    FieldError(
                        f"selection.files.license.ids.{i}",
                        f"unknown SPDX license id {key!r}",
                        _suggest(key, spdx_ids),
                    )
                )
        for i, expression in enumerate(lic.get("expressions") or []):
            if not isinstance(expression, str):
                continue
            where = f"selection.files.license.expressions.{i}"
            try:
                parsed = Licensing().parse(expression)
            except ExpressionError as exc:
                errors.append(FieldError(where, f"not an SPDX expression: {exc}"))
                continue
            for symbol in Licensing().license_keys(parsed):
                if symbol.lower() not in known:
                    errors.append(
                        FieldError(
                            where,
                            f"unknown SPDX license id {symbol!r} in {expression!r}",
                            _suggest(symbol, spdx_ids),
                        )
                    )
    pii = files.get("pii")
    if isinstance(pii, dict):
        for i, kind in enumerate(pii.get("exclude_kinds") or []):
            if isinstance(kind, str) and kind not in PII_KINDS:
                errors.append(
                    FieldError(
                        f"selection.files.pii.exclude_kinds.{i}",
                        f"unknown secret/PII kind {kind!r}",
                        _suggest(kind, PII_KINDS),
                    )
                )
    domains = origins.get("domains")
    if isinstance(domains, list):
        for i, key in enumerate(domains):
            if isinstance(key, str) and key.strip().lower() not in DOMAIN_KEYS:
                by_term = domain_for_term(key)
                errors.append(
                    FieldError(
                        f"selection.origins.domains.{i}",
                        f"unknown domain {key!r} (see /v1/domains)",
                        [by_term] if by_term else _suggest(key, DOMAIN_KEYS),
                    )
                )
    advisories = origins.get("exclude_advisories")
    if isinstance(advisories, list):
        wanted = [a for a in advisories if isinstance(a, str)]
        known = signal_repository.known_advisories(session, wanted)
        for i, key in enumerate(advisories):
            if isinstance(key, str) and key.strip() not in known:
                errors.append(
                    FieldError(
                        f"selection.origins.exclude_advisories.{i}",
                        f"no advisory {key!r} has been imported (an OSV id or alias, "
                        "see /v1/advisories/{id})",
                    )
                )
    forges = origins.get("forges")
    if isinstance(forges, list):
        hosts = {*KNOWN_HOSTS, *repository.forge_names(session)}
        for i, host in enumerate(forges):
            if isinstance(host, str) and host.lower() not in hosts:
                errors.append(
                    FieldError(
                        f"selection.origins.forges.{i}",
                        f"unknown forge {host!r} (a host name, e.g. github.com)",
                        _suggest(host, hosts),
                    )
                )
    return errors


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cross_field_errors(raw: dict[str, Any]) -> list[FieldError]:
    """The checks that relate two fields, on the raw input: pydantic runs a model's own
    (identical) checks only when all its fields are valid, and every problem is to be
    reported at once."""
    out: list[FieldError] = []
    files = raw.get("files") if isinstance(raw.get("files"), dict) else {}
    origins = raw.get("origins") if isinstance(raw.get("origins"), dict) else {}
    assert isinstance(files, dict)
    assert isinstance(origins, dict)
    pairs = [
        (files, "selection.files", "min_size", "max_size"),
        (origins, "selection.origins", "stars_min", "stars_max"),
        (origins, "selection.origins", "forks_min", "forks_max"),
    ]
    for part, where, low, high in pairs:
        a, b = part.get(low), part.get(high)
        if _number(a) and _number(b) and float(a) > float(b):  # type: ignore[arg-type]
            out.append(FieldError(where, f"{low} is larger than {high}"))
    for what in ("created", "updated", "pushed"):
        if origins.get(f"{what}_since") and origins.get(f"{what}_within_days"):
            out.append(
                FieldError(
                    "selection.origins", f"give {what}_since or {what}_within_days, not both"
                )
            )
    return out


def _pydantic_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    out = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error.get("loc", ()))
        out.append(FieldError(f"{prefix}.{loc}" if loc else prefix, str(error.get("msg", ""))))
    return out


def check_definition(
    session: Session, purpose: str | None, selection: dict[str, Any] | None
) -> tuple[str | None, Selection | None]:
    """The canonical purpose and the validated selection (None where not given), or
    :class:`InvalidDefinition` listing every problem."""
    errors: list[FieldError] = []
    canonical_purpose = None
    if purpose is not None:
        try:
            canonical_purpose = Purpose.parse(purpose).canonical()
        except InvalidPurpose as exc:
            errors.append(FieldError("purpose", str(exc)))
    parsed = None
    if selection is not None:
        try:
            parsed = Selection.model_validate(selection)
        except ValidationError as exc:
            structural = _pydantic_errors(exc, "selection")
            said = {(e.location, e.message) for e in structural}
            errors += structural
            for extra in _cross_field_errors(selection):
                if not any(loc == extra.location and extra.message in msg for loc, msg in said):
                    errors.append(extra)
        errors += _catalog_errors(session, selection)
    if errors:
        first = errors[0]
        raise InvalidDefinition(
            f"{first.message} ({first.location})"
            + (f" and {len(errors) - 1} more" if len(errors) > 1 else ""),
            errors=[e.as_dict() for e in errors],
        )
    return canonical_purpose, parsed


def canonical_selection(selection: Selection, session: Session) -> dict[str, Any]:
    """The stored form: :meth:`Selection.canonical` with license ids in the catalog's
    spelling (so ``mit`` and ``MIT`` are one definition)."""
    data = selection.canonical()
    lic = data["files"]["license"]
    if lic is not None and lic["ids"]:
        spelled = {}
        for key in lic["ids"]:
            row = session.scalars(
                select(License.spdx_id).where(License.spdx_id.ilike(key.replace("_", r"\_")))
            ).first()
            spelled[key] = row or key
        lic["ids"] = sorted(set(spelled.values()))
    return data


# --- definitions ---------------------------------------------------------------------


def dataset_out(session: Session, dataset: Dataset) -> DatasetOut:
    """A dataset with its current revision, as both APIs show it."""
    revision = repository.revision(session, dataset.id, dataset.current_revision)
    assert revision is not None
    return DatasetOut.of(
        dataset, DatasetRevisionOut.of(revision, repository.revision_is_built(session, revision.id))
    )


def resolve(session: Session, ref: str, *, lock: bool = False) -> Dataset:
    """A dataset by id (digits) or name."""
    found = (
        repository.dataset_by_id(session, int(ref), lock=lock)
        if _is_id(ref)
        else repository.dataset_by_name(session, ref)
    )
    if found is None:
        raise NotFound(f"no dataset {ref!r}")
    if lock and not _is_id(ref):
        found = repository.dataset_by_id(session, found.id, lock=True) or found
    return found


def _is_id(ref: str) -> bool:
    """A dataset id (a bigint) rather than a name; a longer number can only be a name."""
    return ref.isascii() and ref.isdigit() and int(ref) <= INT8_MAX


def _add_revision(
    session: Session, dataset: Dataset, number: int, purpose: str, selection: dict[str, Any]
) -> DatasetRevision:
    row = DatasetRevision(
        dataset_id=dataset.id,
        revision=number,
        purpose=purpose,
        selection=selection,
        selection_sha256=sha256_of({"purpose": purpose, "selection": selection}),
    )
    session.add(row)
    session.flush()
    return row


def create(uow: UnitOfWork, body: DatasetIn) -> tuple[Dataset, DatasetRevision]:
    session = uow.session
    purpose, selection = check_definition(session, body.purpose, body.selection)
    assert purpose is not None
    assert selection is not None
    if repository.dataset_by_name(session, body.name) is not None:
        raise Conflict(f"a dataset named {body.name!r} exists")
    dataset = Dataset(name=body.name, description=body.description, current_revision=1)
    session.add(dataset)
    session.flush()
    revision = _add_revision(session, dataset, 1, purpose, canonical_selection(selection, session))
    session.refresh(dataset)
    return dataset, revision


def edit(uow: UnitOfWork, ref: str, body: DatasetEditIn) -> tuple[Dataset, DatasetRevision]:
    """Change the description in place; a new purpose or selection is a new revision
    (built revisions never change, and unbuilt ones are kept for the record too)."""
    session = uow.session
    dataset = resolve(session, ref, lock=True)
    current = repository.revision(session, dataset.id, dataset.current_revision)
    assert current is not None
    purpose, selection = check_definition(session, body.purpose, body.selection)
    if body.description is not None:
        dataset.description = body.description
    new_purpose = purpose or current.purpose
    new_selection = (
        canonical_selection(selection, session) if selection is not None else current.selection
    )
    if new_purpose != current.purpose or new_selection != current.selection:
        current = _add_revision(
            session, dataset, dataset.current_revision + 1, new_purpose, new_selection
        )
        dataset.current_revision = current.revision
    dataset.updated_at = datetime.now(UTC)
    session.flush()
    return dataset, current


# --- builds ----------------------------------------------------------------------------


def submit_build(
    uow: UnitOfWork, ref: str, body: BuildIn, *, send: bool = True
) -> tuple[DatasetBuild, DatasetRevision]:
    """A queued build of a revision, and its job (enqueued after commit; ``send=False``:
    the caller runs the job itself)."""
    session = uow.session
    dataset = resolve(session, ref, lock=True)
    number = body.revision or dataset.current_revision
    revision = repository.revision(session, dataset.id, number)
    if revision is None:
        raise NotFound(f"dataset {dataset.name!r} has no revision {number}")
    cutoff = body.cutoff or repository.data_cutoff(session) or datetime.now(UTC)
    if cutoff.tzinfo is None:
        raise Problem("cutoff needs a time zone (e.g. 2026-01-01T00:00:00Z)")
    build = DatasetBuild(
        dataset_id=dataset.id,
        revision_id=revision.id,
        number=repository.next_build_number(session, dataset.id),
        state="queued",
        cutoff=cutoff,
    )
    session.add(build)
    session.flush()
    job = jobs.submit(uow, kinds.DATASETS_BUILD, {"build_id": build.id}, send=send)
    build.job_id = job.id
    session.flush()
    session.refresh(build)
    return build, revision


def get_build(session: Session, ref: str, number: int) -> tuple[DatasetBuild, DatasetRevision]:
    dataset = resolve(session, ref)
    build = repository.build(session, dataset.id, number)
    if build is None:
        raise NotFound(f"dataset {dataset.name!r} has no build {number}")
    revision = repository.revision_by_id(session, build.revision_id)
    assert revision is not None
    return build, revision


def finished_build(session: Session, ref: str, number: int) -> tuple[DatasetBuild, DatasetRevision]:
    build, revision = get_build(session, ref, number)
    if build.state != "succeeded":
        raise Conflict(f"build {number} is {build.state}: it has no manifest")
    return build, revision


def drop_build(uow: UnitOfWork, ref: str, number: int) -> None:
    """Drop a build and its manifest partition (a ``DROP TABLE``: nothing to vacuum)."""
    session = uow.session
    build, _ = get_build(session, ref, number)
    if build.state in {"queued", "running"}:
        raise Conflict(f"build {number} is {build.state}; wait for it to finish")
    from sqlalchemy import text

    session.execute(text(f"DROP TABLE IF EXISTS {repository.partition_name(build.id)}"))
    session.delete(build)
    session.flush()


def export_length(
    session: Session,
    build: DatasetBuild,
    fmt: str,
    meta: dict[str, Any],
    after: int | None,
    store: ContentStore | None,
) -> int:
    """How many bytes an export is (what a ``Content-Range`` needs before the first
    byte is sent): counted by producing it once, with flat memory, and kept in the
    build's stats for whole exports without content (a build never changes, nor then
    do they)."""
    raw = session.connection().connection.driver_connection
    reader = "adbc" if store is None and exports.reads_committed_rows(raw) else "csv"
    key = exports.length_key(fmt, store is not None, reader)
    cacheable = after is None and store is None
    cached = (build.stats or {}).get("export_bytes", {})
    if cacheable and isinstance(cached, dict) and isinstance(cached.get(key), int):
        return int(cached[key])
    table = repository.partition_name(build.id)
    length = sum(
        len(chunk)
        for chunk in exports.export_chunks(raw, table, fmt, meta, after=after, store=store)
    )
    if cacheable:
        stats = dict(build.stats or {})
        stats["export_bytes"] = {**(stats.get("export_bytes") or {}), key: length}
        build.stats = stats
    return length
