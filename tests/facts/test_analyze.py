"""analyze_file on real files: languages by Linguist, flags, exact line statistics.

Expected statistics come from coreutils (see samples/SOURCES.md), not from the
code under test.
"""

from __future__ import annotations

import codecs

import pytest

from app.facts import FileFacts, analyze_content, analyze_file, tool_version, tools
from app.facts.analyze import MODE_SYMLINK
from app.models.facts import ContentFact

from .conftest import sample

FILE = 0o100644
EXECUTABLE = 0o100755


def facts_of(name: str, path: bytes | None = None, mode: int = FILE) -> FileFacts:
    data = sample(name)
    return analyze_file(path or name.encode(), data, len(data), mode)


@pytest.mark.parametrize(
    ("name", "language", "lines", "longest", "size", "alnum"),
    [
        # name, Linguist language, wc -l, awk longest line, wc -c, tr -cd [:alnum:]
        ("attr_version_info.py", "Python", 89, 79, 2222, 1223),
        ("npy_os.h", "C", 42, 71, 1256, 792),
        ("SectionMemoryManager.h", "C++", 226, 80, 10128, 6964),
        ("emscripten_fetch_worker.js", "JavaScript", 110, 81, 3677, 2338),
        ("draft3_metaschema.json", "JSON", 172, 55, 2600, 1136),
    ],
)
def test_source_files(
    name: str, language: str, lines: int, longest: int, size: int, alnum: int
) -> None:
    facts = facts_of(name)
    assert facts.language == language
    assert facts.encoding == "utf-8"
    assert not facts.is_binary
    assert not facts.is_too_large
    assert facts.line_count == lines  # every sample ends with a newline: lines == newlines
    assert facts.max_line_length == longest
    # BigCode's mean: characters without terminators over lines (all samples are ASCII)
    assert facts.mean_line_length == pytest.approx((size - lines) / lines)
    assert facts.alnum_fraction == pytest.approx(alnum / size)
    assert not facts.is_minified
    assert not facts.is_generated
    assert not facts.is_vendored


def test_data_file_is_data_and_code_is_not() -> None:
    assert facts_of("draft3_metaschema.json").is_data
    assert not facts_of("attr_version_info.py").is_data
    assert not facts_of("npy_os.h").is_data


def test_minified_javascript() -> None:
    facts = facts_of("underscore.min.js")
    assert facts.language == "JavaScript"
    assert facts.is_minified
    assert facts.is_generated  # Linguist calls minified JS generated
    assert facts.line_count == 1  # 18798 bytes, no newline at all (wc -l says 0)
    assert facts.max_line_length == 18798
    assert facts.mean_line_length == 18798
    assert facts.alnum_fraction == pytest.approx(11787 / 18798)


def test_minified_rule_needs_low_whitespace() -> None:
    # Long lines alone are not minification: a wide, spaced table is formatted code.
    row = "    (" + ", ".join(f"{i:>6}" for i in range(20)) + "),\n"
    text = "TABLE = [\n" + row * 50 + "]\n"
    facts = analyze_file(b"table.py", text.encode(), len(text), FILE)
    assert facts.mean_line_length is not None
    assert facts.mean_line_length > 110
    assert not facts.is_minified


def test_shared_object_is_binary() -> None:
    facts = facts_of("_fpumode.cpython-311-x86_64-linux-gnu.so")
    assert facts.is_binary
    assert facts.language is None
    assert facts.encoding is None
    assert facts.line_count is None
    assert facts.alnum_fraction is None
    analysis = analyze_content(b"x.so", sample("_fpumode.cpython-311-x86_64-linux-gnu.so"), 0, FILE)
    assert analysis.text is None


@pytest.mark.parametrize(
    ("path", "content", "language"),
    [
        # Linguist heuristics for ambiguous extensions
        (b"a.h", b"#include <stdio.h>\nint main(void);\n", "C"),
        (b"a.h", b"#include <vector>\nnamespace foo { class Bar {}; }\n", "C++"),
        (
            b"a.h",
            b"#import <Foundation/Foundation.h>\n@interface Foo : NSObject\n@end\n",
            "Objective-C",
        ),
        (
            b"f.m",
            b"% square\nfunction y = f(x)\n  % it\n  y = x.^2;\n  disp('hi');\nend\n",
            "MATLAB",
        ),
        (b"a.m", b'#import "Foo.h"\n@implementation Foo\n- (void)bar {}\n@end\n', "Objective-C"),
        (b"a.pl", b"use strict;\nmy $x = 1;\nprint $x;\n", "Perl"),
        (b"a.pl", b":- module(foo, [bar/1]).\nbar(X) :- baz(X).\n", "Prolog"),
        (b"a.ts", b"export const x: number = 1;\n", "TypeScript"),
        (b"de.ts", b'<?xml version="1.0"?>\n<!DOCTYPE TS>\n<TS version="2.1">\n</TS>\n', "XML"),
        # shebang and filename
        (b"bin/tool", b"#!/usr/bin/env python3\nprint('hi')\n", "Python"),
        (b"Makefile", b"all:\n\techo hi\n", "Makefile"),
        (b"Dockerfile", b"FROM debian\n", "Dockerfile"),
    ],
)
def test_language_by_name_and_content(path: bytes, content: bytes, language: str) -> None:
    assert analyze_file(path, content, len(content), EXECUTABLE).language == language


def test_unknown_language_is_none() -> None:
    assert analyze_file(b"notes.zzz-unknown", b"hello\n", 6, FILE).language is None


@pytest.mark.parametrize(
    ("path", "vendored"),
    [
        (b"node_modules/left-pad/index.js", True),
        (b"vendor/github.com/pkg/errors/errors.go", True),
        (b"third_party/zlib/inflate.c", True),
        (b"static/js/jquery-3.6.0.min.js", True),
        (b"src/app/main.py", False),
    ],
)
def test_vendored_by_path(path: bytes, vendored: bool) -> None:
    data = sample("emscripten_fetch_worker.js")
    assert analyze_file(path, data, len(data), FILE).is_vendored is vendored


@pytest.mark.parametrize(
    ("path", "content"),
    [
        (b"x_string.go", b"// Code generated by stringer; DO NOT EDIT.\n\npackage x\n"),
        (
            b"foo_pb2.py",
            b"# Generated by the protocol buffer compiler.  DO NOT EDIT!\n# source: foo.proto\n",
        ),
        (b"package-lock.json", b'{"lockfileVersion": 3}\n'),
        (b"dist/app.js.map", b'{"version":3,"sources":[]}'),
    ],
)
def test_generated_by_linguist_rules(path: bytes, content: bytes) -> None:
    assert analyze_file(path, content, len(content), FILE).is_generated


def test_too_large_uses_the_name_only() -> None:
    facts = analyze_file(b"data/huge.json", None, 50 * 1024 * 1024, FILE)
    assert facts.is_too_large
    assert facts.language == "JSON"
    assert facts.is_data
    assert facts.line_count is None
    assert facts.encoding is None
    assert not facts.is_binary


def test_symlink_has_no_language() -> None:
    target = b"../lib/module.py"
    facts = analyze_file(b"vendor/link.py", target, len(target), MODE_SYMLINK)
    assert facts.language is None
    assert facts.line_count is None
    assert facts.is_vendored  # a path rule still applies


def test_legacy_encoding_is_detected() -> None:
    # A real text (a sample's docstring) with accents, stored as Windows-1252. Which
    # single-byte code page wrote it cannot be known for sure (à in cp1252 is ŕ in
    # cp1250, both valid): what must hold is that it is read as text, not UTF-8, in
    # a code page that decodes every byte, with the same lines.
    text = sample("attr_version_info.py").decode("ascii")
    text = text.replace("A version object", "Un objet « version » créé à la volée")
    data = text.encode("cp1252")
    facts = analyze_file(b"version_info.py", data, len(data), FILE)
    assert facts.encoding is not None
    assert facts.encoding not in ("utf-8", "ascii")
    assert data.decode(facts.encoding).encode(facts.encoding) == data
    assert facts.language == "Python"
    assert not facts.is_binary
    assert facts.line_count == 89


def test_utf16_with_bom_is_text_not_binary() -> None:
    text = sample("npy_os.h").decode("ascii")
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    facts = analyze_file(b"npy_os.h", data, len(data), FILE)
    assert not facts.is_binary
    assert facts.encoding == "utf-16"
    assert facts.line_count == 42


def test_utf8_bom() -> None:
    data = codecs.BOM_UTF8 + b"x = 1\n"
    facts = analyze_file(b"a.py", data, len(data), FILE)
    assert facts.encoding == "utf-8-sig"
    assert facts.max_line_length == 5


def test_empty_file() -> None:
    facts = analyze_file(b"__init__.py", b"", 0, FILE)
    assert facts.language == "Python"
    assert facts.line_count == 0
    assert facts.max_line_length == 0
    assert facts.mean_line_length is None
    assert facts.alnum_fraction is None


def test_tool_and_versions_are_recorded() -> None:
    facts = facts_of("attr_version_info.py")
    assert facts.tool == "codecommons-facts"
    assert facts.tool_version == tool_version()
    for library in ("enry-python", "detect-secrets", "datasketch", "charset-normalizer"):
        assert library in facts.tools
        assert f"{library} {facts.tools[library]}" in facts.tool_version


def test_row_matches_the_content_fact_table() -> None:
    row = facts_of("attr_version_info.py").as_row()
    columns = set(ContentFact.__table__.columns.keys())
    assert set(row) <= columns
    assert set(row) == columns - {
        "content_id",
        "minhash",
        "near_dup_cluster",
        "pii_count",
        "computed_at",
    }


def test_tools_is_stable() -> None:
    assert tools() == tools()
    assert tools()["codecommons-facts"] == tool_version().split(" ")[0]
