"""Is a version affected? OSV ranges evaluated with each ecosystem's own version rules.

Versions are parsed and compared by `univers` (the purl project's library of version
schemes), never as strings: "3.10" is after "3.9" on PyPI, "1.0.0-rc.1" before
"1.0.0" in SemVer. OSV's events (introduced / fixed / last_affected) are turned into
univers ``vers:`` ranges, one per OSV range, following the schema's evaluation rules:
events are sorted by version ("introduced: 0" first), each "introduced" opens an
interval that the next "fixed" (exclusive) or "last_affected" (inclusive) closes, and
an interval left open affects every later version. An explicit ``versions`` list is
matched by version equality (so PyPI's "1.0" equals "1.0.0").

Range types:

* ``ECOSYSTEM``: the ecosystem's scheme (PyPI: PEP 440, npm/crates.io: SemVer, Go,
  Maven, RubyGems, NuGet, Packagist, Hex, Debian...);
* ``SEMVER``: SemVer 2.0 whatever the ecosystem;
* ``GIT``: commit ranges. They are kept, and their ``repo`` links the advisory to
  that repository, but they are **not resolved** to versions: telling whether a
  snapshot lies between two commits needs the repository's history, which the
  archive does not link to advisories yet. Such a range answers "unknown".

``limit`` events (rare; they bound where to look for commits) are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from univers.version_constraint import VersionConstraint
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange
from univers.versions import Version

# OSV ecosystem name -> univers scheme (and purl type, which is the same word for
# every scheme but Go's "golang" and crates' "cargo").
SCHEME_BY_ECOSYSTEM: dict[str, str] = {
    "pypi": "pypi",
    "npm": "npm",
    "crates.io": "cargo",
    "go": "golang",
    "maven": "maven",
    "rubygems": "gem",
    "nuget": "nuget",
    "packagist": "composer",
    "hex": "hex",
    "debian": "deb",
    "alpine": "apk",
}
SEMVER_SCHEME = "npm"  # univers' npm scheme is plain SemVer 2.0 for single versions


class UnresolvedRange(ValueError):
    """This range cannot be evaluated here; the message says why."""


def scheme_for(ecosystem: str) -> str | None:
    """The univers scheme of an OSV ecosystem ("Debian:11" counts as Debian)."""
    return SCHEME_BY_ECOSYSTEM.get(ecosystem.split(":", 1)[0].strip().lower())


def version_class(scheme: str) -> type[Version]:
    cls: type[Version] = RANGE_CLASS_BY_SCHEMES[scheme].version_class  # type: ignore[assignment]
    return cls


def parse_version(scheme: str, text: str) -> Version:
    """A version in the scheme's rules; ValueError when it is not one."""
    try:
        return version_class(scheme)(text)
    except Exception as exc:  # univers raises several types (InvalidVersion, ValueError...)
        raise ValueError(f"{text!r} is not a {scheme} version: {exc}") from exc


@dataclass(frozen=True, slots=True)
class EvaluatedRange:
    """One OSV range as stored: its type, a ``vers:`` string when it could be built, and
    why not otherwise."""

    type: str
    vers: str | None
    unresolved: str | None
    repo: str | None = None

    def as_json(self, events: Sequence[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "events": list(events)}
        if self.repo:
            out["repo"] = self.repo
        if self.vers is not None:
            out["vers"] = self.vers
        if self.unresolved is not None:
            out["unresolved"] = self.unresolved
        return out


def build_range(range_type: str, ecosystem: str, events: Sequence[Any]) -> VersionRange:
    """The univers range equivalent to one OSV range's events."""
    kind = range_type.upper()
    if kind == "GIT":
        raise UnresolvedRange("GIT commit ranges are not resolved to versions")
    scheme = SEMVER_SCHEME if kind == "SEMVER" else scheme_for(ecosystem)
    if kind not in {"SEMVER", "ECOSYSTEM"}:
        raise UnresolvedRange(f"unknown range type {range_type!r}")
    if scheme is None:
        raise UnresolvedRange(f"no version rules known for ecosystem {ecosystem!r}")
    range_class = RANGE_CLASS_BY_SCHEMES[scheme]
    parsed: list[tuple[int, Version | None, str]] = []  # (order, version, event kind)
    for event in events:
        if not isinstance(event, dict) or len(event) != 1:
            raise ValueError(f"an event has exactly one of introduced/fixed/...: {event!r}")
        ((what, value),) = event.items()
        if what == "limit":
            continue
        if what not in {"introduced", "fixed", "last_affected"} or not isinstance(value, str):
            raise ValueError(f"unknown event {event!r}")
        if what == "introduced" and value == "0":
            parsed.append((0, None, what))
        else:
            parsed.append((1, parse_version(scheme, value), what))
    # Sorted by version, "introduced: 0" first; at equal versions a closing event goes
    # before an opening one (a fix and a reintroduction in the same release).
    parsed.sort(key=lambda p: (p[0], p[1] if p[1] is not None else 0, p[2] == "introduced"))
    constraints: list[VersionConstraint] = []
    open_at: tuple[Version | None] | None = None
    for _, version, what in parsed:
        if what == "introduced":
            if open_at is None:
                open_at = (version,)
            continue
        if open_at is None:
            continue  # a fix with nothing introduced before it: no interval
        (start,) = open_at
        if start is not None:
            constraints.append(VersionConstraint(comparator=">=", version=start))
        assert version is not None
        comparator = "<" if what == "fixed" else "<="
        constraints.append(VersionConstraint(comparator=comparator, version=version))
        open_at = None
    if open_at is not None:
        (start,) = open_at
        if start is None:
            star = VersionConstraint(
                comparator="*",
                version_class=range_class.version_class,  # type: ignore[arg-type]
            )
            return range_class(constraints=(star,))
        constraints.append(VersionConstraint(comparator=">=", version=start))
    if not constraints:
        raise UnresolvedRange("the events open no affected interval")
    return range_class(constraints=tuple(constraints))


def evaluate_range(
    range_type: str, ecosystem: str, events: Sequence[Any], repo: str | None = None
) -> EvaluatedRange:
    try:
        built = build_range(range_type, ecosystem, events)
    except UnresolvedRange as exc:
        return EvaluatedRange(range_type.upper(), None, str(exc), repo)
    return EvaluatedRange(range_type.upper(), str(built), None, repo)


def affected(
    ecosystem: str, version: str, ranges: Sequence[dict[str, Any]], versions: Sequence[str]
) -> bool | None:
    """Whether ``version`` is affected: True, False, or None when it cannot be told
    (the version does not parse, or only unresolved ranges could say)."""
    scheme = scheme_for(ecosystem)
    unknown = False
    parsed: Version | None = None
    if scheme is not None:
        try:
            parsed = parse_version(scheme, version)
        except ValueError:
            parsed = None
    if versions:
        if parsed is not None and scheme is not None:
            for listed in versions:
                try:
                    if parse_version(scheme, listed) == parsed:
                        return True
                except ValueError:
                    if listed == version:
                        return True
        elif version in versions:
            return True
    for rng in ranges:
        vers = rng.get("vers")
        if not vers:
            unknown = True
            continue
        built = VersionRange.from_string(vers)  # type: ignore[no-untyped-call]
        if rng.get("type") == "SEMVER":
            try:
                candidate = parse_version(SEMVER_SCHEME, version)
            except ValueError:
                unknown = True
                continue
        elif parsed is None:
            unknown = True
            continue
        else:
            candidate = parsed
        if candidate in built:
            return True
    if unknown:
        return None
    return False
