"""All metadata files of one snapshot -> one CodeMeta record, with where each field came from.

Precedence, highest first (the first file that has a field gives it):

1. ``codemeta.json``: CodeMeta itself, nothing lost in a mapping;
2. ``CITATION.cff``: what the authors curate for citation;
3. ``.zenodo.json``: archival deposit metadata;
4. package manifests: pyproject.toml, PKG-INFO / METADATA, setup.cfg, package.json,
   Cargo.toml, pom.xml, DESCRIPTION, *.gemspec. They describe a distribution (its
   name may be a registry name), hence last.

Within a kind, shallower paths win (the root file before a vendored one). One file
per field keeps each value explainable; ``identifier`` and ``programmingLanguage``
are the exceptions: they are unions (a DOI from CITATION.cff and a SWHID from
codemeta.json are both true), and their ``sources`` list every contributing file.
Invalid files appear in ``problems`` and give nothing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.codemeta.readers.base import FIELDS, ParsedFile, Record
from app.codemeta.readers.cargo import load_cargo_toml
from app.codemeta.readers.cff import load_cff
from app.codemeta.readers.codemeta import load_codemeta
from app.codemeta.readers.gemspec import load_gemspec
from app.codemeta.readers.maven import load_pom
from app.codemeta.readers.npm import load_package_json
from app.codemeta.readers.python import load_pkg_info, load_pyproject, load_setup_cfg
from app.codemeta.readers.rdescription import load_description
from app.codemeta.readers.zenodo import load_zenodo

Loader = Callable[[str, str], ParsedFile]

# (rank, loader) by file name; lower rank wins.
_BY_NAME: dict[str, tuple[int, Loader]] = {
    "codemeta.json": (0, load_codemeta),
    "citation.cff": (1, load_cff),
    ".zenodo.json": (2, load_zenodo),
    "pyproject.toml": (3, load_pyproject),
    "pkg-info": (4, load_pkg_info),
    "metadata": (4, load_pkg_info),
    "setup.cfg": (5, load_setup_cfg),
    "package.json": (6, load_package_json),
    "cargo.toml": (7, load_cargo_toml),
    "pom.xml": (8, load_pom),
    "description": (9, load_description),
}
_GEMSPEC_RANK = 10
UNION_FIELDS = ("identifier", "programmingLanguage")


@dataclass(slots=True)
class ProjectMetadataResult:
    """What ``ProjectMetadata`` stores (record, sources, problems) plus the parsed files."""

    record: Record = field(default_factory=dict)
    sources: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    files: list[ParsedFile] = field(default_factory=list)


def loader_for(path: str) -> tuple[int, Loader] | None:
    """The parser for a file path, by its name, or ``None`` if it is not metadata."""
    name = posixpath.basename(path).lower()
    if name.endswith(".gemspec"):
        return _GEMSPEC_RANK, load_gemspec
    return _BY_NAME.get(name)


def parse_file(path: str, content: str) -> ParsedFile | None:
    found = loader_for(path)
    return found[1](content, path) if found else None


def build_record(files: Mapping[str, str]) -> ProjectMetadataResult:
    """Parse every metadata file in ``files`` (path -> text) and merge by precedence."""
    ranked: list[tuple[int, int, str, ParsedFile]] = []
    for path, content in files.items():
        found = loader_for(path)
        if found is None:
            continue
        parsed = found[1](content, path)
        ranked.append((found[0], path.count("/"), path, parsed))
    ranked.sort(key=lambda item: item[:3])
    result = ProjectMetadataResult(files=[item[3] for item in ranked])
    for parsed in result.files:
        if not parsed.ok:
            result.problems.append({"path": parsed.path, "reason": parsed.invalid or "invalid"})
            continue
        result.problems.extend(parsed.problems)
        for name in FIELDS:
            value = parsed.fields.get(name)
            if value is None:
                continue
            source = {"path": parsed.path, "mapping": parsed.mapping}
            if name in UNION_FIELDS:
                merged: list[Any] = result.record.setdefault(name, [])
                added = [v for v in value if v not in merged]
                if added:
                    merged.extend(added)
                    result.sources.setdefault(name, []).append(source)
            elif name not in result.record:
                result.record[name] = value
                result.sources[name] = [source]
    return result
