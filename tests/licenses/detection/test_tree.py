"""A whole tree: per-file findings, inheritance, then the origin's reconciliation."""

from __future__ import annotations

from app.licenses.detection import detect_tree, reconcile
from app.licenses.detection.backend import LicenseTextBackend
from app.models.enums import LicenseSource
from tests.licenses.detection.conftest import sample

CARGO = '[package]\nname = "clippy"\nversion = "0.1.0"\nlicense = "MIT OR Apache-2.0"\n'


def test_rust_dual_license_crate(scancode: LicenseTextBackend):
    files = {
        "Cargo.toml": CARGO,
        "LICENSE-MIT": sample("rust_dual/LICENSE-MIT"),
        "LICENSE-APACHE": sample("rust_dual/LICENSE-APACHE"),
        "README.md": sample("rust_dual/README.md"),
        "src/main.rs": "fn main() {}\n",
    }

    tree = detect_tree(files, scancode)

    assert [f.expression for f in tree.findings["Cargo.toml"]] == ["MIT OR Apache-2.0"]
    assert sorted(f.expression or "" for f in tree.inherited["src/main.rs"]) == [
        "Apache-2.0",
        "MIT",
    ]
    declared = [
        f
        for fs in tree.findings.values()
        for f in fs
        if f.source is LicenseSource.MANIFEST_DECLARED
    ]
    detected = [
        f for fs in tree.findings.values() for f in fs if f.source is LicenseSource.LICENSE_FILE
    ]
    effective = reconcile(declared, detected)
    assert effective.expression == "MIT OR Apache-2.0"
    assert effective.conflicts == []


def test_modified_license_with_mit_declared(scancode: LicenseTextBackend):
    files = {
        "package.json": '{"name": "x", "license": "MIT"}',
        "LICENSE": sample("modified_mit/LICENSE"),
        "index.js": "// SPDX-License-Identifier: MIT\nmodule.exports = 1\n",
        "lib/util.js": "module.exports = 2\n",
    }

    tree = detect_tree(files, scancode)

    assert "index.js" not in tree.inherited  # its own tag wins
    assert [f.expression for f in tree.inherited["lib/util.js"]] == [None]
    effective = reconcile(tree.findings["package.json"], tree.findings["LICENSE"])
    assert effective.expression is None
    assert effective.conflicts
