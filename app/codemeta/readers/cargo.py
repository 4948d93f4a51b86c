"""Cargo.toml ``[package]``, after the CodeMeta Rust crosswalk.

Values inherited from a workspace (``version.workspace = true``) live in another
file and are skipped. The legacy ``MIT/Apache-2.0`` license form means OR, as
crates.io defines it. programmingLanguage is Rust, implied by the ecosystem.
"""

from __future__ import annotations

import tomllib

from app.codemeta.readers.base import (
    ParsedFile,
    clean,
    invalid,
    map_license,
    person_from_string,
    str_list,
    text,
)


def load_cargo_toml(text_: str, path: str = "Cargo.toml") -> ParsedFile:
    """Parse one Cargo.toml; invalid files give no fields (a workspace root gives none)."""
    mapping = "cargo"
    try:
        doc = tomllib.loads(text_)
    except tomllib.TOMLDecodeError as exc:
        return invalid(path, mapping, f"TOML error: {exc}")
    package = doc.get("package")
    if package is None:
        return ParsedFile(path, mapping, {}, doc)
    if not isinstance(package, dict):
        return invalid(path, mapping, "[package] must be a table")
    for name in ("authors", "keywords"):
        if name in package and not isinstance(package[name], list | dict):
            return invalid(path, mapping, f"package.{name} must be an array")
    spdx, problems = map_license(package.get("license"), path, mapping, slash_means_or=True)
    authors = [p for p in (person_from_string(a) for a in str_list(package.get("authors"))) if p]
    fields = clean(
        {
            "name": text(package.get("name")),
            "version": text(package.get("version")),
            "description": text(package.get("description")),
            "keywords": str_list(package.get("keywords")),
            "license": spdx,
            "author": authors,
            "url": text(package.get("homepage")),
            "codeRepository": text(package.get("repository")),
            "programmingLanguage": ["Rust"],
        }
    )
    return ParsedFile(path, mapping, fields, doc, problems)
