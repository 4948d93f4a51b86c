"""Readers for the files projects describe themselves with, merged into one CodeMeta record.

Each reader returns a :class:`ParsedFile`; :func:`build_record` merges them with the
precedence documented in :mod:`app.papers.metadata.merge`.
"""

from __future__ import annotations

from app.papers.metadata.base import FIELDS, ParsedFile, normalize_orcid
from app.papers.metadata.cargo import load_cargo_toml
from app.papers.metadata.cff import load_cff
from app.papers.metadata.codemeta import load_codemeta
from app.papers.metadata.gemspec import load_gemspec
from app.papers.metadata.maven import load_pom
from app.papers.metadata.merge import ProjectMetadataResult, build_record, loader_for, parse_file
from app.papers.metadata.npm import load_package_json
from app.papers.metadata.python import load_pkg_info, load_pyproject, load_setup_cfg
from app.papers.metadata.rdescription import load_description
from app.papers.metadata.zenodo import load_zenodo

__all__ = [
    "FIELDS",
    "ParsedFile",
    "ProjectMetadataResult",
    "build_record",
    "load_cargo_toml",
    "load_cff",
    "load_codemeta",
    "load_description",
    "load_gemspec",
    "load_package_json",
    "load_pkg_info",
    "load_pom",
    "load_pyproject",
    "load_setup_cfg",
    "load_zenodo",
    "loader_for",
    "normalize_orcid",
    "parse_file",
]
