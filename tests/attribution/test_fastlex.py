"""The regex normaliser: the same normalisation as the pygments path, per language."""

from __future__ import annotations

from app.attribution.fastlex import family
from app.attribution.tokens import lexer_for, token_arrays, tokenize
from app.attribution.winnowing import fingerprint_arrays


def texts(code: str, language: str) -> list[tuple[str, int]]:
    return [(t.text, t.line) for t in tokenize(code, lexer_for(language))]


def test_the_common_languages_have_a_regex_normaliser() -> None:
    for name in (
        *("python", "c", "cpp", "java", "javascript", "typescript", "go", "rust", "text"),
        *("markdown", "json", "yaml", "toml", "bash", "ruby", "lua"),
    ):
        assert family(name) is not None, name
    assert family("haskell") is None  # pygments keeps the rest


def test_python_docstrings_prefixes_and_adjacent_literals() -> None:
    code = 'def f(a):\n    r"""Doc\n    more."""\n    return b"x" f\'{a}\' + 0x1F\n'
    assert texts(code, "python") == [
        ("def", 1), ("V", 1), ("(", 1), ("V", 1), (")", 1), (":", 1),
        ("return", 4), ("S", 4), ("+", 4), ("N", 4),
    ]  # fmt: skip


def test_a_hash_inside_a_string_is_no_comment() -> None:
    assert [t for t, _ in texts('x = "# not a comment"  # a comment\n', "python")] == [
        "V", "=", "S",
    ]  # fmt: skip


def test_c_family_comments_strings_and_keywords() -> None:
    code = "int main() { /* a\nb */ char c = 'x'; // note\n  return printf(\"%d\\n\", 42); }\n"
    assert texts(code, "c") == [
        ("int", 1), ("V", 1), ("(", 1), (")", 1), ("{", 1), ("char", 2), ("V", 2), ("=", 2),
        ("S", 2), (";", 2), ("return", 3), ("V", 3), ("(", 3), ("S", 3), (",", 3), ("N", 3),
        (")", 3), (";", 3), ("}", 3),
    ]  # fmt: skip


def test_rust_lifetimes_are_not_char_literals() -> None:
    code = "fn f<'a>(x: &'a str) -> &'a str { x }\n"
    assert "S" not in [t for t, _ in texts(code, "rust")]


def test_javascript_template_literals_span_lines() -> None:
    assert texts("const s = `a\n${b}\nc`;\nlet x = 1;\n", "javascript") == [
        ("const", 1), ("V", 1), ("=", 1), ("S", 1), (";", 3),
        ("let", 4), ("V", 4), ("=", 4), ("N", 4), (";", 4),
    ]  # fmt: skip


def test_arrays_and_tokens_agree() -> None:
    """The index (arrays) and a query (Token objects) fingerprint alike."""
    from app.attribution.winnowing import fingerprints

    code = "\n".join(f"def f{i}(a, b):\n    return a * {i} + b.get('k', [a, b])" for i in range(30))
    lexer = lexer_for("python")
    hashes, lines, ends = fingerprint_arrays(*token_arrays(code, lexer))
    listed = fingerprints(tokenize(code, lexer))
    assert [(f.hash, f.line, f.end_line) for f in listed] == list(
        zip(hashes.tolist(), lines.tolist(), ends.tolist(), strict=True)
    )
    assert listed


def test_shell_comments_start_after_a_blank() -> None:
    """``$#`` is the argument count, not a comment: the line goes on."""
    assert [t for t, _ in texts('n=$# # count\necho "$n"\n', "bash")] == [
        "V", "=", "$", "#", "V", "S",
    ]  # fmt: skip
