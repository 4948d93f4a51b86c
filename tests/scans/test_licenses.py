"""A scan records license findings per file and reconciles the origin's license."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.demo.loader import CORPUS
from app.forges.imports import ingest_line
from app.kit.swhid import format_swhid
from app.models import Content, LicenseFinding, Origin, PathOccurrence
from app.models.enums import LicenseSource
from app.scans.service import run_scan

GPL_HEADER = """\
# This program is free software: you can redistribute it and/or modify
# it under the terms of the GNU General Public License as published by
# the Free Software Foundation, either version 3 of the License, or
# (at your option) any later version.
#
# This program is distributed in the hope that it will be useful,
# but WITHOUT ANY WARRANTY; without even the implied warranty of
# MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
# GNU General Public License for more details.
print("hello")
"""


def test_license_file_header_and_reconciliation(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    first_line = (CORPUS / "forge.jsonl").read_bytes().splitlines()[0]  # six on GitHub: MIT
    ingest_line(db, first_line)
    db.flush()
    tree = tmp_path / "six"
    shutil.copytree(CORPUS / "projects" / "six", tree)
    (tree / "gpl_tool.py").write_text(GPL_HEADER)
    (tree / "tagged.py").write_text("# SPDX-License-Identifier: Apache-2.0 OR MIT\nx = 1\n")
    outcome = run_scan(
        str(tree), origin_url="https://github.com/benjaminp/six", factory=session_factory
    )
    rows = db.scalars(select(LicenseFinding).where(LicenseFinding.content_id.is_not(None))).all()
    by_path = {(r.evidence_path, r.source, r.expression) for r in rows}
    assert ("LICENSE", LicenseSource.LICENSE_FILE, "MIT") in by_path
    assert ("gpl_tool.py", LicenseSource.HEADER, "GPL-3.0-or-later") in by_path
    assert ("tagged.py", LicenseSource.SPDX_TAG, "Apache-2.0 OR MIT") in by_path
    lic = next(r for r in rows if r.evidence_path == "LICENSE")
    assert lic.tool == "scancode-toolkit"
    assert lic.score is not None
    assert lic.start_line == 3  # after the copyright line, where the MIT text starts
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    db.refresh(origin)
    summary = origin.scan_summary
    assert summary is not None
    assert summary.snapshot_id == outcome.summary.snapshot_id
    assert summary.license_expression == "MIT"
    assert summary.license_category == "permissive"
    assert summary.license_conflicts == []
    assert outcome.seconds_by_stage["licenses"] > 0


def test_inherited_and_effective_licenses_are_served(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session], client: TestClient
) -> None:
    tree = tmp_path / "proj"
    (tree / "vendor" / "lib").mkdir(parents=True)
    shutil.copy(CORPUS / "projects" / "six" / "LICENSE", tree / "LICENSE")
    (tree / "main.py").write_text("print('no header')\n")
    (tree / "vendor" / "lib" / "tagged.py").write_text("# SPDX-License-Identifier: BSD-3-Clause\n")
    outcome = run_scan(str(tree), factory=session_factory)
    origin = client.get(f"/v1/origins/{outcome.origin_id}").json()
    assert origin["effective_license"]["expression"] == "MIT"
    assert origin["effective_license"]["basis"] == "license_file"
    assert client.get(f"/v1/swhid/{outcome.summary.snapshot_swhid}").status_code == 200

    def content_swhid(path: bytes) -> str:
        sha = db.scalar(
            select(Content.sha1_git)
            .join(PathOccurrence)
            .where(PathOccurrence.path == path, PathOccurrence.origin_id == outcome.origin_id)
        )
        assert sha is not None
        return format_swhid("cnt", sha)

    main = client.get(f"/v1/contents/{content_swhid(b'main.py')}").json()
    assert main["occurrences"][0]["inherited_licenses"] == ["MIT"]
    tagged = client.get(f"/v1/contents/{content_swhid(b'vendor/lib/tagged.py')}").json()
    assert tagged["occurrences"][0]["inherited_licenses"] == []  # its own tag wins
    assert [f["expression"] for f in tagged["licenses"]] == ["BSD-3-Clause"]


def test_reuse_layout_scan_stores_annotations_and_reconciles(
    tmp_path: Path, db: Session, session_factory: sessionmaker[Session]
) -> None:
    """A REUSE project scanned for real: REUSE.toml and .license findings land on the
    files they cover, and the effective license comes from the REUSE information."""
    from app.licenses.detection.evalset import reuse_layouts

    layout = next(x for x in reuse_layouts() if x.name == "reuse-toml-override-aggregate-nested")
    tree = tmp_path / "reuse"
    for path, text in layout.files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text)
    outcome = run_scan(str(tree), factory=session_factory)

    rows = db.scalars(select(LicenseFinding).where(LicenseFinding.content_id.is_not(None))).all()
    occurrences = dict(
        db.execute(
            select(PathOccurrence.content_id, PathOccurrence.path).where(
                PathOccurrence.origin_id == outcome.origin_id
            )
        ).all()
    )
    reuse = {
        (occurrences[r.content_id].decode(), r.evidence_path, r.expression)
        for r in rows
        if r.tool == "codecommons-reuse" and r.content_id in occurrences
    }
    assert ("vendor/lib/a.c", "REUSE.toml", "BSD-3-Clause") in reuse  # override
    assert ("po/fr.po", "REUSE.toml", "GPL-3.0-or-later") in reuse  # aggregate
    assert ("docs/notes.txt", "docs/REUSE.toml", "CC-BY-4.0") in reuse  # nested, closest
    assert not any(path == "src/app.c" for path, _, _ in reuse)  # its own header only
    origin = db.get(Origin, outcome.origin_id)
    assert origin is not None
    db.refresh(origin)
    summary = origin.scan_summary
    assert summary is not None
    assert summary.license_basis == "reuse"
    from license_expression import Licensing

    assert Licensing().is_equivalent(summary.license_expression, layout.expected_effective)
    assert summary.license_conflicts == []
    # A second scan of the same tree adds no duplicate REUSE findings.
    run_scan(str(tree), factory=session_factory)
    again = db.scalars(select(LicenseFinding).where(LicenseFinding.tool == "codecommons-reuse"))
    assert len(again.all()) == len([r for r in rows if r.tool == "codecommons-reuse"])
