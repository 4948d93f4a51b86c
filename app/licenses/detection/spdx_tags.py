"""``SPDX-License-Identifier:`` tags, in any comment style, validated.

Parsing follows REUSE 3: the tag is the rest of the line after the colon, minus a
comment closer (``*/``, ``-->``, ...), and ``REUSE-IgnoreStart`` / ``REUSE-IgnoreEnd``
fence out text that only talks about tags. Validation reuses the forge mapper's
strict SPDX check (:func:`app.licenses.spdx.spdx_expression`, license-expression
plus the SPDX License List), so a tag and a forge declaration are held to the same
rule; anything it refuses (a typo, ``LicenseRef-*``, ``GPL``) stays unmapped with
the tag's text. Hand-written: the regex is the whole parser, and the REUSE tool
that has one is GPL-licensed and drags in its project scanner.
"""

from __future__ import annotations

import re

from app.licenses.detection.model import Finding
from app.licenses.spdx import spdx_expression
from app.models.enums import LicenseSource

TOOL = "codecommons-spdx-tag"
TOOL_VERSION = "1"

_TAG = re.compile(r"SPDX-License-Identifier:[ \t]*(?P<value>[^\r\n]*)")
_CLOSERS = re.compile(r"\s*(\*/|-->|--%>|%>|#}|\*\)|\"\"\"|'''|-}|\]\]>|\*})\s*$")
_IGNORE_START = "REUSE-IgnoreStart"
_IGNORE_END = "REUSE-IgnoreEnd"


def spdx_tag_findings(text: str, path: str | None) -> list[Finding]:
    """One finding per ``SPDX-License-Identifier`` tag in ``text``."""
    findings: list[Finding] = []
    ignoring = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _IGNORE_START in line:
            ignoring = True
        if _IGNORE_END in line:
            ignoring = False
            continue
        if ignoring:
            continue
        found = _TAG.search(line)
        if not found:
            continue
        value = _strip_closer(found.group("value"))
        if not value:
            continue
        expression = spdx_expression(value)
        findings.append(
            Finding(
                expression=expression,
                original_text=value,
                source=LicenseSource.SPDX_TAG,
                path=path,
                start_line=number,
                end_line=number,
                score=100.0 if expression else None,
                tool=TOOL,
                tool_version=TOOL_VERSION,
                rule="SPDX-License-Identifier",
                note=None if expression else "not a valid SPDX License List expression",
            )
        )
    return findings


def blank_spdx_tags(text: str) -> str:
    """``text`` with tag lines emptied (line numbers kept) so a text matcher skips them."""
    return "\n".join("" if _TAG.search(line) else line for line in text.split("\n"))


def _strip_closer(value: str) -> str:
    value = value.strip()
    while True:
        stripped = _CLOSERS.sub("", value)
        if stripped == value:
            return value.strip()
        value = stripped
