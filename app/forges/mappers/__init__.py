"""Dispatch a stored payload to its versioned mapper: ``map_envelope``.

The envelope says who answered (``authority``: a host), in which ``format`` and what
``kind`` of document it is. The forge kind comes from the authority for the public
hosts, and from the format for self-hosted instances (``gitlab-project-json`` from
``gitlab.example.org``). Every failure is :class:`UnmappablePayload` with a one-line
reason: unknown source, unknown kind, or a payload of the wrong shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from app.forges.errors import UnmappablePayload
from app.forges.mappers import bitbucket, crates, gitea, github, gitlab, npm, pypi
from app.forges.records import IssueRecord, MappedPayload, OriginRecord, OwnerRecord
from app.licenses.spdx import DeclaredLicense
from app.models.enums import ForgeKind

Mapper = Callable[..., MappedPayload]

AUTHORITY_KINDS: dict[str, ForgeKind] = {
    "github.com": ForgeKind.GITHUB,
    "api.github.com": ForgeKind.GITHUB,
    "gitlab.com": ForgeKind.GITLAB,
    "codeberg.org": ForgeKind.FORGEJO,
    "gitea.com": ForgeKind.GITEA,
    "bitbucket.org": ForgeKind.BITBUCKET,
    "api.bitbucket.org": ForgeKind.BITBUCKET,
    "pypi.org": ForgeKind.PYPI,
    "registry.npmjs.org": ForgeKind.NPM,
    "npmjs.com": ForgeKind.NPM,
    "crates.io": ForgeKind.CRATES,
}

# Words in a payload format that name the software behind a self-hosted authority.
# Order matters: "forgejo" before "gitea" (Forgejo formats may mention both).
_FORMAT_HINTS: tuple[tuple[str, ForgeKind], ...] = (
    ("github", ForgeKind.GITHUB),
    ("gitlab", ForgeKind.GITLAB),
    ("forgejo", ForgeKind.FORGEJO),
    ("gitea", ForgeKind.GITEA),
    ("bitbucket", ForgeKind.BITBUCKET),
    ("pypi", ForgeKind.PYPI),
    ("npm", ForgeKind.NPM),
    ("crates", ForgeKind.CRATES),
)

_REPOSITORY = frozenset({"repository", "repo", "project"})
_PACKAGE = frozenset({"package", "project", "crate", "packument"})
_ISSUES = frozenset({"issues"})
_PULLS = frozenset({"pulls", "pull_requests", "pullrequests", "merge_requests"})

_MAPPERS: dict[tuple[ForgeKind, str], Mapper] = {
    (ForgeKind.GITHUB, "repository"): github.map_repository,
    (ForgeKind.GITHUB, "issues"): github.map_issues,
    (ForgeKind.GITHUB, "pulls"): github.map_pulls,
    (ForgeKind.GITLAB, "repository"): gitlab.map_project,
    (ForgeKind.GITLAB, "issues"): gitlab.map_issues,
    (ForgeKind.GITLAB, "pulls"): gitlab.map_merge_requests,
    (ForgeKind.GITEA, "repository"): gitea.map_repository,
    (ForgeKind.GITEA, "issues"): gitea.map_issues,
    (ForgeKind.GITEA, "pulls"): gitea.map_pulls,
    (ForgeKind.FORGEJO, "issues"): gitea.map_issues,
    (ForgeKind.FORGEJO, "pulls"): gitea.map_pulls,
    (ForgeKind.BITBUCKET, "repository"): bitbucket.map_repository,
    (ForgeKind.BITBUCKET, "issues"): bitbucket.map_issues,
    (ForgeKind.BITBUCKET, "pulls"): bitbucket.map_pull_requests,
    (ForgeKind.PYPI, "package"): pypi.map_project,
    (ForgeKind.NPM, "package"): npm.map_packument,
    (ForgeKind.CRATES, "package"): crates.map_crate,
}

_REGISTRIES = frozenset({ForgeKind.PYPI, ForgeKind.NPM, ForgeKind.CRATES})


def resolve_forge_kind(authority: str, format: str) -> ForgeKind:
    """Which software answered: by host for public forges, by payload format otherwise."""
    host = authority.strip().lower().removeprefix("www.")
    by_format = next((kind for word, kind in _FORMAT_HINTS if word in format.lower()), None)
    by_host = AUTHORITY_KINDS.get(host)
    if by_host is not None:
        compatible = {by_host} | ({ForgeKind.GITEA} if by_host is ForgeKind.FORGEJO else set())
        if by_format is not None and by_format not in compatible:
            raise UnmappablePayload(
                f"format {format!r} does not match authority {authority!r} ({by_host})"
            )
        return by_host
    if by_format is None:
        raise UnmappablePayload(f"unknown source: authority {authority!r} with format {format!r}")
    return by_format


def map_envelope(
    authority: str,
    format: str,
    kind: str,
    payload: object,
    *,
    source_url: str | None = None,
) -> MappedPayload:
    """Map one stored payload; ``source_url`` (the fetch URL) reveals renames.

    ``payload`` is the decoded JSON (an object, or an array for issue pages).
    Raises :class:`UnmappablePayload` for unknown sources, kinds and malformed payloads.
    """
    forge_kind = resolve_forge_kind(authority, format)
    family = _kind_family(forge_kind, kind)
    host = authority.strip().lower()
    if forge_kind is ForgeKind.FORGEJO and family == "repository":
        return _guard(
            lambda: gitea.map_repository(
                payload, host=host, source_url=source_url, forge_kind=ForgeKind.FORGEJO
            )
        )
    mapper = _MAPPERS.get((forge_kind, family))
    if mapper is None:
        raise UnmappablePayload(f"no mapper for {kind!r} documents from {forge_kind} ({authority})")
    return _guard(lambda: mapper(payload, host=host, source_url=source_url))


def _kind_family(forge_kind: ForgeKind, kind: str) -> str:
    word = kind.strip().lower()
    if forge_kind in _REGISTRIES:
        if word in _PACKAGE:
            return "package"
    elif word in _REPOSITORY:
        return "repository"
    if word in _ISSUES:
        return "issues"
    if word in _PULLS:
        return "pulls"
    raise UnmappablePayload(f"unknown document kind {kind!r} for {forge_kind}")


def _guard(call: Callable[[], MappedPayload]) -> MappedPayload:
    """Last line of defence: no KeyError/TypeError/ValueError escapes a mapper, and
    nothing it returns fails in the database (see :func:`check_storable`)."""
    try:
        mapped = call()
    except UnmappablePayload:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnmappablePayload(f"malformed payload: {type(exc).__name__}: {exc}") from exc
    check_storable(mapped)
    return mapped


BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def check_storable(mapped: MappedPayload) -> None:
    """Refuse what PostgreSQL would refuse, while the payload can still fail alone.

    Text columns hold neither NUL nor lone surrogates, and every integer a record
    carries lands in a ``bigint`` column: a value outside it is a failed payload (the
    raw bytes kept), never a database error that takes the batch with it, nor (through
    binary COPY) a silently wrapped number.
    """
    stack: list[tuple[object, str]] = [(mapped, "payload")]
    while stack:
        value, where = stack.pop()
        kind = type(value)
        if kind is str:
            _check_text(value, where)  # type: ignore[arg-type]
        elif kind is int:
            if not BIGINT_MIN <= value <= BIGINT_MAX:  # type: ignore[operator]
                raise UnmappablePayload(f"{where}: {value} is out of range (64-bit integers)")
        elif kind is tuple:
            stack.extend((item, where) for item in value)  # type: ignore[attr-defined]
        elif kind in _RECORD_FIELDS:
            stack.extend((getattr(value, name), f"{where}.{name}") for name in _RECORD_FIELDS[kind])


def _check_text(value: str, where: str) -> None:
    if "\x00" in value:
        raise UnmappablePayload(f"{where}: text contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnmappablePayload(f"{where}: text contains a lone surrogate") from None


# The record types a mapper returns, and their fields that may hold text or numbers.
_RECORD_FIELDS: dict[type, tuple[str, ...]] = {
    record: tuple(f.name for f in fields(record))
    for record in (MappedPayload, OriginRecord, OwnerRecord, IssueRecord, DeclaredLicense)
}


__all__ = ["AUTHORITY_KINDS", "map_envelope", "resolve_forge_kind"]
