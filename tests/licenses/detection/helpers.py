"""Findings built by hand, for the pure tests of inheritance and reconciliation."""

from __future__ import annotations

from app.licenses.detection.model import Finding
from app.models.enums import LicenseSource


def finding(
    expression: str | None,
    source: LicenseSource = LicenseSource.LICENSE_FILE,
    path: str | None = "LICENSE",
    *,
    text: str | None = None,
    is_license_text: bool = True,
) -> Finding:
    return Finding(
        expression=expression,
        original_text=text if text is not None else (None if expression else "custom terms"),
        source=source,
        path=path,
        start_line=1,
        end_line=1,
        score=100.0 if expression else 80.0,
        tool="test",
        tool_version="0",
        is_license_text=is_license_text,
    )
