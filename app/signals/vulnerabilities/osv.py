"""The OSV mapper: one stored OSV record -> an :class:`AdvisoryRecord`, pure.

OSV (https://ossf.github.io/osv-schema/) is the format of the OSV database and of the
GitHub, PyPI, npm (via GitHub), Go, RustSec... advisory databases. What is read:

* ``id`` (required), ``aliases``, ``summary``, ``details`` (older exports say
  ``description``), ``published``, ``modified``, ``withdrawn``, ``references``;
* ``severity`` (see :mod:`app.signals.vulnerabilities.severity`);
* each ``affected[]`` entry: ``package`` (``ecosystem`` + ``name``, or ``purl``) made
  into a versionless purl, ``ranges`` evaluated into ``vers:`` ranges by
  :mod:`~app.signals.vulnerabilities.versions`, ``versions``, the ``fixed`` versions
  of its ranges, and the repositories of its GIT ranges.

A record without an ``id``, with a malformed date or event, or with an affected
package that names neither a purl nor an ecosystem and name, is rejected whole with
the reason (:class:`InvalidAdvisory`); the raw record stays stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packageurl import PackageURL

from app.forges.urls import canonical_repository_url, normalize_pypi_name
from app.signals.vulnerabilities.severity import Severity, severity_of
from app.signals.vulnerabilities.versions import evaluate_range, scheme_for

MAPPER = "osv"
VERSION = 1
MAPPER_VERSION = f"{MAPPER}@{VERSION}"
FORMAT = "osv-json"
KIND = "advisory"

# OSV ecosystem -> purl type (purl-spec's types; Go is "golang", crates.io "cargo").
PURL_TYPES: dict[str, str] = {
    "pypi": "pypi",
    "npm": "npm",
    "crates.io": "cargo",
    "go": "golang",
    "maven": "maven",
    "rubygems": "gem",
    "nuget": "nuget",
    "packagist": "composer",
    "hex": "hex",
    "pub": "pub",
    "debian": "deb",
    "alpine": "apk",
}


class InvalidAdvisory(ValueError):
    """The record is not a usable OSV advisory; the message says why."""


@dataclass(frozen=True, slots=True)
class AffectedRecord:
    ecosystem: str
    name: str
    purl: str | None
    ranges: list[dict[str, Any]]
    versions: list[str]
    fixed: list[str]
    repositories: list[str]
    unresolved: str | None


@dataclass(frozen=True, slots=True)
class AdvisoryRecord:
    osv_id: str
    aliases: list[str]
    summary: str | None
    details: str | None
    published: datetime | None
    modified: datetime | None
    withdrawn: datetime | None
    severity: Severity
    references: list[dict[str, Any]]
    affected: list[AffectedRecord] = field(default_factory=list)
    mapper_version: str = MAPPER_VERSION


def package_purl(purl_type: str, name: str) -> str:
    """A versionless purl, with the purl spec's per-type name normalization
    (PyPI names PEP 503-normalized, npm scopes as namespaces, Maven group:artifact)."""
    namespace: str | None = None
    if purl_type == "pypi":
        name = normalize_pypi_name(name)
    elif purl_type == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif purl_type == "maven" and ":" in name:
        namespace, name = name.split(":", 1)
    elif purl_type in {"golang", "composer"} and "/" in name:
        namespace, name = name.rsplit("/", 1)
    return str(PackageURL(type=purl_type, namespace=namespace, name=name).to_string())


def purl_of(ecosystem: str, name: str, given: str | None) -> str | None:
    """The affected package's purl: the record's own (version and qualifiers dropped,
    names normalized as above), else built from ecosystem and name."""
    if given:
        try:
            parsed = PackageURL.from_string(given)
        except ValueError as exc:
            raise InvalidAdvisory(f"invalid purl {given!r}: {exc}") from exc
        full = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
        if parsed.type == "maven" and parsed.namespace:
            full = f"{parsed.namespace}:{parsed.name}"
        return package_purl(parsed.type, full)
    purl_type = PURL_TYPES.get(ecosystem.split(":", 1)[0].strip().lower())
    if purl_type is None or not name:
        return None
    return package_purl(purl_type, name)


def _time(record: dict[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidAdvisory(f"{key!r} must be an RFC 3339 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidAdvisory(f"{key!r} is not an RFC 3339 time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _strings(value: object, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidAdvisory(f"{what} must be a list of strings")
    return list(value)


def _affected(entry: object, index: int) -> AffectedRecord:
    if not isinstance(entry, dict):
        raise InvalidAdvisory(f"affected[{index}] is not an object")
    package = entry.get("package") or {}
    if not isinstance(package, dict):
        raise InvalidAdvisory(f"affected[{index}].package is not an object")
    ecosystem = str(package.get("ecosystem") or "")
    name = str(package.get("name") or "")
    given = package.get("purl")
    purl = purl_of(ecosystem, name, given if isinstance(given, str) else None)
    ranges: list[dict[str, Any]] = []
    fixed: list[str] = []
    repositories: list[str] = []
    reasons: list[str] = []
    for n, rng in enumerate(entry.get("ranges") or []):
        if not isinstance(rng, dict) or not isinstance(rng.get("events"), list):
            raise InvalidAdvisory(f"affected[{index}].ranges[{n}] has no events list")
        range_type = str(rng.get("type") or "")
        repo = rng.get("repo") if isinstance(rng.get("repo"), str) else None
        try:
            evaluated = evaluate_range(range_type, ecosystem, rng["events"], repo)
        except ValueError as exc:
            raise InvalidAdvisory(f"affected[{index}].ranges[{n}]: {exc}") from exc
        ranges.append(evaluated.as_json(rng["events"]))
        if evaluated.unresolved:
            reasons.append(evaluated.unresolved)
        for event in rng["events"]:
            is_fix = isinstance(event, dict) and isinstance(event.get("fixed"), str)
            if is_fix and range_type.upper() != "GIT":
                fixed.append(event["fixed"])
        if repo:
            canonical = canonical_repository_url(repo)
            repositories.append(canonical or repo)
    versions = _strings(entry.get("versions"), f"affected[{index}].versions")
    if not ecosystem and not purl and not repositories:
        raise InvalidAdvisory(f"affected[{index}] names no package (ecosystem and name, or purl)")
    if purl is not None and scheme_for(ecosystem) is None and not reasons and ecosystem:
        reasons.append(f"no version rules known for ecosystem {ecosystem!r}")
    return AffectedRecord(
        ecosystem=ecosystem,
        name=name,
        purl=purl,
        ranges=ranges,
        versions=versions,
        fixed=list(dict.fromkeys(fixed)),
        repositories=list(dict.fromkeys(repositories)),
        unresolved="; ".join(dict.fromkeys(reasons)) or None,
    )


def map_osv(payload: object) -> AdvisoryRecord:
    """Map one OSV record (decoded JSON); raises :class:`InvalidAdvisory`."""
    if not isinstance(payload, dict):
        raise InvalidAdvisory("an OSV record is a JSON object")
    osv_id = payload.get("id")
    if not isinstance(osv_id, str) or not osv_id.strip():
        raise InvalidAdvisory("missing 'id'")
    affected = payload.get("affected") or []
    if not isinstance(affected, list):
        raise InvalidAdvisory("'affected' must be a list")
    references = [r for r in payload.get("references") or [] if isinstance(r, dict)]
    try:
        severity = severity_of(payload)
    except ValueError as exc:
        raise InvalidAdvisory(str(exc)) from exc
    details = payload.get("details", payload.get("description"))
    summary = payload.get("summary")
    return AdvisoryRecord(
        osv_id=osv_id.strip(),
        aliases=_strings(payload.get("aliases"), "'aliases'"),
        summary=summary if isinstance(summary, str) else None,
        details=details if isinstance(details, str) else None,
        published=_time(payload, "published"),
        modified=_time(payload, "modified"),
        withdrawn=_time(payload, "withdrawn"),
        severity=severity,
        references=references,
        affected=[_affected(entry, n) for n, entry in enumerate(affected)],
    )
