"""Readers for the files projects describe themselves with, merged into one CodeMeta record.

Each reader returns a :class:`ParsedFile`; :func:`build_record` merges them with the
precedence documented in :mod:`app.codemeta.readers.merge`.
"""

from __future__ import annotations

from app.codemeta.readers.base import FIELDS, ParsedFile, normalize_orcid
from app.codemeta.readers.cargo import load_cargo_toml
from app.codemeta.readers.cff import load_cff
from app.codemeta.readers.codemeta import load_codemeta
from app.codemeta.readers.gemspec import load_gemspec
from app.codemeta.readers.maven import load_pom
from app.codemeta.readers.merge import ProjectMetadataResult, build_record, loader_for, parse_file
from app.codemeta.readers.npm import load_package_json
from app.codemeta.readers.python import load_pkg_info, load_pyproject, load_setup_cfg
from app.codemeta.readers.rdescription import load_description
from app.codemeta.readers.zenodo import load_zenodo

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
