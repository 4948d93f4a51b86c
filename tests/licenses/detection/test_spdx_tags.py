"""SPDX-License-Identifier tags: comment styles, validation, REUSE ignore blocks."""

from __future__ import annotations

import pytest

from app.licenses.detection.spdx_tags import TOOL, TOOL_VERSION, spdx_tag_findings
from app.models.enums import LicenseSource


@pytest.mark.parametrize(
    ("line", "expression"),
    [
        ("// SPDX-License-Identifier: MIT", "MIT"),
        ("# SPDX-License-Identifier: Apache-2.0", "Apache-2.0"),
        ("/* SPDX-License-Identifier: GPL-2.0-or-later */", "GPL-2.0-or-later"),
        ("<!-- SPDX-License-Identifier: CC0-1.0 -->", "CC0-1.0"),
        ("-- SPDX-License-Identifier: MPL-2.0", "MPL-2.0"),
        ("{# SPDX-License-Identifier: BSD-3-Clause #}", "BSD-3-Clause"),
        ("(* SPDX-License-Identifier: LGPL-2.1-only *)", "LGPL-2.1-only"),
        (";; SPDX-License-Identifier: GPL-3.0-or-later", "GPL-3.0-or-later"),
        (" * SPDX-License-Identifier: (MIT OR Apache-2.0)", "MIT OR Apache-2.0"),
        (
            "// SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note",
            "GPL-2.0-only WITH Linux-syscall-note",
        ),
        ("# SPDX-License-Identifier: gpl-2.0+", "GPL-2.0-or-later"),  # old form, normalized
    ],
)
def test_tag_in_any_comment_style(line: str, expression: str):
    (finding,) = spdx_tag_findings(f"#!/bin/sh\n{line}\necho hi\n", "x")

    assert finding.expression == expression
    assert finding.source is LicenseSource.SPDX_TAG
    assert (finding.start_line, finding.end_line) == (2, 2)
    assert (finding.tool, finding.tool_version) == (TOOL, TOOL_VERSION)
    assert finding.score == 100.0


@pytest.mark.parametrize(
    "value", ["MIT ANDD Apache-2.0", "GPL", "LicenseRef-my-own", "Apache 2", "MIT OR"]
)
def test_invalid_tag_is_unmapped_with_its_text(value: str):
    (finding,) = spdx_tag_findings(f"// SPDX-License-Identifier: {value}\n", "a.c")

    assert finding.expression is None
    assert finding.original_text == value
    assert finding.note


def test_reuse_ignore_block_and_empty_tag():
    text = (
        "# REUSE-IgnoreStart\n"
        '"""Write "SPDX-License-Identifier: GPL-3.0-only" at the top."""\n'
        "# REUSE-IgnoreEnd\n"
        "# SPDX-License-Identifier:\n"
        "# SPDX-License-Identifier: ISC\n"
    )
    assert [(f.expression, f.start_line) for f in spdx_tag_findings(text, "x")] == [("ISC", 5)]


def test_several_tags_each_give_a_finding():
    text = "// SPDX-License-Identifier: MIT\n\n// SPDX-License-Identifier: Zlib\n"
    assert [f.expression for f in spdx_tag_findings(text, None)] == ["MIT", "Zlib"]
