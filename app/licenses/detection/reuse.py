"""REUSE layouts: which licenses the REUSE specification (3.x) associates with each file.

A REUSE project keeps its license texts in ``LICENSES/<SPDX id>.<ext>`` and says
per file which apply, in four places, read here as the specification reads them:

* the file's own ``SPDX-License-Identifier`` tags (:mod:`.spdx_tags`);
* a ``<file>.license`` companion beside it, whose tags take the file's place
  ("the Commentable File's contents are ignored");
* ``REUSE.toml`` files, in any directory, covering files at or below it:
  ``[[annotations]]`` tables with ``path`` (a string or list of globs relative to
  the ``REUSE.toml``: ``*`` and ``?`` stop at ``/``, ``**`` does not, ``[seq]``,
  ``[!seq]``, ``\\`` escapes), ``SPDX-License-Identifier`` (an expression or a
  list) and ``precedence``. In one file the *last* matching table wins. Across
  files: ``override`` from the table nearest the root replaces everything else;
  ``aggregate`` tables always add their licenses; ``closest`` (the default)
  applies only when the file has no licensing information of its own, and then
  the nearest ``REUSE.toml`` does;
* ``.reuse/dep5`` (deprecated, the Debian ``copyright`` format 1.0): the last
  paragraph whose ``Files:`` globs match (``*`` crosses ``/``) adds its
  ``License:`` expression to the file's own.

Several expressions for one file all apply: they are joined with ``AND``.

What comes out is per file: the REUSE-sourced findings (source ``spdx_tag``,
evidence the ``REUSE.toml`` / ``dep5`` / ``.license`` file and line, tool
``codecommons-reuse``) and the file's resolved expression, which reconciliation
uses for the origin (:func:`~.reconcile.reconcile`). Expressions are validated
like SPDX tags: ``LicenseRef-*`` and typos stay unmapped with their text.
Hand-written because the REUSE tool is GPL-licensed and walks a checkout on disk;
this reads what a scan already holds, with ``tomllib`` for TOML.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

from app.licenses.detection.model import Finding
from app.licenses.detection.spdx_tags import spdx_tag_findings
from app.licenses.spdx import spdx_expression
from app.models.enums import LicenseSource

TOOL = "codecommons-reuse"
TOOL_VERSION = "1"

REUSE_TOML = "REUSE.toml"
DEP5 = ".reuse/dep5"
COMPANION_SUFFIX = ".license"
_PRECEDENCES = frozenset({"closest", "aggregate", "override"})


@dataclass(frozen=True, slots=True)
class Annotation:
    """One ``[[annotations]]`` table (or one dep5 paragraph)."""

    patterns: tuple[re.Pattern[str], ...]
    expressions: tuple[str, ...]
    precedence: str
    line: int | None  # where the table starts in its file


@dataclass(frozen=True, slots=True)
class ReuseFile:
    """What REUSE says about one file."""

    expression: str | None  # the resolved SPDX expression, None when unknown
    findings: list[Finding] = field(default_factory=list)  # REUSE-sourced evidence
    own_ignored: bool = False  # an override or a .license companion replaced its tags


def is_reuse_metadata(path: str) -> bool:
    """Whether ``path`` is a file REUSE reads for other files' licensing."""
    name = PurePosixPath(path).name
    return name == REUSE_TOML or path == DEP5 or name.endswith(COMPANION_SUFFIX)


def is_reuse_layout(paths: Iterable[str]) -> bool:
    """A tree with a root ``LICENSES/`` folder, a ``REUSE.toml`` or a ``.reuse/dep5``."""
    return any(
        p.startswith("LICENSES/") or p == DEP5 or PurePosixPath(p).name == REUSE_TOML for p in paths
    )


def resolve(
    paths: Iterable[str],
    metadata: Mapping[str, str],
    own: Mapping[str, Sequence[Finding]],
) -> dict[str, ReuseFile]:
    """REUSE licensing of every file of ``paths`` that REUSE says something about.

    ``metadata``: the text of each ``REUSE.toml``, ``.reuse/dep5`` and ``*.license``
    file of the tree (path -> text); ``own``: each file's own findings (only its
    SPDX tags are read). Files with no licensing information at all are left out;
    a file with only its own tags has its expression and no REUSE findings.
    """
    tables = {
        _parent(path): _toml_annotations(text)
        for path, text in metadata.items()
        if PurePosixPath(path).name == REUSE_TOML
    }
    dep5 = _dep5_annotations(metadata[DEP5]) if DEP5 in metadata else []
    out: dict[str, ReuseFile] = {}
    for path in paths:
        if is_reuse_metadata(path) or path.startswith("LICENSES/"):
            continue
        resolved = _resolve_one(path, metadata, own, tables, dep5)
        if resolved is not None:
            out[path] = resolved
    return out


def _resolve_one(
    path: str,
    metadata: Mapping[str, str],
    own: Mapping[str, Sequence[Finding]],
    tables: Mapping[str, list[Annotation]],
    dep5: list[Annotation],
) -> ReuseFile | None:
    findings: list[Finding] = []
    companion = path + COMPANION_SUFFIX
    own_ignored = False
    if companion in metadata:
        tags = spdx_tag_findings(metadata[companion], companion)
        own_expressions = [f.expression for f in tags]
        findings += [_from_tag(f, ".license companion") for f in tags]
        own_ignored = True
    else:
        tags = [f for f in own.get(path, ()) if f.source is LicenseSource.SPDX_TAG]
        own_expressions = [f.expression for f in tags]
    # The last matching table of each REUSE.toml covering the file, nearest first.
    covering: list[tuple[str, Annotation]] = []
    for directory in _ancestors(path):
        table = _last_match(tables.get(directory, []), _relative(path, directory))
        if table is not None:
            covering.append((directory, table))
    chosen: list[tuple[str, Annotation]] = []
    overrides = [c for c in covering if c[1].precedence == "override"]
    if overrides:
        chosen = [overrides[-1]]  # the one nearest the root is authoritative
        own_expressions, own_ignored = [], True
        findings = []
    else:
        chosen = [c for c in covering if c[1].precedence == "aggregate"]
        if not own_expressions:
            closest = next((c for c in covering if c[1].precedence == "closest"), None)
            if closest is not None:
                chosen.append(closest)
    expressions: list[str | None] = list(own_expressions)
    for directory, table in chosen:
        source = f"{directory}/{REUSE_TOML}" if directory else REUSE_TOML
        for expression in table.expressions:
            findings.append(_annotation_finding(expression, source, table, "REUSE.toml annotation"))
            expressions.append(spdx_expression(expression))
    paragraph = _last_match(dep5, path)
    if paragraph is not None and not overrides:
        for expression in paragraph.expressions:
            findings.append(_annotation_finding(expression, DEP5, paragraph, "dep5 paragraph"))
            expressions.append(spdx_expression(expression))
    if not findings and not expressions:
        return None
    return ReuseFile(expression=_all_apply(expressions), findings=findings, own_ignored=own_ignored)


def _all_apply(expressions: Sequence[str | None]) -> str | None:
    """Every expression applies (``AND``); one unknown makes the whole unknown."""
    if not expressions or any(x is None for x in expressions):
        return None
    distinct = list(dict.fromkeys(x for x in expressions if x))
    if len(distinct) == 1:
        return distinct[0]
    return spdx_expression(" AND ".join(f"({x})" for x in distinct))


def _from_tag(tag: Finding, rule: str) -> Finding:
    return Finding(
        expression=tag.expression,
        original_text=tag.original_text,
        source=LicenseSource.SPDX_TAG,
        path=tag.path,
        start_line=tag.start_line,
        end_line=tag.end_line,
        score=tag.score,
        tool=TOOL,
        tool_version=TOOL_VERSION,
        rule=rule,
        note=tag.note,
    )


def _annotation_finding(value: str, source: str, table: Annotation, rule: str) -> Finding:
    expression = spdx_expression(value)
    return Finding(
        expression=expression,
        original_text=value,
        source=LicenseSource.SPDX_TAG,
        path=source,
        start_line=table.line,
        end_line=table.line,
        score=100.0 if expression else None,
        tool=TOOL,
        tool_version=TOOL_VERSION,
        rule=rule,
        note=None if expression else "not a valid SPDX License List expression",
    )


def _last_match(annotations: Sequence[Annotation], relative: str | None) -> Annotation | None:
    if relative is None:
        return None
    found = None
    for annotation in annotations:
        if any(p.fullmatch(relative) for p in annotation.patterns):
            found = annotation
    return found


def _toml_annotations(text: str) -> list[Annotation]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []  # a broken REUSE.toml says nothing we can cite
    starts = [i for i, line in enumerate(text.split("\n"), 1) if line.strip() == "[[annotations]]"]
    out: list[Annotation] = []
    for number, table in enumerate(data.get("annotations") or []):
        if not isinstance(table, dict):
            continue
        paths = _strings(table.get("path"))
        expressions = _strings(table.get("SPDX-License-Identifier"))
        precedence = table.get("precedence", "closest")
        if not paths or precedence not in _PRECEDENCES:
            continue
        out.append(
            Annotation(
                patterns=tuple(_toml_glob(p) for p in paths),
                expressions=tuple(expressions),
                precedence=str(precedence),
                line=starts[number] if number < len(starts) else None,
            )
        )
    return out


def _dep5_annotations(text: str) -> list[Annotation]:
    """``Files`` / ``License`` paragraphs of a Debian copyright-format 1.0 file."""
    out: list[Annotation] = []
    for start, fields in _dep5_paragraphs(text):
        files = fields.get("files")
        license_ = fields.get("license")
        if not files or not license_:
            continue
        expression = license_.split("\n", 1)[0].strip()  # the rest is the license text
        out.append(
            Annotation(
                patterns=tuple(_dep5_glob(p) for p in files.split()),
                expressions=(expression,) if expression else (),
                precedence="aggregate",
                line=start,
            )
        )
    return out


def _dep5_paragraphs(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    fields: dict[str, str] = {}
    current: str | None = None
    start = 1
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if fields:
                yield start, fields
            fields, current = {}, None
            continue
        if not fields:
            start = number
        if line[:1] in {" ", "\t"} and current is not None:
            fields[current] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            current = name.strip().lower()
            fields[current] = value.strip()
    if fields:
        yield start, fields


@cache
def _toml_glob(pattern: str) -> re.Pattern[str]:
    """REUSE.toml's globbing (module doc) as a regex over a relative POSIX path."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                out.append(("[^" if negate else "[") + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


@cache
def _dep5_glob(pattern: str) -> re.Pattern[str]:
    """Debian copyright-format globs: ``*`` any string (``/`` too), ``?`` one character."""
    out = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lstrip("./")
    )
    return re.compile(out, re.DOTALL)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _parent(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _ancestors(path: str) -> Iterable[str]:
    """The directories above ``path``, nearest first, ending with the root ("")."""
    directory = _parent(path)
    while True:
        yield directory
        if not directory:
            return
        directory = _parent(directory)


def _relative(path: str, directory: str) -> str | None:
    if not directory:
        return path
    prefix = directory + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None
