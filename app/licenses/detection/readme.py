"""The license section of a README (Markdown or reStructuredText).

Only that section is matched: a README body mentions other projects' licenses
("unlike GPL tools, ...") and badges for them, and ScanCode would report those as if
they were this project's. Hand-written because it is a heading scan; a Markdown or
rST parser would add a dependency to find one heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+.:_])\1{2,}\s*$")
_LICENSE_TITLE = re.compile(r"\blicen[cs](e|es|ing)\b|\bcopying\b|\bcopyright\b", re.I)


@dataclass(frozen=True, slots=True)
class Section:
    start_line: int  # 1-based line of the heading
    text: str  # the heading and its body


def license_sections(text: str) -> list[Section]:
    """Every section whose heading names the license, up to the next heading of its level."""
    lines = text.splitlines()
    headings = _headings(lines)
    sections: list[Section] = []
    for i, (index, level, title) in enumerate(headings):
        if not _LICENSE_TITLE.search(title):
            continue
        end = len(lines)
        for next_index, next_level, _ in headings[i + 1 :]:
            if next_level <= level:
                end = next_index
                break
        sections.append(Section(start_line=index + 1, text="\n".join(lines[index:end])))
    return sections


def _headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, level, title) of ATX, setext and rST headings (rST levels by first use)."""
    out: list[tuple[int, int, str]] = []
    underline_levels: dict[str, int] = {}
    in_fence = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        atx = _ATX.match(line)
        if atx:
            out.append((index, len(atx.group(1)), atx.group(2)))
            continue
        under = _UNDERLINE.match(line)
        if (
            under
            and index > 0
            and lines[index - 1].strip()
            and not _UNDERLINE.match(lines[index - 1])
        ):
            char = under.group(1)
            level = underline_levels.setdefault(char, len(underline_levels) + 1)
            out.append((index - 1, level, lines[index - 1].strip()))
    return out
