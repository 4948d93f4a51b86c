"""What the detection layer returns: one :class:`Finding` per license statement found.

A finding mirrors the columns of :class:`app.models.LicenseFinding` (expression or
original text, source, evidence path and lines, score, tool and version) without
touching the database, so the persistence layer can turn it into a row 1:1 and the
detection code stays pure and testable on plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.models.enums import LicenseSource


@dataclass(frozen=True, slots=True)
class Finding:
    """One license statement, mapped to SPDX when that is certain.

    ``expression`` is a valid SPDX expression (``LicenseRef-scancode-*`` for licenses
    SPDX does not list) or ``None`` when the evidence could not be identified
    without guessing (a modified license text, an invalid SPDX tag, an informal
    manifest string); ``original_text`` then says what was there. ``rule`` names the
    matched ScanCode rule(s) or the parser field, ``license_keys`` the closest
    ScanCode license keys (kept for unmapped findings: "closest was json").
    """

    expression: str | None
    original_text: str | None
    source: LicenseSource
    path: str | None
    start_line: int | None
    end_line: int | None
    score: float | None
    tool: str
    tool_version: str
    rule: str | None = None
    license_keys: tuple[str, ...] = ()
    note: str | None = None
    # True when the evidence is a full license text (not a mention or a notice): an
    # unidentified *text* means unknown terms ship, an unidentified mention says little.
    is_license_text: bool = False

    @property
    def is_mapped(self) -> bool:
        return self.expression is not None

    def inherited_by(self, path: str) -> Finding:
        """This finding as inherited by ``path``: the evidence stays the license file."""
        del path  # the target is the key of the mapping that holds the copy
        return replace(self, source=LicenseSource.INHERITED)
